"""The API answers a service's typed refusal by its class: the status, the stable code and
the Persian message, in the one error shape. Nobody queries again to guess why."""

import pytest
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient, APIRequestFactory
from rest_framework.views import APIView

from centres.meetings import commitment_milestone_add
from empowerment.kernel import errors
from empowerment.public import services as _public_services  # noqa: F401  (its error classes)
from tests.api.world import build_world
from tests.programs.factories import CohortFactory
from tests.trainees.factories import TraineeFactory
from trainees.models import Enrolment, Outcome

# What each family of refusal answers; every DomainError class belongs to one of them.
EXPECTED = [
    (errors.OutOfScope, 404),
    (errors.NotAllowed, 403),
    (errors.Conflict, 409),
    (errors.DomainError, 400),
]


def _expected_status(cls) -> int:
    return next(status for family, status in EXPECTED if issubclass(cls, family))


def _instance(cls):
    # Most classes carry their own default message; a few take theirs (and a code).
    try:
        return cls()
    except TypeError:
        return cls("نمونه‌ای از این خطا", code=cls.code)


@pytest.mark.parametrize("cls", errors.domain_error_classes(), ids=lambda c: c.__name__)
def test_every_domain_error_answers_its_status_code_and_message(cls):
    with translation.override("fa"):
        error = _instance(cls)
        message = error.text

    class Refusing(APIView):
        permission_classes = []
        authentication_classes = []

        def post(self, request):
            raise error

    response = Refusing.as_view()(APIRequestFactory().post("/api/v1/x/", {}, format="json"))
    assert response.status_code == _expected_status(cls)
    assert response.data["code"] == cls.code == error.code
    assert response.data["detail"] == message
    if hasattr(error, "error_dict"):
        # A refusal about one field names it, whatever its status.
        assert response.data["errors"] == {
            field: [str(m) for m in messages] for field, messages in error.message_dict.items()
        }
    elif response.status_code == 400:
        assert response.data["errors"] == {"non_field_errors": [message]}
    else:
        assert response.data["errors"] == {}


def test_a_field_refusal_names_its_field():
    class Refusing(APIView):
        permission_classes = []
        authentication_classes = []

        def post(self, request):
            raise errors.Invalid("نادرست", field="progress", code="progress_range")

    response = Refusing.as_view()(APIRequestFactory().post("/api/v1/x/", {}, format="json"))
    assert response.status_code == 400
    assert response.data == {
        "detail": "نادرست",
        "code": "progress_range",
        "errors": {"progress": ["نادرست"]},
    }


# --- The services' refusals through their endpoints --------------------------------------


@pytest.fixture
def world(db):
    return build_world()


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_enrolling_in_a_closed_cohort_is_409_cohort_closed(world):
    own = world["own"]
    cohort = CohortFactory(centre=own["centre"], status="completed")
    trainee = TraineeFactory(registered_at=own["centre"])
    response = _client(own["users"]["centre_staff"]).post(
        reverse("api:enrolment-list"),
        {"trainee": trainee.pk, "cohort": cohort.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fa",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "cohort_closed"
    assert not Enrolment.objects.filter(cohort=cohort).exists()


def test_enrolling_over_capacity_without_the_right_is_403_not_allowed(world):
    own = world["own"]
    cohort = CohortFactory(centre=own["centre"], capacity=0)
    response = _client(own["users"]["centre_staff"]).post(
        reverse("api:enrolment-list"),
        {
            "trainee": TraineeFactory(registered_at=own["centre"]).pk,
            "cohort": cohort.pk,
            "override_capacity": True,
        },
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (403, "not_allowed")


def test_the_same_outcome_twice_is_409_duplicate(world):
    own = world["own"]
    outcome = own["rows"]["outcome"]
    response = _client(own["users"]["centre_staff"]).post(
        reverse("api:outcome-list"),
        {
            "trainee": outcome.trainee_id,
            "enrolment": outcome.enrolment_id,
            "kind": outcome.kind,
            "date": str(outcome.date),
            "follow_up_round": outcome.follow_up_round,
        },
        format="json",
    )
    assert (response.status_code, response.json()["code"]) == (409, "duplicate")
    assert Outcome.objects.filter(trainee=outcome.trainee).count() == 1


# --- Progress on a commitment without milestones -----------------------------------------


def test_the_promising_partner_records_progress_on_a_commitment(world):
    own = world["own"]
    commitment = own["rows"]["commitment"]
    url = reverse("api:commitment-progress", args=[commitment.pk])
    partner = _client(own["users"]["partner_officer"])
    answer = partner.post(url, {"progress": 40, "evidence": "گزارش بازدید"}, format="json")
    assert answer.status_code == 200, answer.json()
    assert (answer.json()["progress"], answer.json()["status"]) == (40, "in_progress")
    done = partner.post(url, {"progress": 100}, format="json")
    assert (done.json()["status"], done.json()["evidence"]) == ("done", "گزارش بازدید")

    assert partner.post(url, {"progress": 140}, format="json").status_code == 400
    council = _client(own["users"]["council_member"]).post(url, {"progress": 50}, format="json")
    assert (council.status_code, council.json()["code"]) == (403, "not_allowed")
    foreign = reverse("api:commitment-progress", args=[world["foreign"]["rows"]["commitment"].pk])
    assert partner.post(foreign, {"progress": 50}, format="json").status_code == 404
    commitment.refresh_from_db()
    assert commitment.progress == 100


def test_a_commitment_with_milestones_follows_them_not_a_reported_figure(world):
    own = world["own"]
    commitment = own["rows"]["commitment"]
    commitment_milestone_add(commitment=commitment, title="کوچه اول", due_date=commitment.due_date)
    response = _client(own["users"]["partner_officer"]).post(
        reverse("api:commitment-progress", args=[commitment.pk]), {"progress": 50}, format="json"
    )
    assert (response.status_code, response.json()["code"]) == (409, "has_milestones")
    commitment.refresh_from_db()
    assert commitment.progress == 0
