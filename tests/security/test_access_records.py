"""Class 9: reads of personal data leave a trace.

Opening a row, searching and exporting, in the admin and the API, each leave an access
record (who, when, what, the search term masked, the client address). The models are found,
not listed: every admin of the registry and every viewset of the router whose model holds
personal data (`holds_personal_data`).
"""

import pytest
from django.contrib import admin
from django.contrib.admin import helpers
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from centres.demo import DEMO_PASSWORD
from empowerment.api.urls import router
from empowerment.kernel.models import AccessRecord
from empowerment.kernel.persian import to_persian_digits
from empowerment.kernel.privacy.services import holds_personal_data, term_hash
from trainees.models import Trainee

pytestmark = pytest.mark.django_db

ADDRESS = "10.20.30.40"


def signed_in(username: str) -> Client:
    client = Client(REMOTE_ADDR=ADDRESS)
    assert client.login(username=username, password=DEMO_PASSWORD)
    return client


def api_as(username: str) -> APIClient:
    client = APIClient(REMOTE_ADDR=ADDRESS)
    answer = client.post(
        reverse("api:token"), {"username": username, "password": DEMO_PASSWORD}, format="json"
    )
    assert answer.status_code == 200
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {answer.json()['access']}")
    return client


def personal_admins():
    return [
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if getattr(model_admin, "holds_personal_data", lambda: False)()
    ]


def records(**filters):
    return AccessRecord.objects.filter(**filters)


def test_the_personal_models_are_the_expected_ones():
    """The declaration (queryset classes) covers the registry's people; a place does not."""
    labels = {model._meta.label_lower for model, _admin in personal_admins()}
    assert {
        "trainees.trainee",
        "trainees.enrolment",
        "trainees.attendance",
        "trainees.outcome",
        "trainees.cohortinterest",
        "programs.idea",
        "empowerment.onetimecode",
        "empowerment.outboxmessage",
    } <= labels
    assert "centres.centre" not in labels


def test_every_admin_change_page_of_personal_data_leaves_a_record(demo):
    client = signed_in("admin")
    opened = set()
    for model, _model_admin in personal_admins():
        row = model._default_manager.order_by("pk").first()
        if row is None:
            continue
        info = model._meta.app_label, model._meta.model_name
        for view in ("change", "history"):
            url = reverse(f"admin:{info[0]}_{info[1]}_{view}", args=[row.pk])
            before = records().count()
            assert client.get(url).status_code == 200, url
            record = records().order_by("-id").first()
            assert records().count() == before + 1, url
            assert (record.username, record.action, record.channel) == ("admin", "view", "admin")
            assert (record.model, record.object_id) == (model._meta.label_lower, str(row.pk))
            assert record.ip_address == ADDRESS
        opened.add(model._meta.label_lower)
    # The demo has rows of the registry's main models: the sweep cannot pass on nothing.
    assert {"trainees.trainee", "trainees.enrolment", "programs.idea"} <= opened


def test_a_page_without_personal_data_leaves_none(demo):
    client = signed_in("admin")
    from centres.models import Centre

    centre = Centre.objects.first()
    assert client.get(reverse("admin:centres_centre_change", args=[centre.pk])).status_code == 200
    assert client.get(reverse("admin:centres_centre_changelist") + "?q=1234").status_code == 200
    assert not records().exists()


def test_a_row_out_of_scope_leaves_no_record_and_is_not_shown(demo):
    client = signed_in("staff.isfahan")
    own = Trainee.objects.filter(registered_at__city__name="اصفهان").first()
    other = Trainee.objects.filter(registered_at__city__name="کرج").first()
    assert client.get(reverse("admin:trainees_trainee_change", args=[own.pk])).status_code == 200
    assert records(username="staff.isfahan", object_id=str(own.pk)).count() == 1
    answer = client.get(reverse("admin:trainees_trainee_change", args=[other.pk]))
    assert answer.status_code in (302, 404)
    assert not records(object_id=str(other.pk), model="trainees.trainee").exists()


def test_an_admin_search_by_national_code_is_recorded_masked(demo):
    trainee = Trainee.objects.filter(registered_at__city__name="اصفهان").first()
    code = trainee.national_code
    client = signed_in("staff.isfahan")
    # Typed in Persian digits, with a filter beside it.
    url = reverse("admin:trainees_trainee_changelist")
    answer = client.get(url, {"q": to_persian_digits(code), "gender": "female"})
    assert answer.status_code == 200
    record = records(action="search").get()
    assert (record.username, record.model, record.object_id) == (
        "staff.isfahan",
        "trainees.trainee",
        "",
    )
    assert record.ip_address == ADDRESS
    # The code itself is personal data: only its last two digits are kept in clear.
    assert code not in record.term and code[:-2] not in record.term
    assert record.term.endswith(code[-2:])
    assert record.term_hash == term_hash(code)
    assert record.filters == "gender=female"

    # An administrator finds who searched for that code by typing it (ASCII this time).
    auditor = signed_in("admin")
    listing = auditor.get(reverse("admin:empowerment_accessrecord_changelist"), {"q": code})
    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [record]


