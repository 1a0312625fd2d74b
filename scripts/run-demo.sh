#!/usr/bin/env bash
# `make run`: the demo on the embedded default (SQLite file and media folder under ./var, tasks
# inline, no other server), served at http://127.0.0.1:$PORT/ (default 8000). Running it again
# keeps the data: migrations and the demo loader are idempotent.
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

PORT="${PORT:-8000}"
case "$PORT" in '' | *[!0-9]*) die "PORT must be a number, not '$PORT'" ;; esac

bash scripts/ensure-venv.sh
apt_install "${PDF_DEBIAN_PACKAGES[@]}" ||
	warn "the printed forms (PDF) need these Debian packages; everything else runs without them"

# EGOV_DEMO turns DEBUG on (static files served by runserver) and relaxes officials' 2FA.
export EGOV_DEMO=1 DJANGO_SETTINGS_MODULE=egov.settings
unset EGOV_TESTING
var_dir="${EGOV_VAR_DIR:-$REPO_ROOT/var}"
mkdir -p "$var_dir" "${MEDIA_ROOT:-$var_dir/media}"

say "migrating the database ($([ -n "${DATABASE_URL:-}" ] && echo "DATABASE_URL" || echo "$var_dir/egov.sqlite3"))"
"$PY" manage.py migrate --noinput -v 0

if django_has_command load_demo; then
	say "loading the demo data (kept when already there)"
	"$PY" manage.py load_demo
else
	warn "manage.py load_demo does not exist yet: the demo starts without data"
fi

if django_has_command demo_accounts; then
	"$PY" manage.py demo_accounts
elif [ -f docs/demo-accounts.md ]; then
	cat docs/demo-accounts.md
fi

say "egov demo: http://127.0.0.1:$PORT/  (Ctrl-C to stop)"
exec "$PY" manage.py runserver "127.0.0.1:$PORT" --noreload
