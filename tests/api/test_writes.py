"""Writes through the API go through the services: same rules, same Persian messages."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from empowerment.kernel.jalali import format_jalali, local_today
from programs.models.ideas import Idea
from programs.services.ideas import idea_call_publish_decisions, idea_decide
from tests.api.world import build_world
from tests.programs.factories import CohortFactory, close_call, make_call
from tests.trainees.factories import TraineeFactory
from trainees.models import Enrolment, Outcome

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return build_world()


def _client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    return client


def test_enrol_then_409_when_already_enrolled_and_waitlist_when_full(world):
    own = world["own"]
    staff = _client(own["users"]["centre_staff"])
    cohort = CohortFactory(centre=own["centre"], capacity=1, code="MNK-9")
    first, second = (
        TraineeFactory(registered_at=own["centre"]),
        TraineeFactory(registered_at=own["centre"]),
    )
    url = reverse("api:enrolment-list")
    # Persian digits in the Jalali date: what a phone keyboard gives.
    created = staff.post(
        url, {"trainee": first.pk, "cohort": cohort.pk, "enrolled_on": "۱۴۰۳/۰۱/۱۵"}, format="json"
    )
    assert created.status_code == 201, created.json()
    assert created.json()["status"] == "enrolled"
    assert created.json()["enrolled_on_jalali"] == "1403-01-15"
    assert created.json()["enrolled_on"] == "2024-04-03"

    again = staff.post(
        url, {"trainee": first.pk, "cohort": cohort.pk}, format="json", HTTP_ACCEPT_LANGUAGE="fa"
    )
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert first.full_name in again.json()["detail"]
    assert Enrolment.objects.filter(cohort=cohort).count() == 1

    full = staff.post(url, {"trainee": second.pk, "cohort": cohort.pk}, format="json")
    assert full.status_code == 201 and full.json()["status"] == "waitlisted"

    over = staff.post(
        url,
        {
            "trainee": TraineeFactory(registered_at=own["centre"]).pk,
            "cohort": cohort.pk,
            "override_capacity": True,
        },
        format="json",
    )
    assert over.status_code == 403  # only a centre manager admits over capacity


def test_enrolling_in_another_centres_cohort_is_refused_as_not_found(world):
    staff = _client(world["own"]["users"]["centre_staff"])
    foreign_cohort = world["foreign"]["rows"]["cohort"]
    trainee = TraineeFactory(registered_at=world["own"]["centre"])
    response = staff.post(
        reverse("api:enrolment-list"),
        {"trainee": trainee.pk, "cohort": foreign_cohort.pk},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 400
    assert "does not exist" in response.json()["errors"]["cohort"][0]


def test_council_members_cannot_write(world):
    council = _client(world["own"]["users"]["council_member"])
    response = council.post(
        reverse("api:enrolment-list"),
        {
            "trainee": world["own"]["rows"]["trainee"].pk,
            "cohort": world["own"]["rows"]["cohort"].pk,
        },
        format="json",
    )
    assert response.status_code == 403


def test_outcome_rules_are_the_services(world):
    own = world["own"]
    staff = _client(own["users"]["centre_staff"])
    trainee = own["rows"]["trainee"]
    enrolment = own["rows"]["enrolment"].pk
    url = reverse("api:outcome-list")
    bad = staff.post(
        url,
        {"trainee": trainee.pk, "kind": "employer", "date": "1403-05-01", "follow_up_round": 6},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fa",
    )
    assert bad.status_code == 400
    assert (
        bad.json()["errors"]["employees_count"]
        == ["بگویید این کارفرمای تازه چند نفر را به کار گرفته است."]
        or bad.json()["errors"]["employees_count"]
    )
    good = staff.post(
        url,
        {
            "trainee": trainee.pk,
            "enrolment": enrolment,
            "kind": "employer",
            "date": "۱۴۰۳-۰۵-۰۱",
            "follow_up_round": 6,
            "employees_count": 3,
        },
        format="json",
    )
    assert good.status_code == 201, good.json()
    assert good.json()["date_jalali"] == "1403-05-01"
    twice = staff.post(
        url,
        {
            "trainee": trainee.pk,
            "enrolment": enrolment,
            "kind": "employer",
            "date": "1403-05-01",
            "follow_up_round": 6,
            "employees_count": 3,
        },
        format="json",
    )
    assert twice.status_code == 409
    assert Outcome.objects.filter(trainee=trainee, kind="employer").count() == 1


def test_a_resident_submits_an_idea_and_reads_the_decision_only_once_published(world):
    own = world["own"]
    resident = own["users"]["resident"]
    client = _client(resident)
    call = make_call(centre=own["centre"], title="فراخوان دوم")
    submitted = client.post(
        reverse("api:idea-list"),
        {
            "call": call.pk,
            "title": "نان محلی",
            "summary": "پخت نان محلی برای بازار",
            "submitter_name": "زهرا محمدی",
            "jobs_expected": "۳",
        },
        format="json",
    )
    assert submitted.status_code == 201, submitted.json()
    body = submitted.json()
    assert body["submitter_mobile"] == resident.username and body["status"] == "submitted"
    idea = Idea.objects.get(pk=body["id"])
    assert idea.submitter == resident and idea.jobs_expected == 3

    # The call's other ideas and other residents' ideas are not theirs to read.
    mine = client.get(reverse("api:idea-list")).json()["results"]
    assert {row["id"] for row in mine} == {idea.pk, own["rows"]["idea"].pk}

    staff, manager = own["users"]["centre_staff"], own["users"]["centre_manager"]
    from tests.programs.factories import to_review

    to_review(idea, staff)
    idea_decide(idea=idea, user=manager, accept=False, note="بازار اشباع است")
    hidden = client.get(reverse("api:idea-detail", args=[idea.pk])).json()
    assert hidden["status"] == "under_review" and hidden["decision_note"] == ""
    assert (
        _client(staff).get(reverse("api:idea-detail", args=[idea.pk])).json()["status"]
        == "rejected"
    )

    close_call(call)
    idea_call_publish_decisions(call=call, user=manager)
    shown = client.get(reverse("api:idea-detail", args=[idea.pk])).json()
    assert shown["status"] == "rejected" and shown["decision_note"] == "بازار اشباع است"


def test_an_idea_to_a_closed_call_is_refused_with_the_reason(world):
    own = world["own"]
    call = make_call(centre=own["centre"], title="فراخوان بسته", open_days=(-30, -5))
    response = _client(own["users"]["resident"]).post(
        reverse("api:idea-list"),
        {"call": call.pk, "title": "ایده", "summary": "شرح", "submitter_name": "زهرا محمدی"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fa",
    )
    assert response.status_code == 400
    assert response.json()["code"] == "call_not_open"
    with translation.override("fa"):
        refusal = gettext(
            "The call “%(call)s” closed on %(date)s; ideas can no longer be submitted."
        ) % {"call": call.title, "date": format_jalali(call.closes_on)}
    assert response.json()["errors"]["non_field_errors"] == [refusal]


def test_staff_cannot_submit_ideas_in_a_residents_name(world):
    response = _client(world["own"]["users"]["centre_staff"]).post(
        reverse("api:idea-list"), {"call": world["own"]["rows"]["idea-call"].pk}, format="json"
    )
    assert response.status_code == 403


def test_a_reviewer_scores_and_revises_and_others_are_refused(world):
    own = world["own"]
    idea = own["rows"]["idea"]
    criteria = list(idea.call.criteria.all())
    url = reverse("api:review-list")
    payload = {
        "idea": idea.pk,
        "comment": "خوب",
        "scores": [{"criterion": c.pk, "score": 9} for c in criteria],
    }
    revised = _client(own["users"]["reviewer"]).post(url, payload, format="json")
    assert revised.status_code == 201, revised.json()
    assert {s["score"] for s in revised.json()["scores"]} == {9}
    assert revised.json()["id"] == own["rows"]["review"].pk

    missing = _client(own["users"]["reviewer"]).post(
        url, {**payload, "scores": payload["scores"][:1]}, format="json", HTTP_ACCEPT_LANGUAGE="fa"
    )
    assert missing.status_code == 400
    assert list(missing.json()["errors"]) == ["non_field_errors"]  # the whole score sheet

    staff = _client(own["users"]["centre_staff"]).post(url, payload, format="json")
    assert staff.status_code == 403


def test_follow_up_a_resolution_as_the_partner_and_not_as_a_council_member(world):
    own = world["own"]
    resolution = own["rows"]["resolution"]
    url = reverse("api:resolution-follow-ups", args=[resolution.pk])
    partner = _client(own["users"]["partner_officer"])
    done = partner.post(url, {"progress": 100, "note": "انجام شد"}, format="json")
    assert done.status_code == 201, done.json()
    assert done.json()["partner"] == own["partner"].pk
    resolution.refresh_from_db()
    assert resolution.status == "done" and resolution.progress == 100
    listed = partner.get(url).json()
    assert [row["progress"] for row in listed] == [10, 100]

    future = local_today() + datetime.timedelta(days=3)
    refused = _client(own["users"]["centre_manager"]).post(
        url, {"progress": 50, "note": "x", "reported_on": future.isoformat()}, format="json"
    )
    assert refused.status_code == 400

    council = _client(own["users"]["council_member"]).post(
        url, {"progress": 20, "note": "x"}, format="json"
    )
    assert council.status_code == 403
    foreign = reverse("api:resolution-follow-ups", args=[world["foreign"]["rows"]["resolution"].pk])
    assert partner.post(foreign, {"progress": 20, "note": "x"}, format="json").status_code == 404
