"""Factories for meetings and resolutions, built through the services."""

import datetime

from centres.meetings import meeting_create, resolution_create
from centres.models import Meeting
from empowerment.kernel.jalali import local_today
from tests.centres.factories import HeadquartersFactory, PartnerFactory


def make_meeting(body=None, *, days_ago=30, **kwargs) -> Meeting:
    return meeting_create(
        body=body or HeadquartersFactory(),
        date=kwargs.pop("date", local_today() - datetime.timedelta(days=days_ago)),
        venue=kwargs.pop("venue", "سالن شهدای دولت"),
        chair=kwargs.pop("chair", "استاندار"),
        duration_hours=kwargs.pop("duration_hours", 2),
        **kwargs,
    )


def make_resolution(meeting, *, responsible=None, deadline_in_days=10, **kwargs):
    deadline = (
        None
        if deadline_in_days is None
        else local_today() + datetime.timedelta(days=deadline_in_days)
    )
    return resolution_create(
        meeting=meeting,
        text=kwargs.pop("text", "راه‌اندازی مرکز مشاوره و هدایت شغلی"),
        responsible=responsible or PartnerFactory(),
        deadline=kwargs.pop("deadline", deadline),
        **kwargs,
    )
