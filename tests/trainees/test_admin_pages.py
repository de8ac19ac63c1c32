"""Every registry and training page of the admin opens on the demo data, for the Isfahan
manager and the Karaj staff, showing only their own centre's rows."""

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db

MODELS = [
    m
    for m in apps.get_models()
    if m._meta.app_label in ("programs", "trainees")
    and not m.__name__.startswith("Historical")
    and m._meta.model_name
    in {
        "programme",
        "cohort",
        "cohortsession",
        "trainee",
        "enrolment",
        "attendance",
        "outcome",
        "product",
        "sale",
        "possibleduplicate",
        "traineeimport",
        "certificate",
    }
]


@pytest.fixture
def demo(demo_once, db):
    """The demo, built once for the module (tests/conftest.py)."""
    return get_user_model().objects


def test_every_page_opens_for_the_isfahan_manager(client, demo):
    client.force_login(demo.get(username="manager.isfahan"))
    for model in MODELS:
        opts = model._meta
        listing = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
        assert listing.status_code == 200, opts.label
        first = model.objects.visible_to(demo.get(username="manager.isfahan")).first()
        if first is not None:
            url = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[first.pk])
            assert client.get(url).status_code == 200, opts.label
            history = reverse(f"admin:{opts.app_label}_{opts.model_name}_history", args=[first.pk])
            assert client.get(history).status_code == 200, opts.label
    session = (
        apps.get_model("programs", "CohortSession")
        .objects.filter(cohort__code="MNK-1402-1")
        .first()
    )
    page = client.get(reverse("admin:programs_cohortsession_attendance", args=[session.pk]))
    assert page.status_code == 200
    assert len(page.context["form"].enrolments) == 83  # 84 enrolled, one dropped out
    assert client.get(reverse("admin:trainees_trainee_import")).status_code == 200


def test_karaj_staff_see_only_karaj_trainees(client, demo):
    Trainee = apps.get_model("trainees", "Trainee")
    staff = demo.get(username="staff.karaj")
    client.force_login(staff)
    listing = client.get(reverse("admin:trainees_trainee_changelist"))
    shown = {t.pk for t in listing.context["cl"].result_list}
    assert shown == set(
        Trainee.objects.filter(registered_at__name="مرکز توانمندسازی و اشتغال کرج").values_list(
            "pk", flat=True
        )
    )
    assert len(shown) == 16
