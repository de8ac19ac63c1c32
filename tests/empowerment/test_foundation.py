"""Settings, health check and the shared Persian/Jalali helpers."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

ROOT = Path(__file__).resolve().parents[2]


def _run_manage(*args, env_overrides):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_debug_off_refuses_to_start_without_a_secret_key():
    result = _run_manage("check", env_overrides={"DJANGO_DEBUG": "0"})
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_off_refuses_a_weak_secret_key():
    result = _run_manage("check", env_overrides={"DJANGO_DEBUG": "0", "DJANGO_SECRET_KEY": "short"})
    assert result.returncode != 0
    assert "too weak" in result.stderr


def test_check_deploy_reports_nothing_with_production_settings():
    result = _run_manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env_overrides={
            "DJANGO_DEBUG": "0",
            "DJANGO_SECRET_KEY": "k3y-" + "x9Qz!7pL#2vRmN4tW8sJ" * 3,
            "DJANGO_ALLOWED_HOSTS": "portal.example.ir",
            "COUNSELLING_NOTES_KEY": "x" * 43 + "=",
        },
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.django_db
def test_healthz_stays_up_when_redis_is_down_and_readyz_says_so(client, settings):
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    assert client.get(reverse("healthz")).status_code == 200
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["redis"].startswith("error")


@pytest.mark.wording
@pytest.mark.django_db
def test_admin_speaks_persian_right_to_left(client):
    from tests.centres.factories import staff_user

    client.force_login(staff_user("root", "administrator"))
    response = client.get(reverse("admin:index"))
    body = response.content.decode()
    assert 'dir="rtl"' in body
    assert "مدیریت" in body or "سامانه" in body


def test_compose_file_runs_the_same_image_for_every_process():
    import yaml

    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    assert {"postgres", "redis", "web", "worker", "beat"} <= set(services)
    for name in ("web", "worker", "beat"):
        assert services[name].get("build") or services[name].get("image")
        env = services[name]["environment"]
        assert "DATABASE_URL" in env and "REDIS_URL" in env
    assert "gunicorn" in " ".join(services["web"]["command"])


@pytest.mark.django_db
def test_pages_are_persian_whatever_the_browser_asks_unless_english_is_chosen(client, settings):
    english_browser = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}
    page = client.get("/", **english_browser)
    assert 'lang="fa" dir="rtl"' in page.content.decode()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.get("/", **english_browser)
    assert 'lang="en" dir="ltr"' in page.content.decode()
