"""Attendance in a few clicks: today's sessions at the person's centre, the session's sheet
(all present, the exceptions, a search box), saved through the attendance service; the
attendance rate current while the cohort runs."""

import datetime
from decimal import Decimal
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from empowerment.kernel.jalali import today_jalali
from programs.services.training import cohort_session_cancel
from tests.programs.factories import CohortFactory, CohortSessionFactory
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees import selectors, services
from trainees.admin import enrolments as enrolment_admin
from trainees.models import Attendance, Enrolment

pytestmark = pytest.mark.django_db

TODAY = "admin:programs_cohortsession_today"
SHEET = "admin:programs_cohortsession_attendance"


def days(n: int):
    return today_jalali() + datetime.timedelta(days=n)


@pytest.fixture
def running(isfahan):
    return CohortFactory(
        centre=isfahan, code="MNK-1405-1", capacity=90, start_date=days(-40), end_date=days(40)
    )


@pytest.fixture
def session(running):
    return CohortSessionFactory(cohort=running, date=days(0), start_time=datetime.time(9))


@pytest.fixture
def roster(running):
    return [EnrolmentFactory(cohort=running) for _ in range(4)]


def sheet(session):
    return reverse(SHEET, args=[session.pk])


# --- Today's sessions ----------------------------------------------------------------------


def test_todays_sessions_lists_only_today_at_the_persons_centres(
    client, staff, karaj, running, session, roster
):
    CohortSessionFactory(cohort=running, date=days(-1))  # yesterday's
    cancelled = CohortSessionFactory(cohort=running, date=days(0), start_time=datetime.time(15))
    cohort_session_cancel(session=cancelled)
    foreign = CohortSessionFactory(
        cohort=CohortFactory(centre=karaj, start_date=days(-5), end_date=days(5)), date=days(0)
    )
    services.attendance_record_session(session=session, marks={roster[0].pk: "present"}, by=staff)
    client.force_login(staff)
    page = client.get(reverse(TODAY))
    assert page.status_code == 200
    listed = page.context["sessions"]
    assert [s.pk for s in listed] == [session.pk]
    assert (listed[0].enrolled, listed[0].marked) == (4, 1)
    html = page.content.decode()
    assert sheet(session) in html
    assert sheet(foreign) not in html


def test_todays_sessions_refuses_someone_without_attendance_rights(client, two_centres):
    from tests.centres.factories import staff_user

    reviewer = staff_user("reviewer.x", "reviewer", two_centres["isfahan"])
    client.force_login(reviewer)
    assert client.get(reverse(TODAY)).status_code == 403


# --- The sheet -----------------------------------------------------------------------------


def test_unmarked_trainees_start_with_no_mark_and_the_sheet_offers_all_present(
    client, staff, session, roster
):
    client.force_login(staff)
    page = client.get(sheet(session))
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="all-present"' in html and 'id="roster-filter"' in html
    assert "checked" not in html  # nothing is marked until someone marks it
    assert html.count('type="radio"') == 3 * len(roster)


