"""Services for meetings, their resolutions and follow-ups, and public commitments.

Kept apart from `services.py` (centres, HQs and roles) because this is a second subject of
the same app. Every write here is the one path the admin, the API and the demo seed use.
"""

import datetime
import secrets
from collections.abc import Iterable
from decimal import Decimal

import jdatetime
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.db.models import Max
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from empowerment.kernel import errors
from empowerment.kernel.jalali import format_jalali
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.outbox import message_queue
from empowerment.kernel.persian import to_persian_digits
from empowerment.kernel.validators import normalize_mobile, validate_mobile

from .models import (
    Centre,
    Commitment,
    CommitmentComment,
    CommitmentFollower,
    CommitmentMilestone,
    Headquarters,
    Meeting,
    MeetingAttendee,
    Neighbourhood,
    Partner,
    Resolution,
    ResolutionFollowUp,
    StaffRole,
    TrackedStatus,
    local_today,
)
from .news import CommentRateLimited, comment_rate_take, cover_image_prepare
from .scope import scope_for

R = StaffRole.Role


def _gregorian(value) -> datetime.date | None:
    if isinstance(value, jdatetime.date):
        return value.togregorian()
    return value


def _lock_body(body: Headquarters | Centre) -> None:
    # Numbers are "max + 1" per body: lock the body's row so that two secretaries saving
    # at once cannot both take the same number (the unique constraint is the last guard).
    type(body).objects.select_for_update().filter(pk=body.pk).first()


def meeting_next_number(*, body: Headquarters | Centre) -> int:
    field = "headquarters" if isinstance(body, Headquarters) else "centre"
    last = Meeting.objects.filter(**{field: body}).aggregate(last=Max("number"))["last"]
    return (last or 0) + 1


@transaction.atomic
def meeting_create(
    *,
    body: Headquarters | Centre,
    date,
    kind: str = Meeting.Kind.REGULAR,
    number: int | None = None,
    start_time: datetime.time | None = None,
    venue: str = "",
    chair: str = "",
    duration_hours: Decimal | int | float = 0,
    minutes: str = "",
    attendees: Iterable[tuple[str, str, Partner | None]] = (),
    agenda: Iterable[str] = (),
) -> Meeting:
    """Record a meeting of an HQ or a centre, with its attendees and agenda.

    Without a number the meeting takes the body's next one; a given number (say, the 73rd
    meeting of a body whose earlier meetings were never entered) must not be taken yet.
    `attendees` are (name, position, partner) triples; `agenda` the items' titles in order.
    """
    if not isinstance(body, Headquarters | Centre):
        raise errors.Invalid(_("A meeting belongs to a headquarters or a centre."))
    _lock_body(body)
    field = "headquarters" if isinstance(body, Headquarters) else "centre"
    if number is None:
        number = meeting_next_number(body=body)
    elif Meeting.objects.filter(**{field: body, "number": number}).exists():
        raise errors.Duplicate(
            _("%(body)s already has a meeting number %(number)s.")
            % {"body": body, "number": number},
            field="number",
        )
    meeting = Meeting(
        **{field: body},
        number=number,
        kind=kind,
        date=date,
        start_time=start_time,
        venue=venue,
        chair=chair,
        duration_hours=Decimal(str(duration_hours)),
        minutes=minutes,
    )
    meeting.full_clean()
    meeting.save()
    for name, position, partner in attendees:
        attendee = MeetingAttendee(meeting=meeting, name=name, position=position, partner=partner)
        attendee.full_clean()
        attendee.save()
    meeting.agenda_items.bulk_create(
        [
            meeting.agenda_items.model(meeting=meeting, order=order, title=title)
            for order, title in enumerate(agenda, start=1)
        ]
    )
    return meeting


