"""The public pages where residents take part: an idea for an open call, a request to join
a cohort, and the SMS code that confirms either. The decisions are the services'
(`empowerment/public/services.py`); these views parse the input, call them and render.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from centres import meetings as commitments
from centres.models import Centre
from centres.news import CommentRateLimited
from empowerment.kernel import errors
from empowerment.kernel.errors import add_refusal_to_form
from empowerment.kernel.masking import own_mobile_hint
from empowerment.kernel.ratelimit import client_address
from empowerment.public import selectors
from empowerment.public import services as participation
from empowerment.public.forms import (
    CodeForm,
    CohortInterestForm,
    CommentForm,
    CounsellingBookingForm,
    FollowForm,
    IdeaForm,
    TrackForm,
)
from empowerment.public.services import BOOKING, FOLLOW, IDEA, INTEREST, TRACK
from programs.services.ideas import idea_call_require_open
from trainees import services as registry


def _refused(form, error: ValidationError, *, mobile_field: str = "mobile") -> None:
    """A service's refusal on the form; too many codes also makes the answer a 429."""
    if isinstance(error, participation.TooManyCodes):
        form.rate_limited = True
    if hasattr(error, "error_dict") and "mobile" in error.error_dict:
        # The SMS code's own refusal names "mobile"; the idea's field is another.
        error = ValidationError({mobile_field: error.error_dict["mobile"]})
    add_refusal_to_form(form, error)


def _request_code(request, form, *, kind: str, target):
    """Step 1's end: the service checks, sends a code and keeps the request; a redirect to
    step 2, or None with the refusal on the form."""
    try:
        entry = participation.participation_request_code(
            session=request.session,
            ip_address=client_address(request),
            kind=kind,
            target=target,
            data=form.pending_data(),
        )
    except ValidationError as error:
        _refused(form, error, mobile_field=form.mobile_field)
        return None
    return redirect("public_confirm", token=entry.token)


def _prefill(request, kind: str, target: int) -> dict | None:
    """The values of a request waiting for its code, to correct them ("change details")."""
    return participation.participation_waiting_data(
        session=request.session, token=request.GET.get("edit", ""), kind=kind, target=target
    )


# --- Calls for ideas ---------------------------------------------------------------------


@require_safe
def call_list(request):
    return render(request, "public/call_list.html", {"calls": selectors.open_calls()})


@require_http_methods(["GET", "HEAD", "POST"])
def call_detail(request, pk: int):
    call = selectors.public_call(pk=pk)
    if call is None:
        raise Http404
    form = None
    closed_message = closed_code = ""
    try:
        idea_call_require_open(call=call)
    except ValidationError as error:
        # Not open (yet or any more): the page says so and offers no form; a form sent
        # anyway gets the same answer and nothing is kept.
        closed_message, closed_code = error.messages[0], errors.refusal_code(error)
    else:
        if request.method == "POST":
            form = IdeaForm(request.POST, call=call)
            if form.is_valid():
                answer = _request_code(request, form, kind=IDEA, target=call)
                if answer is not None:
                    return answer
        else:
            form = IdeaForm(call=call, initial=_prefill(request, IDEA, call.pk))
    context = {
        "call": call,
        "criteria": call.criteria.all(),
        "closed_message": closed_message,
        "closed_code": closed_code,
        "form": form,
        "accepted_ideas": selectors.call_accepted_ideas(call=call),
    }
    return render(request, "public/call_detail.html", context, status=_status(form))


def _status(form) -> int:
    return 429 if getattr(form, "rate_limited", False) else 200


# --- Cohorts -----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def cohort_interest(request, pk: int):
    cohort = selectors.public_cohort(pk=pk)
    if cohort is None:
        # A cohort that no longer takes requests says so; an unknown one is not found.
        closed = participation.KINDS[INTEREST].target(pk)
        if closed is None:
            raise Http404
        context = {"cohort": closed, "form": None}
        return render(request, "public/cohort_interest.html", context)
    if request.method == "POST":
        form = CohortInterestForm(request.POST, cohort=cohort)
        if form.is_valid():
            answer = _request_code(request, form, kind=INTEREST, target=cohort)
            if answer is not None:
                return answer
    else:
        form = CohortInterestForm(cohort=cohort, initial=_prefill(request, INTEREST, cohort.pk))
    return render(
        request,
        "public/cohort_interest.html",
        {"cohort": cohort, "form": form},
        status=_status(form),
    )


# --- Following a commitment ----------------------------------------------------------------


def _public_commitment(pk: int):
    commitment = selectors.public_commitment(pk=pk)
    if commitment is None:
        raise Http404
    return commitment


