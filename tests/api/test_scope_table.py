"""Every endpoint × every role × own and foreign rows: the status, which rows are listed,
404 for a row out of scope, masked personal numbers for council members and viewers (and
submitters' mobiles for reviewers), no personal details beyond need for council members and
viewers.

The table is the specification of who reads what through the API. It follows
`visible_to(user)` (centres/scope.py) and each model's scope paths; the API adds nothing.
"""

import pytest
from django.urls import reverse

from centres import sync
from tests.api.world import ROLES, build_world
from tests.once import built_once

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