def test_a_search_by_mobile_is_recorded_on_every_personal_admin_with_search(demo):
    client = signed_in("admin")
    mobile = Trainee.objects.exclude(mobile="").first().mobile
    searched = 0
    for model, model_admin in personal_admins():
        if not model_admin.search_fields:
            continue
        info = model._meta.app_label, model._meta.model_name
        answer = client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist"), {"q": mobile})
        assert answer.status_code == 200
        record = records(model=model._meta.label_lower, action="search").get()
        assert mobile not in record.term and record.term_hash == term_hash(mobile)
        searched += 1
    assert searched >= 3


def test_every_export_action_of_personal_data_is_recorded(demo):
    client = signed_in("admin")
    exported = 0
    for model, model_admin in personal_admins():
        info = model._meta.app_label, model._meta.model_name
        request = client.get(reverse(f"admin:{info[0]}_{info[1]}_changelist")).wsgi_request
        for name in model_admin.get_actions(request):
            if not name.startswith("export"):
                continue
            ids = list(model._default_manager.order_by("pk").values_list("pk", flat=True)[:3])
            url = reverse(f"admin:{info[0]}_{info[1]}_changelist") + "?q=a"
            answer = client.post(
                url, {"action": name, "index": 0, helpers.ACTION_CHECKBOX_NAME: ids}
            )
            assert answer.status_code == 200
            assert "attachment" in answer["Content-Disposition"], name
            record = records(action="export", model=model._meta.label_lower).get()
            assert (record.username, record.count, record.ip_address) == ("admin", 3, ADDRESS)
            exported += 1
    assert exported >= 2  # trainees and enrolments today


def test_api_reads_of_personal_data_are_recorded(demo):
    client = api_as("admin")
    read = set()
    for prefix, viewset, basename in router.registry:
        model = viewset.queryset.model
        listing = client.get(reverse(f"api:{basename}-list"))
        assert listing.status_code == 200
        assert not records().exists(), f"{prefix}: a plain list is no search"
        rows = listing.json()["results"]
        if not rows:
            continue
        detail = client.get(reverse(f"api:{basename}-detail", args=[rows[0]["id"]]))
        assert detail.status_code == 200
        recorded = list(records())
        if holds_personal_data(model):
            assert len(recorded) == 1, prefix
            record = recorded[0]
            assert (record.channel, record.action, record.username) == ("api", "view", "admin")
            assert (record.model, record.object_id) == (model._meta.label_lower, str(rows[0]["id"]))
            assert record.ip_address == ADDRESS
            read.add(model._meta.label_lower)
        else:
            assert recorded == [], prefix
        AccessRecord.objects.all().delete()
    assert {"trainees.trainee", "trainees.enrolment", "programs.idea"} <= read


def test_an_api_search_by_national_code_or_mobile_is_recorded_masked(demo):
    client = api_as("staff.isfahan")
    trainee = Trainee.objects.filter(registered_at__city__name="اصفهان").exclude(mobile="").first()
    for term in (to_persian_digits(trainee.national_code), trainee.mobile):
        answer = client.get(reverse("api:trainee-list"), {"search": term, "gender": "female"})
        assert answer.status_code == 200
        record = records(action="search").get()
        assert (record.channel, record.model, record.username) == (
            "api",
            "trainees.trainee",
            "staff.isfahan",
        )
        digits = trainee.national_code if term != trainee.mobile else trainee.mobile
        assert digits[:-2] not in record.term and record.term_hash == term_hash(digits)
        assert record.filters == "gender=female"
        record.delete()


def test_access_records_are_for_administrators_only_and_read_only(demo):
    signed_in("admin").get(
        reverse("admin:trainees_trainee_change", args=[Trainee.objects.first().pk])
    )
    record = records().get()
    staff = signed_in("manager.isfahan")
    for url in (
        reverse("admin:empowerment_accessrecord_changelist"),
        reverse("admin:empowerment_accessrecord_change", args=[record.pk]),
    ):
        assert staff.get(url).status_code == 403, url
    administrator = signed_in("admin")
    assert administrator.get(reverse("admin:empowerment_accessrecord_add")).status_code == 403
    delete = reverse("admin:empowerment_accessrecord_delete", args=[record.pk])
    assert administrator.post(delete, {"post": "yes"}).status_code == 403
    change = reverse("admin:empowerment_accessrecord_change", args=[record.pk])
    assert administrator.get(change).status_code == 200
    administrator.post(change, {"username": "someone else"})
    record.refresh_from_db()
    assert record.username == "admin"
    assert records().count() == 1
