"""Production settings: `manage.py check --deploy` is clean, and unsafe set-ups refuse to start.

Each check runs manage.py in a subprocess with a production environment built from scratch, so
nothing from the test settings (EGOV_TESTING) or the caller's shell leaks into it.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[3]
MANAGE = REPO_ROOT / "manage.py"

# Variables that would change what settings.py does; removed before each subprocess.
_SETTINGS_VARS_PREFIXES = ("EGOV_", "DJANGO_", "EMAIL_")
_SETTINGS_VARS = {
    "DATABASE_URL",
    "REDIS_URL",
    "SECRET_KEY",
    "SECRET_KEY_FILE",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "DEBUG",
    "MEDIA_ROOT",
    "STATIC_ROOT",
    "DEFAULT_FROM_EMAIL",
    "LOG_LEVEL",
}


def production_env(tmp_path: Path, **overrides: str | None) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in _SETTINGS_VARS and not key.startswith(_SETTINGS_VARS_PREFIXES)
    }
    env.update(
        DJANGO_SETTINGS_MODULE="egov.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50)[:50],
        ALLOWED_HOSTS="egov.example.gov.vn",
        EGOV_SECURE="1",
        EGOV_VAR_DIR=str(tmp_path / "var"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(MANAGE), *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_check_deploy_is_clean_in_production(tmp_path):
    env = production_env(tmp_path)
    assert len(env["SECRET_KEY"]) == 50
    assert "EGOV_TESTING" not in env

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_when_security_is_relaxed(tmp_path):
    """The test above can fail: relaxing the secure defaults makes check --deploy complain."""
    env = production_env(tmp_path, EGOV_SECURE="0")

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "security.W012" in output  # SESSION_COOKIE_SECURE
    assert "security.W004" in output  # SECURE_HSTS_SECONDS


def test_short_secret_key_is_reported(tmp_path):
    env = production_env(tmp_path, SECRET_KEY="too-short")

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W009" in result.stdout + result.stderr


@pytest.mark.parametrize("secret_key", [None, ""])
def test_settings_refuse_to_start_without_secret_key(tmp_path, secret_key):
    env = production_env(tmp_path, SECRET_KEY=secret_key)

    result = manage(env, "check")

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "SECRET_KEY" in result.stderr


def test_secret_key_can_come_from_a_file(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(secrets.token_urlsafe(50)[:50] + "\n", encoding="utf-8")
    env = production_env(tmp_path, SECRET_KEY=None, SECRET_KEY_FILE=str(key_file))

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stdout + result.stderr


def test_production_has_no_allowed_hosts_by_default(tmp_path):
    """Without ALLOWED_HOSTS a production process answers no host at all (Django refuses)."""
    env = production_env(tmp_path, ALLOWED_HOSTS=None)

    result = manage(
        env,
        "shell",
        "-c",
        "from django.conf import settings; print(repr(settings.ALLOWED_HOSTS), settings.DEBUG)",
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[] False"


def test_demo_mode_is_debug_and_never_secure(tmp_path):
    """EGOV_DEMO turns DEBUG on, so check --deploy flags it: a demo cannot pass for production."""
    env = production_env(tmp_path, EGOV_DEMO="1", DEBUG=None, SECRET_KEY=None, EGOV_SECURE=None)

    result = manage(env, "check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG in deployment