def test_saving_goes_through_the_service_and_records_who(
    client, staff, session, roster, monkeypatch
):
    calls = []
    real = services.attendance_record_session

    def spy(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(enrolment_admin.services, "attendance_record_session", spy)
    client.force_login(staff)
    data = {f"e{e.pk}": "present" for e in roster[:3]}
    data[f"e{roster[1].pk}"] = "absent"
    response = client.post(sheet(session), data)
    assert response.status_code == 302
    assert len(calls) == 1 and calls[0]["by"] == staff
    marks = dict(Attendance.objects.values_list("enrolment_id", "status"))
    # The fourth row was left unmarked: it is not recorded.
    assert marks == {roster[0].pk: "present", roster[1].pk: "absent", roster[2].pk: "present"}
    assert set(Attendance.objects.values_list("recorded_by", flat=True)) == {staff.pk}


def test_a_cancelled_session_is_refused_by_the_services_rule(client, staff, session, roster):
    cohort_session_cancel(session=session)
    client.force_login(staff)
    response = client.post(sheet(session), {f"e{roster[0].pk}": "present"})
    assert response.status_code == 200
    assert response.context["refusal"] == "session_cancelled"
    assert not Attendance.objects.exists()


def test_the_search_box_filters_the_roster_however_the_name_is_typed(
    client, staff, running, session
):
    zahra = EnrolmentFactory(
        cohort=running,
        trainee=TraineeFactory(first_name="زهرا", last_name="کاظمی", national_code="0012345679"),
    )
    other = EnrolmentFactory(cohort=running)
    client.force_login(staff)
    for term in ("كاظمي", "زهرا کاظمی", "۰۰۱۲۳۴"):  # Arabic letters, full name, Persian digits
        page = client.get(sheet(session), {"q": term})
        shown = [row["enrolment"].pk for row in page.context["rows"]]
        assert shown == [zahra.pk], term
    page = client.get(sheet(session))
    assert {row["enrolment"].pk for row in page.context["rows"]} == {zahra.pk, other.pk}
    # Every row carries the text the live filter (attendance.js) searches.
    assert 'data-search="' in page.content.decode()


def test_the_roster_finds_and_shows_a_foreign_nationals_identifier(client, staff, running, session):
    """A resident without a national code (issue 15): found by the foreign nationals' code
    or passport in any digits, shown in the code column."""
    gol = EnrolmentFactory(
        cohort=running,
        trainee=TraineeFactory(
            first_name="گل‌بی‌بی",
            last_name="احمدی",
            nationality="afghan",
            national_code=None,
            foreign_code="210000000123",
        ),
    )
    farishta = EnrolmentFactory(
        cohort=running,
        trainee=TraineeFactory(
            first_name="فرشته",
            last_name="حیدری",
            nationality="afghan",
            national_code=None,
            passport_number="P01234567",
        ),
    )
    EnrolmentFactory(cohort=running)
    client.force_login(staff)
    for term, want in (("۲۱۰۰۰۰", gol), ("p0123", farishta)):
        page = client.get(sheet(session), {"q": term})
        assert [row["enrolment"].pk for row in page.context["rows"]] == [want.pk], term
    page = client.get(sheet(session), {"q": "۲۱۰۰۰۰"})
    assert page.context["rows"][0]["code"] == "210000000123"


def test_a_filtered_sheet_saves_the_rows_it_shows(client, staff, running, session):
    zahra = EnrolmentFactory(cohort=running, trainee=TraineeFactory(last_name="کاظمی"))
    EnrolmentFactory(cohort=running)
    client.force_login(staff)
    url = sheet(session) + "?" + urlencode({"q": "کاظمی"})
    response = client.post(url, {f"e{zahra.pk}": "excused"})
    assert response.status_code == 302
    # Back to the same filtered sheet.
    assert client.get(response["Location"]).context["term"] == "کاظمی"
    assert dict(Attendance.objects.values_list("enrolment_id", "status")) == {zahra.pk: "excused"}


# --- Attacks ---------------------------------------------------------------------------------


def test_a_foreign_centres_session_forged_in_the_url_is_not_found(
    client, two_centres, session, roster
):
    client.force_login(two_centres["staff_karaj"])
    assert client.get(sheet(session)).status_code == 404
    response = client.post(sheet(session), {f"e{e.pk}": "present" for e in roster})
    assert response.status_code == 404
    assert not Attendance.objects.exists()


def test_a_trainee_of_another_cohort_smuggled_into_the_post_refuses_the_sheet(
    client, staff, isfahan, karaj, session, roster
):
    elsewhere = EnrolmentFactory(cohort=CohortFactory(centre=isfahan))
    foreign = EnrolmentFactory(cohort=CohortFactory(centre=karaj))
    client.force_login(staff)
    for smuggled in (elsewhere, foreign):
        data = {f"e{e.pk}": "present" for e in roster}
        data[f"e{smuggled.pk}"] = "present"
        response = client.post(sheet(session), data)
        assert response.status_code == 200
        assert response.context["refusal"] == "not_enrolled"
    # All or nothing: not even the legitimate rows were written.
    assert not Attendance.objects.exists()


def test_a_dropped_out_trainee_forged_into_the_post_is_refused(client, staff, session, roster):
    dropped = EnrolmentFactory(
        cohort=session.cohort, status=Enrolment.Status.DROPPED, drop_reason="نقل مکان"
    )
    client.force_login(staff)
    response = client.post(sheet(session), {f"e{dropped.pk}": "present"})
    assert response.context["refusal"] == "not_enrolled"
    assert not Attendance.objects.exists()


def test_a_closed_cohort_takes_no_attendance(client, staff, session, roster):
    services.attendance_record_session(
        session=session, marks={e.pk: "present" for e in roster}, by=staff
    )
    session.cohort.status = "completed"
    session.cohort.save(update_fields=["status"])
    client.force_login(staff)
    page = client.get(sheet(session))
    assert page.context["can_change"] is False
    assert 'id="save-attendance"' not in page.content.decode()
    response = client.post(sheet(session), {f"e{e.pk}": "absent" for e in roster})
    assert response.status_code == 200
    assert response.context["refusal"] == "cohort_closed"
    assert set(Attendance.objects.values_list("status", flat=True)) == {"present"}


def test_a_bad_status_is_refused(client, staff, session, roster):
    client.force_login(staff)
    response = client.post(sheet(session), {f"e{roster[0].pk}": "holiday"})
    # The form's own choice refuses it before the service is asked.
    assert response.status_code == 200
    assert not Attendance.objects.exists()


# --- The rate while the cohort runs ------------------------------------------------------


def test_the_attendance_rate_is_current_while_the_cohort_runs(staff, running):
    first, second = EnrolmentFactory(cohort=running), EnrolmentFactory(cohort=running)
    held = [
        CohortSessionFactory(cohort=running, date=days(-d), start_time=datetime.time(9))
        for d in (14, 7, 0)
    ]
    CohortSessionFactory(cohort=running, date=days(7))  # not held yet
    untaken = CohortSessionFactory(cohort=running, date=days(-3))  # no marks taken
    cancelled = CohortSessionFactory(cohort=running, date=days(-10))
    services.attendance_record_session(session=cancelled, marks={first.pk: "absent"}, by=staff)
    cohort_session_cancel(session=cancelled)
    services.attendance_record_session(
        session=held[0], marks={first.pk: "present", second.pk: "present"}, by=staff
    )
    services.attendance_record_session(
        session=held[1], marks={first.pk: "absent"}, by=staff
    )  # the second trainee has no mark: an absence
    services.attendance_record_session(
        session=held[2], marks={first.pk: "excused", second.pk: "present"}, by=staff
    )
    rates = {
        pk: selectors.rate_percent(rate)
        for pk, rate in selectors.with_attendance_rate(Enrolment.objects.all()).values_list(
            "pk", "attendance_rate"
        )
    }
    # first: 1 present of 3 held, 1 excused -> 1/2; second: 2 of 3.
    assert rates == {first.pk: Decimal("50.0"), second.pk: Decimal("66.7")}
    assert untaken.pk  # a session without marks does not count as held


def test_a_closed_cohort_keeps_the_rate_its_completion_recorded(staff, running):
    enrolment = EnrolmentFactory(cohort=running)
    session = CohortSessionFactory(cohort=running, date=days(-1))
    services.attendance_record_session(session=session, marks={enrolment.pk: "absent"}, by=staff)
    Enrolment.objects.filter(pk=enrolment.pk).update(attendance_percent=Decimal("80.0"))
    rate = selectors.with_attendance_rate(Enrolment.objects.all()).get().attendance_rate
    assert selectors.rate_percent(rate) == Decimal("80.0")


def test_no_rate_before_a_session_is_held(running):
    EnrolmentFactory(cohort=running)
    assert selectors.with_attendance_rate(Enrolment.objects.all()).get().attendance_rate is None


def test_the_enrolment_list_and_the_trainees_page_show_the_current_rate(
    client, staff, running, django_assert_max_num_queries
):
    enrolments = [EnrolmentFactory(cohort=running) for _ in range(3)]
    session = CohortSessionFactory(cohort=running, date=days(-1))
    services.attendance_record_session(
        session=session, marks={enrolments[0].pk: "present", enrolments[1].pk: "absent"}, by=staff
    )
    client.force_login(staff)
    page = client.get(reverse("admin:trainees_enrolment_changelist"))
    html = page.content.decode()
    assert "۱۰۰٪" in html and "۰٪" in html
    trainee_page = client.get(
        reverse("admin:trainees_trainee_change", args=[enrolments[0].trainee_id])
    )
    assert "۱۰۰٪" in trainee_page.content.decode()
    trainees = client.get(reverse("admin:trainees_trainee_changelist"))
    rates = {t.pk: t.current_attendance_rate for t in trainees.context["cl"].result_list}
    assert rates == {
        enrolments[0].trainee_id: 100.0,
        enrolments[1].trainee_id: 0.0,
        enrolments[2].trainee_id: 0.0,  # held, not marked: an absence
    }
    # The rates are part of the list's query: more rows, no more queries.
    client.get(reverse("admin:trainees_enrolment_changelist"))
    with django_assert_max_num_queries(20) as few:
        client.get(reverse("admin:trainees_enrolment_changelist"))
    before = len(few)
    for _ in range(5):
        EnrolmentFactory(cohort=running)
    with django_assert_max_num_queries(before):
        client.get(reverse("admin:trainees_enrolment_changelist"))
