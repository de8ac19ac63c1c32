"""One count of seats: the admin's cohort list, the API, the public page and the enrolment
services read the same figure (Cohort.objects.with_seats())."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from rest_framework.test import APIClient

from empowerment.kernel.jalali import today_jalali
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees import services
from trainees.models import Enrolment

pytestmark = pytest.mark.django_db


@pytest.fixture
def taken(cohort):
    """Capacity 3: two seats held (enrolled, certified); the dropped and the waiting
    hold none."""
    for status in ("enrolled", "certified", "waitlisted"):
        EnrolmentFactory(cohort=cohort, status=status)
    EnrolmentFactory(
        cohort=cohort, status="dropped", drop_reason="نقل مکان", dropped_on=today_jalali()
    )
    return cohort


def test_the_admin_list_and_the_api_show_the_same_seats(client, staff, taken):
    client.force_login(staff)
    page = client.get(reverse("admin:programs_cohort_changelist"))
    assert page.status_code == 200
    assert "2 / 3" in page.content.decode()

    api = APIClient()
    api.force_authenticate(staff)
    body = api.get(reverse("api:cohort-detail", args=[taken.pk])).json()
    assert body["seats_taken"] == 2


def test_the_public_page_shows_the_seats_left(client, taken):
    taken.status = "planned"
    taken.start_date = today_jalali()
    taken.end_date = today_jalali() + datetime.timedelta(days=60)
    taken.save()
    body = client.get(reverse("centre_detail", args=[taken.centre_id])).content.decode()
    with translation.override("fa"):  # one seat left of three, in Persian digits
        assert f"۱ {gettext('of')} ۳" in body


def test_enrolling_takes_the_seat_left_then_the_waiting_list(taken):
    last = services.enrolment_create(trainee=TraineeFactory(), cohort=taken)
    after = services.enrolment_create(trainee=TraineeFactory(), cohort=taken)
    assert (last.status, after.status) == ("enrolled", "waitlisted")
    services.enrolment_drop(enrolment=last, reason="بیماری")
    # The first on the waiting list (the fixture's) takes the seat freed.
    assert Enrolment.objects.filter(cohort=taken, status="waitlisted").count() == 1
    assert Enrolment.objects.filter(cohort=taken, status__in=("enrolled", "certified")).count() == 3
