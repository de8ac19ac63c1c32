"""seed_demo builds the training demo through the services, and a second run adds nothing."""

import pytest
from django.core.management import call_command

from programs.models import Cohort
from trainees.models import Attendance, Enrolment, Outcome, Sale, Trainee

pytestmark = pytest.mark.django_db


def counts():
    return [m.objects.count() for m in (Trainee, Enrolment, Attendance, Outcome, Sale, Cohort)]


def test_seed_demo_is_idempotent_and_has_the_minakari_cohort():
    call_command("seed_demo")
    first = counts()
    call_command("seed_demo")
    assert counts() == first
    minakari = Cohort.objects.get(code="MNK-1402-1")
    assert minakari.enrolments.count() >= 80
    assert minakari.centre.name.startswith("مرکز توانمندسازی و اشتغال مناطق ۱۰ و ۱۴")
    assert Enrolment.objects.filter(status="certified").exists()
    assert Outcome.objects.filter(kind="employer").exists()
    assert Sale.objects.filter(place__contains="نمایشگاه").exists()
