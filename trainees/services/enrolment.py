"""Enrolling trainees in cohorts: capacity, the waiting list, dropping out."""

import logging

import jdatetime
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from empowerment.kernel import errors
from empowerment.kernel.jalali import today_jalali
from programs.models import Cohort

from ..models import (
    Enrolment,
    Trainee,
)

logger = logging.getLogger(__name__)

COHORT_CLOSED = gettext_lazy("This cohort is closed: nobody can enrol in it any more.")


# --- Enrolment ---------------------------------------------------------------------------


@transaction.atomic
def enrolment_create(
    *,
    trainee: Trainee,
    cohort: Cohort,
    by=None,
    override_capacity: bool = False,
    enrolled_on: jdatetime.date | None = None,
) -> Enrolment:
    """Enrol a trainee in a cohort, or put them on its waiting list when it is full.

    Only someone with `trainees.override_capacity` (a centre manager) may admit a trainee
    over capacity. The cohort row is locked so that two members of staff enrolling at the
    same moment cannot both take the last seat.
    """
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.is_closed:
        raise errors.CohortClosed(COHORT_CLOSED)
    if Enrolment.objects.filter(trainee=trainee, cohort=cohort).exists():
        # Code "conflict", as the API has always answered (clients branch on it).
        raise errors.Conflict(
            _("%(trainee)s is already enrolled in this cohort.") % {"trainee": trainee}
        )
    if override_capacity and by is not None and not by.has_perm("trainees.override_capacity"):
        raise errors.NotAllowed(_("Only a centre manager may enrol over capacity."))
    enrolment = Enrolment(
        trainee=trainee,
        cohort=cohort,
        enrolled_on=enrolled_on or today_jalali(),
        status=Enrolment.Status.ENROLLED,
    )
    if Cohort.objects.seats_left(cohort) == 0:
        if override_capacity:
            enrolment.over_capacity = True
        else:
            enrolment.status = Enrolment.Status.WAITLISTED
    enrolment.full_clean()
    enrolment.save()
    return enrolment


@transaction.atomic
def enrolments_create_many(
    *,
    cohort: Cohort,
    trainees: list[Trainee],
    enrolled_on: jdatetime.date | None = None,
    by=None,
) -> list[Enrolment]:
    """Enrol many trainees in one cohort (the spreadsheet import), in their order: seats
    while they last, then the waiting list. Trainees already in the cohort are left as
    they are, so importing the same list again enrols nobody twice. One lock on the
    cohort and one seat count for the whole batch."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.is_closed:
        raise errors.CohortClosed(COHORT_CLOSED)
    already = set(
        Enrolment.objects.filter(
            cohort=cohort, trainee_id__in=[t.pk for t in trainees]
        ).values_list("trainee_id", flat=True)
    )
    free = Cohort.objects.seats_left(cohort)
    on = enrolled_on or today_jalali()
    enrolments = []
    for trainee in trainees:
        if trainee.pk in already:
            continue
        already.add(trainee.pk)
        status = Enrolment.Status.ENROLLED if free > 0 else Enrolment.Status.WAITLISTED
        free -= status == Enrolment.Status.ENROLLED
        enrolments.append(Enrolment(trainee=trainee, cohort=cohort, enrolled_on=on, status=status))
    bulk_create_with_history(enrolments, Enrolment, batch_size=1000, default_user=by)
    return enrolments


@transaction.atomic
def enrolment_drop(
    *, enrolment: Enrolment, reason: str, on: jdatetime.date | None = None
) -> Enrolment:
    """Record a drop-out with its reason; the first on the waiting list takes the seat."""
    if not (reason or "").strip():
        raise errors.Invalid(_("Write why the trainee dropped out."), field="drop_reason")
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status not in (Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED):
        raise errors.Conflict(_("Only a current enrolment can be dropped."), code="not_current")
    held_seat = enrolment.status == Enrolment.Status.ENROLLED
    enrolment.status = Enrolment.Status.DROPPED
    enrolment.drop_reason = reason
    enrolment.dropped_on = on or today_jalali()
    enrolment.full_clean()
    enrolment.save()
    if held_seat:
        enrolment_promote_waitlist(cohort=enrolment.cohort)
    return enrolment


@transaction.atomic
def enrolment_promote_waitlist(*, cohort: Cohort) -> list[Enrolment]:
    """Give free seats to the waiting list, first come first served."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.is_closed:
        return []
    free = Cohort.objects.seats_left(cohort)
    promoted = []
    if free > 0:
        waiting = Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.WAITLISTED)
        for enrolment in waiting.order_by("created_at", "pk")[:free]:
            enrolment.status = Enrolment.Status.ENROLLED
            enrolment.save(update_fields=["status", "updated_at"])
            promoted.append(enrolment)
    return promoted