@transaction.atomic
def resolution_create(
    *,
    meeting: Meeting,
    text: str,
    responsible: Partner,
    cooperating: Iterable[Partner] = (),
    deadline=None,
    number: int | None = None,
) -> Resolution:
    """Add a decision to a meeting, numbered next within it (73-1, 73-2, ...)."""
    Meeting.objects.select_for_update().filter(pk=meeting.pk).first()
    if number is None:
        last = meeting.resolutions.aggregate(last=Max("number"))["last"]
        number = (last or 0) + 1
    elif meeting.resolutions.filter(number=number).exists():
        raise errors.Duplicate(
            _("This meeting already has a resolution number %(number)s.") % {"number": number},
            field="number",
        )
    cooperating = [p for p in cooperating if p.pk != responsible.pk]
    resolution = Resolution(
        meeting=meeting, number=number, text=text, responsible=responsible, deadline=deadline
    )
    resolution.full_clean()
    resolution.save()
    resolution.cooperating.set(cooperating)
    return resolution


def resolution_reporter_partner(*, user, resolution: Resolution) -> Partner | None:
    """Whether `user` may report on `resolution`, and for which organisation.

    Returns the responsible partner when the user reports as its officer, None when they
    report as the body's secretary or manager; raises NotAllowed otherwise.
    """
    scope = scope_for(user)
    meeting = resolution.meeting
    if user.is_superuser or R.ADMINISTRATOR in scope.roles:
        return None
    if meeting.headquarters_id and meeting.headquarters_id in scope.role_ids(
        "headquarters", roles={R.HQ_SECRETARY}
    ):
        return None
    if meeting.centre_id and meeting.centre_id in scope.role_ids(
        "centre", roles={R.CENTRE_MANAGER}
    ):
        return None
    if resolution.responsible_id in scope.role_ids("partner", roles={R.PARTNER_OFFICER}):
        return resolution.responsible
    raise errors.NotAllowed(
        _(
            "Only the body's secretary or an officer of the responsible organisation may "
            "report on this resolution."
        )
    )


@transaction.atomic
def resolution_follow_up_add(
    *,
    resolution: Resolution,
    user,
    progress: int,
    note: str,
    reported_on=None,
) -> ResolutionFollowUp:
    """Log a dated progress report; the resolution's progress and status follow it.

    Any progress starts an open resolution; 100% completes it on the report's date.
    """
    resolution = (
        Resolution.objects.select_for_update().select_related("meeting").get(pk=resolution.pk)
    )
    partner = resolution_reporter_partner(user=user, resolution=resolution)
    if resolution.status in (TrackedStatus.DONE, TrackedStatus.CANCELLED):
        # A 400, as the API has always answered (its clients and tests rely on it).
        raise errors.Invalid(
            _("Resolution %(code)s is %(status)s; it takes no more reports.")
            % {"code": resolution.code, "status": resolution.get_status_display()},
            code="resolution_closed",
        )
    reported_on = _gregorian(reported_on) or local_today()
    if reported_on > local_today():
        raise errors.Invalid(_("A report cannot be dated in the future."), field="reported_on")
    meeting_date = _gregorian(resolution.meeting.date)
    if reported_on < meeting_date:
        raise errors.Invalid(
            _("A report cannot be dated before the meeting that decided it."), field="reported_on"
        )
    follow_up = ResolutionFollowUp(
        resolution=resolution,
        reported_on=reported_on,
        progress=progress,
        note=note,
        reported_by=user,
        partner=partner,
    )
    follow_up.full_clean()
    follow_up.save()
    resolution.progress = progress
    if progress >= 100:
        resolution.status = TrackedStatus.DONE
        resolution.completed_on = reported_on
    elif progress > 0:
        resolution.status = TrackedStatus.IN_PROGRESS
    resolution.save(update_fields=["progress", "status", "completed_on", "updated_at"])
    return follow_up


