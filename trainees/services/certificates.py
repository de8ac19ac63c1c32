"""Certificates: issuing one (or the selected ones) under the programme's rule, revoking one.

The rule (`certificate_refusal`) is the one the admin's pages, the bulk confirmation page
and closing a cohort (`cohort_complete`) obey: an enrolment in the caller's scope, holding
no certificate in force, that completed its cohort (the cohort ended or was closed, the
trainee neither dropped out nor waiting), with at least the cohort's minimum attendance.
A certificate is dated by the cohort's end or a date the manager picks (within the cohort's
run and not in the future), never by the day of the click.
"""

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

import jdatetime
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from empowerment.kernel import errors
from empowerment.kernel.jalali import to_jalali, today_jalali
from programs.models import Cohort

from ..models import Attendance, Certificate, Enrolment

__all__ = [
    "AttendanceTooLow",
    "CertificateCheck",
    "NotCompleted",
    "certificate_check_many",
    "certificate_issue",
    "certificate_issue_many",
    "certificate_revoke",
    "certificate_refusal",
    "attendance_percent",
    "cohort_complete",
]


class AttendanceTooLow(errors.Invalid):
    code = "attendance_too_low"


class NotCompleted(errors.Invalid):
    code = "not_completed"


# Enrolments that may complete with a certificate: still holding their seat, or completed
# without one (below the minimum at closing, or a revoked certificate being replaced).
_COMPLETING = (
    Enrolment.Status.ENROLLED,
    Enrolment.Status.CERTIFIED,
    Enrolment.Status.NOT_CERTIFIED,
)


def _with_attendance(queryset):
    """Enrolments with their marks counted (one query for any number of them)."""
    return queryset.select_related("trainee", "cohort__programme", "cohort__centre").annotate(
        # distinct: three one-to-many joins in one query multiply each other's rows.
        present=Count(
            "attendance",
            filter=Q(attendance__status=Attendance.Status.PRESENT),
            distinct=True,
        ),
        excused=Count(
            "attendance",
            filter=Q(attendance__status=Attendance.Status.EXCUSED),
            distinct=True,
        ),
        held=Count(
            "cohort__sessions",
            filter=Q(cohort__sessions__cancelled_at__isnull=True),
            distinct=True,
        ),
        active_certificates=Count(
            "certificates", filter=Q(certificates__revoked_at__isnull=True), distinct=True
        ),
    )


def attendance_percent(present: int, excused: int, sessions: int) -> Decimal:
    """The attendance rate of the rule. An excused absence neither counts for nor against
    the trainee."""
    counted = sessions - excused
    if counted <= 0:
        return Decimal("0.0")
    return (Decimal(100 * present) / counted).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _percent(enrolment) -> Decimal:
    return attendance_percent(enrolment.present, enrolment.excused, enrolment.held)


def _date_refusal(cohort: Cohort, on: jdatetime.date) -> None:
    if on < cohort.start_date or on > today_jalali():
        raise errors.Invalid(
            _("A certificate's date falls between the cohort's start and today."),
            code="date",
            field="issued_on",
        )


def certificate_refusal(enrolment, *, on: jdatetime.date | None = None) -> Decimal:
    """The rule for one enrolment read with `_with_attendance`; raises the refusal, returns
    the attendance percent that qualifies."""
    cohort = enrolment.cohort
    if enrolment.active_certificates:
        raise errors.Duplicate(
            _("This trainee already holds a certificate for this cohort."), code="already_issued"
        )
    if enrolment.status not in _COMPLETING or not (
        cohort.is_closed or cohort.end_date <= today_jalali()
    ):
        raise NotCompleted(_("The trainee has not completed this cohort."))
    if not enrolment.held:
        raise NotCompleted(_("This cohort has no sessions: record its sessions first."))
    percent = _percent(enrolment)
    if percent < cohort.min_attendance_percent:
        raise AttendanceTooLow(
            _("Attendance %(percent)s%% is below the cohort's minimum of %(minimum)s%%.")
            % {"percent": percent, "minimum": cohort.min_attendance_percent}
        )
    _date_refusal(cohort, on or cohort.end_date)
    return percent


