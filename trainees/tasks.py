"""Thin Celery tasks over the registry's services."""

import datetime

from celery import shared_task

from empowerment.kernel.jalali import local_today, to_jalali

from .services import (
    counselling_reminders_queue,
    session_reminders_queue,
    trainee_import_apply,
    trainee_import_files_purge,
    trainee_import_sweep,
)


@shared_task(name="trainees.import_apply")
def trainee_import_apply_task(import_id: int) -> str:
    """Apply a confirmed spreadsheet import. Safe to run twice and after a worker died:
    the service holds the import's row lock while it writes and returns early when another
    run holds it or the import is no longer being applied."""

    return trainee_import_apply(import_id=import_id).state


@shared_task(name="trainees.import_sweep")
def trainee_import_sweep_task() -> int:
    """Dispatch again confirmed imports whose dispatch was lost (beat, with the outbox's)."""

    return len(trainee_import_sweep())


@shared_task(name="trainees.import_files_purge")
def trainee_import_files_purge_task() -> int:
    """Delete uploaded import files past their retention period (daily, by beat)."""

    return trainee_import_files_purge()


@shared_task(name="trainees.session_reminders")
def session_reminders_task(on: str | None = None) -> int:
    """Queue the SMS reminders of tomorrow's sessions (Tehran's tomorrow), or of the
    sessions on `on` (an ISO date, for a manual run). Run hourly by beat during the day:
    each run queues only what is new (a session added or a trainee enrolled since), because
    the outbox keys each reminder by session and enrolment."""

    day = datetime.date.fromisoformat(on) if on else local_today() + datetime.timedelta(days=1)
    return session_reminders_queue(on=to_jalali(day))


@shared_task(name="trainees.counselling_reminders")
def counselling_reminders_task(on: str | None = None) -> int:
    """Queue the SMS reminders of tomorrow's counselling bookings (Tehran's tomorrow), or
    of the bookings on `on` (an ISO date). Safe to run again: each reminder is keyed by its
    booking in the outbox."""

    day = datetime.date.fromisoformat(on) if on else local_today() + datetime.timedelta(days=1)
    return counselling_reminders_queue(on=day)
