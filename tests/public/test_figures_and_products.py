"""The home page's public figures equal the database's aggregates; the centre page shows what
its trainees made and sold. No person's details appear on either."""

import jdatetime
import pytest
from django.db.models import Sum
from django.urls import reverse

from tests.centres.factories import CentreFactory
from tests.programs.factories import CohortFactory, make_call
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees.models import Enrolment, Sale
from trainees.services import product_create, sale_record

pytestmark = pytest.mark.django_db

CERTIFIED = Enrolment.Status.CERTIFIED


def sell(cohort, name, quantities, price=2_000_000):
    product = product_create(
        cohort=cohort, name=name, quantity_made=sum(quantities) + 3, unit_price_rials=price
    )
    for quantity in quantities:
        sale_record(
            product=product,
            date=jdatetime.date(1403, 8, 1),
            place="غرفه نمایشگاه",
            quantity=quantity,
            amount_rials=quantity * price,
        )
    return product


@pytest.fixture
def activity(hesseh_centre, open_call):
    """Two cohorts at the Isfahan centre and one at a closed centre, with completions and sales."""
    cohort = CohortFactory(centre=hesseh_centre, title="میناکاری ۱")
    second = CohortFactory(centre=hesseh_centre, title="کسب‌وکار ۱")
    twice = TraineeFactory(first_name="رقیه")
    EnrolmentFactory(cohort=cohort, trainee=twice, status=CERTIFIED)
    EnrolmentFactory(cohort=second, trainee=twice, status=Enrolment.Status.NOT_CERTIFIED)
    EnrolmentFactory(cohort=cohort, status=CERTIFIED)
    EnrolmentFactory(cohort=cohort, status=Enrolment.Status.ENROLLED)  # not finished yet
    EnrolmentFactory(cohort=cohort, status=Enrolment.Status.DROPPED, drop_reason="جابه‌جایی")
    sell(cohort, "بشقاب میناکاری", [5, 7])
    sell(second, "کیف دست‌دوز", [2])
    closed = CohortFactory(centre=CentreFactory(is_active=False))
    EnrolmentFactory(cohort=closed, status=CERTIFIED)
    sell(closed, "محصول مرکز بسته", [100])
    return {"cohort": cohort, "trainee": twice}


def test_home_figures_match_the_database(client, activity):
    figures = client.get(reverse("home")).context["figures"]
    # Counted by hand above: two people completed (one of them twice), 5 + 7 + 2 sold.
    assert figures["trainees_trained"] == 2
    assert figures["products_sold"] == 14
    assert figures["open_calls"] == 1
    # And the same from the database, the way a reader of the code would check it.
    trained = (
        Enrolment.objects.filter(
            status__in=[CERTIFIED, Enrolment.Status.NOT_CERTIFIED], cohort__centre__is_active=True
        )
        .values("trainee")
        .distinct()
        .count()
    )
    sold = Sale.objects.filter(product__cohort__centre__is_active=True).aggregate(
        n=Sum("quantity")
    )["n"]
    assert (figures["trainees_trained"], figures["products_sold"]) == (trained, sold)


def test_home_shows_the_figures_in_persian_digits_without_names(client, activity):
    body = client.get(reverse("home")).content.decode()
    assert 'data-figure="trainees_trained">۲<' in body
    assert 'data-figure="products_sold">۱۴<' in body
    assert 'data-figure="open_calls">۱<' in body
    assert activity["trainee"].last_name not in body


def test_home_figures_are_zero_on_an_empty_portal(client):
    figures = client.get(reverse("home")).context["figures"]
    assert figures["trainees_trained"] == 0
    assert figures["products_sold"] == 0
    assert figures["open_calls"] == 0


def test_centre_page_lists_products_with_units_sold(client, hesseh_centre, activity):
    body = client.get(reverse("centre_detail", args=[hesseh_centre.pk])).content.decode()
    assert "بشقاب میناکاری" in body and "کیف دست‌دوز" in body
    assert "محصول مرکز بسته" not in body
    assert "۱۲" in body  # 5 + 7 units of the plates sold
    assert "۲٬۰۰۰٬۰۰۰" in body  # the unit price in Rials
    assert activity["trainee"].last_name not in body


def test_centre_page_query_count_does_not_grow_with_rows(
    client, hesseh_centre, activity, planned_cohort, django_assert_num_queries
):
    for n in range(3):
        make_call(centre=hesseh_centre, title=f"فراخوان {n}")
        sell(activity["cohort"], f"محصول {n}", [1, 2])
        CohortFactory(
            centre=hesseh_centre,
            status=planned_cohort.status,
            start_date=planned_cohort.start_date,
            end_date=planned_cohort.end_date,
        )
    # See test_pages.test_centre_page_query_count for the ten queries.
    with django_assert_num_queries(10):
        response = client.get(reverse("centre_detail", args=[hesseh_centre.pk]))
    assert len(response.context["cohorts"]) == 4
