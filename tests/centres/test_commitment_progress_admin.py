"""Progress on a commitment tracked without milestones, from the admin: the promising
organisation's officer (who may otherwise only read commitments) or the following HQ's
secretary records it through the service; anyone else gets the service's refusal."""

import datetime

import pytest
from django.urls import reverse

from centres.meetings import commitment_create, commitment_milestone_add
from centres.models import Headquarters
from empowerment.kernel.jalali import local_today
from tests.centres.factories import (
    CentreFactory,
    HeadquartersFactory,
    PartnerFactory,
    staff_user,
)
from tests.codes import form_codes

pytestmark = pytest.mark.django_db


@pytest.fixture
def side():
    centre = CentreFactory()
    hq = HeadquartersFactory(
        level=Headquarters.Level.CITY, province=centre.city.province, city=centre.city
    )
    partner = PartnerFactory(name="شهرداری منطقه ۲")
    commitment = commitment_create(
        title="آسفالت کوچه‌های حصه",
        promised_by="شهردار",
        promiser_partner=partner,
        neighbourhood=centre.neighbourhoods.get(),
        due_date=local_today() + datetime.timedelta(days=90),
        headquarters=hq,
    )
    return {"centre": centre, "hq": hq, "partner": partner, "commitment": commitment}


def _url(commitment):
    return reverse("admin:centres_commitment_progress", args=[commitment.pk])


@pytest.mark.parametrize("role", ["partner_officer", "hq_secretary"])
def test_the_partner_or_the_secretary_records_progress(client, side, role):
    user = staff_user(
        f"{role}.1", role, side["partner"] if role == "partner_officer" else side["hq"]
    )
    commitment = side["commitment"]
    client.force_login(user)
    change = client.get(reverse("admin:centres_commitment_change", args=[commitment.pk]))
    assert _url(commitment) in change.content.decode()  # the way there
    assert client.get(_url(commitment)).status_code == 200
    answer = client.post(_url(commitment), {"progress": "۶۰", "evidence": "عکس‌های بازدید"})
    assert answer.status_code == 302
    commitment.refresh_from_db()
    assert (commitment.progress, commitment.status, commitment.evidence) == (
        60,
        "in_progress",
        "عکس‌های بازدید",
    )


def test_someone_else_in_scope_gets_the_services_refusal(client, side):
    manager = staff_user("manager.1", "centre_manager", side["centre"])
    client.force_login(manager)
    answer = client.post(_url(side["commitment"]), {"progress": "50"})
    assert answer.status_code == 200
    assert form_codes(answer.context["form"]) == {"__all__": ["not_allowed"]}
    side["commitment"].refresh_from_db()
    assert side["commitment"].progress == 0


def test_a_commitment_with_milestones_is_refused_on_the_form(client, side):
    commitment = side["commitment"]
    commitment_milestone_add(commitment=commitment, title="کوچه اول", due_date=commitment.due_date)
    client.force_login(staff_user("partner.2", "partner_officer", side["partner"]))
    answer = client.post(_url(commitment), {"progress": "50"})
    assert answer.status_code == 200
    assert form_codes(answer.context["form"]) == {"__all__": ["has_milestones"]}
    commitment.refresh_from_db()
    assert commitment.progress == 0


def test_another_partners_officer_does_not_find_it(client, side):
    other = staff_user("partner.3", "partner_officer", PartnerFactory(name="آب و فاضلاب"))
    client.force_login(other)
    assert client.post(_url(side["commitment"]), {"progress": "50"}).status_code == 404
