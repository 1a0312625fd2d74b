"""The set-up documentation keeps up with the code: every environment variable the project reads is
documented, and the two commands the README promises exist and are what CI runs."""

from __future__ import annotations

import re
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CONFIG_DOC = REPO_ROOT / "docs" / "configuration.md"

# env("X"), env_bool("X", ...), os.environ.get("X"), os.environ["X"], os.getenv("X")
ENV_READ = re.compile(
    r"""(?:\benv(?:_bool|_int|_list)?\(|os\.environ\.get\(|os\.getenv\(|os\.environ\[)\s*["']([A-Z][A-Z0-9_]*)["']"""
)


def variables_read_by(path: Path) -> set[str]:
    return set(ENV_READ.findall(path.read_text(encoding="utf-8")))


def project_variables() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for path in sorted((REPO_ROOT / "egov").rglob("*.py")):
        relative = path.relative_to(REPO_ROOT)
        if "tests" in relative.parts or "migrations" in relative.parts:
            continue
        if path.name == "test_settings.py":
            continue
        for name in variables_read_by(path):
            found.setdefault(name, relative)
    return found


def documented_variables() -> set[str]:
    return set(re.findall(r"`([A-Z][A-Z0-9_]*)`", CONFIG_DOC.read_text(encoding="utf-8")))


def test_the_scanner_sees_the_settings_variables():
    found = variables_read_by(REPO_ROOT / "egov" / "settings.py")
    assert {"DATABASE_URL", "SECRET_KEY", "EGOV_DEMO", "DEBUG"} <= found


def test_every_environment_variable_is_documented():
    documented = documented_variables()
    missing = {
        name: str(path) for name, path in project_variables().items() if name not in documented
    }
    assert missing == {}, f"add these to docs/configuration.md: {missing}"


def test_readme_gives_the_two_commands_and_the_demo_accounts_section():
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make run" in readme
    assert "make test" in readme
    assert "Tài khoản demo / Demo accounts" in readme
    for doc in ("docs/configuration.md", "docs/deploy.md", "docs/adr/0001-layout-and-settings.md"):
        assert doc in readme
        assert (REPO_ROOT / doc).is_file()


def test_makefile_has_run_and_test_and_ci_runs_make_test():
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert re.search(r"^run:", makefile, re.M)
    assert re.search(r"^test:", makefile, re.M)
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "set -euo pipefail" in ci
    assert re.search(r"^exec make test\b", ci, re.M)
