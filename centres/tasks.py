"""Thin Celery tasks over the centres' services."""

import datetime

from celery import shared_task

from empowerment.kernel.jalali import local_today

from .digests import is_friday, overdue_digests_queue


@shared_task(name="centres.overdue_digest")
def overdue_digest_task(on: str | None = None) -> dict[str, int] | str:
    """Queue today's overdue digests (Tehran's today, or `on`, an ISO date, for a manual
    run). Beat runs it at 08:00 Tehran time from Saturday to Thursday; a run on a Friday
    (by hand, or a late delivery) sends nothing."""
    day = datetime.date.fromisoformat(on) if on else local_today()
    if is_friday(day):
        return "friday"
    return overdue_digests_queue(today=day)
