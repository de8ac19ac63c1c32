"""Residents take part from the public pages: the decisions of the two-step flow.

A resident submits an idea to an open call for ideas, or asks to join a cohort open for
registration. (1) The form is checked in full (the model's rules and whether the call or
cohort still takes requests), kept in the session (`pending.py`) and a one-time code is sent
by SMS (`otp_request`). (2) The code is typed; the request is checked again, the code
confirmed (`otp_verify`, which gives the resident's account) and only then is the request
written, in one transaction, by the owning service (`idea_submit`,
`cohort_interest_register`). A code works once, so sending it twice writes once.

The kinds of request are a registry (`KINDS`), so the flow never branches on the kind.
The views (participation.py) parse the input, call these and render; every refusal is a
`DomainError` with its Persian message.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from centres.meetings import commitment_follow, commitment_follow_check
from centres.models import Centre, Neighbourhood
from empowerment.kernel import errors
from empowerment.kernel import residents as otp
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.outbox import message_queue
from empowerment.kernel.persian import to_persian_digits
from empowerment.kernel.tracking import tracking_number_read
from empowerment.kernel.validators import normalize_mobile
from empowerment.public import pending as waiting
from empowerment.public import selectors
from programs.models import Cohort
from programs.services.ideas import idea_call_require_open, idea_submit
from trainees import services as registry
from trainees.models import CounsellingBooking, CounsellingTopic

IDEA = "idea"
INTEREST = "interest"
BOOKING = "booking"
TRACK = "track"
FOLLOW = "follow"


class TooManyCodes(errors.DomainError):
    """Codes asked (or tried) too often from this address or for this mobile: a 429 page."""

    code = "rate_limited"
    default_message = gettext_lazy(
        "You have asked for several codes in a short time. Please try again in a while."
    )


class RequestNoLongerTaken(errors.Conflict):
    """The call closed or the cohort stopped taking requests while the code was on its way:
    the request was dropped (the code is not used up)."""

    code = "no_longer_open"


class RequestUnknown(errors.DomainError):
    """The token names no waiting request (expired, or from another session)."""

    code = "request_unknown"
    default_message = gettext_lazy(
        "This request has expired or was not found. Please fill in the form again."
    )


# --- The kinds of request ----------------------------------------------------------------


def _neighbourhood(data: dict):
    pk = data.get("neighbourhood")
    return Neighbourhood.objects.filter(pk=pk).first() if pk else None


class _Kind:
    def landing(self, session, target, number: str) -> str:
        """Where the confirmed request leads: the page of what was sent, with its tracking
        number, which this browser may now see."""
        waiting.tracking_grant(session, number)
        return reverse("public_tracked", args=[number])


class _Idea(_Kind):
    mobile_field = "submitter_mobile"

    def target(self, pk: int):
        return selectors.public_call(pk=pk)

    def form_url(self, pk: int) -> str:
        return reverse("public_call_detail", args=[pk])

    def title(self, target, data: dict) -> str:
        return data.get("title", "")

    def check(self, target, data: dict) -> None:
        idea_call_require_open(call=target)

    def write(self, target, data: dict, user) -> tuple[str, str, str]:
        idea = idea_submit(call=target, submitter=user, **data)
        message = _(
            "Your idea “%(title)s” was received. The centre will review it and you will be "
            "told of the decision."
        ) % {"title": idea.title}
        _receipt_sms(idea.tracking_number, idea.submitter_mobile, idea.title)
        return idea.tracking_number, message, "idea_received"


class _Interest(_Kind):
    mobile_field = "mobile"

    def target(self, pk: int):
        # A cohort that stopped taking requests is still found: the check says why.
        return (
            Cohort.objects.filter(pk=pk, centre__is_active=True)
            .select_related("centre", "programme")
            .first()
        )

    def form_url(self, pk: int) -> str:
        return reverse("public_cohort_interest", args=[pk])

    def title(self, target, data: dict) -> str:
        return target.title

    def check(self, target, data: dict) -> None:
        registry.cohort_interest_validate(
            cohort=target,
            name=data["name"],
            mobile=data["mobile"],
            neighbourhood=data["neighbourhood"],
        )

    def write(self, target, data: dict, user) -> tuple[str, str, str]:
        interest, created = registry.cohort_interest_register(cohort=target, user=user, **data)
        if created:
            message = _("Your request to join “%(cohort)s” was received. The centre will call you.")
            _receipt_sms(interest.tracking_number, interest.mobile, target.title)
        else:
            message = _("You had already asked to join “%(cohort)s”. The centre will call you.")
        return (
            interest.tracking_number,
            message % {"cohort": target.title},
            "interest_received" if created else "interest_already_received",
        )


class _Booking(_Kind):
    """A counselling slot at a centre, booked once the mobile's code is typed."""

    mobile_field = "mobile"

    def target(self, pk: int):
        return Centre.objects.active().filter(pk=pk).first()

    def form_url(self, pk: int) -> str:
        return reverse("public_counselling", args=[pk])

    def title(self, target, data: dict) -> str:
        topic = CounsellingTopic.objects.filter(pk=data.get("topic")).first()
        return _("Counselling: %(topic)s") % {"topic": topic.name if topic else ""}

    def _fields(self, target, data: dict) -> dict:
        topic = CounsellingTopic.objects.filter(pk=data.get("topic")).first()
        if topic is None:
            raise errors.Invalid(_("Choose what you want to talk about."), field="topic")
        return {
            "centre": target,
            "slot_key": data.get("slot", ""),
            "topic": topic,
            "name": data.get("name", ""),
            "mobile": data.get("mobile", ""),
        }

    def check(self, target, data: dict) -> None:
        registry.counselling_booking_validate(**self._fields(target, data))

    def write(self, target, data: dict, user) -> tuple[str, str, str]:
        booking = registry.counselling_book(**self._fields(target, data), user=user)
        registry.booking_receipt_queue(booking=booking, cancel_url=booking_cancel_url(booking))
        message = _("Your counselling time, %(when)s, is booked.") % {
            "when": registry.when_label(booking.starts_at)
        }
        return booking.tracking_number, message, "booking_received"


