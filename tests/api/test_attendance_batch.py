"""POST /api/v1/attendance/batch/: offline marks recorded once, whatever is resent."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from programs.models import Cohort
from tests.api.world import build_world
from tests.programs.factories import CohortSessionFactory
from tests.trainees.factories import EnrolmentFactory
from trainees.models import Attendance

pytestmark = pytest.mark.django_db
URL = "api:attendance-batch"


@pytest.fixture
def world(db):
    return build_world()


@pytest.fixture
def staff(world):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(world["own"]["users"]["centre_staff"])
    return client


def _mark(session, status="present", *, enrolment=None, trainee=None, key=None):
    mark = {"client_uuid": str(key or uuid.uuid4()), "session": session.pk, "status": status}
    if enrolment is not None:
        mark["enrolment"] = enrolment.pk
    if trainee is not None:
        mark["trainee"] = trainee.pk
    return mark


def test_the_same_batch_twice_and_an_overlapping_one_record_each_mark_once(world, staff):
    own = world["own"]["rows"]
    cohort = own["cohort"]
    session = CohortSessionFactory(cohort=cohort, date=own["session"].date)
    others = [EnrolmentFactory(cohort=cohort) for _ in range(3)]
    batch = [_mark(session, enrolment=e) for e in others[:2]]

    first = staff.post(reverse(URL), {"marks": batch}, format="json")
    assert first.status_code == 200
    assert first.json()["created"] == 2 and first.json()["existing"] == 0

    again = staff.post(reverse(URL), {"marks": batch}, format="json")
    assert [r["result"] for r in again.json()["results"]] == ["existing", "existing"]

    # Overlapping: one mark already sent, one new (given by trainee, not enrolment).
    overlap = [batch[1], _mark(session, "absent", trainee=others[2].trainee)]
    answer = staff.post(reverse(URL), {"marks": overlap}, format="json").json()
    assert [r["result"] for r in answer["results"]] == ["existing", "created"]
    assert Attendance.objects.filter(session=session).count() == 3
    assert Attendance.objects.get(enrolment=others[2], session=session).status == "absent"


def test_bad_marks_are_refused_one_by_one_and_the_good_ones_kept(world, staff):
    own, foreign = world["own"]["rows"], world["foreign"]["rows"]
    session = own["session"]
    good = EnrolmentFactory(cohort=own["cohort"])
    closed = CohortSessionFactory(
        cohort=EnrolmentFactory(
            cohort__centre=world["own"]["centre"], cohort__status=Cohort.Status.COMPLETED
        ).cohort
    )
    marks = [
        _mark(session, enrolment=good),
        _mark(foreign["session"], enrolment=foreign["enrolment"]),  # another centre's
        _mark(session, enrolment=foreign["enrolment"]),  # not in this cohort
        {"client_uuid": "not-a-uuid", "session": session.pk, "status": "present"},
        {
            "client_uuid": str(uuid.uuid4()),
            "session": session.pk,
            "status": "late",
            "enrolment": good.pk,
        },
        _mark(closed, trainee=closed.cohort.enrolments.get().trainee),
        {"client_uuid": str(uuid.uuid4()), "session": session.pk, "status": "present"},
    ]
    answer = staff.post(reverse(URL), {"marks": marks}, format="json", HTTP_ACCEPT_LANGUAGE="fa")
    assert answer.status_code == 200
    body = answer.json()
    assert [r["result"] for r in body["results"]] == ["created"] + ["refused"] * 6
    assert body["created"] == 1 and body["refused"] == 6
    messages = [r["message"] for r in body["results"][1:]]
    assert all(messages)  # each refusal says why (in the request's language)
    assert body["results"][3]["client_uuid"] == "not-a-uuid"
    assert Attendance.objects.filter(enrolment=good).count() == 1
    assert not Attendance.objects.filter(
        session=foreign["session"], enrolment__cohort=own["cohort"]
    ).exists()


def test_a_later_status_replaces_the_earlier_and_a_replay_does_not_flip_it_back(world, staff):
    own = world["own"]["rows"]
    enrolment = EnrolmentFactory(cohort=own["cohort"])
    first = _mark(own["session"], "absent", enrolment=enrolment)
    correction = _mark(own["session"], "excused", enrolment=enrolment)
    staff.post(reverse(URL), {"marks": [first]}, format="json")
    fixed = staff.post(reverse(URL), {"marks": [correction]}, format="json").json()
    assert fixed["results"][0]["result"] == "updated"
    replay = staff.post(reverse(URL), {"marks": [first]}, format="json").json()
    assert replay["results"][0]["result"] == "existing"
    assert Attendance.objects.get(enrolment=enrolment).status == "excused"


def test_a_client_uuid_reused_for_another_mark_is_refused(world, staff):
    own = world["own"]["rows"]
    a, b = EnrolmentFactory(cohort=own["cohort"]), EnrolmentFactory(cohort=own["cohort"])
    key = uuid.uuid4()
    staff.post(
        reverse(URL), {"marks": [_mark(own["session"], enrolment=a, key=key)]}, format="json"
    )
    answer = staff.post(
        reverse(URL), {"marks": [_mark(own["session"], enrolment=b, key=key)]}, format="json"
    ).json()
    assert answer["results"][0]["result"] == "refused"
    assert not Attendance.objects.filter(enrolment=b).exists()


def test_only_staff_who_record_attendance_may_send_marks(world):
    from rest_framework.test import APIClient

    own = world["own"]["rows"]
    for role in ("council_member", "viewer", "resident", "reviewer"):
        client = APIClient()
        client.force_authenticate(world["own"]["users"][role])
        response = client.post(
            reverse(URL),
            {"marks": [_mark(own["session"], enrolment=own["enrolment"])]},
            format="json",
        )
        assert response.status_code == 403, role


def test_a_body_without_a_list_is_a_400(staff):
    response = staff.post(reverse(URL), {"marks": "x"}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    assert response.json()["errors"] == {"marks": ["Send the marks as a list under “marks”."]}


def test_a_cancelled_session_refuses_its_marks_and_keeps_the_others(world, staff):
    from django.utils import timezone

    own = world["own"]["rows"]
    cohort = own["cohort"]
    held = CohortSessionFactory(cohort=cohort, date=own["session"].date)
    cancelled = CohortSessionFactory(
        cohort=cohort, date=own["session"].date, cancelled_at=timezone.now()
    )
    enrolment = EnrolmentFactory(cohort=cohort)
    answer = staff.post(
        reverse(URL),
        {"marks": [_mark(cancelled, enrolment=enrolment), _mark(held, enrolment=enrolment)]},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fa",
    ).json()
    assert [r["result"] for r in answer["results"]] == ["refused", "created"]
    with translation.override("fa"):
        cancelled_message = gettext("This session was cancelled: it takes no attendance.")
    assert answer["results"][0]["message"] == cancelled_message
    assert not Attendance.objects.filter(session=cancelled).exists()


def test_a_sessions_new_marks_cost_the_same_queries_however_many(
    world, staff, django_assert_max_num_queries
):
    """A phone's first sync of a session: its new marks go in together (with their history),
    so a batch of 30 costs what a batch of 3 does; each is answered "created" with its row."""
    own = world["own"]["rows"]
    cohort = own["cohort"]

    def batch_of(count):
        session = CohortSessionFactory(cohort=cohort, date=own["session"].date)
        return [_mark(session, enrolment=EnrolmentFactory(cohort=cohort)) for _ in range(count)]

    small, large = batch_of(3), batch_of(30)
    with CaptureQueriesContext(connection) as few:
        assert staff.post(reverse(URL), {"marks": small}, format="json").json()["created"] == 3
    with django_assert_max_num_queries(len(few.captured_queries)):
        answer = staff.post(reverse(URL), {"marks": large}, format="json").json()
    assert answer["created"] == 30
    rows = Attendance.objects.filter(pk__in=[r["id"] for r in answer["results"]])
    assert rows.count() == 30
    assert Attendance.history.filter(id__in=[r["id"] for r in answer["results"]]).count() == 30
    assert {h.history_user_id for h in Attendance.history.filter(id=rows[0].pk)} == {
        world["own"]["users"]["centre_staff"].pk
    }
