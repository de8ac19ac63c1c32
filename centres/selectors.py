"""Reads and figures on meetings, resolutions and commitments, always scoped to the reader."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Min, QuerySet, Sum

from empowerment.kernel.jalali import local_today

from .models import AgendaItem, Meeting, MeetingAttendee, Resolution


def opportunity_meeting_hours(*, user) -> QuerySet:
    """Hours of opportunity-finding meetings per centre the user may see (one query).

    Rows: {"centre": id, "centre__name": name, "hours": Decimal, "meetings": n}.
    """
    return (
        Meeting.objects.visible_to(user)
        .opportunity_finding()
        .filter(centre__isnull=False)
        .values("centre", "centre__name")
        .annotate(hours=Sum("duration_hours"), meetings=Count("pk"))
        .order_by("centre__name")
    )


def centre_opportunity_hours(*, user, centre) -> Decimal:
    row = opportunity_meeting_hours(user=user).filter(centre=centre.pk).first()
    return row["hours"] if row else Decimal("0")


def resolutions_for(
    *,
    user,
    today: datetime.date | None = None,
    headquarters=None,
    centre=None,
    responsible=None,
    status: str | None = None,
    overdue: bool | None = None,
    deadline_from=None,
    deadline_to=None,
) -> QuerySet:
    """The resolutions the user may see, filtered, each with `overdue_flag`."""
    today = today or local_today()
    rows = (
        Resolution.objects.visible_to(user)
        .with_overdue(today)
        .select_related("meeting__headquarters", "meeting__centre", "responsible")
    )
    if headquarters is not None:
        rows = rows.filter(meeting__headquarters=headquarters)
    if centre is not None:
        rows = rows.filter(meeting__centre=centre)
    if responsible is not None:
        rows = rows.filter(responsible=responsible)
    if status:
        rows = rows.filter(status=status)
    if overdue is True:
        rows = rows.overdue(today)
    elif overdue is False:
        rows = rows.not_overdue(today)
    if deadline_from is not None:
        rows = rows.filter(deadline__gte=deadline_from)
    if deadline_to is not None:
        rows = rows.filter(deadline__lte=deadline_to)
    return rows


def overdue_by_partner(*, user, today: datetime.date | None = None) -> QuerySet:
    """What is overdue and for whom: per responsible organisation, the overdue count and
    the oldest deadline missed (one aggregate query)."""
    today = today or local_today()
    return (
        Resolution.objects.visible_to(user)
        .overdue(today)
        .values("responsible", "responsible__name")
        .annotate(overdue=Count("pk"), oldest_deadline=Min("deadline"))
        .order_by("-overdue", "responsible__name")
    )


@dataclass
class MeetingMinutes:
    """A meeting with what its minutes print, each part read through `visible_to`."""

    meeting: Meeting
    attendees: list[MeetingAttendee]
    agenda: list[AgendaItem]
    resolutions: list[Resolution]


def meeting_minutes(*, user, meeting_id: int) -> MeetingMinutes | None:
    """The meeting's minutes as the user may read them: None for a meeting out of their
    scope. Five queries: the meeting with its body, attendees with their organisation,
    agenda, resolutions with the responsible organisation, and their co-operating ones."""
    meeting = (
        Meeting.objects.visible_to(user)
        .select_related("headquarters", "centre")
        .filter(pk=meeting_id)
        .first()
    )
    if meeting is None:
        return None
    attendees = list(
        MeetingAttendee.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("partner")
        .order_by("pk")
    )
    agenda = list(
        AgendaItem.objects.visible_to(user).filter(meeting=meeting).order_by("order", "pk")
    )
    resolutions = list(
        Resolution.objects.visible_to(user)
        .filter(meeting=meeting)
        .select_related("responsible")
        .prefetch_related("cooperating")
        .order_by("number")
    )
    for resolution in resolutions:
        resolution.meeting = meeting  # its code reads the meeting's number
    return MeetingMinutes(
        meeting=meeting, attendees=attendees, agenda=agenda, resolutions=resolutions
    )
