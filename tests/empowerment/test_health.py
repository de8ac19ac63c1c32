"""/healthz (liveness) and /readyz (readiness): each part reported, 503 naming the failing one."""

import time

import pytest
from django.db import connection
from django.urls import reverse

from empowerment.celery import app as celery_app
from empowerment.kernel import heartbeats

pytestmark = pytest.mark.django_db

DOWN = "redis://127.0.0.1:1/0"  # nothing listens on port 1


@pytest.fixture
def with_broker(settings):
    """Tasks go to a worker through Redis, as in production."""
    if not settings.REDIS_URL:
        pytest.skip("needs REDIS_URL")
    settings.CELERY_TASK_ALWAYS_EAGER = False
    client = heartbeats.redis_client()
    keys = [heartbeats.heartbeat_key(part) for part in ("worker", "beat")]
    client.delete(*keys)
    yield settings
    client.delete(*keys)


def test_embedded_default_is_ready_with_worker_and_beat_not_used(client, settings):
    settings.REDIS_URL = ""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    response = client.get(reverse("readyz"))
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "redis": "not configured",
        "migrations": "ok",
        "worker": "not used",
        "beat": "not used",
    }


def test_ready_when_worker_and_beat_wrote_fresh_heartbeats(client, with_broker):
    heartbeats.heartbeat_write("worker")
    heartbeats.heartbeat_write("beat")
    response = client.get(reverse("readyz"))
    assert response.status_code == 200, response.json()
    assert {response.json()[part] for part in ("redis", "worker", "beat")} == {"ok"}


def test_a_stale_worker_heartbeat_is_503_naming_the_worker(client, with_broker):
    heartbeats.heartbeat_write("worker", at=time.time() - with_broker.HEALTH_HEARTBEAT_MAX_AGE - 5)
    heartbeats.heartbeat_write("beat")
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["worker"].startswith("stale") and body["beat"] == "ok"


def test_a_beat_that_never_ticked_is_503_naming_beat(client, with_broker):
    heartbeats.heartbeat_write("worker")
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["beat"] == "missing" and response.json()["worker"] == "ok"


def test_redis_unreachable_is_503_naming_redis_but_liveness_stays_up(client, with_broker):
    with_broker.REDIS_URL = DOWN
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    body = response.json()
    assert body["redis"].startswith("error")
    assert body["worker"].startswith("error") and body["beat"].startswith("error")
    assert body["database"] == "ok"
    # A container is not restarted for it: liveness is the process and its database.
    assert client.get(reverse("healthz")).status_code == 200


def test_an_unapplied_migration_is_503_naming_migrations(client, settings, request):
    if request.config.getoption("nomigrations"):
        pytest.skip("the tables were made without migrations (make test-fast): none is recorded")
    settings.CELERY_TASK_ALWAYS_EAGER = True
    with connection.cursor() as cursor:
        cursor.execute(
            "DELETE FROM django_migrations WHERE app = 'empowerment' AND name = "
            "(SELECT MAX(name) FROM django_migrations WHERE app = 'empowerment')"
        )
    response = client.get(reverse("readyz"))
    assert response.status_code == 503
    assert response.json()["migrations"] == "unapplied: 1"


def test_beat_writes_its_heartbeat_as_it_ticks(with_broker, tmp_path):
    scheduler = heartbeats.HeartbeatScheduler(
        app=celery_app, schedule_filename=str(tmp_path / "schedule"), lazy=True
    )
    scheduler.setup_schedule()
    before = time.time()
    scheduler.tick()
    assert heartbeats.heartbeat_read("beat") >= before
    scheduler.close()


def test_the_worker_bootstep_writes_at_start_and_on_its_timer(with_broker):
    calls = []

    class Timer:
        def call_repeatedly(self, interval, fun, args, priority=0):
            calls.append((interval, fun, args))
            return type("Ref", (), {"cancel": lambda self: calls.append("cancelled")})()

    worker = type("Worker", (), {"timer": Timer()})()
    step = heartbeats.WorkerHeartbeat(worker)
    step.start(worker)
    assert heartbeats.heartbeat_read("worker") is not None
    assert calls == [(heartbeats.HEARTBEAT_INTERVAL, heartbeats.heartbeat_write, ("worker",))]
    step.stop(worker)
    assert calls[-1] == "cancelled"
