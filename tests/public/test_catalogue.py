"""The public catalogue of a centre's home businesses: listed by staff only with the owner's
consent and only from an outcome "home business" in their scope; residents write to a
business through the centre (stored, shown to staff in the admin, waiting on its first
page); the owner's name and mobile never reach a public page.

Attacked: another centre's staff, an outcome of another kind, no consent, a withdrawn
listing, a robot, too many messages, a forged id, the owner's mobile in any script."""

import jdatetime
import pytest
from django.urls import reverse

from empowerment.kernel import errors
from empowerment.kernel.waiting import waiting_for
from tests.centres.factories import CentreFactory, staff_user
from tests.codes import message_codes
from tests.programs.factories import CohortFactory
from tests.trainees.factories import EnrolmentFactory
from trainees import services
from trainees.models import BusinessMessage, CatalogueEntry, Outcome

pytestmark = pytest.mark.django_db

OWNER_MOBILE = "09137778899"


@pytest.fixture
def side():
    centre = CentreFactory(name="مرکز حصه")
    enrolment = EnrolmentFactory(
        cohort=CohortFactory(centre=centre),
        trainee__registered_at=centre,
        trainee__mobile=OWNER_MOBILE,
        trainee__first_name="فاطمه",
        trainee__last_name="صادقی‌پور",
    )

    def outcome(kind=Outcome.Kind.HOME_BUSINESS, round_=3):
        return services.outcome_record(
            trainee=enrolment.trainee,
            enrolment=enrolment,
            kind=kind,
            date=jdatetime.date(1403, 2, 10),
            follow_up_round=round_,
        )

    staff = staff_user("staff.hesseh", "centre_staff", centre)
    other = CentreFactory(name="مرکز دیگر")
    return {
        "centre": centre,
        "outcome": outcome,
        "staff": staff,
        "foreign_staff": staff_user("staff.other", "centre_staff", other),
        "other": other,
    }


def listed(side, **changes):
    if "outcome" not in changes:
        changes["outcome"] = side["outcome"]()
    data = {
        "name": "کارگاه مینای آبی",
        "description": "بشقاب میناکاری سفارشی",
        "owner_consents": True,
        "user": side["staff"],
        **changes,
    }
    return services.catalogue_entry_create(**data)


def test_a_consented_home_business_is_listed_without_its_owner(client, side):
    entry = listed(side)
    assert entry.centre == side["centre"]
    centre_page = client.get(reverse("centre_detail", args=[side["centre"].pk])).content.decode()
    assert reverse("centre_catalogue", args=[side["centre"].pk]) in centre_page
    page = client.get(reverse("centre_catalogue", args=[side["centre"].pk]))
    assert list(page.context["entries"]) == [entry]
    contact = client.get(reverse("public_business_contact", args=[entry.pk]))
    assert contact.status_code == 200
    for body in (page.content.decode(), contact.content.decode()):
        assert "کارگاه مینای آبی" in body
        for secret in (OWNER_MOBILE, OWNER_MOBILE[1:], "۰۹۱۳۷۷۷۸۸۹۹", "فاطمه", "صادقی‌پور"):
            assert secret not in body
    # Another centre's catalogue does not list it.
    other = client.get(reverse("centre_catalogue", args=[side["other"].pk]))
    assert list(other.context["entries"]) == []


def test_no_consent_another_kind_or_another_centre_is_refused(side):
    with pytest.raises(errors.Invalid) as no_consent:
        listed(side, owner_consents=False)
    assert no_consent.value.code == "consent_required"
    employed = side["outcome"](Outcome.Kind.EMPLOYED)
    with pytest.raises(errors.Invalid) as kind:
        listed(side, outcome=employed)
    assert kind.value.code == "not_home_business"
    home = side["outcome"](round_=6)
    with pytest.raises(errors.OutOfScope):
        listed(side, outcome=home, user=side["foreign_staff"])
    assert not CatalogueEntry.objects.exists()


def test_a_message_is_kept_for_the_centre_and_waits_in_the_admin(client, side):
    entry = listed(side)
    url = reverse("public_business_contact", args=[entry.pk])
    sent = client.post(
        url,
        {"name": "رضا", "contact": "۰۹۱۲۰۰۰۱۱۲۲", "text": "سفارش ۲۰ بشقاب", "website": ""},
    )
    assert sent.status_code == 302 and "message_sent" in message_codes(sent)
    message = BusinessMessage.objects.get()
    assert message.entry == entry and message.state == BusinessMessage.State.NEW
    client.force_login(side["staff"])
    index = client.get(reverse("admin:index"))
    item = next(i for i in waiting_for(index.wsgi_request) if i.key == "business_messages")
    assert item.count == 1
    change = client.get(reverse("admin:trainees_businessmessage_change", args=[message.pk]))
    assert change.status_code == 200 and "سفارش ۲۰ بشقاب" in change.content.decode()
    changelist = reverse("admin:trainees_businessmessage_changelist")
    client.post(changelist, {"action": "passed_on_selected", "_selected_action": [message.pk]})
    message.refresh_from_db()
    assert message.state == BusinessMessage.State.PASSED_ON
    # Another centre's staff neither count nor open it.
    client.force_login(side["foreign_staff"])
    index = client.get(reverse("admin:index"))
    item = next(i for i in waiting_for(index.wsgi_request) if i.key == "business_messages")
    assert item.count == 0
    other = client.get(reverse("admin:trainees_businessmessage_change", args=[message.pk]))
    assert other.status_code in (302, 404)


def test_robots_floods_withdrawn_and_forged_ids(client, side):
    entry = listed(side)
    url = reverse("public_business_contact", args=[entry.pk])
    data = {"name": "رضا", "contact": "a@example.com", "text": "سلام"}
    robot = client.post(url, {**data, "website": "http://spam.example"})
    assert robot.status_code == 302 and not BusinessMessage.objects.exists()
    for _ in range(5):
        assert client.post(url, data).status_code == 302
    flooded = client.post(url, data)
    assert flooded.status_code == 429
    assert flooded.context["form"].has_error("__all__", "rate_limited")
    assert BusinessMessage.objects.count() == 5
    services.catalogue_entry_withdraw(entry=entry)
    assert client.get(url).status_code == 404
    page = client.get(reverse("centre_catalogue", args=[side["centre"].pk]))
    assert list(page.context["entries"]) == []
    assert client.get(reverse("public_business_contact", args=[999999])).status_code == 404


def test_staff_list_a_business_in_the_admin_with_consent_only(client, side):
    outcome = side["outcome"]()
    client.force_login(side["staff"])
    url = reverse("admin:trainees_catalogueentry_add")
    data = {"outcome": outcome.pk, "name": "دوخت حصه", "description": "کیف سرمه‌دوزی"}
    refused = client.post(url, data)
    assert refused.status_code == 200 and not CatalogueEntry.objects.exists()
    done = client.post(url, {**data, "owner_consents": "on"})
    assert done.status_code == 302, done.content.decode()[:2000]
    entry = CatalogueEntry.objects.get()
    assert entry.consent_recorded_by == side["staff"] and entry.centre == side["centre"]
