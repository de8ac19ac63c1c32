"""Writes on programmes, cohorts and sessions."""

import datetime
from decimal import Decimal

import jdatetime
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from centres.models import Centre, Partner
from empowerment.kernel import errors
from programs.models.training import Cohort, CohortSession, Programme

__all__ = [
    "programme_create",
    "cohort_create",
    "cohort_session_create",
    "cohort_sessions_schedule",
    "cohort_session_cancel",
]


@transaction.atomic
def programme_create(
    *,
    title: str,
    field: str,
    total_hours: int,
    target_groups: list[str] | None = None,
    partner: Partner | None = None,
    description: str = "",
) -> Programme:
    programme = Programme(
        title=title,
        field=field,
        total_hours=total_hours,
        target_groups=list(target_groups or []),
        partner=partner,
        description=description,
    )
    programme.full_clean()
    programme.save()
    return programme


@transaction.atomic
def cohort_create(
    *,
    programme: Programme,
    centre: Centre,
    code: str,
    title: str,
    start_date: jdatetime.date,
    end_date: jdatetime.date,
    capacity: int,
    instructor: str = "",
    weekly_schedule: str = "",
    min_attendance_percent: int = 75,
    status: str = Cohort.Status.PLANNED,
) -> Cohort:
    cohort = Cohort(
        programme=programme,
        centre=centre,
        code=code,
        title=title,
        start_date=start_date,
        end_date=end_date,
        capacity=capacity,
        instructor=instructor,
        weekly_schedule=weekly_schedule,
        min_attendance_percent=min_attendance_percent,
        status=status,
    )
    cohort.full_clean()
    cohort.save()
    return cohort


@transaction.atomic
def cohort_session_create(
    *,
    cohort: Cohort,
    date: jdatetime.date,
    start_time: datetime.time,
    hours: Decimal | float | int,
    topic: str = "",
) -> CohortSession:
    if cohort.is_closed:
        raise errors.CohortClosed(_("This cohort is closed: no new sessions can be added."))
    session = CohortSession(
        cohort=cohort, date=date, start_time=start_time, hours=Decimal(str(hours)), topic=topic
    )
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def cohort_sessions_schedule(
    *,
    cohort: Cohort,
    weekdays: list[int],
    start_time: datetime.time,
    hours: Decimal | float | int,
    count: int | None = None,
) -> list[CohortSession]:
    """Create a session on each given Jalali weekday (0 = Saturday) from start to end,
    up to `count` sessions at that time in all.

    Dates that already have a session at that time are skipped, so it can run twice.
    """
    existing = set(
        CohortSession.objects.filter(cohort=cohort, start_time=start_time).values_list(
            "date", flat=True
        )
    )
    created: list[CohortSession] = []
    day = cohort.start_date
    while day <= cohort.end_date and (count is None or len(existing) + len(created) < count):
        if day.weekday() in weekdays and day not in existing:
            created.append(
                cohort_session_create(cohort=cohort, date=day, start_time=start_time, hours=hours)
            )
        day += datetime.timedelta(days=1)
    return created


@transaction.atomic
def cohort_session_cancel(*, session: CohortSession, reason: str = "") -> CohortSession:
    """Cancel one session: it stays in the timetable, marked, and gets no reminder."""
    session = CohortSession.objects.select_for_update().get(pk=session.pk)
    if session.is_cancelled:
        raise ValidationError(_("This session is already cancelled."))
    session.cancelled_at = timezone.now()
    session.cancel_reason = reason
    session.full_clean()
    session.save(update_fields=["cancelled_at", "cancel_reason", "updated_at"])
    return session
