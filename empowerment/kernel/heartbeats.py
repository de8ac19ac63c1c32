"""Heartbeats the Celery worker and beat write themselves into Redis, for /readyz.

Kept apart from the health checks (empowerment/kernel/health.py) because the Celery app imports
this module before Django is set up: nothing here touches the database or models.
"""

from __future__ import annotations

import logging
import time

import redis
from celery import bootsteps
from celery.beat import PersistentScheduler
from django.conf import settings

logger = logging.getLogger(__name__)

# How often the worker and beat write their heartbeat, in seconds.
HEARTBEAT_INTERVAL = 15


def redis_client():
    return redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)


def heartbeat_key(part: str) -> str:
    prefix = settings.CACHES["default"].get("KEY_PREFIX") or "empowerment"
    return f"{prefix}:heartbeat:{part}"


def heartbeat_write(part: str, *, at: float | None = None) -> None:
    """Record that `part` ("worker" or "beat") is alive now (or `at`, a Unix time)."""
    if not settings.REDIS_URL:
        return
    try:
        # Kept a day: a key that outlives the process still says how long it has been dead.
        redis_client().set(
            heartbeat_key(part), str(at if at is not None else time.time()), ex=86400
        )
    except Exception:  # a heartbeat must never stop the worker or beat
        logger.warning("could not write the %s heartbeat", part, exc_info=True)


def heartbeat_read(part: str) -> float | None:
    """The Unix time of `part`'s last heartbeat, None if it never wrote one."""
    value = redis_client().get(heartbeat_key(part))
    return float(value) if value is not None else None


class WorkerHeartbeat(bootsteps.StartStopStep):
    """A worker bootstep: the worker's own timer writes its heartbeat every interval, so
    the heartbeat stops when the worker's main process stops, whatever its tasks do."""

    requires = {"celery.worker.components:Timer"}

    def __init__(self, worker, **kwargs):
        super().__init__(worker, **kwargs)
        self.tref = None

    def start(self, worker):
        heartbeat_write("worker")
        self.tref = worker.timer.call_repeatedly(
            HEARTBEAT_INTERVAL, heartbeat_write, ("worker",), priority=10
        )

    def stop(self, worker):
        if self.tref is not None:
            self.tref.cancel()
            self.tref = None


class HeartbeatScheduler(PersistentScheduler):
    """Beat's scheduler (CELERY_BEAT_SCHEDULER): beat writes its heartbeat as it ticks.

    CELERY_BEAT_MAX_LOOP_INTERVAL keeps ticks at most that many seconds apart."""

    _last_heartbeat = 0.0

    def tick(self, *args, **kwargs):
        now = time.time()
        if now - self._last_heartbeat >= HEARTBEAT_INTERVAL:
            heartbeat_write("beat", at=now)
            self._last_heartbeat = now
        return super().tick(*args, **kwargs)
