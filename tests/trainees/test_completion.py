"""Completing a cohort: certificates with unique numbers to those who attended enough."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.programs.factories import CohortFactory, CohortSessionFactory
from tests.trainees.factories import EnrolmentFactory
from trainees import services
from trainees.models import Enrolment

pytestmark = pytest.mark.django_db


def attend(sessions, enrolment, pattern):
    for session, status in zip(sessions, pattern, strict=True):
        services.attendance_record_session(session=session, marks={enrolment.pk: status})


def test_complete_issues_certificates_by_minimum_attendance(isfahan):
    cohort = CohortFactory(centre=isfahan, code="BUS-9", min_attendance_percent=75)
    sessions = [CohortSessionFactory(cohort=cohort) for _ in range(4)]
    good = EnrolmentFactory(cohort=cohort)
    excused = EnrolmentFactory(cohort=cohort)
    weak = EnrolmentFactory(cohort=cohort)
    dropped = EnrolmentFactory(cohort=cohort, status="dropped", drop_reason="بیماری")
    attend(sessions, good, ["present", "present", "present", "absent"])  # 75%
    attend(sessions, excused, ["present", "present", "excused", "excused"])  # 100% of 2
    attend(sessions, weak, ["present", "absent", "absent", "present"])  # 50%

    counts = services.cohort_complete(cohort=cohort)

    assert counts == {"certified": 2, "not_certified": 1}
    for enrolment in (good, excused, weak, dropped):
        enrolment.refresh_from_db()
    assert good.status == excused.status == "certified"
    assert {good.certificate_number, excused.certificate_number} == {"BUS-9-001", "BUS-9-002"}
    assert weak.status == "not_certified" and weak.certificate_number is None
    assert str(weak.attendance_percent) == "50.0"
    assert dropped.status == "dropped"
    cohort.refresh_from_db()
    assert cohort.status == "completed"
    with pytest.raises(ValidationError):
        services.cohort_complete(cohort=cohort)
    with pytest.raises(ValidationError):
        services.attendance_record_session(session=sessions[0], marks={})


def test_a_cohort_without_sessions_cannot_be_completed(cohort):
    EnrolmentFactory(cohort=cohort)
    with pytest.raises(ValidationError):
        services.cohort_complete(cohort=cohort)
    assert Enrolment.objects.get().status == "enrolled"


def test_staff_complete_a_cohort_from_the_admin(client, staff, cohort):
    session = CohortSessionFactory(cohort=cohort)
    enrolment = EnrolmentFactory(cohort=cohort)
    attend([session], enrolment, ["present"])
    client.force_login(staff)
    selected = {"action": "complete", "_selected_action": [cohort.pk]}
    # First the confirmation page, listing who would get a certificate; nothing is closed.
    confirm = client.post(reverse("admin:programs_cohort_changelist"), selected)
    assert confirm.status_code == 200
    assert enrolment.trainee.full_name in confirm.content.decode()
    cohort.refresh_from_db()
    assert cohort.status == "running"

    response = client.post(
        reverse("admin:programs_cohort_changelist"), {**selected, "confirm": "1"}, follow=True
    )
    assert response.status_code == 200
    enrolment.refresh_from_db()
    assert enrolment.certificate_number == f"{cohort.code}-001"
    # Dated by the cohort's end, not by the day of the click.
    assert enrolment.certificate_issued_on == cohort.end_date
