"""A real Celery worker on the local Redis: a task killed mid-way finishes once.

The import of a 6,000-row spreadsheet is confirmed through the service, so its apply task
goes through the broker to a `celery -A empowerment worker` subprocess that reads the test
database. Once the worker has written the first rows the whole worker (its process group)
is killed with SIGKILL, like a container that dies. Acks late means the task was never
acknowledged: Redis hands it out again once its visibility timeout has passed (5 s here,
through CELERY_VISIBILITY_TIMEOUT), to a new worker, which applies the import from the
start. The import ends applied once: every trainee, enrolment and history row exists once.
Then one outbox message is sent through the broker twice: one SMS.

Needs REDIS_URL and a database the worker can open (PostgreSQL in CI); run it alone with
`pytest -m integration`.
"""

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection

from empowerment.celery import app
from empowerment.kernel import outbox
from empowerment.kernel.models import OutboxMessage
from tests.programs.factories import CohortFactory
from tests.trainees.spreadsheet_files import upload, xlsx_bytes
from trainees import selectors, services
from trainees.demo import national_code
from trainees.models import Enrolment, Trainee, TraineeImport

pytestmark = [pytest.mark.integration, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
ROWS = 6000
VISIBILITY_TIMEOUT = 5


def _database_url() -> str:
    db = connection.settings_dict
    if connection.vendor != "postgresql":
        pytest.skip(
            "The worker subprocess must open the test database; SQLite's test database is "
            "in memory. Run with DATABASE_URL=postgres://... (CI does)."
        )
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """One `celery worker` in its own process group, logging to a file."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.log = log_dir / f"{name}.log"
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "empowerment",
                "worker",
                "--concurrency=1",
                "--without-gossip",
                "--without-mingle",
                "--loglevel=info",
                "-n",
                f"{name}-{uuid.uuid4().hex[:6]}@%h",
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_for(condition, *, timeout: float, interval: float = 0.02, what: str, workers=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    logs = "\n".join(f"--- {w.log.name}\n{w.output()[-3000:]}" for w in workers)
    pytest.fail(f"timed out waiting for {what}\n{logs}")


@pytest.fixture
def worker_env(tmp_path):
    if not settings.REDIS_URL:
        pytest.skip("No REDIS_URL: this test needs the local Redis as the broker.")
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "CELERY_UNACKED_RESTORE_INTERVAL": "1",
        "CELERY_UNACKED_RESTORE_THROTTLE": "1",
        "DJANGO_CONN_MAX_AGE": "0",
        "PYTHONUNBUFFERED": "1",
    }
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    # Messages left by an earlier run that was interrupted belong to a database that is
    # gone; the queue is this test run's own (REDIS_URL's database).
    app.control.purge()
    workers: list[Worker] = []

    def start(name: str) -> Worker:
        worker = Worker(name, env, tmp_path)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.kill()


def rows(count: int, cohort_code: str) -> list[list]:
    return [
        [
            "مریم",
            f"آزمون {n}",
            "احمد",
            national_code(300_000 + n),
            f"0913{n:07d}",
            "زن",
            "1375/06/21",
            "",
            "دیپلم",
            "",
            "",
            cohort_code,
        ]
        for n in range(count)
    ]


def test_a_task_killed_mid_way_finishes_once_on_a_new_worker(worker_env, settings, two_centres):

    started = time.monotonic()
    settings.CELERY_TASK_ALWAYS_EAGER = False  # through the broker, like production
    centre, staff = two_centres["isfahan"], two_centres["staff_isfahan"]
    cohort = CohortFactory(centre=centre, code="MNK-IT", capacity=ROWS)
    trainee_import = services.trainee_import_preview(
        centre=centre, uploaded_file=upload(xlsx_bytes(rows(ROWS, "MNK-IT"))), by=staff
    )
    assert trainee_import.valid_count == ROWS

    first = worker_env("first")
    services.trainee_import_confirm(trainee_import=trainee_import, by=staff)
    key = selectors.progress_cache_key(trainee_import.pk)
    written = wait_for(
        lambda: (cache.get(key) or 0) >= services.IMPORT_CHUNK and cache.get(key),
        timeout=30,
        what="the first worker to write rows",
        workers=[first],
    )
    first.kill()
    assert written < ROWS, "the import finished before the worker was killed"

    # The dead worker's transaction was rolled back with its connection.
    trainee_import.refresh_from_db()
    assert trainee_import.state == TraineeImport.State.APPLYING
    assert not Trainee.objects.exists() and not Enrolment.objects.exists()

    second = worker_env("second")
    wait_for(
        lambda: TraineeImport.objects.filter(
            pk=trainee_import.pk, state__in=["applied", "failed"]
        ).exists(),
        timeout=45,
        interval=0.2,
        what="the second worker to finish the import",
        workers=[first, second],
    )
    trainee_import.refresh_from_db()
    assert trainee_import.state == TraineeImport.State.APPLIED, trainee_import.message
    assert trainee_import.processed == ROWS
    assert Trainee.objects.count() == ROWS
    assert Trainee.history.count() == ROWS
    assert Enrolment.objects.filter(cohort=cohort).count() == ROWS
    assert "trainees.import_apply" in second.output()

    # A duplicated delivery of one outbox message through the broker: one SMS.
    message = outbox.message_queue(
        key="it:duplicate", recipient="09121234567", channel="sms", text="آزمون"
    )  # queued once on commit
    app.send_task("empowerment.tasks.outbox_send", args=[message.pk])
    wait_for(
        lambda: second.output().count("outbox_send") >= 4,  # 2 received + 2 succeeded
        timeout=20,
        interval=0.2,
        what="both deliveries of the send task",
        workers=[second],
    )
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxMessage.State.SENT, 1)
    assert second.output().count("[SMS to 09121234567]") == 1
    assert time.monotonic() - started < 60
