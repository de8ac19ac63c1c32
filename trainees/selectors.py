"""Reads on the registry."""

import datetime

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet, Value
from django.db.models.functions import Greatest

from empowerment.kernel.jalali import local_today
from programs.models import Cohort

from .models import Enrolment, TraineeImport


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


def cohorts_with_seats(cohorts: QuerySet) -> QuerySet:
    """The one count of a cohort's seats, annotated in the same query: `seats_taken`
    (enrolments holding a seat: enrolled, or completed with or without a certificate) and
    `seats_left` (what the capacity leaves, never below nought: a manager may admit over
    capacity). The admin, the API, the public pages and the enrolment services read it.
    """
    return cohorts.annotate(
        seats_taken=Count("enrolments", filter=Q(enrolments__status__in=Enrolment.SEAT_STATUSES))
    ).annotate(seats_left=Greatest(F("capacity") - F("seats_taken"), Value(0)))


def cohort_seats_left(cohort: Cohort) -> int:
    """The free seats of one cohort (one query). The enrolment services call it with the
    cohort row locked, so that two enrolments at once cannot both take the last seat."""
    return (
        cohorts_with_seats(Cohort.objects.filter(pk=cohort.pk))
        .values_list("seats_left", flat=True)
        .get()
    )


def cohorts_open_for_registration(*, today: datetime.date | None = None) -> QuerySet:
    """Cohorts a resident may ask to join: planned, of an active centre and programme, not
    started yet (the start day itself still counts), with their seats (`cohorts_with_seats`).
    """
    today = today or local_today()
    return cohorts_with_seats(
        Cohort.objects.filter(
            status=Cohort.Status.PLANNED,
            start_date__gte=today,
            centre__is_active=True,
            programme__is_active=True,
        )
    )