def _next_number(cohort: Cohort) -> str:
    # The cohort's code and a running number: unique across the portal because cohort
    # codes are. The caller holds the cohort's row lock, so two issues cannot take the same.
    taken = Certificate.objects.filter(enrolment__cohort=cohort).count()
    prefix = f"{cohort.code}-"
    number = taken + 1
    while Certificate.objects.filter(number=f"{prefix}{number:03d}").exists():
        number += 1
    return f"{prefix}{number:03d}"


def _issue(enrolment, *, percent: Decimal, on: jdatetime.date, by) -> Certificate:
    certificate = Certificate.objects.create(
        enrolment=enrolment, number=_next_number(enrolment.cohort), issued_on=on, issued_by=by
    )
    enrolment.status = Enrolment.Status.CERTIFIED
    enrolment.attendance_percent = percent
    enrolment.certificate_number = certificate.number
    enrolment.certificate_issued_on = on
    enrolment.save(
        update_fields=[
            "status",
            "attendance_percent",
            "certificate_number",
            "certificate_issued_on",
            "updated_at",
        ]
    )
    return certificate


def _scoped(by):
    return Enrolment.objects.visible_to(by) if by is not None else Enrolment.objects.all()


def _normal_date(on) -> jdatetime.date | None:
    return None if on is None else to_jalali(on)


@transaction.atomic
def certificate_issue(*, enrolment: Enrolment, by, on: jdatetime.date | None = None) -> Certificate:
    """Issue a certificate to one trainee, dated `on` or by the cohort's end.

    Refusals: OutOfScope (an enrolment the person may not see), Duplicate `already_issued`
    (a certificate in force: a double click or a replayed form issues once), NotCompleted
    `not_completed`, AttendanceTooLow `attendance_too_low`, Invalid `date`.
    """
    # Concurrency: the cohort's row lock serialises issues in one cohort (the running
    # number) and a second click waits, then finds the first certificate and is refused;
    # the partial unique index is the last guard.
    Cohort.objects.select_for_update().filter(pk=enrolment.cohort_id).first()
    fresh = _with_attendance(_scoped(by).filter(pk=enrolment.pk)).first()
    if fresh is None:
        raise errors.OutOfScope(_("This enrolment does not exist."))
    on = _normal_date(on) or fresh.cohort.end_date
    percent = certificate_refusal(fresh, on=on)
    try:
        with transaction.atomic():
            return _issue(fresh, percent=percent, on=on, by=by)
    except IntegrityError as clash:
        raise errors.Duplicate(
            _("This trainee already holds a certificate for this cohort."), code="already_issued"
        ) from clash


@dataclass
class CertificateCheck:
    """One row of the bulk confirmation page: an enrolment and why it would be refused."""

    enrolment: Enrolment
    percent: Decimal | None
    refusal: errors.DomainError | None

    @property
    def eligible(self) -> bool:
        return self.refusal is None


def certificate_check_many(
    *, enrolments, by, on: jdatetime.date | None = None
) -> list[CertificateCheck]:
    """What issuing to the selected enrolments would do, without writing (the confirmation
    page lists it). Enrolments outside the person's scope are left out."""
    ids = [e.pk for e in enrolments]
    rows = _with_attendance(_scoped(by).filter(pk__in=ids)).order_by(
        "cohort__code", "trainee__last_name", "trainee__first_name", "pk"
    )
    checks = []
    on = _normal_date(on)
    for enrolment in rows:
        try:
            percent = certificate_refusal(enrolment, on=on)
        except errors.DomainError as refusal:
            checks.append(CertificateCheck(enrolment, None, refusal))
        else:
            checks.append(CertificateCheck(enrolment, percent, None))
    return checks


