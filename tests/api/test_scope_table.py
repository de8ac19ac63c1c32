"""Every endpoint × every role × own and foreign rows: the status, which rows are listed,
404 for a row out of scope, masked personal numbers for council members and viewers (and
submitters' mobiles for reviewers), no personal details beyond need for council members and
viewers.

The table is the specification of who reads what through the API. It follows
`visible_to(user)` (centres/scope.py) and each model's scope paths; the API adds nothing.
"""

import datetime
import uuid

import pytest
from django.urls import reverse

from centres import sync
from centres.meetings import commitment_create, commitment_milestone_add
from centres.models import Headquarters
from empowerment.kernel.jalali import local_today
from tests.api.world import ROLES, build_world
from tests.centres.factories import make_meeting, make_resolution
from tests.once import built_once
from tests.trainees.factories import TraineeFactory
from trainees.demo import national_code

pytestmark = pytest.mark.django_db

STAFF_OF_CENTRE = {"centre_manager", "centre_staff", "viewer", "reviewer"}
AREA_READERS = {"hq_secretary", "council_member"}  # a city HQ reaches its city
# A reviewer's centre opens its calls for ideas, not the people in its registry.
REGISTRY_READERS = (STAFF_OF_CENTRE - {"reviewer"}) | AREA_READERS

# Endpoint -> the roles (besides the administrator, who sees every row) that see the own
# side's row. Nobody but the administrator sees the foreign side's row, except in the
# programme catalogue, which every signed-in person reads whole.
SEES_OWN = {
    "centre": STAFF_OF_CENTRE | AREA_READERS,
    "programme": set(ROLES) - {"anonymous", "administrator"},
    "cohort": STAFF_OF_CENTRE | AREA_READERS,
    "session": STAFF_OF_CENTRE | AREA_READERS,
    "trainee": REGISTRY_READERS | {"resident"},
    "enrolment": REGISTRY_READERS | {"resident"},
    "attendance": REGISTRY_READERS,
    "outcome": REGISTRY_READERS | {"resident"},
    # The reviewer reaches the call through their assignment to it, not their centre.
    "idea-call": STAFF_OF_CENTRE | AREA_READERS,
    "idea": STAFF_OF_CENTRE | AREA_READERS | {"resident"},
    "review": STAFF_OF_CENTRE | AREA_READERS,
    # A partner officer reads the meetings and resolutions that concern their organisation.
    "meeting": STAFF_OF_CENTRE | AREA_READERS | {"partner_officer"},
    "resolution": STAFF_OF_CENTRE | AREA_READERS | {"partner_officer"},
    "commitment": STAFF_OF_CENTRE | AREA_READERS | {"partner_officer"},
}
CATALOGUE = {"programme"}
# Resources carrying national codes or mobiles, and the fields.
PERSONAL = {
    "trainee": ("national_code", "mobile"),
    "idea": ("submitter_mobile",),
}
MASKED_ROLES = {"council_member", "viewer"}
# Per field, the roles that read it masked (empowerment/kernel/masking.py): reviewers judge
# ideas, not
# their authors.
MASKED_FOR = {
    "national_code": MASKED_ROLES,
    "mobile": MASKED_ROLES,
    "submitter_mobile": MASKED_ROLES | {"reviewer"},
}
# Personal details beyond need: these roles get none (an age band for the birth date).
DETAILS = {"trainee": ("father_name", "birth_date", "birth_date_jalali")}
NO_DETAILS_ROLES = {"council_member", "viewer"}


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker, tmp_path_factory):
    # Built once for the 150 tests (they only read); each test rolls back to it.
    yield from built_once(django_db_blocker, tmp_path_factory.mktemp("world"), build_world)


def _client(user):
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def _ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}


@pytest.mark.parametrize("endpoint", sorted(SEES_OWN))
@pytest.mark.parametrize("role", ROLES)
def test_scope_table(world, endpoint, role):
    user = world["users"][role]
    client = _client(user)
    own = world["own"]["rows"][endpoint]
    foreign = world["foreign"]["rows"][endpoint]
    list_url = reverse(f"api:{endpoint}-list")
    own_url = reverse(f"api:{endpoint}-detail", args=[own.pk])
    foreign_url = reverse(f"api:{endpoint}-detail", args=[foreign.pk])

    if role == "anonymous":
        for url in (list_url, own_url, foreign_url):
            assert client.get(url).status_code == 401
        return

    sees_own = role == "administrator" or role in SEES_OWN[endpoint]
    sees_foreign = role == "administrator" or endpoint in CATALOGUE

    listed = client.get(list_url, {"page_size": 200})
    assert listed.status_code == 200
    ids = _ids(listed)
    assert (own.pk in ids) is sees_own
    assert (foreign.pk in ids) is sees_foreign

    detail = client.get(own_url)
    assert detail.status_code == (200 if sees_own else 404)
    assert client.get(foreign_url).status_code == (200 if sees_foreign else 404)

    if sees_own and endpoint in PERSONAL:
        body = detail.json()
        row = next(r for r in listed.json()["results"] if r["id"] == own.pk)
        for field in PERSONAL[endpoint]:
            plain = getattr(own, field)
            if role in MASKED_FOR[field]:
                assert (
                    body[field] != plain and "*" in body[field] and body[field][-2:] == plain[-2:]
                )
                assert row[field] == body[field]
            else:
                assert body[field] == plain and row[field] == plain

    if sees_own and endpoint in DETAILS:
        body = detail.json()
        row = next(r for r in listed.json()["results"] if r["id"] == own.pk)
        for answer in (body, row):
            hidden = role in NO_DETAILS_ROLES
            assert all((name in answer) is not hidden for name in DETAILS[endpoint])
            assert answer["age_band"] in {"u18", "18-24", "25-34", "35-44", "45-54", "55+"}


