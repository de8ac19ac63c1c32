"""The broker goes down between a commit and its dispatch: the message is still sent, once.

A private redis-server (its own port, never the machine's shared Redis on 6379) is the
broker of a real `celery worker` and a real `celery beat`, both on the test database. Once
both have written their heartbeats (/readyz says so), Redis is stopped; a resident asks
for a sign-in code through the API: the request answers 202 (the lost dispatch is logged,
not a 500) and the SMS is queued in the outbox. Redis is started again, empty: the beat's
outbox sweep dispatches the message and the worker sends it. The original dispatch
arriving late (sent again by hand) sends nothing more: one SMS.

Needs PostgreSQL (the worker opens the test database) and redis-server; run it alone with
`pytest -m integration`.
"""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from empowerment.celery import app
from empowerment.kernel.logs import request_id_var
from empowerment.kernel.models import OutboxMessage
from tests.jobs.test_worker_integration import _database_url, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
PORT = int(os.environ.get("OUTAGE_REDIS_PORT", "8201"))
MOBILE = "09121234567"


class Process:
    """A child process in its own process group, output to a file."""

    def __init__(self, name: str, command: list[str], env: dict, log_dir: Path):
        self.log = log_dir / f"{name}.log"
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self.log.open("a"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


class PrivateRedis:
    def __init__(self, log_dir: Path):
        self.log_dir = log_dir
        self.server: Process | None = None

    def start(self) -> None:
        command = [
            shutil.which("redis-server"),
            "--port", str(PORT), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.log_dir),
        ]  # fmt: skip
        self.server = Process("redis", command, dict(os.environ), self.log_dir)
        wait_for(self.ping, timeout=10, what="the private redis-server to answer")

    def ping(self) -> bool:
        return (
            subprocess.run(
                ["redis-cli", "-p", str(PORT), "ping"], capture_output=True, text=True
            ).stdout.strip()
            == "PONG"
        )

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None


def _publish_to(url: str) -> None:
    # The app caches its connection and producer pools (kombu keeps one per broker URL,
    # open): forgetting them makes the next publish use the pool of `url`.
    app.conf.broker_url = url
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def private_broker(tmp_path, settings):
    if shutil.which("redis-server") is None:
        pytest.skip("needs redis-server")
    url = f"redis://127.0.0.1:{PORT}/0"
    redis = PrivateRedis(tmp_path)
    redis.start()
    # This process publishes to the private Redis too: a new connection pool on its URL.
    previous = app.conf.broker_url
    _publish_to(url)
    settings.REDIS_URL = url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": url,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_BEAT_SCHEDULE_FILENAME": str(tmp_path / "celerybeat-schedule"),
        "OUTBOX_SWEEP_SECONDS": "1",
        "OUTBOX_SWEEP_AFTER_SECONDS": "2",
        "DJANGO_CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    celery = [sys.executable, "-m", "celery", "-A", "empowerment"]
    worker = Process(
        "worker",
        [*celery, "worker", "--concurrency=1", "--without-gossip", "--without-mingle",
         "--loglevel=info", "-n", "outage@%h"],
        env,
        tmp_path,
    )  # fmt: skip
    beat = Process("beat", [*celery, "beat", "--loglevel=info"], env, tmp_path)
    try:
        yield redis, worker, beat
    finally:
        worker.stop()
        beat.stop()
        redis.stop()
        _publish_to(previous)


def test_a_message_queued_while_redis_is_down_is_sent_once_when_it_is_back(private_broker):
    started = time.monotonic()
    redis, worker, beat = private_broker
    client = APIClient()

    # Both processes wrote their own heartbeat: the readiness report is whole.
    def ready():
        response = client.get(reverse("readyz"))
        return response.status_code == 200 and response.json()

    report = wait_for(ready, timeout=40, interval=0.5, what="readiness", workers=[worker, beat])
    assert report["worker"] == report["beat"] == report["redis"] == "ok"

    redis.stop()
    response = client.post(reverse("api:otp-request"), {"mobile": MOBILE}, format="json")
    assert response.status_code == 202, response.content
    message = OutboxMessage.objects.get()
    assert message.state == OutboxMessage.State.QUEUED
    outage = client.get(reverse("readyz"))
    assert outage.status_code == 503 and outage.json()["redis"].startswith("error")

    redis.start()  # empty: the lost dispatch is nowhere but in the outbox
    wait_for(
        lambda: OutboxMessage.objects.filter(pk=message.pk, state="sent").exists(),
        timeout=60,
        interval=0.5,
        what="the sweep to dispatch the message and the worker to send it",
        workers=[worker, beat],
    )
    assert "empowerment.outbox_sweep" in worker.output()

    # The original dispatch arriving late sends nothing; its lines carry the request's id.
    token = request_id_var.set("late-dispatch-1")
    try:
        app.send_task("empowerment.tasks.outbox_send", args=[message.pk])
    finally:
        request_id_var.reset(token)
    wait_for(
        lambda: (
            "[late-dispatch-1]" in worker.output()
            and "succeeded" in worker.output().split("[late-dispatch-1]", 1)[1]
        ),
        timeout=30,
        interval=0.2,
        what="the late dispatch to run",
        workers=[worker],
    )
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxMessage.State.SENT, 1)
    assert worker.output().count(f"[SMS to {MOBILE}]") == 1
    assert time.monotonic() - started < 150
