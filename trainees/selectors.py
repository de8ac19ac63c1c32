"""Reads on the registry."""

import datetime

from django.core.cache import cache
from django.db.models import QuerySet

from empowerment.kernel.jalali import local_today
from programs.models import Cohort

from .models import Certificate, TraineeImport


def progress_cache_key(import_id: int) -> str:
    """Where the apply step reports its live progress (it writes, this reads)."""
    return f"trainee-import-progress:{import_id}"


def trainee_import_progress(*, trainee_import: TraineeImport) -> tuple[int, int]:
    """Rows processed and total. While the apply step runs its own counter sits inside an
    uncommitted transaction, so the live figure comes from the cache it writes to."""
    if trainee_import.state == TraineeImport.State.APPLYING:
        processed = cache.get(progress_cache_key(trainee_import.pk)) or 0
    else:
        processed = trainee_import.processed
    return processed, trainee_import.valid_count


def cohorts_open_for_registration(*, today: datetime.date | None = None) -> QuerySet:
    """Cohorts a resident may ask to join: planned, of an active centre and programme, not
    started yet (the start day itself still counts), with their seats (`with_seats`).
    """
    today = today or local_today()
    return Cohort.objects.filter(
        status=Cohort.Status.PLANNED,
        start_date__gte=today,
        centre__is_active=True,
        programme__is_active=True,
    ).with_seats()


def certificate_by_token(*, token: str) -> Certificate | None:
    """The certificate a public verification address names, with what its page shows
    (holder's name, programme, centre, date, revocation) and nothing more: no scope, since
    the token itself is the secret, and the page reads no personal code."""
    return (
        Certificate.objects.select_related(
            "enrolment__trainee", "enrolment__cohort__programme", "enrolment__cohort__centre"
        )
        .only(
            "number",
            "token",
            "issued_on",
            "revoked_at",
            "enrolment__trainee__first_name",
            "enrolment__trainee__last_name",
            "enrolment__cohort__title",
            "enrolment__cohort__code",
            "enrolment__cohort__programme__title",
            "enrolment__cohort__centre__name",
        )
        .filter(token=token)
        .first()
    )
