"""Overdue is derived from the deadline and Tehran's date, around the deadline's day."""

import datetime
from unittest import mock

import jdatetime
import pytest
from django.utils import timezone

from centres.meetings import commitment_create, commitment_milestone_complete
from centres.models import Commitment, Resolution
from centres.selectors import overdue_by_partner, resolutions_for
from empowerment.kernel.jalali import local_today
from tests.centres.factories import (
    HeadquartersFactory,
    NeighbourhoodFactory,
    PartnerFactory,
    make_meeting,
    make_resolution,
    staff_user,
)

pytestmark = pytest.mark.django_db

DEADLINE = datetime.date(2025, 3, 20)  # 1403-12-30


@pytest.fixture
def resolution():
    meeting = make_meeting(HeadquartersFactory(), date=jdatetime.date(1403, 12, 27))
    return make_resolution(meeting, deadline=jdatetime.date(1403, 12, 30))


@pytest.mark.parametrize(
    ("today", "overdue", "days"),
    [
        (DEADLINE - datetime.timedelta(days=1), False, 0),
        (DEADLINE, False, 0),
        (DEADLINE + datetime.timedelta(days=1), True, 1),
        (DEADLINE + datetime.timedelta(days=10), True, 10),
    ],
)
def test_overdue_around_the_deadline(resolution, today, overdue, days):
    assert Resolution.objects.overdue(today).exists() is overdue
    assert Resolution.objects.not_overdue(today).exists() is not overdue
    row = Resolution.objects.with_overdue(today).get()
    assert row.overdue_flag is overdue
    assert resolution.is_overdue_on(today) is overdue
    assert resolution.days_overdue(today) == days


def test_done_is_never_overdue(resolution):
    Resolution.objects.filter(pk=resolution.pk).update(status="done")
    assert not Resolution.objects.overdue(DEADLINE + datetime.timedelta(days=5)).exists()


def test_today_is_tehrans_date_not_utc():
    # 21:00 UTC on the deadline is already the next day in Tehran (UTC+3:30).
    late_evening_utc = datetime.datetime(2025, 3, 20, 21, 0, tzinfo=datetime.UTC)
    with mock.patch.object(timezone, "now", return_value=late_evening_utc):
        assert local_today() == DEADLINE + datetime.timedelta(days=1)
    meeting = make_meeting(HeadquartersFactory(), date=jdatetime.date(1403, 12, 27))
    make_resolution(meeting, deadline=jdatetime.date(1403, 12, 30))
    with mock.patch.object(timezone, "now", return_value=late_evening_utc):
        assert Resolution.objects.overdue().count() == 1
    early_utc = datetime.datetime(2025, 3, 20, 20, 0, tzinfo=datetime.UTC)
    with mock.patch.object(timezone, "now", return_value=early_utc):
        assert Resolution.objects.overdue().count() == 0


def test_secretary_sees_what_is_overdue_and_for_whom():
    hq = HeadquartersFactory()
    secretary = staff_user("secretary", "hq_secretary", hq)
    relief, tvto = PartnerFactory(name="کمیته امداد"), PartnerFactory(name="فنی و حرفه‌ای")
    meeting = make_meeting(hq, days_ago=60)
    make_resolution(meeting, responsible=relief, deadline_in_days=-20)
    make_resolution(meeting, responsible=relief, deadline_in_days=-3)
    make_resolution(meeting, responsible=tvto, deadline_in_days=-1)
    make_resolution(meeting, responsible=tvto, deadline_in_days=0)
    make_resolution(meeting, responsible=tvto, deadline_in_days=None)
    rows = list(overdue_by_partner(user=secretary))
    assert [(r["responsible__name"], r["overdue"]) for r in rows] == [
        ("کمیته امداد", 2),
        ("فنی و حرفه‌ای", 1),
    ]
    assert resolutions_for(user=secretary, overdue=True).count() == 3
    assert resolutions_for(user=secretary, overdue=False).count() == 2
    assert resolutions_for(user=secretary, responsible=tvto, overdue=True).count() == 1


def test_commitment_overdue_and_milestones():
    hesseh = NeighbourhoodFactory(name="حصه")
    commitment = commitment_create(
        title="آسفالت و پیاده‌رو معابر حصه",
        promised_by="شهرداران مناطق ۱۰ و ۱۴",
        neighbourhood=hesseh,
        promised_on=jdatetime.date(1400, 6, 1),
        due_date=jdatetime.date(1401, 1, 1),
        milestones=[("آسفالت", jdatetime.date(1400, 10, 1)), ("پیاده‌رو", None)],
    )
    due = jdatetime.date(1401, 1, 1).togregorian()
    assert not Commitment.objects.overdue(due).exists()
    assert Commitment.objects.overdue(due + datetime.timedelta(days=1)).get() == commitment
    milestone = commitment.milestones.get(title="آسفالت")
    commitment_milestone_complete(milestone=milestone, evidence="گزارش بازدید")
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == ("in_progress", 50)
    commitment_milestone_complete(milestone=commitment.milestones.get(title="پیاده‌رو"))
    commitment.refresh_from_db()
    assert (commitment.status, commitment.progress) == ("done", 100)
    assert not Commitment.objects.overdue(due + datetime.timedelta(days=1)).exists()