def certificate_issue_many(
    *, enrolments, by, on: jdatetime.date | None = None
) -> tuple[list[Certificate], list[CertificateCheck]]:
    """Issue to each selected enrolment that meets the rule (each in its own transaction:
    one refusal does not hold back the others). Returns (issued, refused)."""
    issued, refused = [], []
    for enrolment in enrolments:
        try:
            issued.append(certificate_issue(enrolment=enrolment, by=by, on=on))
        except errors.DomainError as refusal:
            refused.append(CertificateCheck(enrolment, None, refusal))
    return issued, refused


@transaction.atomic
def certificate_revoke(*, certificate: Certificate, reason: str, by) -> Certificate:
    """Revoke a certificate with a reason. Its verification page then says it was revoked;
    the enrolment counts as completed without a certificate (its date kept: the dashboards
    still count the completion in the month it happened, but no longer the certificate).

    Refusals: OutOfScope, Invalid `reason` (none given), Conflict `already_revoked`.
    """
    reason = (reason or "").strip()
    if not reason:
        raise errors.Invalid(
            _("Write why the certificate is revoked."), code="reason", field="reason"
        )
    scoped = Certificate.objects.visible_to(by) if by is not None else Certificate.objects.all()
    fresh = scoped.select_for_update().filter(pk=certificate.pk).first()
    if fresh is None:
        raise errors.OutOfScope(_("This certificate does not exist."))
    if fresh.is_revoked:
        raise errors.Conflict(_("This certificate was already revoked."), code="already_revoked")
    fresh.revoked_at = timezone.now()
    fresh.revoked_by = by
    fresh.revoke_reason = reason
    fresh._change_reason = reason  # history: why this row changed
    fresh.save(update_fields=["revoked_at", "revoked_by", "revoke_reason", "updated_at"])
    enrolment = Enrolment.objects.select_for_update().get(pk=fresh.enrolment_id)
    enrolment.status = Enrolment.Status.NOT_CERTIFIED
    enrolment.certificate_number = None
    enrolment.save(update_fields=["status", "certificate_number", "updated_at"])
    return fresh


@transaction.atomic
def cohort_complete(*, cohort: Cohort, on: jdatetime.date | None = None, by=None) -> dict[str, int]:
    """Close a cohort: certificates to those who met the minimum attendance, the rest
    marked as completed without one; those who already hold a certificate keep it.

    Completion and certificates are dated `on`, else by the cohort's end (or today, for a
    cohort closed before its planned end), never by the day of the click: a 1402 cohort
    closed in 1405 counts its certificates in 1402.
    """
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.is_closed:
        raise errors.CohortClosed(_("This cohort is already closed."))
    # A cancelled session was never held: it counts for nobody's attendance.
    if not cohort.sessions.filter(cancelled_at__isnull=True).exists():
        raise errors.Invalid(_("This cohort has no sessions: record its sessions first."))
    on = _normal_date(on) or min(cohort.end_date, today_jalali())
    enrolments = _with_attendance(
        Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.ENROLLED)
    ).order_by("trainee__last_name", "trainee__first_name", "pk")
    counts = {"certified": 0, "not_certified": 0}
    for enrolment in enrolments:
        percent = _percent(enrolment)
        if percent >= cohort.min_attendance_percent:
            _issue(enrolment, percent=percent, on=on, by=by)
            counts["certified"] += 1
        else:
            enrolment.status = Enrolment.Status.NOT_CERTIFIED
            enrolment.attendance_percent = percent
            enrolment.save(update_fields=["status", "attendance_percent", "updated_at"])
            counts["not_certified"] += 1
    cohort.status = Cohort.Status.COMPLETED
    cohort.completed_at = timezone.now()
    cohort.save(update_fields=["status", "completed_at", "updated_at"])
    return counts
