"""bin/healthcheck, the image's HEALTHCHECK: 0 when /healthz answers 200, 1 otherwise."""

import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration


def healthcheck(port: int) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "GUNICORN_BIND": f"0.0.0.0:{port}",
        "DJANGO_ALLOWED_HOSTS": ".example.ir,localhost",
    }
    return subprocess.run(
        [sys.executable, "bin/healthcheck"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )


@pytest.mark.django_db(transaction=True)
def test_healthy_when_healthz_answers(live_server, settings):
    # The host it sends is the first allowed one (".example.ir" without its dot).
    settings.ALLOWED_HOSTS = ["example.ir"]
    result = healthcheck(urlsplit(live_server.url).port)
    assert result.returncode == 0, result.stderr


@pytest.mark.django_db(transaction=True)
def test_unhealthy_when_the_host_is_refused(live_server, settings):
    settings.ALLOWED_HOSTS = ["portal.example.org"]
    result = healthcheck(urlsplit(live_server.url).port)
    assert result.returncode == 1


def test_unhealthy_when_nothing_listens():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    assert healthcheck(port).returncode == 1
