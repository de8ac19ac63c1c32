"""Requests to join a cohort, sent from the public portal."""

import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_update_with_history

from centres.models import Neighbourhood
from empowerment.kernel import tracking
from empowerment.kernel.validators import normalize_mobile
from programs.models import Cohort

from ..models import (
    CohortInterest,
    Enrolment,
)
from ..selectors import cohorts_open_for_registration

logger = logging.getLogger(__name__)


# --- Interest in cohorts (from the public portal) ----------------------------------------


def _require_open_for_registration(cohort: Cohort) -> None:
    if not cohorts_open_for_registration().filter(pk=cohort.pk).exists():
        raise ValidationError(
            _("The cohort “%(cohort)s” is not open for registration.") % {"cohort": cohort.title},
            code="cohort_not_open",
        )


def cohort_interest_validate(
    *, cohort: Cohort, name: str, mobile: str, neighbourhood: Neighbourhood | None = None
) -> CohortInterest:
    """The request as it would be stored, checked but not written: the public form calls
    this before it sends an SMS code, so that a code is never sent for a refused request.

    Whether the person already asked is not checked here: that would tell anyone typing a
    number whether its owner asked; `cohort_interest_register` answers it after the code.
    """
    _require_open_for_registration(cohort)
    interest = CohortInterest(
        cohort=cohort, name=name, mobile=normalize_mobile(mobile), neighbourhood=neighbourhood
    )
    interest.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    return interest


@transaction.atomic
def cohort_interest_register(
    *,
    cohort: Cohort,
    name: str,
    mobile: str,
    neighbourhood: Neighbourhood | None = None,
    user=None,
) -> tuple[CohortInterest, bool]:
    """Record a resident's interest in a cohort, once per mobile; returns (interest, created).

    Asking again returns the first request unchanged. No enrolment is made: staff call
    the person and enrol them in the admin.
    """
    # The cohort's row lock orders two requests for it, so the check below sees the other.
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    interest = cohort_interest_validate(
        cohort=cohort, name=name, mobile=mobile, neighbourhood=neighbourhood
    )
    existing = CohortInterest.objects.filter(cohort=cohort, mobile=interest.mobile).first()
    if existing is not None:
        return existing, False
    interest.user = user
    interest.tracking_number = tracking.tracking_number_new(
        tracking.REQUEST_TO_JOIN,
        taken=lambda number: CohortInterest.objects.filter(tracking_number=number).exists(),
    )
    interest.save()
    return interest, True


@transaction.atomic
def cohort_interests_mark(*, interests, state: str, by=None) -> tuple[int, list[CohortInterest]]:
    """Move interests to `state` (the admin's actions); returns (changed, refused).

    "Enrolled" is only true once the person is enrolled: an interest is marked so only
    when a trainee with its mobile (or its resident's account) holds an enrolment in the
    cohort; the others are refused and returned.
    """
    if state not in CohortInterest.State.values:
        raise ValueError(f"Unknown interest state {state!r}")
    ids = interests.values("pk") if hasattr(interests, "values") else [i.pk for i in interests]
    rows = list(CohortInterest.objects.select_for_update().filter(pk__in=ids).exclude(state=state))
    refused: list[CohortInterest] = []
    if state == CohortInterest.State.ENROLLED and rows:
        enrolled = Enrolment.objects.filter(
            Q(trainee__mobile__in={i.mobile for i in rows})
            | Q(trainee__user__in={i.user_id for i in rows if i.user_id}),
            cohort__in={i.cohort_id for i in rows},
        ).values_list("cohort_id", "trainee__mobile", "trainee__user_id")
        by_mobile = {(cohort, mobile) for cohort, mobile, _user in enrolled}
        by_user = {(cohort, user) for cohort, _mobile, user in enrolled if user}
        refused = [
            i
            for i in rows
            if (i.cohort_id, i.mobile) not in by_mobile
            and (not i.user_id or (i.cohort_id, i.user_id) not in by_user)
        ]
        rows = [i for i in rows if i not in refused]
    now = timezone.now()
    for interest in rows:
        interest.state = state
        interest.updated_at = now
    if rows:
        bulk_update_with_history(
            rows, CohortInterest, ["state", "updated_at"], default_user=by, batch_size=500
        )
    return len(rows), refused
