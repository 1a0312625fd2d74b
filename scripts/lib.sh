# shellcheck shell=bash
# Shared helpers for the set-up scripts. Sourced, not run: `. scripts/lib.sh`.
# Every script works from the repository root, never asks a question (CI has no stdin) and
# installs Debian packages only when it is root (or has password-less sudo) and they are missing.

set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO_ROOT"

VENV="${VENV:-$REPO_ROOT/.venv}"
PY="$VENV/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
export DEBIAN_FRONTEND=noninteractive

say() { printf '==> %s\n' "$*"; }
warn() { printf 'WARNING: %s\n' "$*" >&2; }
die() {
	printf 'ERROR: %s\n' "$*" >&2
	exit 1
}
have() { command -v "$1" >/dev/null 2>&1; }

# Run a command as root: directly when we are root, through password-less sudo otherwise.
# Returns 1 (without running anything) when neither is possible.
as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif have sudo && sudo -n true 2>/dev/null; then
		sudo -n -E "$@"
	else
		return 1
	fi
}
can_be_root() { [ "$(id -u)" -eq 0 ] || { have sudo && sudo -n true 2>/dev/null; }; }

# What the printed forms (WeasyPrint) load, and the serif with every Vietnamese letter they embed
# ("Liberation Serif", Times New Roman's metrics; the older fonts-liberation lacks ơ, ư, ạ, ả).
PDF_DEBIAN_PACKAGES=(
	libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 libfontconfig1
	fonts-liberation2
)

deb_installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }

APT_UPDATED=0
# apt_install PKG...: install those of the Debian packages that are missing; `apt-get update`
# at most once per script. Returns 1 with a message when something is missing and we cannot
# install it (not root); the caller decides whether that is fatal.
apt_install() {
	local missing=() pkg
	have dpkg-query || {
		warn "not a Debian system (no dpkg-query): cannot check for $*"
		return 1
	}
	for pkg in "$@"; do
		deb_installed "$pkg" || missing+=("$pkg")
	done
	[ "${#missing[@]}" -eq 0 ] && return 0
	if ! can_be_root; then
		warn "missing Debian packages: ${missing[*]}"
		warn "  run as root: apt-get install -y ${missing[*]}"
		return 1
	fi
	say "installing Debian packages: ${missing[*]}"
	local apt=(apt-get -q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confdef
		-o Dpkg::Options::=--force-confold)
	if [ "$APT_UPDATED" -eq 0 ]; then
		as_root "${apt[@]}" update >/dev/null
		APT_UPDATED=1
	fi
	as_root "${apt[@]}" install --no-install-recommends "${missing[@]}" </dev/null >/dev/null
}

# find_python: the Python 3.11 to build the venv from (PYTHON overrides).
find_python() {
	local candidate
	for candidate in "${PYTHON:-}" python3.11 python3; do
		[ -n "$candidate" ] || continue
		if have "$candidate" &&
			"$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
			command -v "$candidate"
			return 0
		fi
	done
	return 1
}

# django_has_command NAME: whether `manage.py NAME` exists (in any settings).
django_has_command() {
	"$PY" - "$1" <<'EOF'
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "egov.settings")
import django
django.setup()
from django.core.management import get_commands
sys.exit(0 if sys.argv[1] in get_commands() else 1)
EOF
}