@transaction.atomic
def resolution_publish(*, resolution: Resolution, user, publish: bool = True) -> Resolution:
    """Publish a resolution on the public accountability pages of its centre and
    neighbourhoods, or withdraw it: the body's secretary (or manager) only, in their scope.
    What is published: its text, responsible organisation, deadline, status and progress;
    never its follow-up notes."""
    visible = Resolution.objects.visible_to(user)
    resolution = (
        Resolution.objects.select_for_update()
        .select_related("meeting")
        .filter(pk=resolution.pk, pk__in=visible.values("pk"))
        .first()
    )
    if resolution is None:
        raise errors.OutOfScope()
    if not user.has_perm("centres.change_resolution") or (
        resolution_reporter_partner(user=user, resolution=resolution) is not None
    ):
        raise errors.NotAllowed(_("Only the body's secretary may publish a resolution."))
    if publish and resolution.status == TrackedStatus.CANCELLED:
        raise errors.Conflict(
            _("A cancelled resolution is not published."), code="resolution_cancelled"
        )
    if publish == (resolution.published_at is not None):
        return resolution  # already as asked: a second click changes nothing
    resolution.published_at = timezone.now() if publish else None
    resolution.published_by = user if publish else None
    resolution.save(update_fields=["published_at", "published_by", "updated_at"])
    return resolution


@transaction.atomic
def resolution_cancel(*, resolution: Resolution, user, reason: str) -> Resolution:
    """Cancel a resolution (the body's secretary or manager only), logging the reason."""
    resolution = (
        Resolution.objects.select_for_update().select_related("meeting").get(pk=resolution.pk)
    )
    if resolution_reporter_partner(user=user, resolution=resolution) is not None:
        raise errors.NotAllowed(_("Only the body's secretary may cancel a resolution."))
    if not reason.strip():
        raise errors.Invalid(_("Give the reason for cancelling."), field="note")
    if resolution.status == TrackedStatus.DONE:
        raise errors.Conflict(
            _("A resolution that is done cannot be cancelled."), code="resolution_closed"
        )
    ResolutionFollowUp.objects.create(
        resolution=resolution,
        reported_on=local_today(),
        progress=resolution.progress,
        note=reason,
        reported_by=user,
    )
    resolution.status = TrackedStatus.CANCELLED
    resolution.save(update_fields=["status", "updated_at"])
    return resolution


@transaction.atomic
def commitment_create(
    *,
    title: str,
    promised_by: str,
    neighbourhood: Neighbourhood,
    due_date,
    description: str = "",
    promiser_partner: Partner | None = None,
    location: str = "",
    headquarters: Headquarters | None = None,
    promised_on=None,
    milestones: Iterable[tuple[str, object]] = (),
) -> Commitment:
    """Record a public promise to a neighbourhood, with its milestones (title, due date)."""
    commitment = Commitment(
        title=title,
        promised_by=promised_by,
        neighbourhood=neighbourhood,
        due_date=due_date,
        description=description,
        promiser_partner=promiser_partner,
        location=location,
        headquarters=headquarters,
        promised_on=promised_on,
    )
    commitment.full_clean()  # the model's clean(): a due date not before the promise
    commitment.save()
    for title_, due in milestones:
        milestone = CommitmentMilestone(commitment=commitment, title=title_, due_date=due)
        milestone.full_clean()
        milestone.save()
    return commitment


def _commitment_follow_milestones(commitment: Commitment, on) -> None:
    """The progress of a commitment with milestones is the share of them done."""
    milestones = list(commitment.milestones.values_list("completed_on", flat=True))
    if not milestones:
        return
    done = sum(1 for value in milestones if value is not None)
    _commitment_set_progress(commitment, round(100 * done / len(milestones)), on)


def _evidence_photo(upload):
    """An evidence photo checked by its content (type, size, pixels: a Persian
    ValidationError otherwise) and re-encoded as JPEG without its metadata."""
    return cover_image_prepare(upload)


