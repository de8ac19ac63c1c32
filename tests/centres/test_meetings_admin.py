"""The secretary's meeting page, the resolutions list, and the partner officer's reports."""

import jdatetime
import pytest
from django.urls import reverse

from centres.models import Meeting, Resolution, ResolutionFollowUp
from empowerment.kernel.jalali import local_today
from tests.centres.factories import (
    HeadquartersFactory,
    PartnerFactory,
    make_meeting,
    make_resolution,
    staff_user,
)

pytestmark = pytest.mark.django_db


def _inline(prefix, rows, fields):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for name in fields:
            data[f"{prefix}-{i}-{name}"] = row.get(name, "")
    return data


def test_secretary_records_a_meeting_on_one_page(client):
    hq = HeadquartersFactory(name="قرارگاه اجتماعی استان البرز")
    relief, tvto = PartnerFactory(name="کمیته امداد"), PartnerFactory(name="فنی و حرفه‌ای")
    make_meeting(hq, number=72)
    secretary = staff_user("secretary", "hq_secretary", hq)
    client.force_login(secretary)
    data = {
        "headquarters": hq.pk,
        "centre": "",
        "number": "",
        "kind": "regular",
        "date": "1403-12-27",
        "start_time": "10:00",
        "duration_hours": "2",
        "venue": "سالن شهدای دولت استانداری",
        "chair": "معاون وزیر کشور",
        "minutes": "صورتجلسه",
    }
    data |= _inline(
        "attendees", [{"name": "استاندار البرز"}, {"partner": str(relief.pk)}], ["name", "partner"]
    )
    data |= _inline("agenda_items", [{"order": "1", "title": "مشاغل خانگی"}], ["order", "title"])
    data |= _inline(
        "resolutions",
        [
            {"text": "راه‌اندازی مراکز مشاوره شغلی", "responsible": str(relief.pk)},
            {
                "text": "دوره‌های فنی و حرفه‌ای برای جوانان و زنان",
                "responsible": str(tvto.pk),
                "deadline": "1404-03-31",
            },
        ],
        ["text", "responsible", "deadline"],
    )
    response = client.post(reverse("admin:centres_meeting_add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    meeting = Meeting.objects.get(headquarters=hq, number=73)
    assert meeting.date == jdatetime.date(1403, 12, 27)
    assert meeting.attendees.count() == 2
    assert list(meeting.resolutions.values_list("number", "responsible")) == [
        (1, relief.pk),
        (2, tvto.pk),
    ]
    assert meeting.history.get().history_user == secretary
    page = client.get(reverse("admin:centres_meeting_change", args=[meeting.pk]))
    assert page.status_code == 200
    assert "مشاغل خانگی" in page.content.decode()


def test_resolution_list_filters_and_query_count(client, django_assert_max_num_queries):
    hq = HeadquartersFactory()
    relief, tvto = PartnerFactory(name="کمیته امداد"), PartnerFactory(name="فنی و حرفه‌ای")
    meeting = make_meeting(hq, days_ago=40)
    late = make_resolution(meeting, responsible=relief, deadline_in_days=-2, text="دیرکرد")
    make_resolution(meeting, responsible=tvto, deadline_in_days=5, text="به‌موقع")
    for _ in range(5):
        make_resolution(meeting, responsible=tvto)
    client.force_login(staff_user("secretary", "hq_secretary", hq))
    url = reverse("admin:centres_resolution_changelist")
    # Session, user, scope roles, then the filters' choices, the count and the page: the
    # number stays the same however many rows there are (no query per row).
    with django_assert_max_num_queries(14):
        response = client.get(url)
    assert response.status_code == 200
    body = client.get(url, {"overdue": "yes"}).content.decode()
    assert "دیرکرد" in body and "به‌موقع" not in body
    assert late.code in body
    body = client.get(url, {"responsible__id__exact": tvto.pk}).content.decode()
    assert "دیرکرد" not in body
    today = jdatetime.date.fromgregorian(date=local_today())
    body = client.get(url, {"deadline__lt": today.strftime("%Y-%m-%d")}).content.decode()
    assert "دیرکرد" in body and "به‌موقع" not in body


def test_partner_officer_reports_only_on_their_resolutions(client):
    hq = HeadquartersFactory()
    relief, tvto = PartnerFactory(), PartnerFactory()
    meeting = make_meeting(hq)
    mine = make_resolution(meeting, responsible=relief, text="سهم امداد")
    theirs = make_resolution(meeting, responsible=tvto, text="سهم فنی")
    officer = staff_user("officer", "partner_officer", relief)
    client.force_login(officer)
    listing = client.get(reverse("admin:centres_resolution_changelist")).content.decode()
    assert "سهم امداد" in listing and "سهم فنی" not in listing
    foreign = client.get(reverse("admin:centres_resolution_change", args=[theirs.pk]))
    assert foreign.status_code == 302
    add_url = reverse("admin:centres_resolutionfollowup_add")
    today = jdatetime.date.fromgregorian(date=local_today()).strftime("%Y-%m-%d")
    forged = client.post(
        add_url, {"resolution": theirs.pk, "reported_on": today, "progress": 50, "note": "x"}
    )
    assert forged.status_code == 200  # the form refuses: not a choice
    assert not ResolutionFollowUp.objects.exists()
    response = client.post(
        add_url, {"resolution": mine.pk, "reported_on": today, "progress": 60, "note": "پیشرفت"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    mine.refresh_from_db()
    assert (mine.status, mine.progress) == (Resolution.Status.IN_PROGRESS, 60)
    assert ResolutionFollowUp.objects.get().partner == relief
