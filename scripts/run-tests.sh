#!/usr/bin/env bash
# `make test`: everything the suite needs, the cheap guards, then the whole suite twice.
#
#   1. .venv with the project and its [test] extras
#   2. Debian packages, PostgreSQL, Redis and axe-core (scripts/test-system.sh)
#   3. ruff check, ruff format --check, makemigrations --check, manage.py check
#   4. pytest on SQLite (browser tests excluded), then pytest on PostgreSQL (everything)
#
# It fails if any step fails, but still runs both suites so one run shows every problem. The
# last line it prints is pytest's summary of the PostgreSQL run; earlier results are recalled
# just before that run starts.
#   EGOV_TEST_WORKERS   pytest-xdist workers (default 2; 0 runs in one process)
#   EGOV_TEST_DATABASES "sqlite postgres" (default), or one of them
#   PYTEST_ARGS         extra arguments for both pytest runs (e.g. "-x" or "egov/units")
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

bash scripts/ensure-venv.sh test
# shellcheck source=scripts/test-system.sh
. scripts/test-system.sh

databases="${EGOV_TEST_DATABASES:-sqlite postgres}"
need_postgres=0
case " $databases " in *" postgres "*) need_postgres=1 ;; esac

if [ "$need_postgres" -eq 1 ]; then
	test_system_prepare
else
	apt_install "${TEST_DEBIAN_PACKAGES[@]}" || warn "continuing without them"
	# The SQLite-only run does without Redis if it must (its tests marked `redis` are skipped);
	# the full run (test_system_prepare) requires it.
	(ensure_redis) || {
		warn "no Redis at $EGOV_TEST_REDIS_URL: tests marked redis are skipped"
		unset EGOV_TEST_REDIS_URL
	}
	ensure_axe
fi

# The tests choose their own settings; nothing from the caller's shell may point them elsewhere.
unset DATABASE_URL REDIS_URL SECRET_KEY DEBUG EGOV_DEMO EGOV_SECURE ALLOWED_HOSTS
export DJANGO_SETTINGS_MODULE=egov.test_settings EGOV_TESTING=1
# Files written by the tests go to a scratch folder, never into ./var (the demo's data).
EGOV_VAR_DIR="$(mktemp -d "${TMPDIR:-/tmp}/egov-test-var.XXXXXX")"
export EGOV_VAR_DIR
trap 'rm -rf "$EGOV_VAR_DIR"' EXIT

failed=()
step() {
	local name="$1"
	shift
	say "$name"
	if ! "$@"; then
		failed+=("$name")
		printf 'FAILED: %s\n' "$name"
	fi
}

step "ruff check" "$VENV/bin/ruff" check .
step "ruff format --check" "$VENV/bin/ruff" format --check .
step "makemigrations --check" "$PY" manage.py makemigrations --check --dry-run
step "manage.py check" "$PY" manage.py check --fail-level WARNING

workers="${EGOV_TEST_WORKERS:-2}"
# shellcheck disable=SC2206
pytest=("$VENV/bin/pytest" -q -n "$workers" --durations=10 ${PYTEST_ARGS:-})

pytest_run() {
	local label="$1"
	shift
	say "pytest on $label"
	local rc=0
	"$@" || rc=$?
	if [ "$rc" -eq 5 ]; then
		printf 'pytest on %s collected no tests\n' "$label"
	fi
	[ "$rc" -eq 0 ] || failed+=("pytest on $label (exit $rc)")
	return 0
}

if [ "$need_postgres" -eq 1 ] && [[ " $databases " == *" sqlite "* ]]; then
	pytest_run SQLite "${pytest[@]}" -m "not browser"
	# Recall everything so far, so the PostgreSQL summary can be the very last line.
	if [ "${#failed[@]}" -eq 0 ]; then
		say "so far: all checks and the SQLite run passed"
	else
		say "so far, FAILED: $(printf '%s; ' "${failed[@]}" | sed 's/; $//')"
	fi
	DATABASE_URL="$EGOV_TEST_DATABASE_URL" pytest_run PostgreSQL "${pytest[@]}"
elif [ "$need_postgres" -eq 1 ]; then
	[ "${#failed[@]}" -eq 0 ] || say "so far, FAILED: $(printf '%s; ' "${failed[@]}" | sed 's/; $//')"
	DATABASE_URL="$EGOV_TEST_DATABASE_URL" pytest_run PostgreSQL "${pytest[@]}"
else
	[ "${#failed[@]}" -eq 0 ] || say "so far, FAILED: $(printf '%s; ' "${failed[@]}" | sed 's/; $//')"
	pytest_run SQLite "${pytest[@]}"
fi

[ "${#failed[@]}" -eq 0 ]