@transaction.atomic
def commitment_milestone_evidence_add(
    *, milestone: CommitmentMilestone, evidence: str = "", photo=None, user=None
) -> CommitmentMilestone:
    """Add evidence (text, a photo, or both) to a milestone, done or not; its progress
    does not change. `user`, when a person reports, must be one who may record the
    commitment's progress."""
    commitment = Commitment.objects.select_for_update().get(pk=milestone.commitment_id)
    if user is not None:
        commitment_reporter_check(user=user, commitment=commitment)
    _commitment_refuse_if_cancelled(commitment)
    if not evidence and photo is None:
        raise errors.Invalid(_("Write the evidence or choose a photo."), field="evidence")
    milestone = CommitmentMilestone.objects.get(pk=milestone.pk)
    if evidence:
        milestone.evidence = evidence
    if photo is not None:
        milestone.photo = _evidence_photo(photo)
    milestone.full_clean()
    milestone.save()
    return milestone


def _commitment_refuse_if_cancelled(commitment: Commitment) -> None:
    if commitment.status == TrackedStatus.CANCELLED:
        raise errors.Conflict(_("This commitment was cancelled."), code="commitment_cancelled")


@transaction.atomic
def commitment_milestone_add(
    *,
    commitment: Commitment,
    title: str,
    due_date,
    completed_on=None,
    evidence: str = "",
    photo=None,
    user=None,
) -> CommitmentMilestone:
    """Add a milestone to a commitment (done already, when `completed_on` is given); the
    commitment's progress follows its milestones from then on. `user`, when a person
    reports (the API), must be one who may record the commitment's progress. `photo`, an
    uploaded image of evidence, is checked and re-encoded (`cover_image_prepare`)."""
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if user is not None:
        commitment_reporter_check(user=user, commitment=commitment)
    _commitment_refuse_if_cancelled(commitment)
    milestone = CommitmentMilestone(
        commitment=commitment, title=title, due_date=due_date, evidence=evidence
    )
    if photo is not None:
        milestone.photo = _evidence_photo(photo)
    milestone.full_clean()
    milestone.save()
    if completed_on:
        return commitment_milestone_complete(
            milestone=milestone, completed_on=completed_on, evidence=evidence
        )
    _commitment_follow_milestones(commitment, local_today())
    return milestone


@transaction.atomic
def commitment_milestone_remove(*, milestone: CommitmentMilestone) -> None:
    """Remove a milestone; the commitment's progress is counted again without it."""
    commitment = Commitment.objects.select_for_update().get(pk=milestone.commitment_id)
    _commitment_refuse_if_cancelled(commitment)
    CommitmentMilestone.objects.filter(pk=milestone.pk).delete()
    _commitment_follow_milestones(commitment, local_today())


def _commitment_set_progress(commitment: Commitment, progress: int, on) -> None:
    before = (commitment.progress, commitment.status)
    commitment.progress = progress
    if progress >= 100:
        commitment.status = TrackedStatus.DONE
        commitment.completed_on = on
    elif progress > 0:
        commitment.status = TrackedStatus.IN_PROGRESS
        commitment.completed_on = None
    commitment.save(update_fields=["progress", "status", "completed_on", "updated_at"])
    if (commitment.progress, commitment.status) != before:
        _commitment_followers_notify(commitment)


@transaction.atomic
def commitment_milestone_complete(
    *,
    milestone: CommitmentMilestone,
    completed_on=None,
    evidence: str = "",
    photo=None,
    user=None,
    correct: bool = False,
) -> CommitmentMilestone:
    """Mark a milestone done; the commitment's progress is the share of milestones done.

    A milestone already done is refused (`milestone_done`, a replay from a phone must not
    move its date) unless `correct` (the admin's form corrects the date). `user`, when a
    person reports (the API), must be one who may record the commitment's progress."""
    commitment = Commitment.objects.select_for_update().get(pk=milestone.commitment_id)
    if user is not None:
        commitment_reporter_check(user=user, commitment=commitment)
    _commitment_refuse_if_cancelled(commitment)
    # Read under the commitment's lock: two reports of the same milestone are serialised.
    done_on = (
        CommitmentMilestone.objects.filter(pk=milestone.pk)
        .values_list("completed_on", flat=True)
        .first()
    )
    if done_on is not None and not correct:
        raise errors.Conflict(
            _("This milestone is already done (on %(date)s).") % {"date": format_jalali(done_on)},
            code="milestone_done",
        )
    completed_on = _gregorian(completed_on) or local_today()
    if completed_on > local_today():
        raise errors.Invalid(_("A milestone cannot be done in the future."), field="completed_on")
    milestone.completed_on = completed_on
    if evidence:
        milestone.evidence = evidence
    if photo is not None:
        milestone.photo = _evidence_photo(photo)
    milestone.full_clean()
    milestone.save()
    _commitment_follow_milestones(commitment, completed_on)
    return milestone


