"""Class 7a: personal data beyond need.

Council members and viewers read figures: no relative's name, no birth date (an age band),
numbers masked. Reviewers judge ideas: a submitter's mobile masked. A resident's idea carries
the mobile they proved by SMS code, not one named in the body. Attacked over every endpoint
of the API's router and through the admin.
"""

import json

import jdatetime
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from centres.services import staff_role_assign
from empowerment.api.urls import router
from programs.models import Idea
from tests.api.world import build_world
from tests.programs.factories import make_call
from trainees.models import Trainee

pytestmark = pytest.mark.django_db

# Who may not read which stored values whole.
NUMBERS_MASKED_FOR = {"council_member", "viewer"}
MOBILES_MASKED_FOR = NUMBERS_MASKED_FOR | {"reviewer"}
DETAILS_HIDDEN_FOR = {"council_member", "viewer"}


@pytest.fixture
def world(db):
    world = build_world()
    for number, trainee in enumerate(Trainee.objects.all()):
        trainee.father_name = f"پدرنام{number}"
        trainee.birth_date = jdatetime.date(1368, 2, 11 + number)
        trainee.save()
    return world


def _secrets(role) -> set[str]:
    """The stored values this role must never read whole, from the database itself."""
    secrets = set()
    if role in NUMBERS_MASKED_FOR:
        for code, mobile in Trainee.objects.values_list("national_code", "mobile"):
            secrets |= {code, mobile}
    if role in MOBILES_MASKED_FOR:
        secrets |= set(Idea.objects.values_list("submitter_mobile", flat=True))
    if role in DETAILS_HIDDEN_FOR:
        for father, born in Trainee.objects.values_list("father_name", "birth_date"):
            secrets |= {father, born.togregorian().isoformat(), born.strftime("%Y-%m-%d")}
    return {value for value in secrets if value}


def _api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("role", sorted(MOBILES_MASKED_FOR | DETAILS_HIDDEN_FOR))
def test_no_endpoint_of_the_router_gives_personal_data_beyond_need(world, role):
    user = world["users"][role]
    secrets = _secrets(role)
    assert secrets
    client = _api(user)
    read = 0
    for prefix, _viewset, basename in router.registry:
        listed = client.get(reverse(f"api:{basename}-list"), {"page_size": 200})
        assert listed.status_code == 200, prefix
        bodies = [listed.content.decode()]
        for row in listed.json()["results"]:
            detail = client.get(reverse(f"api:{basename}-detail", args=[row["id"]]))
            assert detail.status_code == 200
            bodies.append(detail.content.decode())
        read += len(bodies)
        for body in bodies:
            text = json.dumps(json.loads(body), ensure_ascii=False)
            leaked = sorted(secret for secret in secrets if secret in text)
            assert not leaked, f"{prefix} gives {role} {leaked}"
    assert read > len(router.registry)


def test_council_member_gets_an_age_band_instead_of_the_birth_date(world):
    trainee = Trainee.objects.get(pk=world["own"]["rows"]["trainee"].pk)
    body = _api(world["users"]["council_member"]).get(
        reverse("api:trainee-detail", args=[trainee.pk])
    )
    assert body.status_code == 200
    answer = body.json()
    assert "father_name" not in answer and "birth_date" not in answer
    assert answer["age_band"] in {"25-34", "35-44"}
    staff = _api(world["users"]["centre_staff"]).get(
        reverse("api:trainee-detail", args=[trainee.pk])
    )
    assert staff.json()["father_name"] == trainee.father_name


def test_reviewer_sees_a_masked_submitter_mobile_in_the_admin(client, world):
    idea = world["own"]["rows"]["idea"]
    client.force_login(world["users"]["reviewer"])
    for url in (
        reverse("admin:programs_idea_changelist"),
        reverse("admin:programs_idea_change", args=[idea.pk]),
        reverse("admin:programs_idea_history", args=[idea.pk]),
        reverse(
            "admin:programs_idea_simple_history",
            args=[idea.pk, idea.history.order_by("history_id").first().history_id],
        ),
    ):
        page = client.get(url)
        assert page.status_code == 200, url
        assert idea.submitter_mobile not in page.content.decode(), url


def test_admin_user_with_a_council_role_gets_no_fathers_name_or_birth_date(client, world):
    staff = world["users"]["centre_staff"]
    staff_role_assign(user=staff, role="council_member", scope=world["own"]["centre"].city)
    trainee = Trainee.objects.get(pk=world["own"]["rows"]["trainee"].pk)
    client.force_login(staff)
    for url in (
        reverse("admin:trainees_trainee_changelist"),
        reverse("admin:trainees_trainee_change", args=[trainee.pk]),
    ):
        page = client.get(url)
        assert page.status_code == 200
        text = page.content.decode()
        assert trainee.father_name not in text
        assert trainee.national_code not in text and trainee.mobile not in text
    found = client.get(
        reverse("admin:trainees_trainee_changelist"), {"q": trainee.father_name}
    ).context["cl"]
    assert trainee.pk not in [row.pk for row in found.result_list]


def _idea_body(call, **changes):
    return {
        "call": call.pk,
        "title": "کارگاه سفالگری",
        "summary": "ساخت و فروش سفال",
        "submitter_name": "ساکن محله",
        "jobs_expected": 2,
        **changes,
    }


def test_a_resident_cannot_send_an_idea_with_someone_elses_mobile(world):
    resident = world["users"]["resident"]
    call = make_call(centre=world["own"]["centre"], title="فراخوان دوم")
    client = _api(resident)
    before = Idea.objects.count()
    forged = client.post(
        reverse("api:idea-list"), _idea_body(call, submitter_mobile="09351112233"), format="json"
    )
    assert forged.status_code == 400
    assert "submitter_mobile" in forged.json()["errors"]
    assert Idea.objects.count() == before
    own = client.post(reverse("api:idea-list"), _idea_body(call), format="json")
    assert own.status_code == 201, own.json()
    assert Idea.objects.get(pk=own.json()["id"]).submitter_mobile == resident.get_username()
    same = client.post(
        reverse("api:idea-list"),
        _idea_body(call, title="دیگر", submitter_mobile="+98" + resident.get_username()[1:]),
        format="json",
    )
    assert same.status_code == 201
