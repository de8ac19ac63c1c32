"""The signing key: a start with debug off refuses a missing, development or guessable key.

Every case starts a fresh interpreter with only the environment it names (nothing inherited
from the test run, which asks for debug itself), as gunicorn, Celery or manage.py would.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_KEY = "django-insecure-development-only-key-never-use-in-production"
STRONG_KEY = secrets.token_urlsafe(64)


def start(env: dict[str, str], *command: str) -> subprocess.CompletedProcess:
    """Load the settings (or run manage.py `command`) with exactly `env` added to a bare one."""
    bare = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "PYTHONPATH": str(ROOT)}
    args = (
        [sys.executable, "manage.py", *command]
        if command
        else [sys.executable, "-c", "from django.conf import settings; print(settings.DEBUG)"]
    )
    return subprocess.run(
        args,
        cwd=ROOT,
        env={**bare, "DJANGO_SETTINGS_MODULE": "empowerment.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def refused(result: subprocess.CompletedProcess) -> bool:
    return result.returncode != 0 and "ImproperlyConfigured" in result.stderr


@pytest.mark.parametrize(
    "key",
    [
        pytest.param("abcde" * 12, id="60-chars-5-distinct"),
        pytest.param("0123456789abcdefghi" * 3, id="57-chars-19-distinct"),
        pytest.param(STRONG_KEY[:49], id="49-random-chars"),
        pytest.param(DEV_KEY, id="development-key"),
        pytest.param("django-insecure-" + STRONG_KEY, id="django-insecure-prefix"),
        pytest.param("", id="empty"),
    ],
)
@pytest.mark.parametrize(
    "debug", [pytest.param({}, id="bare"), pytest.param({"DJANGO_DEBUG": "0"}, id="debug-0")]
)
def test_production_start_refuses_a_weak_key(key, debug):
    result = start({**debug, "DJANGO_SECRET_KEY": key})
    assert refused(result), result.stdout + result.stderr


def test_bare_start_is_production_and_refuses_to_run_without_a_key():
    """No DJANGO_DEBUG and no key: manage.py itself (any command) does not start."""
    assert refused(start({}, "check"))


def test_strong_key_starts_with_debug_off():
    result = start({"DJANGO_SECRET_KEY": STRONG_KEY})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_key_only_when_debug_is_asked_for():
    result = start({"DJANGO_DEBUG": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"
