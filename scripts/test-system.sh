# shellcheck shell=bash
# What the test suite needs from the machine, made present. Sourced by run-tests.sh; run on its
# own (`bash scripts/test-system.sh`, or `make test-deps`) it only prepares the machine.
#
# - Debian packages (installed when missing and we are root): Chromium for browser tests,
#   poppler-utils (pdfsig, pdftoppm, pdftotext, pdffonts), zbar-tools (zbarimg reads the printed
#   QR codes back), fonts with full Vietnamese, libnss3-tools (certutil), wrk, gettext,
#   PostgreSQL, Redis, and the libraries WeasyPrint loads (PDF_DEBIAN_PACKAGES in lib.sh).
# - PostgreSQL answering on 127.0.0.1:5432 (started, and trusted for local TCP on a fresh machine).
# - Redis answering on 127.0.0.1:6379 (started bound to loopback only, keeping nothing on disk).
# - axe-core from npm in ./node_modules for the accessibility tests.
# It exports for the tests: EGOV_TEST_DATABASE_URL, EGOV_TEST_REDIS_URL, EGOV_AXE_PATH,
# EGOV_CHROMIUM. Set EGOV_TEST_DATABASE_URL / EGOV_TEST_REDIS_URL beforehand to use other servers.

# shellcheck source=scripts/lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEST_DEBIAN_PACKAGES=(
	chromium poppler-utils zbar-tools fonts-dejavu-core libnss3-tools wrk gettext
	postgresql redis-server
	"${PDF_DEBIAN_PACKAGES[@]}"
)

export EGOV_TEST_DATABASE_URL="${EGOV_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/egov}"
export EGOV_TEST_REDIS_URL="${EGOV_TEST_REDIS_URL:-redis://127.0.0.1:6379/15}"

# pg_probe: 0 when the server in EGOV_TEST_DATABASE_URL answers a query on its maintenance
# database; otherwise prints the reason and returns 1.
pg_probe() {
	"$PY" - "$EGOV_TEST_DATABASE_URL" <<'EOF'
import sys
import psycopg
from psycopg.conninfo import conninfo_to_dict, make_conninfo
params = conninfo_to_dict(sys.argv[1])
params["dbname"] = "postgres"
try:
    with psycopg.connect(make_conninfo(**params), connect_timeout=3) as conn:
        conn.execute("SELECT 1")
except Exception as error:  # noqa: BLE001
    print(str(error).strip().splitlines()[0] if str(error).strip() else repr(error))
    sys.exit(1)
EOF
}

pg_wait() {
	local _
	for _ in $(seq 1 30); do
		pg_probe >/dev/null && return 0
		sleep 1
	done
	return 1
}

ensure_postgres() {
	local reason
	reason="$(pg_probe)" && return 0
	local url_given=0
	[ "$EGOV_TEST_DATABASE_URL" != "postgres://postgres@127.0.0.1:5432/egov" ] && url_given=1
	if [ "$url_given" -eq 1 ]; then
		die "PostgreSQL at EGOV_TEST_DATABASE_URL does not answer: $reason"
	fi
	say "PostgreSQL on 127.0.0.1 does not answer ($reason): starting it"
	can_be_root || die "PostgreSQL is not running and we are not root: start it, or set
  EGOV_TEST_DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/egov (a role that may create databases)"
	apt_install postgresql || die "could not install postgresql"
	local version
	version="$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' 2>/dev/null | sort -V | tail -n 1)"
	[ -n "$version" ] || die "no PostgreSQL server under /usr/lib/postgresql"
	if [ ! -d "/etc/postgresql/$version/main" ]; then
		as_root pg_createcluster "$version" main >/dev/null
	fi
	local hba="/etc/postgresql/$version/main/pg_hba.conf"
	as_root pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null || true
	local _
	for _ in $(seq 1 30); do
		reason="$(pg_probe)" && return 0
		printf '%s' "$reason" | grep -qiE 'authentication|password' && break
		sleep 1
	done
	if printf '%s' "$reason" | grep -qiE 'authentication|password'; then
		# A fresh Debian cluster asks for passwords over TCP; this is a throwaway test machine,
		# so trust loopback connections (first matching line wins in pg_hba.conf).
		say "trusting loopback TCP connections in $hba (test machine)"
		as_root sed -i '1i # egov tests (scripts/test-system.sh): trust loopback TCP on this test machine\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
		as_root pg_ctlcluster --skip-systemctl-redirect "$version" main reload
	fi
	pg_wait || die "PostgreSQL still does not answer on 127.0.0.1:5432: $(pg_probe || true)"
}

redis_probe() {
	"$PY" -c 'import sys, redis; redis.Redis.from_url(sys.argv[1], socket_connect_timeout=2).ping()' \
		"$EGOV_TEST_REDIS_URL" 2>/dev/null
}

ensure_redis() {
	redis_probe && return 0
	[ "$EGOV_TEST_REDIS_URL" = "redis://127.0.0.1:6379/15" ] ||
		die "Redis at EGOV_TEST_REDIS_URL does not answer"
	say "Redis on 127.0.0.1:6379 does not answer: starting it"
	have redis-server || apt_install redis-server || die "redis-server is missing and we are not root"
	local dir="$REPO_ROOT/var/redis"
	if [ "$(id -u)" -eq 0 ] && [ -d /var/lib/redis ]; then dir=/var/lib/redis; fi
	mkdir -p "$dir"
	# Loopback only (redis-server started by hand listens everywhere otherwise), nothing on disk.
	redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
		--dir "$dir" --logfile "$dir/egov-tests.log" >/dev/null
	local _
	for _ in $(seq 1 20); do
		redis_probe && return 0
		sleep 0.5
	done
	die "Redis still does not answer on 127.0.0.1:6379 (see $dir/egov-tests.log)"
}

ensure_axe() {
	export EGOV_AXE_PATH="$REPO_ROOT/node_modules/axe-core/axe.min.js"
	[ -f "$EGOV_AXE_PATH" ] && return 0
	if ! have npm; then
		apt_install nodejs npm || {
			warn "npm is missing: accessibility tests will not find axe-core"
			return 0
		}
	fi
	say "installing axe-core@4 into ./node_modules"
	npm install --prefix "$REPO_ROOT" --no-save --no-audit --no-fund --no-package-lock \
		--loglevel=error axe-core@4 >/dev/null </dev/null
	[ -f "$EGOV_AXE_PATH" ] || warn "axe-core did not install: accessibility tests will skip or fail"
}

test_system_prepare() {
	[ -x "$PY" ] || die "no $PY: run scripts/ensure-venv.sh test first"
	apt_install "${TEST_DEBIAN_PACKAGES[@]}" ||
		warn "continuing without them: tests that need them will skip or fail"
	ensure_postgres
	ensure_redis
	ensure_axe
	if have chromium; then
		export EGOV_CHROMIUM="${EGOV_CHROMIUM:-$(command -v chromium)}"
	fi
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
	test_system_prepare
	say "ready: PostgreSQL $EGOV_TEST_DATABASE_URL, Redis $EGOV_TEST_REDIS_URL, axe-core $EGOV_AXE_PATH"
fi
