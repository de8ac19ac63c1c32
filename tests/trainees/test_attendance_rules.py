"""Attendance has one rule set: a session's sheet, one corrected mark and a phone's offline
batch refuse the same marks with the same code and the same message."""

import uuid

import pytest
from django.utils import timezone
from django.utils.translation import gettext

from empowerment.kernel import errors
from tests.programs.factories import CohortSessionFactory
from tests.trainees.factories import EnrolmentFactory
from trainees import services
from trainees.models import Attendance

pytestmark = pytest.mark.django_db


def closed_cohort(session, enrolment):
    session.cohort.status = "completed"
    session.cohort.save()
    return enrolment, "present", "cohort_closed"


def cancelled_session(session, enrolment):
    session.cancelled_at = timezone.now()
    session.save()
    return enrolment, "present", "session_cancelled"


def trainee_of_another_cohort(session, enrolment):
    return EnrolmentFactory(cohort__centre=session.cohort.centre), "present", "not_enrolled"


def dropped_trainee(session, enrolment):
    enrolment.status = "dropped"
    enrolment.drop_reason = "نقل مکان"
    enrolment.save()
    return enrolment, "present", "not_enrolled"


def unknown_status(session, enrolment):
    return enrolment, "late", "status"


CASES = [closed_cohort, cancelled_session, trainee_of_another_cohort, dropped_trainee]


@pytest.fixture
def marked(cohort, staff):
    """A session with one trainee already marked present (so a single mark can change)."""
    session = CohortSessionFactory(cohort=cohort)
    enrolment = EnrolmentFactory(cohort=cohort)
    services.attendance_record_session(session=session, marks={enrolment.pk: "present"})
    return session, enrolment


@pytest.mark.parametrize(
    "case", [*CASES, unknown_status], ids=lambda c: c.__name__ if callable(c) else c
)
def test_the_sheet_and_the_batch_refuse_alike(marked, staff, case):
    session, enrolment = marked
    target, status, code = case(session, enrolment)
    with pytest.raises(errors.DomainError) as sheet:
        services.attendance_record_session(session=session, marks={target.pk: status}, by=staff)
    assert sheet.value.code == code
    [answer] = services.attendance_record_batch(
        marks=[
            {
                "client_uuid": uuid.uuid4(),
                "session": session.pk,
                "enrolment": target.pk,
                "status": status,
            }
        ],
        by=staff,
    )
    assert answer["result"] == "refused"
    assert answer["message"] == sheet.value.text


@pytest.mark.parametrize("case", CASES[:2], ids=lambda c: c.__name__)
def test_a_single_mark_obeys_the_same_rules(marked, staff, case):
    session, enrolment = marked
    _target, _status, code = case(session, enrolment)
    mark = Attendance.objects.get(session=session, enrolment=enrolment)
    with pytest.raises(errors.DomainError) as refused:
        services.attendance_mark(attendance=mark, status="absent", by=staff)
    assert refused.value.code == code
    mark.refresh_from_db()
    assert mark.status == "present"


def test_a_session_not_in_scope_is_out_of_scope_for_the_batch(marked, two_centres):
    session, enrolment = marked
    [answer] = services.attendance_record_batch(
        marks=[
            {
                "client_uuid": uuid.uuid4(),
                "session": session.pk,
                "enrolment": enrolment.pk,
                "status": "absent",
            }
        ],
        by=two_centres["staff_karaj"],
    )
    assert answer["result"] == "refused"
    assert answer["message"] == gettext("This session does not exist.")
