"""After training: outcomes, products and their sales."""

import logging

import jdatetime
from django.core.exceptions import ValidationError
from django.db import transaction

from empowerment.kernel import errors
from programs.models import Cohort

from ..models import (
    Enrolment,
    Outcome,
    Product,
    Sale,
    Trainee,
)

logger = logging.getLogger(__name__)


# --- After training ----------------------------------------------------------------------


@transaction.atomic
def outcome_record(
    *,
    trainee: Trainee,
    kind: str,
    date: jdatetime.date,
    follow_up_round: int,
    enrolment: Enrolment | None = None,
    employees_count: int | None = None,
    note: str = "",
) -> Outcome:
    outcome = Outcome(
        trainee=trainee,
        enrolment=enrolment,
        kind=kind,
        date=date,
        follow_up_round=follow_up_round,
        employees_count=employees_count,
        note=note,
    )
    try:
        outcome.full_clean()
    except ValidationError as error:
        if errors.is_unique_clash(error):
            # The same outcome at the same follow-up round is already recorded.
            raise errors.Duplicate(" ".join(error.messages)) from error
        raise
    outcome.save()
    return outcome


@transaction.atomic
def product_create(
    *,
    cohort: Cohort,
    name: str,
    description: str = "",
    quantity_made: int = 0,
    unit_price_rials: int | None = None,
) -> Product:
    product = Product(
        cohort=cohort,
        name=name,
        description=description,
        quantity_made=quantity_made,
        unit_price_rials=unit_price_rials,
    )
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def sale_record(
    *, product: Product, date: jdatetime.date, place: str, quantity: int, amount_rials: int
) -> Sale:
    sale = Sale(
        product=product, date=date, place=place, quantity=quantity, amount_rials=amount_rials
    )
    sale.full_clean()
    sale.save()
    return sale
