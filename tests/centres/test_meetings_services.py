"""Meetings with attendees, agenda and resolutions; follow-ups and who may write them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction

from centres.meetings import (
    resolution_cancel,
    resolution_create,
    resolution_follow_up_add,
)
from centres.models import Meeting, Resolution
from centres.selectors import centre_opportunity_hours, opportunity_meeting_hours
from empowerment.kernel.jalali import local_today
from tests.centres.factories import (
    CentreFactory,
    HeadquartersFactory,
    PartnerFactory,
    make_meeting,
    make_resolution,
    staff_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def hq_world():
    hq = HeadquartersFactory(name="قرارگاه اجتماعی استان البرز")
    relief = PartnerFactory(name="کمیته امداد")
    tvto = PartnerFactory(name="فنی و حرفه‌ای")
    return {
        "hq": hq,
        "relief": relief,
        "tvto": tvto,
        "secretary": staff_user("secretary", "hq_secretary", hq),
        "relief_officer": staff_user("officer.relief", "partner_officer", relief),
        "tvto_officer": staff_user("officer.tvto", "partner_officer", tvto),
    }


def test_meeting_with_attendees_agenda_and_numbered_resolutions(hq_world):
    hq, relief, tvto = hq_world["hq"], hq_world["relief"], hq_world["tvto"]
    meeting = make_meeting(
        hq,
        number=73,
        attendees=[("معاون وزیر کشور", "رئیس قرارگاه ملی", None), ("", "", relief)],
        agenda=["مشاغل خانگی", "مراکز مشاوره شغلی"],
    )
    first = make_resolution(meeting, responsible=relief, cooperating=[tvto, relief])
    second = make_resolution(meeting, responsible=tvto)
    assert (first.code, second.code) == ("73-1", "73-2")
    # The responsible organisation is not listed again as co-operating.
    assert list(first.cooperating.all()) == [tvto]
    assert list(meeting.agenda_items.values_list("order", "title")) == [
        (1, "مشاغل خانگی"),
        (2, "مراکز مشاوره شغلی"),
    ]
    assert meeting.attendees.count() == 2
    # The next meeting of the body takes the next number; another body starts at one.
    assert make_meeting(hq).number == 74
    assert make_meeting(HeadquartersFactory()).number == 1
    with pytest.raises(ValidationError):
        make_meeting(hq, number=73)


def test_a_meeting_belongs_to_exactly_one_body(hq_world):
    centre = CentreFactory()
    meeting = Meeting(
        headquarters=hq_world["hq"], centre=centre, number=1, date=local_today(), kind="regular"
    )
    with pytest.raises(ValidationError):
        meeting.full_clean()
    with pytest.raises(IntegrityError), transaction.atomic():
        meeting.save()


def test_follow_ups_move_the_status_and_are_logged(hq_world):
    meeting = make_meeting(hq_world["hq"])
    resolution = make_resolution(meeting, responsible=hq_world["relief"])
    resolution_follow_up_add(
        resolution=resolution, user=hq_world["relief_officer"], progress=40, note="دو مرکز آماده"
    )
    resolution.refresh_from_db()
    assert (resolution.status, resolution.progress) == ("in_progress", 40)
    follow_up = resolution.follow_ups.get()
    assert follow_up.partner == hq_world["relief"]
    assert follow_up.reported_by == hq_world["relief_officer"]
    resolution_follow_up_add(
        resolution=resolution, user=hq_world["secretary"], progress=100, note="انجام شد"
    )
    resolution.refresh_from_db()
    assert resolution.status == "done"
    assert resolution.completed_on.togregorian() == local_today()
    assert resolution.follow_ups.count() == 2
    assert resolution.history.count() == 3
    with pytest.raises(ValidationError):
        resolution_follow_up_add(
            resolution=resolution, user=hq_world["secretary"], progress=100, note="دوباره"
        )


def test_only_secretary_or_responsible_officer_reports(hq_world):
    meeting = make_meeting(hq_world["hq"])
    resolution = make_resolution(
        meeting, responsible=hq_world["relief"], cooperating=[hq_world["tvto"]]
    )
    other_secretary = staff_user("sec.other", "hq_secretary", HeadquartersFactory())
    for user in (hq_world["tvto_officer"], other_secretary):
        with pytest.raises(PermissionDenied):
            resolution_follow_up_add(resolution=resolution, user=user, progress=10, note="x")
    assert not resolution.follow_ups.exists()


def test_follow_up_dates_are_checked(hq_world):
    meeting = make_meeting(hq_world["hq"], days_ago=5)
    resolution = make_resolution(meeting, responsible=hq_world["relief"])
    for day in (local_today() + datetime.timedelta(days=1), local_today() - datetime.timedelta(9)):
        with pytest.raises(ValidationError):
            resolution_follow_up_add(
                resolution=resolution,
                user=hq_world["secretary"],
                progress=10,
                note="x",
                reported_on=day,
            )


def test_cancel_needs_the_secretary_and_a_reason(hq_world):
    resolution = make_resolution(make_meeting(hq_world["hq"]), responsible=hq_world["relief"])
    with pytest.raises(PermissionDenied):
        resolution_cancel(resolution=resolution, user=hq_world["relief_officer"], reason="x")
    with pytest.raises(ValidationError):
        resolution_cancel(resolution=resolution, user=hq_world["secretary"], reason=" ")
    resolution_cancel(resolution=resolution, user=hq_world["secretary"], reason="ادغام با ۷۳-۲")
    resolution.refresh_from_db()
    assert resolution.status == Resolution.Status.CANCELLED
    assert not Resolution.objects.overdue(local_today() + datetime.timedelta(days=99)).exists()


def test_resolution_number_given_twice_is_refused(hq_world):
    meeting = make_meeting(hq_world["hq"])
    make_resolution(meeting, number=3, responsible=hq_world["relief"])
    with pytest.raises(ValidationError):
        resolution_create(meeting=meeting, number=3, text="تکرار", responsible=hq_world["tvto"])
    assert make_resolution(meeting, responsible=hq_world["tvto"]).number == 4


def test_opportunity_hours_add_up_per_centre():
    centre = CentreFactory(name="مرکز اصفهان")
    other = CentreFactory(name="مرکز کرج")
    for hours in (100, 90, Decimal("50")):
        make_meeting(centre, kind="opportunity", duration_hours=hours)
    make_meeting(centre, kind="regular", duration_hours=7)
    make_meeting(other, kind="opportunity", duration_hours=3)
    manager = staff_user("manager", "centre_manager", centre)
    assert centre_opportunity_hours(user=manager, centre=centre) == Decimal("240")
    rows = list(opportunity_meeting_hours(user=manager))
    assert [(r["centre"], r["hours"], r["meetings"]) for r in rows] == [
        (centre.pk, Decimal("240"), 3)
    ]