# The lists a mobile client keeps offline: `<list>/sync/` (centres/api/base/sync.py).
SYNCED = ("session", "trainee", "enrolment", "attendance", "idea")


@pytest.mark.parametrize("endpoint", SYNCED)
@pytest.mark.parametrize("role", ROLES)
def test_sync_scope_table(world, endpoint, role, monkeypatch):
    """A list's sync answers the rows its list shows, as it shows them (masked alike). The
    tombstones' side: tests/api/test_sync.py."""
    # Who reads what, not when: the world is written in this module's open transaction,
    # which every sync would count as in flight, so every version counts as done here.
    monkeypatch.setattr(sync, "current_snapshot", lambda using="default": sync.Snapshot(2**62))
    client = _client(world["users"][role])
    own = world["own"]["rows"][endpoint]
    foreign = world["foreign"]["rows"][endpoint]
    url = reverse(f"api:{endpoint}-sync")
    if role == "anonymous":
        assert client.get(url).status_code == 401
        return
    sees_own = role == "administrator" or role in SEES_OWN[endpoint]
    answer = client.get(url, {"page_size": 500})
    assert answer.status_code == 200
    body = answer.json()
    assert body["has_more"] is False
    ids = _ids(answer)
    assert (own.pk in ids) is sees_own
    assert (foreign.pk in ids) is (role == "administrator")
    if sees_own:
        listed = client.get(reverse(f"api:{endpoint}-list"), {"page_size": 200}).json()
        row = next(r for r in listed["results"] if r["id"] == own.pk)
        assert next(r for r in body["results"] if r["id"] == own.pk) == row


@pytest.mark.parametrize("role", ROLES)
def test_me_and_open_calls_for_every_role(world, role):
    client = _client(world["users"][role])
    open_calls = client.get(reverse("api:idea-call-open"))
    me = client.get(reverse("api:me"))
    if role == "anonymous":
        assert open_calls.status_code == 401 and me.status_code == 401
        return
    assert me.status_code == 200
    # A call is a public announcement: while open, every signed-in person reads both.
    assert _ids(open_calls) == {
        world["own"]["rows"]["idea-call"].pk,
        world["foreign"]["rows"]["idea-call"].pk,
    }


# --- Writes: every write of the mobile day × every role × own and foreign rows -----------
#
# Endpoint -> the roles (besides the administrator, who writes on both sides) that may
# write on the own side's rows, and what a writer who targets the foreign side gets: 404
# when the row is in the URL (not in their scope: not found), 400 when it is named in the
# body (a relation to a row that does not exist for them), "refused" for an attendance
# mark (the batch answers per mark). Everyone else: 403 when they see the row (or the
# write is guarded by the role's model rights), 404 when they do not; 401 signed out.
REGISTRY_WRITERS = {"centre_manager", "centre_staff"}
WRITES = {
    # name: (writers, foreign answer of a writer, success status, row in the URL)
    "trainee-create": (REGISTRY_WRITERS, 400, 201, None),
    "trainee-update": (REGISTRY_WRITERS, 404, 200, None),
    "enrolment-create": (REGISTRY_WRITERS, 400, 201, None),
    "enrolment-drop-out": (REGISTRY_WRITERS, 404, 200, None),
    "outcome-create": (REGISTRY_WRITERS, 400, 201, None),
    "attendance-batch": (REGISTRY_WRITERS, "refused", 200, None),
    # A centre's meeting: its manager or the responsible partner's officer reports.
    "resolution-follow-up": ({"centre_manager", "partner_officer"}, 404, 201, "resolution"),
    # An HQ's meeting: its secretary or the responsible partner's officer.
    "hq-resolution-follow-up": ({"hq_secretary", "partner_officer"}, 404, 201, "hq-resolution"),
    "commitment-progress": ({"partner_officer"}, 404, 200, "commitment"),
    "commitment-milestone": ({"partner_officer", "hq_secretary"}, 404, 201, "commitment"),
    "commitment-milestone-done": ({"partner_officer", "hq_secretary"}, 404, 200, "commitment"),
    "idea-create": ({"resident"}, 201, 201, None),  # a call is public: any open call
}
# Who sees the row a service-guarded write names in its URL (SEES_OWN's rule).
SEES_WRITE_ROW = {
    "resolution": SEES_OWN["resolution"],
    "hq-resolution": AREA_READERS | {"partner_officer"},  # not the centres' staff
    "commitment": SEES_OWN["commitment"],
}


