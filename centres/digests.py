"""The daily digest of overdue work: each partner organisation's officer and each HQ
secretary receives, by e-mail, the resolutions and commitments in their charge that are
overdue or fall due within the coming week.

Only e-mail: staff accounts carry an e-mail address but no mobile, so a person without an
address gets no digest (the run counts them as skipped).
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import translation
from django.utils.translation import gettext as _

from empowerment.kernel.jalali import format_jalali, to_jalali
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.outbox import message_queue
from empowerment.kernel.persian import to_persian_digits

from .models import PENDING_STATUSES, Commitment, Resolution, StaffRole
from .scope import scope_for

logger = logging.getLogger(__name__)

# How far ahead "due soon" looks, in days.
DUE_SOON_DAYS = 7
DIGEST_ROLES = (StaffRole.Role.PARTNER_OFFICER, StaffRole.Role.HQ_SECRETARY)
# jdatetime counts weekdays from Saturday (0); Friday (6) is the weekend.
FRIDAY = 6


def is_friday(day: datetime.date) -> bool:
    return to_jalali(day).weekday() == FRIDAY


def digest_key(*, user_id: int, day: datetime.date) -> str:
    return f"digest:{user_id}:{format_jalali(day).replace('/', '-')}"


@dataclass
class Digest:
    overdue_resolutions: list[Resolution] = field(default_factory=list)
    due_resolutions: list[Resolution] = field(default_factory=list)
    overdue_commitments: list[Commitment] = field(default_factory=list)
    due_commitments: list[Commitment] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.overdue_resolutions
            or self.due_resolutions
            or self.overdue_commitments
            or self.due_commitments
        )


def digest_recipients() -> QuerySet:
    """Active users holding an active partner-officer or HQ-secretary role."""
    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            staff_roles__is_active=True,
            staff_roles__role__in=DIGEST_ROLES,
        )
        .distinct()
        .order_by("pk")
    )


def digest_for(*, user, today: datetime.date) -> Digest:
    """What one person's digest holds (two queries).

    A partner officer gets what their organisation is responsible for or co-operates on,
    and the commitments it promised; an HQ secretary gets the resolutions of their HQ's
    meetings and the commitments their HQ follows up. Both are also limited by
    `visible_to`, so that a digest never shows what its reader may not open.
    """
    scope = scope_for(user)
    partners = scope.role_ids("partner", roles={StaffRole.Role.PARTNER_OFFICER})
    hqs = scope.role_ids("headquarters", roles={StaffRole.Role.HQ_SECRETARY})
    horizon = today + datetime.timedelta(days=DUE_SOON_DAYS)
    digest = Digest()

    resolution_mine = Q(pk__in=[])
    if partners:
        resolution_mine |= Q(responsible__in=partners) | Q(
            pk__in=Resolution.objects.filter(cooperating__in=partners).values("pk")
        )
    if hqs:
        resolution_mine |= Q(meeting__headquarters__in=hqs)
    resolutions = (
        Resolution.objects.visible_to(user)
        .filter(resolution_mine, status__in=PENDING_STATUSES, deadline__lte=horizon)
        .with_overdue(today)
        .select_related("meeting__headquarters", "meeting__centre", "responsible")
        .order_by("deadline", "meeting__number", "number")
    )
    for resolution in resolutions:
        target = digest.overdue_resolutions if resolution.overdue_flag else digest.due_resolutions
        target.append(resolution)

    commitment_mine = Q(pk__in=[])
    if partners:
        commitment_mine |= Q(promiser_partner__in=partners)
    if hqs:
        commitment_mine |= Q(headquarters__in=hqs)
    commitments = (
        Commitment.objects.visible_to(user)
        .filter(commitment_mine, status__in=PENDING_STATUSES, due_date__lte=horizon)
        .with_overdue(today)
        .select_related("neighbourhood")
        .order_by("due_date", "pk")
    )
    for commitment in commitments:
        target = digest.overdue_commitments if commitment.overdue_flag else digest.due_commitments
        target.append(commitment)
    return digest


def _short(text: str, limit: int = 120) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _when(row, today: datetime.date) -> str:
    deadline = row._deadline_gregorian()
    date = format_jalali(deadline, persian_digits=True)
    late = row.days_overdue(today)
    if late:
        return _("deadline %(date)s, %(days)s days overdue") % {
            "date": date,
            "days": to_persian_digits(late),
        }
    left = (deadline - today).days
    if left == 0:
        return _("deadline %(date)s, today") % {"date": date}
    return _("deadline %(date)s, in %(days)s days") % {
        "date": date,
        "days": to_persian_digits(left),
    }


def _resolution_line(resolution: Resolution, today: datetime.date) -> str:
    meeting = resolution.meeting
    body = meeting.headquarters or meeting.centre
    return "- " + _("Resolution %(code)s of %(body)s (%(responsible)s): %(text)s — %(when)s") % {
        "code": to_persian_digits(resolution.code),
        "body": body,
        "responsible": resolution.responsible.name,
        "text": _short(resolution.text),
        "when": _when(resolution, today),
    }


def _commitment_line(commitment: Commitment, today: datetime.date) -> str:
    return "- " + _("%(title)s in %(neighbourhood)s (promised by %(by)s) — %(when)s") % {
        "title": _short(commitment.title),
        "neighbourhood": commitment.neighbourhood.name,
        "by": commitment.promised_by,
        "when": _when(commitment, today),
    }


def digest_text(*, user, digest: Digest, today: datetime.date) -> tuple[str, str]:
    """Subject and body, in Persian."""
    with translation.override("fa"):
        date = format_jalali(today, persian_digits=True)
        subject = _("Overdue and due-soon work, %(date)s") % {"date": date}
        lines = [
            _("Hello %(name)s,") % {"name": user.get_full_name() or user.username},
            "",
            _("What is in your charge and overdue or due within seven days, as of %(date)s:")
            % {"date": date},
        ]
        sections = [
            (_("Overdue resolutions"), digest.overdue_resolutions, _resolution_line),
            (_("Resolutions due within seven days"), digest.due_resolutions, _resolution_line),
            (_("Overdue commitments"), digest.overdue_commitments, _commitment_line),
            (_("Commitments due within seven days"), digest.due_commitments, _commitment_line),
        ]
        for title, rows, line in sections:
            if rows:
                lines += ["", f"{title} ({to_persian_digits(len(rows))}):"]
                lines += [line(row, today) for row in rows]
        lines += ["", _("Record progress in the portal's follow-up reports.")]
    return subject, "\n".join(str(line) for line in lines)


def overdue_digests_queue(*, today: datetime.date) -> dict[str, int]:
    """Queue today's digest to every officer and secretary with something to report.

    Keyed `digest:<user>:<Jalali date>`: a second run on the same day (a duplicated task, a
    manual re-run) queues nothing more. Like the reminders, each message is queued in its
    own transaction so that one bad address does not stop the rest.
    """
    counts = {"queued": 0, "already": 0, "empty": 0, "no_email": 0}
    for user in digest_recipients():
        key = digest_key(user_id=user.pk, day=today)
        if OutboxMessage.objects.filter(key=key).exists():
            counts["already"] += 1
            continue
        if not user.email:
            counts["no_email"] += 1
            continue
        # One person's scope and two queries each: the digest is read per reader, as
        # they would see it in the admin.
        digest = digest_for(user=user, today=today)
        if digest.is_empty:
            counts["empty"] += 1
            continue
        subject, text = digest_text(user=user, digest=digest, today=today)
        try:
            message_queue(
                key=key,
                recipient=user.email,
                channel=OutboxMessage.Channel.EMAIL,
                subject=subject,
                text=text,
            )
        except ValidationError as error:
            logger.warning("digest %s not queued: %s", key, error.messages)
            continue
        counts["queued"] += 1
    return counts
