"""Residents take part from the public pages: submit an idea to an open call for ideas, or
ask to join a cohort open for registration.

Both are two steps. (1) The resident fills the form; it is checked in full (the model's
rules and whether the call or cohort still takes requests), then kept in the session
(`pending.py`) and a one-time code is sent by SMS through `otp_request`. (2) The resident
types the code; `otp_verify` confirms it (and gives the resident's account), and only then
is the request written, in one transaction, by the owning service (`idea_submit`,
`cohort_interest_register`). A code works once, so sending it twice writes once.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from centres.models import Neighbourhood
from empowerment.kernel import residents as otp
from empowerment.kernel.masking import own_mobile_hint
from empowerment.kernel.ratelimit import client_address
from empowerment.public import pending as waiting
from empowerment.public import selectors
from empowerment.public.forms import CodeForm, CohortInterestForm, IdeaForm
from programs.models import Cohort
from programs.services.ideas import idea_call_require_open, idea_submit
from trainees import services as registry

IDEA = "idea"
INTEREST = "interest"


def _errors_to_form(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


def _too_many_codes(form) -> None:
    form.rate_limited = True
    form.add_error(
        None,
        _("You have asked for several codes in a short time. Please try again in a while."),
    )


def _send_code(request, form, *, kind: str, target: int, mobile_field: str):
    """Step 1's end: keep the checked request and send a code; a redirect to step 2, or
    None with the reason on the form (too many codes, a staff number)."""
    mobile = form.cleaned_data[mobile_field]
    if not waiting.code_request_allowed(ip_address=client_address(request), mobile=mobile):
        _too_many_codes(form)
        return None
    try:
        otp.otp_request(mobile=mobile)
    except otp.OTPRequestLimited:
        _too_many_codes(form)
        return None
    except ValidationError as error:
        if hasattr(error, "error_dict") and "mobile" in error.message_dict:
            form.add_error(mobile_field, error.message_dict["mobile"])
        else:
            _errors_to_form(form, error)
        return None
    entry = waiting.pending_put(
        request, kind=kind, target=target, mobile=mobile, data=form.pending_data()
    )
    return redirect("public_confirm", token=entry.token)


def _prefill(request, kind: str, target: int) -> dict | None:
    """The values of a request waiting for its code, to correct them ("change details")."""
    entry = waiting.pending_get(request, request.GET.get("edit", ""))
    if entry is None or entry.kind != kind or entry.target != target:
        return None
    return entry.data


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
    closed_message = ""
    try:
        idea_call_require_open(call=call)
    except ValidationError as error:
        # Not open (yet or any more): the page says so and offers no form; a form sent
        # anyway gets the same answer and nothing is kept.
        closed_message = error.messages[0]
    else:
        if request.method == "POST":
            form = IdeaForm(request.POST, call=call)
            if form.is_valid():
                answer = _send_code(
                    request, form, kind=IDEA, target=call.pk, mobile_field="submitter_mobile"
                )
                if answer is not None:
                    return answer
        else:
            form = IdeaForm(call=call, initial=_prefill(request, IDEA, call.pk))
    context = {
        "call": call,
        "criteria": call.criteria.all(),
        "closed_message": closed_message,
        "form": form,
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
        closed = (
            Cohort.objects.filter(pk=pk, centre__is_active=True)
            .select_related("programme", "centre")
            .first()
        )
        if closed is None:
            raise Http404
        context = {"cohort": closed, "form": None}
        return render(request, "public/cohort_interest.html", context)
    if request.method == "POST":
        form = CohortInterestForm(request.POST, cohort=cohort)
        if form.is_valid():
            try:
                registry.cohort_interest_validate(
                    cohort=cohort,
                    name=form.cleaned_data["name"],
                    mobile=form.cleaned_data["mobile"],
                    neighbourhood=form.cleaned_data["neighbourhood"],
                )
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                answer = _send_code(
                    request, form, kind=INTEREST, target=cohort.pk, mobile_field="mobile"
                )
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


# --- Step 2: the code --------------------------------------------------------------------


def _neighbourhood(data: dict):
    pk = data.get("neighbourhood")
    return Neighbourhood.objects.filter(pk=pk).first() if pk else None


class _Request:
    """What waits for the code, read back: its call or cohort, how to check it still
    stands, how to write it, and where the resident goes back to."""

    def __init__(self, entry: waiting.Pending):
        self.entry = entry
        if entry.kind == IDEA:
            self.call = selectors.public_call(pk=entry.target)
            self.target = self.call
        else:
            self.cohort = (
                Cohort.objects.filter(pk=entry.target, centre__is_active=True)
                .select_related("centre", "programme")
                .first()
            )
            self.target = self.cohort

    @property
    def form_url(self) -> str:
        if self.entry.kind == IDEA:
            return reverse("public_call_detail", args=[self.entry.target])
        return reverse("public_cohort_interest", args=[self.entry.target])

    @property
    def title(self) -> str:
        return self.entry.data.get("title", "") if self.entry.kind == IDEA else self.target.title

    def check(self) -> None:
        """Raise ValidationError if the request would be refused now (before the code is
        used up on it)."""
        data = self.entry.data
        if self.entry.kind == IDEA:
            idea_call_require_open(call=self.call)
        else:
            registry.cohort_interest_validate(
                cohort=self.cohort,
                name=data["name"],
                mobile=data["mobile"],
                neighbourhood=_neighbourhood(data),
            )

    def write(self, user) -> tuple[str, str]:
        """Write the request (one transaction, in the service); (where to go, what to say)."""
        data = dict(self.entry.data)
        data["neighbourhood"] = _neighbourhood(data)
        if self.entry.kind == IDEA:
            idea = idea_submit(call=self.call, submitter=user, **data)
            message = _(
                "Your idea “%(title)s” was received (number %(number)s). The centre will "
                "review it and you will be told of the decision."
            ) % {"title": idea.title, "number": idea.pk}
            return reverse("public_call_detail", args=[self.call.pk]), message
        interest, created = registry.cohort_interest_register(cohort=self.cohort, user=user, **data)
        if created:
            message = _("Your request to join “%(cohort)s” was received. The centre will call you.")
        else:
            message = _("You had already asked to join “%(cohort)s”. The centre will call you.")
        return (
            reverse("centre_detail", args=[self.cohort.centre_id]),
            message % {"cohort": self.cohort.title},
        )


@require_http_methods(["GET", "HEAD", "POST"])
def confirm(request, token: str):
    entry = waiting.pending_get(request, token)
    if entry is None:
        done = waiting.finished_redirect(request, token)
        if done:
            # The same code sent again (double click, back button): it was written once.
            messages.info(request, _("This request was already confirmed and received."))
            return redirect(done)
        messages.error(
            request,
            _("This request has expired or was not found. Please fill in the form again."),
        )
        return redirect("public_call_list")
    pending_request = _Request(entry)
    if pending_request.target is None:
        waiting.pending_drop(request, token)
        raise Http404
    form = CodeForm()
    if request.method == "POST" and "resend" in request.POST:
        if not waiting.code_request_allowed(
            ip_address=client_address(request), mobile=entry.mobile
        ):
            _too_many_codes(form)
        else:
            try:
                otp.otp_request(mobile=entry.mobile)
            except otp.OTPRequestLimited:
                _too_many_codes(form)
            except ValidationError as error:
                _errors_to_form(form, error)
            else:
                messages.success(request, _("A new code was sent."))
                return redirect("public_confirm", token=token)
    elif request.method == "POST":
        form = CodeForm(request.POST)
        if form.is_valid():
            if not waiting.code_check_allowed(ip_address=client_address(request)):
                form.add_error(None, _("Too many tries in a short time. Please wait a minute."))
                form.rate_limited = True
            else:
                answer = _confirm_code(request, entry, pending_request, form)
                if answer is not None:
                    return answer
    context = {
        "entry": entry,
        "request_title": pending_request.title,
        "form_url": pending_request.form_url,
        "form": form,
        "mobile": own_mobile_hint(entry.mobile),
        "minutes": max(settings.OTP_TTL_SECONDS // 60, 1),
        "kind": entry.kind,
    }
    return render(request, "public/confirm.html", context, status=_status(form))


def _confirm_code(request, entry, pending_request: _Request, form):
    try:
        pending_request.check()
    except ValidationError as error:
        # The call closed or the cohort stopped taking requests meanwhile: the code is not
        # used up, and the request is dropped with the reason.
        waiting.pending_drop(request, entry.token)
        for message in error.messages:
            messages.error(request, message)
        return redirect(pending_request.form_url)
    try:
        user = otp.otp_verify(mobile=entry.mobile, code=form.cleaned_data["code"])
    except ValidationError as error:
        _errors_to_form(form, error)
        return None
    try:
        where, message = pending_request.write(user)
    except ValidationError as error:
        # Only a change between the check above and now gets here; nothing was written.
        waiting.pending_drop(request, entry.token)
        for text in error.messages:
            messages.error(request, text)
        return redirect(pending_request.form_url)
    waiting.pending_finish(request, entry.token, redirect_to=where)
    messages.success(request, message)
    return redirect(where)