def booking_cancel_url(booking: CounsellingBooking) -> str:
    """The cancel link sent by SMS (signed: it names the booking and cannot be made up)."""
    path = reverse("public_counselling_cancel", args=[registry.booking_cancel_token(booking)])
    return settings.PUBLIC_SITE_URL + path


def booking_cancel_tracked(*, session, number: str) -> CounsellingBooking | None:
    """Cancel the booking `number` tracks, when this browser proved its mobile (it booked
    it, or typed the SMS code on the tracking page); None when it did not."""
    number = tracking_number_read(number)
    if number is None or not waiting.tracking_granted(session, number):
        return None
    booking = CounsellingBooking.objects.filter(tracking_number=number).first()
    if booking is None:
        return None
    return registry.counselling_cancel(booking=booking)


class _Track(_Kind):
    """Following what one sent: the tracking number and the mobile it was sent with; the
    SMS code proves the mobile. Nothing is written; the browser may then see the status."""

    mobile_field = "mobile"

    def target(self, pk: int):
        return selectors.tracked(str(pk))

    def form_url(self, pk: int) -> str:
        return reverse("public_track")

    def title(self, target, data: dict) -> str:
        return target.title

    def check(self, target, data: dict) -> None:
        if normalize_mobile(data.get("mobile", "")) != target.mobile:
            raise TrackingNotFound()

    def write(self, target, data: dict, user) -> tuple[str, str, str]:
        return target.number, "", "tracked"


class TrackingNotFound(errors.Invalid):
    """No request with this tracking number was sent from this mobile (the same answer
    whether the number exists or not: numbers cannot be tried to learn who sent what)."""

    code = "tracking_not_found"
    default_message = gettext_lazy(
        "No request with this tracking number was sent from this mobile. Check both."
    )


class _Follow(_Kind):
    """Following a commitment: the mobile, proved by its code, gets an SMS at each change of
    progress or status. Nothing is tracked: the resident lands back on the commitment."""

    mobile_field = "mobile"

    def target(self, pk: int):
        return selectors.public_commitment(pk=pk)

    def form_url(self, pk: int) -> str:
        return reverse("public_commitment_follow", args=[pk])

    def title(self, target, data: dict) -> str:
        return target.title

    def check(self, target, data: dict) -> None:
        commitment_follow_check(commitment=target)

    def write(self, target, data: dict, user) -> tuple[str, str, str]:
        _follower, created = commitment_follow(commitment=target, mobile=data["mobile"])
        if created:
            message = _("You follow “%(title)s”: an SMS will tell you of each change.")
        else:
            message = _("You already follow “%(title)s”.")
        notice = "follow_started" if created else "follow_already"
        return "", message % {"title": target.title}, notice

    def landing(self, session, target, number: str) -> str:
        return self.form_url(target.pk)


KINDS = {
    IDEA: _Idea(),
    INTEREST: _Interest(),
    BOOKING: _Booking(),
    TRACK: _Track(),
    FOLLOW: _Follow(),
}


def _receipt_sms(number: str, mobile: str, title: str) -> None:
    """The SMS that tells the tracking number of what was just received (once per number)."""
    message_queue(
        key=f"tracking-receipt:{number}",
        recipient=mobile,
        channel=OutboxMessage.Channel.SMS,
        text=_("“%(title)s” was received. Tracking number: %(number)s")
        % {"title": title[:60], "number": to_persian_digits(number)},
    )


# --- Step 1: the form, then a code -------------------------------------------------------


def participation_check(*, kind: str, target, data: dict) -> None:
    """Whether the request would be taken now; raises the refusal (ValidationError). `data`
    holds objects (the neighbourhood), as a form's cleaned data does."""
    KINDS[kind].check(target, data)


def participation_request_code(
    *, session, ip_address: str | None, kind: str, target, data: dict
) -> waiting.Pending:
    """Check the request, send a code to its mobile and keep it waiting for the code.

    `data` is the form's JSON-ready values (`pending_data()`: the neighbourhood as its id).
    Raises TooManyCodes, or a ValidationError from the checks or the SMS code (a staff
    member's number, say), with nothing kept.
    """
    participation_check(kind=kind, target=target, data=_objects(data))
    mobile = data[KINDS[kind].mobile_field]
    _send_code(ip_address=ip_address, mobile=mobile)
    return waiting.pending_put(session, kind=kind, target=target.pk, mobile=mobile, data=data)


