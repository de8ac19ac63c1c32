"""`manage.py seed_demo`: the demo each app's seeder builds (settings.DEMO_SEEDERS), and a
second run that adds nothing. The demo is built once for the module (tests/once.py)."""

from decimal import Decimal

import pytest
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from centres.models import (
    Article,
    Centre,
    Commitment,
    Headquarters,
    Meeting,
    Neighbourhood,
    Resolution,
)
from centres.selectors import opportunity_meeting_hours
from programs.models import Cohort, IdeaCall
from trainees.models import (
    CounsellingBooking,
    CounsellingNote,
    CounsellingReferral,
    Enrolment,
    Outcome,
    Sale,
)

pytestmark = pytest.mark.django_db


def every_count() -> dict[str, int]:
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models()
        if model._meta.managed and not model._meta.proxy
    }


def test_a_second_run_adds_nothing_to_any_table(demo):
    first = every_count()
    call_command("seed_demo", verbosity=0)
    assert every_count() == first
    assert first["trainees.Trainee"] and first["centres.Meeting"] and first["centres.Article"]


def test_refuses_in_production_unless_told(settings):
    settings.SEED_DEMO_ALLOWED = False
    with pytest.raises(CommandError):
        call_command("seed_demo")


def test_the_real_places_and_their_accounts(demo, client):
    assert Neighbourhood.objects.filter(name__in=["حصه", "جلوان"], district__number=14).count() == 2
    assert Headquarters.objects.filter(name="قرارگاه اجتماعی استان البرز").exists()
    assert Centre.objects.filter(name__contains="مناطق ۱۰ و ۱۴").exists()
    # Each demo account signs in with the documented password, and scope holds.
    assert client.login(username="staff.karaj", password="demo-pass-1403")
    response = client.get(reverse("admin:centres_centre_changelist"))
    assert "کرج" in response.content.decode()
    assert "مناطق ۱۰ و ۱۴" not in response.content.decode()
    # The home page lists the centres.
    home = client.get("/")
    assert home.status_code == 200
    assert "مرکز توانمندسازی و اشتغال مناطق ۱۰ و ۱۴ اصفهان" in home.content.decode()
    assert 'dir="rtl"' in home.content.decode()


def test_the_meetings_resolutions_commitment_and_calls(demo):
    manager = get_user_model().objects.get(username="manager.isfahan")
    (row,) = opportunity_meeting_hours(user=manager)
    assert row["hours"] == Decimal("240")
    meeting = Meeting.objects.get(number=73)
    assert str(meeting.date) == "1403-12-27"
    statuses = set(meeting.resolutions.values_list("status", flat=True))
    assert "done" in statuses
    assert Resolution.objects.overdue().exists()
    assert Commitment.objects.overdue().count() == 1
    closed, open_ = IdeaCall.objects.order_by("opens_on")
    assert closed.decisions_published and not open_.decisions_published
    assert open_.is_open


def test_the_training_demo_and_the_minakari_cohort(demo):
    minakari = Cohort.objects.get(code="MNK-1402-1")
    assert minakari.enrolments.count() >= 80
    assert minakari.centre.name.startswith("مرکز توانمندسازی و اشتغال مناطق ۱۰ و ۱۴")
    assert Enrolment.objects.filter(status="certified").exists()
    assert Outcome.objects.filter(kind="employer").exists()
    assert Sale.objects.filter(place__contains="نمایشگاه").exists()


def test_the_opening_article_without_comments(demo, client):
    article = Article.objects.get()
    assert article.is_published and article.centre.name.startswith("مرکز توانمندسازی")
    assert article.neighbourhood.name == "حصه"
    assert "۲۴۰ ساعت" in article.body and "۸۰ نفر" in article.body
    assert article.cover and article.cover.name.endswith(".jpg")
    assert not article.comments.exists()
    page = client.get(article.get_absolute_url()).content.decode()
    assert 'data-count="total">۰<' in page and 'data-count="awaiting">۰<' in page
    assert 'data-count="published">۰<' in page
    home = client.get("/")
    assert article.title in home.content.decode()


def test_counselling_at_the_isfahan_centre(demo, client):
    """The demo's counsellor, her hours and bookings, one session held with a referral to
    the Relief Committee; the centre's page offers booking and the booking page opens."""
    centre = Centre.objects.get(name__contains="مناطق ۱۰ و ۱۴")
    bookings = CounsellingBooking.objects.filter(centre=centre)
    assert bookings.filter(status="booked").count() >= 2
    held = bookings.get(status="attended")
    assert CounsellingNote.objects.filter(booking=held).exists()
    assert CounsellingReferral.objects.filter(booking=held, kind="partner").exists()
    page = client.get(reverse("centre_detail", args=[centre.pk]))
    assert reverse("public_counselling", args=[centre.pk]) in page.content.decode()
    booking_page = client.get(reverse("public_counselling", args=[centre.pk]))
    assert booking_page.status_code == 200
    assert len(booking_page.context["form"].fields["slot"].choices) > 1
    # The counsellor signs in and reads her notes; the centre's staff do not.
    assert client.login(username="counsellor.isfahan", password="demo-pass-1403")
    url = reverse("admin:trainees_counsellingbooking_change", args=[held.pk])
    assert "میناکاری" in client.get(url).content.decode()
    assert client.login(username="staff.isfahan", password="demo-pass-1403")
    assert "همسرش بیکار" not in client.get(url).content.decode()