@transaction.atomic
def commitment_progress_record(
    *, commitment: Commitment, user, progress: int, evidence: str = "", on=None
) -> Commitment:
    """Record progress (and evidence) on a commitment tracked without milestones: its
    headquarters' secretary, or an officer of the organisation that promised."""
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    commitment_reporter_check(user=user, commitment=commitment)
    _commitment_refuse_if_cancelled(commitment)
    if commitment.milestones.exists():
        raise errors.Conflict(
            _("This commitment's progress follows its milestones: complete them instead."),
            code="has_milestones",
        )
    if not 0 <= progress <= 100:
        raise errors.Invalid(_("Progress is a percentage from 0 to 100."), field="progress")
    on = _gregorian(on) or local_today()
    if on > local_today():
        raise errors.Invalid(_("Progress cannot be recorded in the future."), field="on")
    if evidence:
        commitment.evidence = evidence
        commitment.save(update_fields=["evidence", "updated_at"])
    _commitment_set_progress(commitment, progress, on)
    return commitment


def commitment_reporter_check(*, user, commitment: Commitment) -> None:
    """Who may record progress on a commitment: an administrator, the secretary of the
    headquarters that follows it, or an officer of the organisation that promised it;
    raises NotAllowed otherwise."""
    scope = scope_for(user)
    if user.is_superuser or R.ADMINISTRATOR in scope.roles:
        return
    if commitment.headquarters_id and commitment.headquarters_id in scope.role_ids(
        "headquarters", roles={R.HQ_SECRETARY}
    ):
        return
    if commitment.promiser_partner_id and commitment.promiser_partner_id in scope.role_ids(
        "partner", roles={R.PARTNER_OFFICER}
    ):
        return
    raise errors.NotAllowed(
        _(
            "Only the secretary of the headquarters that follows this commitment or an "
            "officer of the organisation that promised it may record its progress."
        )
    )


# --- Residents who follow a commitment ----------------------------------------------------

UNFOLLOW_SALT = "centres.commitment-unfollow"


class UnfollowLinkInvalid(errors.Invalid):
    """An unsubscribe link that was forged, altered, or used already (its secret rotated)."""

    code = "unfollow_link_invalid"
    default_message = gettext_lazy(
        "This link is not valid or was used already. You no longer receive messages if you "
        "stopped following."
    )


def _follower_secret() -> str:
    return secrets.token_urlsafe(9)


@transaction.atomic
def commitment_follow(*, commitment: Commitment, mobile: str) -> tuple[CommitmentFollower, bool]:
    """A resident (whose mobile was proved by an SMS code) follows a commitment; returns the
    row and whether it is new. Following twice keeps one row (no second SMS per change);
    following after stopping revives it. A cancelled or finished commitment is refused."""
    mobile = normalize_mobile(mobile)
    validate_mobile(mobile)
    commitment = Commitment.objects.select_for_update().get(pk=commitment.pk)
    commitment_follow_check(commitment=commitment)
    # Under the commitment's lock: two confirmations of the same mobile are serialised,
    # and the unique constraint holds whatever gets past.
    follower = CommitmentFollower.objects.filter(commitment=commitment, mobile=mobile).first()
    if follower is None:
        follower = CommitmentFollower.objects.create(
            commitment=commitment, mobile=mobile, secret=_follower_secret()
        )
        return follower, True
    if follower.unsubscribed_at is None:
        return follower, False
    follower.unsubscribed_at = None
    follower.secret = _follower_secret()
    follower.save(update_fields=["unsubscribed_at", "secret"])
    return follower, True