def _commitment_page(request, commitment, *, follow_form=None, comment_form=None, status=200):
    """The commitment's own page: what was promised, its published comments, the form to
    follow it (while it is open) and the form to comment."""
    closed_message = closed_code = ""
    try:
        commitments.commitment_follow_check(commitment=commitment)
    except ValidationError as error:
        closed_message, closed_code = error.messages[0], errors.refusal_code(error)
        follow_form = None
    else:
        follow_form = follow_form or FollowForm(initial=_prefill(request, FOLLOW, commitment.pk))
    context = {
        "commitment": commitment,
        "form": follow_form,
        "comment_form": comment_form or CommentForm(),
        "comments": selectors.commitment_comments_published(commitment=commitment),
        "closed_message": closed_message,
        "closed_code": closed_code,
    }
    return render(request, "public/commitment_detail.html", context, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def commitment_follow(request, pk: int):
    """A resident's mobile to follow a commitment (the form is on the promises pages too);
    an SMS code confirms it, as for ideas."""
    commitment = _public_commitment(pk)
    form = None
    if request.method == "POST":
        try:
            commitments.commitment_follow_check(commitment=commitment)
        except ValidationError:
            pass  # the page says why; nothing is sent
        else:
            form = FollowForm(request.POST)
            if form.is_valid():
                answer = _request_code(request, form, kind=FOLLOW, target=commitment)
                if answer is not None:
                    return answer
    return _commitment_page(request, commitment, follow_form=form, status=_status(form))


@require_http_methods(["POST"])
def commitment_comment(request, pk: int):
    """A resident's comment on a commitment, kept for moderation like a news comment."""
    commitment = _public_commitment(pk)
    form = CommentForm(request.POST)
    status = 200
    accepted = _("Thank you. Your comment will be shown after review.")
    landing = reverse("public_commitment_follow", args=[commitment.pk]) + "#comments"
    if form.is_valid():
        if form.is_spam():
            # Answer a robot exactly as a person, so it learns nothing; store nothing.
            messages.success(request, accepted, extra_tags="comment_received")
            return redirect(landing)
        try:
            commitments.commitment_comment_submit(
                commitment=commitment,
                name=form.cleaned_data["name"],
                text=form.cleaned_data["text"],
                ip_address=client_address(request),
            )
        except CommentRateLimited:
            text = _("You have sent several comments in a short time. Please try again later.")
            form.add_error(None, ValidationError(text, code="rate_limited"))
            status = 429
        except ValidationError as error:
            add_refusal_to_form(form, error)
        else:
            messages.success(request, accepted, extra_tags="comment_received")
            return redirect(landing)
    return _commitment_page(request, commitment, comment_form=form, status=status)


@require_http_methods(["GET", "HEAD", "POST"])
def commitment_unfollow(request, token: str):
    """The link in each SMS. Opening it changes nothing (a phone's link preview fetches it
    too); the one button on the page stops the messages."""
    status, stopped, invalid = 200, None, None
    try:
        follower = commitments.commitment_unfollow_find(token=token)
    except ValidationError as error:
        follower, invalid, status = None, error, 404
    if follower is not None and request.method == "POST":
        try:
            stopped = commitments.commitment_unfollow(token=token)
        except ValidationError as error:
            invalid, status = error, 404
    context = {
        "follower": follower,
        "commitment": follower.commitment if follower else None,
        "stopped": stopped,
        "invalid_code": errors.refusal_code(invalid) if invalid else "",
        "invalid_message": invalid.messages[0] if invalid else "",
    }
    return render(request, "public/commitment_unfollow.html", context, status=status)


# --- Step 2: the code --------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    try:
        waiting = participation.participation_waiting(session=request.session, token=token)
    except errors.OutOfScope as gone:
        raise Http404 from gone
    if waiting is None:
        done = participation.participation_finished(session=request.session, token=token)
        if done:
            # The same code sent again (double click, back button): it was written once.
            messages.info(
                request,
                _("This request was already confirmed and received."),
                extra_tags="already_confirmed",
            )
            return redirect(done)
        unknown = participation.RequestUnknown()
        messages.error(request, unknown.text, extra_tags=unknown.code)
        return redirect("public_call_list")
    form = CodeForm()
    ip_address = client_address(request)
    if request.method == "POST" and "resend" in request.POST:
        try:
            participation.participation_resend_code(ip_address=ip_address, request=waiting)
        except ValidationError as error:
            _refused(form, error)
        else:
            messages.success(request, _("A new code was sent."), extra_tags="code_sent")
            return redirect("public_confirm", token=token)
    elif request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            try:
                where, message, notice = participation.participation_confirm(
                    session=request.session,
                    ip_address=ip_address,
                    request=waiting,
                    code=form.cleaned_data["code"],
                )
            except participation.RequestNoLongerTaken as error:
                # The request was dropped with the reason; the resident starts again.
                for text in error.messages:
                    messages.error(request, text, extra_tags=error.code)
                return redirect(waiting.form_url)
            except ValidationError as error:
                _refused(form, error)
            else:
                if message:
                    messages.success(request, message, extra_tags=notice)
                return redirect(where)
    entry = waiting.entry
    context = {
        "entry": entry,
        "request_title": waiting.title,
        "form_url": waiting.form_url,
        "form": form,
        "mobile": own_mobile_hint(entry.mobile),
        "minutes": max(settings.OTP_TTL_SECONDS // 60, 1),
        "kind": entry.kind,
    }
    return render(request, "public/confirm.html", context, status=_status(form))


# --- Following what one sent ---------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def track(request):
    """The tracking number and the mobile it was sent with; an SMS code proves the mobile."""
    if request.method == "POST":
        form = TrackForm(request.POST)
        if form.is_valid():
            try:
                entry = participation.participation_track_request(
                    session=request.session,
                    ip_address=client_address(request),
                    number=form.cleaned_data["number"],
                    mobile=form.cleaned_data["mobile"],
                )
            except ValidationError as error:
                _refused(form, error)
            else:
                return redirect("public_confirm", token=entry.token)
    else:
        initial = participation.participation_waiting_data(
            session=request.session, token=request.GET.get("edit", ""), kind=TRACK, target=None
        ) or {"number": request.GET.get("number", "")}
        form = TrackForm(initial=initial)
    return render(request, "public/track.html", {"form": form}, status=_status(form))


@require_safe
def tracked(request, number: str):
    """What one sent and what became of it, to the browser that sent it or proved its
    mobile with a code; anyone else is asked for the mobile first."""
    found = participation.participation_tracked(session=request.session, number=number)
    if found is None:
        return redirect(reverse("public_track") + f"?number={number}")
    return render(request, "public/tracked.html", {"tracked": found})


# --- Counselling -----------------------------------------------------------------------------


@require_http_methods(["GET", "HEAD", "POST"])
def counselling_book(request, pk: int):
    """A centre's free counselling times; the resident picks one, a topic, their name and
    mobile, then confirms with the SMS code (the same step 2 as ideas)."""
    centre = get_object_or_404(Centre.objects.active(), pk=pk)
    slots = registry.counselling_slots(centre=centre)
    if request.method == "POST":
        form = CounsellingBookingForm(request.POST, slots=slots)
        if form.is_valid():
            answer = _request_code(request, form, kind=BOOKING, target=centre)
            if answer is not None:
                return answer
    else:
        form = CounsellingBookingForm(slots=slots, initial=_prefill(request, BOOKING, centre.pk))
    context = {"centre": centre, "form": form, "has_slots": bool(slots)}
    return render(request, "public/counselling_book.html", context, status=_status(form))


@require_http_methods(["GET", "HEAD", "POST"])
def counselling_cancel(request, token: str):
    """The link sent by SMS: the booking it names, and a button to cancel it (a GET never
    cancels: link previewers and SMS apps open links)."""
    booking = registry.booking_from_cancel_token(token)
    if booking is None:
        raise Http404
    if request.method == "POST":
        try:
            registry.counselling_cancel(booking=booking)
        except ValidationError as error:
            messages.error(request, error.messages[0], extra_tags=errors.refusal_code(error))
        else:
            messages.success(request, _("Your booking was cancelled."), extra_tags="cancelled")
        return redirect("public_counselling_cancel", token=token)
    context = {
        "booking": booking,
        "when": registry.when_label(booking.starts_at),
        "can_cancel": booking.status == booking.Status.BOOKED,
    }
    return render(request, "public/counselling_cancel.html", context)


@require_http_methods(["POST"])
def counselling_cancel_tracked(request, number: str):
    """Cancel from the tracking page, where the browser proved the mobile by SMS code."""
    try:
        booking = participation.booking_cancel_tracked(session=request.session, number=number)
    except ValidationError as error:
        messages.error(request, error.messages[0], extra_tags=errors.refusal_code(error))
        return redirect("public_tracked", number=number)
    if booking is None:
        return redirect(reverse("public_track") + f"?number={number}")
    messages.success(request, _("Your booking was cancelled."), extra_tags="cancelled")
    return redirect("public_tracked", number=number)
