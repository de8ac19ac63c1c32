"""A resident asks to join a cohort open for registration from the centre's page; the request
is recorded after the SMS code, never as an enrolment."""

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from empowerment.kernel.jalali import format_jalali
from empowerment.kernel.sms import ConsoleSMSBackend
from programs.models import Cohort
from tests.centres.factories import NeighbourhoodFactory
from tests.codes import page_codes
from tests.programs.factories import CohortFactory
from tests.trainees.factories import EnrolmentFactory
from trainees.models import CohortInterest, Enrolment

from .conftest import MOBILE, days_from_today, last_code

pytestmark = pytest.mark.django_db


def ask(post_and_send, cohort, **changes):
    data = {"name": "زهرا كاظمي", "mobile": "۰۹۱۲۱۲۳۴۵۶۷", "neighbourhood": "", **changes}
    return post_and_send(reverse("public_cohort_interest", args=[cohort.pk]), data)


def test_centre_page_lists_only_cohorts_open_for_registration(
    client, hesseh_centre, planned_cohort
):
    EnrolmentFactory(cohort=planned_cohort)  # one of two seats taken
    CohortFactory(centre=hesseh_centre, title="دوره در حال برگزاری")  # running
    CohortFactory(
        centre=hesseh_centre,
        title="دوره‌ای که باید آغاز می‌شد",
        status=Cohort.Status.PLANNED,
        start_date=days_from_today(-1),
        end_date=days_from_today(60),
    )
    CohortFactory(
        title="دوره مرکز دیگر",
        status=Cohort.Status.PLANNED,
        start_date=days_from_today(5),
        end_date=days_from_today(60),
    )
    response = client.get(reverse("centre_detail", args=[hesseh_centre.pk]))
    assert [c.title for c in response.context["cohorts"]] == ["میناکاری، دوره پاییز"]
    body = response.content.decode()
    assert reverse("public_cohort_interest", args=[planned_cohort.pk]) in body
    assert "دوره در حال برگزاری" not in body and "دوره مرکز دیگر" not in body
    assert response.context["cohorts"][0].seats_left == 1
    with translation.override("fa"):  # seats left of capacity, in Persian digits
        assert f"۱ {gettext('of')} ۲" in body
    assert format_jalali(planned_cohort.start_date, persian_digits=True) in body


def test_interest_is_recorded_after_the_code_and_nothing_is_enrolled(
    client, post_and_send, planned_cohort, hesseh_centre
):
    step1 = ask(post_and_send, planned_cohort)
    assert step1.status_code == 302
    assert ConsoleSMSBackend.outbox[-1]["to"] == MOBILE
    assert not CohortInterest.objects.exists()

    done = client.post(step1["Location"], {"code": last_code()}, follow=True)
    interest = CohortInterest.objects.get()
    assert done.redirect_chain[-1][0] == reverse("public_tracked", args=[interest.tracking_number])
    assert interest.tracking_number.startswith("2")
    assert done.context["tracked"].status == interest.get_state_display()
    assert page_codes(done) == ["interest_received"]
    assert interest.cohort == planned_cohort
    assert interest.name == "زهرا کاظمی" and interest.mobile == MOBILE
    assert interest.state == CohortInterest.State.NEW
    assert interest.user.username == MOBILE
    assert not Enrolment.objects.exists()


def test_asking_twice_keeps_one_request_and_says_so(client, post_and_send, planned_cohort):
    for _ in range(2):
        url = ask(post_and_send, planned_cohort)["Location"]
        response = client.post(url, {"code": last_code()}, follow=True)
    assert page_codes(response) == ["interest_already_received"]
    assert CohortInterest.objects.count() == 1


def test_a_neighbourhood_the_centre_does_not_serve_is_refused(post_and_send, planned_cohort):
    elsewhere = NeighbourhoodFactory(name="محله دور")
    response = ask(post_and_send, planned_cohort, neighbourhood=elsewhere.pk)
    assert response.status_code == 200
    assert "neighbourhood" in response.context["form"].errors
    assert ConsoleSMSBackend.outbox == []


def test_a_cohort_not_open_says_so_and_takes_no_request(client, post_and_send, planned_cohort):
    planned_cohort.status = Cohort.Status.RUNNING
    planned_cohort.save()
    page = client.get(reverse("public_cohort_interest", args=[planned_cohort.pk]))
    assert page.status_code == 200
    assert page.context["form"] is None
    assert page_codes(page) == ["cohort_not_open"]
    assert ask(post_and_send, planned_cohort).status_code == 200
    assert ConsoleSMSBackend.outbox == []
    assert client.get(reverse("public_cohort_interest", args=[999999])).status_code == 404


def test_cohort_closing_before_the_code_records_nothing(client, post_and_send, planned_cohort):
    url = ask(post_and_send, planned_cohort)["Location"]
    Cohort.objects.filter(pk=planned_cohort.pk).update(status=Cohort.Status.CANCELLED)
    response = client.post(url, {"code": last_code()}, follow=True)
    assert page_codes(response) == ["no_longer_open", "cohort_not_open"]  # message, notice
    assert not CohortInterest.objects.exists()
