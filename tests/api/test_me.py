"""GET /api/v1/me/: the signed-in person, roles and scope."""

import pytest
from django.urls import reverse
from django.utils import translation

from centres.models import StaffRole
from tests.centres.factories import HeadquartersFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


def test_me_for_centre_staff(client_for, demo_centres):
    body = (
        client_for(demo_centres["staff_isfahan"])
        .get(reverse("api:me"), HTTP_ACCEPT_LANGUAGE="en")
        .json()
    )
    assert body["username"] == "staff.isfahan"
    assert body["full_name"].startswith("کاربر")
    assert body["is_resident"] is False and body["is_global"] is False
    assert body["roles"] == [
        {
            "role": "centre_staff",
            "role_display": "Centre staff",
            "scope": {
                "kind": "centre",
                "id": demo_centres["isfahan"].pk,
                "name": "مرکز توانمندسازی منطقه ۱۰ و ۱۴",
            },
        }
    ]


def test_me_for_a_council_member_and_an_hq_secretary_in_persian(client_for, demo_centres):
    council = client_for(demo_centres["council_isfahan"]).get(reverse("api:me")).json()
    assert council["roles"][0]["role"] == "council_member"
    assert council["roles"][0]["scope"]["kind"] == "city"
    assert council["roles"][0]["scope"]["name"] == "اصفهان"

    hq = HeadquartersFactory(name="قرارگاه اجتماعی استان البرز")
    secretary = staff_user("secretary.alborz", "hq_secretary", hq)
    body = client_for(secretary).get(reverse("api:me"), HTTP_ACCEPT_LANGUAGE="fa").json()
    with translation.override("fa"):  # the role's name in the request's language
        assert body["roles"][0]["role_display"] == str(StaffRole.Role.HQ_SECRETARY.label)
    assert body["roles"][0]["scope"] == {
        "kind": "headquarters",
        "id": hq.pk,
        "name": "قرارگاه اجتماعی استان البرز",
    }


def test_me_for_an_administrator(client_for):
    body = client_for(UserFactory(username="root", is_superuser=True)).get(reverse("api:me"))
    assert body.json()["is_global"] is True
    assert body.json()["roles"][0]["role"] == "administrator"
    assert body.json()["roles"][0]["scope"] is None