def _hq_rows(side: dict) -> tuple:
    """A resolution of the side's HQ meeting and a commitment that HQ follows, promised
    by the side's partner (built inside the test: rolled back with it)."""
    centre = side["centre"]
    hq = Headquarters.objects.get(city=centre.city)
    resolution = make_resolution(make_meeting(hq), responsible=side["partner"])
    commitment = commitment_create(
        title="پیاده‌رو",
        promised_by="شهردار منطقه",
        promiser_partner=side["partner"],
        neighbourhood=centre.neighbourhoods.get(),
        headquarters=hq,
        due_date=local_today() + datetime.timedelta(days=60),
    )
    milestone = commitment_milestone_add(
        commitment=commitment, title="کوچه اول", due_date=commitment.due_date
    )
    return resolution, commitment, milestone


def _write_request(name: str, side: dict, tag: str, role: str) -> tuple[str, str, dict]:
    rows = side["rows"]
    today = "2025-03-20"
    if name == "trainee-create":
        code = national_code(93_000 + (1 if tag == "own" else 2))
        return (
            "post",
            reverse("api:trainee-list"),
            {
                "first_name": "زهرا",
                "last_name": "کریمی",
                "national_code": code,
                "gender": "female",
                "registered_at": side["centre"].pk,
            },
        )
    if name == "trainee-update":
        url = reverse("api:trainee-detail", args=[rows["trainee"].pk])
        return "patch", url, {"father_name": "حسن"}
    if name == "enrolment-create":
        trainee = TraineeFactory(registered_at=side["centre"])
        body = {"trainee": trainee.pk, "cohort": rows["cohort"].pk}
        return "post", reverse("api:enrolment-list"), body
    if name == "enrolment-drop-out":
        url = reverse("api:enrolment-drop-out", args=[rows["enrolment"].pk])
        return "post", url, {"drop_reason": "مهاجرت"}
    if name == "outcome-create":
        body = {
            "trainee": rows["trainee"].pk,
            "enrolment": rows["enrolment"].pk,
            "kind": "home_business",
            "date": today,
            "follow_up_round": 12,
        }
        return "post", reverse("api:outcome-list"), body
    if name == "attendance-batch":
        mark = {
            "client_uuid": str(uuid.uuid4()),
            "session": rows["session"].pk,
            "enrolment": rows["enrolment"].pk,
            "status": "absent",
        }
        return "post", reverse("api:attendance-list"), {"marks": [mark]}
    if name == "resolution-follow-up":
        url = reverse("api:resolution-follow-ups", args=[rows["resolution"].pk])
        return "post", url, {"progress": 30, "note": "در جریان"}
    resolution, commitment, milestone = _hq_rows(side)
    if name == "hq-resolution-follow-up":
        url = reverse("api:resolution-follow-ups", args=[resolution.pk])
        return "post", url, {"progress": 30, "note": "در جریان"}
    if name == "commitment-progress":
        url = reverse("api:commitment-progress", args=[rows["commitment"].pk])
        return "post", url, {"progress": 40}
    if name == "commitment-milestone":
        url = reverse("api:commitment-milestones", args=[commitment.pk])
        return "post", url, {"title": "کوچه دوم", "due_date_jalali": "1404-01-15"}
    if name == "commitment-milestone-done":
        url = reverse("api:commitment-milestone-done", args=[commitment.pk, milestone.pk])
        return "post", url, {"evidence": "عکس"}
    if name == "idea-create":
        body = {
            "call": rows["idea-call"].pk,
            "title": "نان محلی",
            "summary": "پخت نان",
            "submitter_name": "زهرا کریمی",
        }
        if role == "administrator":
            body["submitter_mobile"] = "09121234567"  # on a resident's behalf: their number
        return "post", reverse("api:idea-list"), body
    raise AssertionError(name)


def _expected_write(name: str, role: str, own: bool):
    writers, foreign_answer, success, row = WRITES[name]
    if role == "anonymous":
        return 401
    if role == "administrator":
        return success
    if role in writers:
        return success if own else foreign_answer
    if row is not None and not (own and role in SEES_WRITE_ROW[row]):
        return 404
    return 403


@pytest.mark.parametrize("side", ["own", "foreign"])
@pytest.mark.parametrize("name", sorted(WRITES))
@pytest.mark.parametrize("role", ROLES)
def test_write_table(world, name, role, side):
    method, url, body = _write_request(name, world[side], side, role)
    response = getattr(_client(world["users"][role]), method)(url, body, format="json")
    answer = response.status_code
    if name == "attendance-batch" and answer == 200 and response.json()["refused"]:
        answer = "refused"
    expected = _expected_write(name, role, side == "own")
    assert answer == expected, (response.status_code, response.content[:300])
    if isinstance(answer, int) and answer >= 400:
        assert set(response.json()) == {"detail", "code", "errors"}
