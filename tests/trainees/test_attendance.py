"""Attendance for a whole session on one admin page, written by the service."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.programs.factories import CohortSessionFactory
from tests.trainees.factories import EnrolmentFactory
from trainees import services
from trainees.models import Attendance

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(cohort):
    return CohortSessionFactory(cohort=cohort)


def test_service_records_and_corrects_a_session(session, staff):
    a, b = EnrolmentFactory(cohort=session.cohort), EnrolmentFactory(cohort=session.cohort)
    assert (
        services.attendance_record_session(
            session=session, marks={a.pk: "present", b.pk: "absent"}, by=staff
        )
        == 2
    )
    assert (
        services.attendance_record_session(
            session=session, marks={a.pk: "present", b.pk: "excused"}, by=staff
        )
        == 1
    )
    assert dict(Attendance.objects.values_list("enrolment_id", "status")) == {
        a.pk: "present",
        b.pk: "excused",
    }
    assert Attendance.objects.get(enrolment=b).history.count() == 2


def test_service_refuses_someone_not_enrolled_in_the_cohort(session):
    stranger = EnrolmentFactory()
    with pytest.raises(ValidationError):
        services.attendance_record_session(session=session, marks={stranger.pk: "present"})
    assert not Attendance.objects.exists()


def test_attendance_page_lists_every_enrolled_trainee_and_saves(client, staff, session):
    enrolled = [EnrolmentFactory(cohort=session.cohort) for _ in range(3)]
    EnrolmentFactory(cohort=session.cohort, status="dropped", drop_reason="نقل مکان")
    client.force_login(staff)
    url = reverse("admin:programs_cohortsession_attendance", args=[session.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = page.context["form"]
    # Every enrolled trainee, and not the one who dropped out.
    assert {e.pk for e in form.enrolments} == {e.pk for e in enrolled}
    assert page.content.decode().count('type="radio"') == 3 * 3
    data = {f"e{e.pk}": "present" for e in enrolled}
    data[f"e{enrolled[0].pk}"] = "absent"
    response = client.post(url, data)
    assert response.status_code == 302
    assert Attendance.objects.filter(session=session).count() == 3
    assert Attendance.objects.get(enrolment=enrolled[0]).status == "absent"
    assert Attendance.objects.get(enrolment=enrolled[1]).recorded_by == staff


def test_attendance_page_of_another_centre_is_not_found(client, two_centres, session):
    client.force_login(two_centres["staff_karaj"])
    url = reverse("admin:programs_cohortsession_attendance", args=[session.pk])
    assert client.get(url).status_code == 404
