"""Queue a Celery task by its registered name.

A service that queues a job cannot import the task (each `tasks.py` imports its app's
services, and the import would run back up), so it names it: task names are explicit
(`@shared_task(name=...)`) and stable, and every app registers its tasks when it loads
(its AppConfig.ready imports its `tasks`). Eager mode (no broker) runs the task at once.
"""

from __future__ import annotations

from celery import current_app


def queue(name: str, *, args: list | tuple = (), countdown: int | None = None):
    """Send the task `name`; raises kombu's OperationalError when the broker is down."""
    return current_app.tasks[name].apply_async(args=args, countdown=countdown)
