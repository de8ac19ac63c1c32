"""Liveness and readiness: what each part of a deployment says about itself.

`/healthz` (liveness, for container health checks) asks only whether this process answers
and reaches its database: a web container is not restarted because Redis is down.
`/readyz` (readiness, for a person or a load balancer) names every part: the database,
Redis, the migrations, and the heartbeats that the Celery worker and beat write
themselves into Redis (`WorkerHeartbeat`, a worker bootstep on the worker's timer, and
`HeartbeatScheduler`, beat's scheduler, on each tick). A heartbeat older than
HEALTH_HEARTBEAT_MAX_AGE seconds is stale. With tasks run eagerly (the embedded default,
no broker) there is no worker or beat to hear from: those parts read "not used".
"""

from __future__ import annotations

import time

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor

from empowerment.kernel.heartbeats import heartbeat_read, redis_client

OK = "ok"
NOT_USED = "not used"
NOT_CONFIGURED = "not configured"
# States of a part that does not fail readiness.
PASSING = {OK, NOT_USED, NOT_CONFIGURED}


def check_database() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure of the database is a failed check
        return f"error: {exc.__class__.__name__}"
    return OK


def check_redis() -> str:
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    try:
        redis_client().ping()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return OK


def check_migrations() -> str:
    """ "ok" when every migration on disk is applied to the database."""
    try:
        connection = connections[DEFAULT_DB_ALIAS]
        executor = MigrationExecutor(connection)
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    # The count, not the names: the report is readable without signing in.
    return f"unapplied: {len(plan)}" if plan else OK


def check_heartbeat(part: str) -> str:
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return NOT_USED
    if not settings.REDIS_URL:
        return NOT_CONFIGURED
    try:
        value = heartbeat_read(part)
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    if value is None:
        return "missing"
    age = time.time() - float(value)
    if age > settings.HEALTH_HEARTBEAT_MAX_AGE:
        return f"stale: {int(age)} s"
    return OK


def liveness() -> dict[str, str]:
    return {"database": check_database()}


def readiness() -> dict[str, str]:
    return {
        "database": check_database(),
        "redis": check_redis(),
        "migrations": check_migrations(),
        "worker": check_heartbeat("worker"),
        "beat": check_heartbeat("beat"),
    }