def _objects(data: dict) -> dict:
    return {**data, "neighbourhood": _neighbourhood(data)}


def _send_code(*, ip_address: str | None, mobile: str) -> None:
    if not waiting.code_request_allowed(ip_address=ip_address, mobile=mobile):
        raise TooManyCodes()
    try:
        otp.otp_request(mobile=mobile)
    except otp.OTPRequestLimited as limited:
        raise TooManyCodes() from limited


# --- Step 2: the code --------------------------------------------------------------------


@dataclass
class Waiting:
    """A request waiting for its code, read back with its call or cohort."""

    entry: waiting.Pending
    target: object

    @property
    def form_url(self) -> str:
        return KINDS[self.entry.kind].form_url(self.entry.target)

    @property
    def title(self) -> str:
        return KINDS[self.entry.kind].title(self.target, self.entry.data)


def participation_waiting(*, session, token: str) -> Waiting | None:
    """The request waiting under `token`, or None when there is none (expired, confirmed
    already: see `participation_finished`). Raises OutOfScope when its call or cohort is
    gone (the request is dropped)."""
    entry = waiting.pending_get(session, token)
    if entry is None:
        return None
    target = KINDS[entry.kind].target(entry.target)
    if target is None:
        waiting.pending_drop(session, token)
        raise errors.OutOfScope()
    return Waiting(entry=entry, target=target)


def participation_finished(*, session, token: str) -> str | None:
    """Where a request already confirmed under `token` led (the same code sent again)."""
    return waiting.finished_redirect(session, token)


def participation_resend_code(*, ip_address: str | None, request: Waiting) -> None:
    """Send another code to the waiting request's mobile (TooManyCodes, ValidationError)."""
    _send_code(ip_address=ip_address, mobile=request.entry.mobile)


def participation_confirm(
    *, session, ip_address: str | None, request: Waiting, code: str
) -> tuple[str, str, str]:
    """Confirm the code and write the request; returns (where to go, what to say, and its
    code: "idea_received", "interest_received" or "interest_already_received").

    Raises TooManyCodes (too many tries from this address), RequestNoLongerTaken (the call
    closed or the cohort stopped taking requests meanwhile: the request is dropped and the
    code not used up), or the code's own ValidationError (wrong, expired: the request waits).
    """
    entry, kind = request.entry, KINDS[request.entry.kind]
    if not waiting.code_check_allowed(ip_address=ip_address):
        raise TooManyCodes(_("Too many tries in a short time. Please wait a minute."))
    data = _objects(entry.data)
    try:
        kind.check(request.target, data)
    except ValidationError as error:
        waiting.pending_drop(session, entry.token)
        raise RequestNoLongerTaken(" ".join(error.messages)) from error
    user = otp.otp_verify(mobile=entry.mobile, code=code)
    try:
        number, message, notice = kind.write(request.target, data, user)
    except ValidationError as error:
        # Only a change between the check above and now gets here; nothing was written.
        waiting.pending_drop(session, entry.token)
        raise RequestNoLongerTaken(" ".join(error.messages)) from error
    # The sender lands on the page of what they sent, with its tracking number: the
    # confirmation where they look, and no form left to send twice.
    where = kind.landing(session, request.target, number)
    waiting.pending_finish(session, entry.token, redirect_to=where)
    return where, message, notice


def participation_track_request(
    *, session, ip_address: str | None, number: str, mobile: str
) -> waiting.Pending:
    """Step 1 of following a request: send a code to `mobile` when it sent the request
    `number` names. Every try counts against the code limits first, so numbers and mobiles
    cannot be tried in bulk; a wrong pair is refused without saying which part is wrong."""
    if not waiting.code_request_allowed(ip_address=ip_address, mobile=mobile):
        raise TooManyCodes()
    target = selectors.tracked(number)
    if target is None:
        raise TrackingNotFound()
    data = {"mobile": normalize_mobile(mobile), "number": target.number}
    participation_check(kind=TRACK, target=target, data=data)
    try:
        otp.otp_request(mobile=target.mobile)
    except otp.OTPRequestLimited as limited:
        raise TooManyCodes() from limited
    return waiting.pending_put(
        session, kind=TRACK, target=target.pk, mobile=target.mobile, data=data
    )


def participation_tracked(*, session, number: str) -> selectors.Tracked | None:
    """What `number` tracks, when this browser proved its mobile; None otherwise."""
    number = tracking_number_read(number)
    if number is None or not waiting.tracking_granted(session, number):
        return None
    return selectors.tracked(number)


def participation_waiting_data(
    *, session, token: str, kind: str, target: int | None
) -> dict | None:
    """The values of a request waiting for its code, to correct them ("change details");
    `target` None: whatever it names (following a request, whose form names no target)."""
    entry = waiting.pending_get(session, token)
    if entry is None or entry.kind != kind or target not in (None, entry.target):
        return None
    return entry.data
