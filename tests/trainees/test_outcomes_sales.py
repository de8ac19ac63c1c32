"""Outcomes after training and the products a cohort made and sold."""

import jdatetime
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees import services
from trainees.models import Outcome, Sale

pytestmark = pytest.mark.django_db


def test_an_employer_outcome_counts_the_people_employed(cohort):
    enrolment = EnrolmentFactory(cohort=cohort)
    with pytest.raises(ValidationError) as error:
        services.outcome_record(
            trainee=enrolment.trainee,
            enrolment=enrolment,
            kind="employer",
            date=jdatetime.date(1403, 5, 1),
            follow_up_round=6,
        )
    assert "employees_count" in error.value.message_dict
    outcome = services.outcome_record(
        trainee=enrolment.trainee,
        enrolment=enrolment,
        kind="employer",
        date=jdatetime.date(1403, 5, 1),
        follow_up_round=6,
        employees_count=3,
    )
    assert outcome.history.count() == 1


def test_an_outcome_cannot_point_to_another_trainees_enrolment(cohort):
    enrolment = EnrolmentFactory(cohort=cohort)
    with pytest.raises(ValidationError):
        services.outcome_record(
            trainee=TraineeFactory(),
            enrolment=enrolment,
            kind="employed",
            date=jdatetime.date(1403, 5, 1),
            follow_up_round=3,
        )
    assert not Outcome.objects.exists()


def test_staff_record_an_outcome_in_the_admin_with_a_jalali_date(client, staff, cohort):
    enrolment = EnrolmentFactory(cohort=cohort, trainee__registered_at=cohort.centre)
    client.force_login(staff)
    response = client.post(
        reverse("admin:trainees_outcome_add"),
        {
            "trainee": enrolment.trainee.pk,
            "enrolment": enrolment.pk,
            "kind": "home_business",
            "date": "۱۴۰۳/۰۴/۱۰",
            "follow_up_round": "3",
            "employees_count": "",
            "note": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    outcome = Outcome.objects.get()
    assert outcome.date == jdatetime.date(1403, 4, 10)
    assert outcome.history.latest().history_user == staff


def test_products_and_sales_follow_the_cycle_to_the_exhibition(client, staff, cohort):
    product = services.product_create(cohort=cohort, name="بشقاب مینا", unit_price_rials=1_000)
    services.sale_record(
        product=product,
        date=jdatetime.date(1403, 2, 15),
        place="غرفه نمایشگاه",
        quantity=4,
        amount_rials=4_000,
    )
    with pytest.raises(ValidationError):
        services.sale_record(
            product=product, date=jdatetime.date(1403, 2, 15), place="", quantity=0, amount_rials=0
        )
    assert Sale.objects.count() == 1
    client.force_login(staff)
    listing = client.get(reverse("admin:trainees_product_changelist"))
    assert listing.context["cl"].result_list[0].sold_quantity == 4