def commitment_follow_check(*, commitment: Commitment) -> None:
    """Whether a commitment takes followers: not once it is done or cancelled."""
    if commitment.status in (TrackedStatus.DONE, TrackedStatus.CANCELLED):
        raise errors.Conflict(
            _("This commitment is closed: there will be no news of it to follow."),
            code="commitment_closed",
        )


def commitment_unfollow_token(*, follower: CommitmentFollower) -> str:
    """The signed token of the follower's unsubscribe link (valid until it is used)."""
    return signing.Signer(salt=UNFOLLOW_SALT).sign(f"{follower.pk}.{follower.secret}")


def commitment_unfollow_find(*, token: str) -> CommitmentFollower:
    """The active follower a token names; UnfollowLinkInvalid when the signature is wrong,
    the row unknown, or the secret rotated (stopped already: a replayed link)."""
    try:
        value = signing.Signer(salt=UNFOLLOW_SALT).unsign(token)
        pk, secret = value.split(".", 1)
        follower = CommitmentFollower.objects.active().select_related("commitment").get(pk=int(pk))
    except (signing.BadSignature, ValueError, CommitmentFollower.DoesNotExist):
        raise UnfollowLinkInvalid() from None
    if not secrets.compare_digest(follower.secret, secret):
        raise UnfollowLinkInvalid()
    return follower


@transaction.atomic
def commitment_unfollow(*, token: str) -> CommitmentFollower:
    """Stop following, by the link of an SMS. The secret is rotated: the link works once."""
    follower = commitment_unfollow_find(token=token)
    # Conditional on the secret the link named: two taps at once stop it once.
    stopped = CommitmentFollower.objects.filter(
        pk=follower.pk, secret=follower.secret, unsubscribed_at=None
    ).update(unsubscribed_at=timezone.now(), secret=_follower_secret())
    if not stopped:
        raise UnfollowLinkInvalid()
    follower.refresh_from_db()
    return follower


def _commitment_followers_notify(commitment: Commitment) -> None:
    """One SMS per active follower for this change of progress or status, through the
    outbox. The key names the change (the commitment's new state and time), so a service
    retried in the same change sends nothing twice."""
    base = settings.PUBLIC_SITE_URL.rstrip("/")
    stamp = int(commitment.updated_at.timestamp() * 1000)
    text = _("News of the promise “%(title)s”: %(progress)s%% done, %(status)s.") % {
        "title": commitment.title[:60],
        "progress": to_persian_digits(str(commitment.progress)),
        "status": commitment.get_status_display(),
    }
    for follower in CommitmentFollower.objects.active().filter(commitment=commitment):
        link = base + reverse(
            "public_commitment_unfollow",
            args=[commitment_unfollow_token(follower=follower)],
        )
        message_queue(
            key=f"commitment-news:{follower.pk}:{commitment.progress}:{commitment.status}:{stamp}",
            recipient=follower.mobile,
            channel=OutboxMessage.Channel.SMS,
            text=text + " " + _("To stop: %(link)s") % {"link": link},
        )


# --- Residents' comments on a commitment ---------------------------------------------------


def commitment_comment_submit(
    *, commitment: Commitment, name: str, text: str, ip_address: str | None
) -> CommitmentComment:
    """A resident's comment on a public commitment, stored awaiting moderation (the news
    comments' rules and their rate limit, counted together per address). Raises
    CommentRateLimited or ValidationError (Persian messages); nothing is stored then."""
    comment = CommitmentComment(commitment=commitment, name=name, text=text, ip_address=ip_address)
    comment.full_clean()
    if not comment_rate_take(ip_address=ip_address):
        raise CommentRateLimited
    comment.save()
    return comment
