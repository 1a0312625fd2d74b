#!/usr/bin/env bash
# Make sure .venv exists (Python 3.11) and holds the project, installed editable.
#   scripts/ensure-venv.sh        -> pip install -e .
#   scripts/ensure-venv.sh test   -> pip install -e '.[test]'
# Reinstalls only when pyproject.toml is newer than the last install (a stamp file in .venv).
# shellcheck source=scripts/lib.sh
. "$(dirname "$0")/lib.sh"

extras="${1:-}"
target="."
stamp="$VENV/.egov-installed"
if [ -n "$extras" ]; then
	target=".[$extras]"
	stamp="$VENV/.egov-installed-$extras"
fi

venv_ok() {
	[ -x "$PY" ] && "$PY" -c 'import sys, pip; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null
}

if ! venv_ok; then
	python="$(find_python)" || die "Python 3.11 not found (set PYTHON=/path/to/python3.11)"
	[ -e "$VENV" ] && {
		say "removing unusable $VENV"
		rm -rf "$VENV"
	}
	say "creating $VENV with $python"
	if ! "$python" -m venv "$VENV" 2>/dev/null; then
		# Debian's python3.11 ships venv's ensurepip in a separate package.
		rm -rf "$VENV"
		apt_install python3-venv python3.11-venv ||
			die "python3 -m venv failed; as root: apt-get install python3-venv"
		"$python" -m venv "$VENV"
	fi
	rm -f "$VENV"/.egov-installed*
fi

fresh() { [ -e "$1" ] && ! [ pyproject.toml -nt "$1" ]; }
# The test install includes everything the plain one has.
if fresh "$stamp" || { [ -z "$extras" ] && fresh "$VENV/.egov-installed-test"; }; then
	exit 0
fi
say "installing egov${extras:+ with [$extras]} into $VENV (pip install -e '$target')"
# (The filter drops pip's notes about a configured local index folder that is absent.)
"$PY" -m pip install -q -e "$target" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
touch "$stamp"
