"""The portal's admin site: Django's, with a second factor after the password (issue 12).

The login form asks for the authenticator's code after the password of whoever must give
one (empowerment/kernel/second_factor.py). A person whose role requires it but who has no device
yet is not signed in after the password: they are sent to enrol one (a QR code and the
secret), and signed in when they type its first code. The site refuses a session that was
not verified by a code (signed in at the dashboards, say) to those who must give one.
"""

from __future__ import annotations

import time

import django_otp
from django import forms
from django.conf import settings
from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.views.autocomplete import AutocompleteJsonView
from django.contrib.auth import REDIRECT_FIELD_NAME, get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.shortcuts import render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from empowerment.kernel import second_factor, waiting

PENDING_KEY = "second_factor:pending"
# An enrolment must follow the password within this many seconds.
PENDING_SECONDS = 600


def _code_field():
    return forms.CharField(
        label=_("Code from the authenticator app"),
        required=False,
        max_length=12,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "dir": "ltr"}
        ),
    )


class SecondFactorAuthenticationForm(AdminAuthenticationForm):
    otp_token = _code_field()

    error_messages = {
        **AdminAuthenticationForm.error_messages,
        "otp_required": _("Enter the code that your authenticator app shows now."),
        "otp_invalid": _(
            "The code is not correct, or was already used. Enter the code that your "
            "authenticator app shows now."
        ),
    }

    needs_enrolment = False

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not settings.ADMIN_SECOND_FACTOR:
            return
        device = second_factor.device_for(user)
        if device is None:
            self.needs_enrolment = second_factor.required_for(user)
            return
        token = self.cleaned_data.get("otp_token")
        if not token:
            raise ValidationError(self.error_messages["otp_required"], code="otp_required")
        if not second_factor.verify(device, token, request=self.request):
            raise ValidationError(self.error_messages["otp_invalid"], code="otp_invalid")
        # django_otp's user_logged_in receiver marks the session verified by this device.
        user.otp_device = device


class EnrolForm(forms.Form):
    otp_token = _code_field()


class SecondFactorLoginView(LoginView):
    def form_valid(self, form):
        if not form.needs_enrolment:
            return super().form_valid(form)
        # The password was right but no code proved the person: not signed in yet.
        user = form.get_user()
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_redirect_url(),
        }
        return HttpResponseRedirect(reverse("admin:second_factor_enrol"))


class LabelledAutocompleteJsonView(AutocompleteJsonView):
    """Django's autocomplete, its choices labelled by the chosen model's admin when it says
    how (`autocomplete_label(obj)`: a resolution by its meeting, code and text)."""

    def serialize_result(self, obj, to_field_name):
        result = super().serialize_result(obj, to_field_name)
        label = getattr(self.model_admin, "autocomplete_label", None)
        if label is not None:
            result["text"] = label(obj)
        return result


class PortalAdminSite(admin.AdminSite):
    login_form = SecondFactorAuthenticationForm
    login_template = "admin/login_second_factor.html"
    # The first page shows what waits for the person (kernel/waiting.py) above the apps.
    index_template = "admin/portal_index.html"

    def autocomplete_view(self, request):
        return LabelledAutocompleteJsonView.as_view(admin_site=self)(request)

    def index(self, request, extra_context=None):
        extra_context = {"waiting": waiting.waiting_for(request), **(extra_context or {})}
        return super().index(request, extra_context)

    def has_permission(self, request):
        if not super().has_permission(request):
            return False
        if not settings.ADMIN_SECOND_FACTOR:
            return True
        # Called several times per page; the answer does not change within a request.
        cached = getattr(request, "_second_factor_ok", None)
        if cached is None:
            user = request.user
            cached = user.is_verified() or not second_factor.applies_to(user)
            request._second_factor_ok = cached
        return cached

    @method_decorator(never_cache)
    def login(self, request, extra_context=None):
        # Django's AdminSite.login, with a LoginView that may send the person to enrol.
        if request.method == "GET" and self.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "subtitle": None,
            "app_path": request.get_full_path(),
            "username": request.user.get_username(),
        }
        if REDIRECT_FIELD_NAME not in request.GET and REDIRECT_FIELD_NAME not in request.POST:
            context[REDIRECT_FIELD_NAME] = reverse("admin:index", current_app=self.name)
        context.update(extra_context or {})
        request.current_app = self.name
        return SecondFactorLoginView.as_view(
            extra_context=context,
            authentication_form=self.login_form,
            template_name=self.login_template,
        )(request)

    def get_urls(self):
        return [
            path(
                "second-factor/",
                self.second_factor_enrol,
                name="second_factor_enrol",
            ),
            *super().get_urls(),
        ]

    def _enrolling_user(self, request):
        """Who may enrol here: the person whose password was just checked, or a signed-in
        member of staff who has no device yet or proved the one they have."""
        pending = request.session.get(PENDING_KEY)
        if pending and time.time() - pending["at"] < PENDING_SECONDS:
            user = get_user_model()._default_manager.filter(pk=pending["user"]).first()
            if user is not None and user.is_active and user.is_staff:
                user.backend = pending["backend"]
                return user, pending
        user = request.user
        if user.is_authenticated and user.is_active and user.is_staff:
            if user.is_verified() or second_factor.device_for(user) is None:
                return user, None
        return None, None

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def second_factor_enrol(self, request):
        user, pending = self._enrolling_user(request)
        if user is None:
            return HttpResponseRedirect(reverse("admin:login", current_app=self.name))
        device = second_factor.pending_device(user)
        form = EnrolForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            if second_factor.verify(device, form.cleaned_data["otp_token"], request=request):
                device.refresh_from_db()
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                if pending:
                    request.session.pop(PENDING_KEY, None)
                    auth_login(request, user)
                django_otp.login(request, device)
                target = (pending or {}).get("next") or ""
                if not url_has_allowed_host_and_scheme(target, {request.get_host()}):
                    target = reverse("admin:index", current_app=self.name)
                return HttpResponseRedirect(target)
            form.add_error(
                "otp_token", SecondFactorAuthenticationForm.error_messages["otp_invalid"]
            )
        context = {
            **self.each_context(request),
            "title": _("Two-step sign-in"),
            "form": form,
            "qr_svg": second_factor.qr_svg(device),
            "secret": second_factor.secret_base32(device),
            "enrolling_user": user,
        }
        return render(request, "admin/second_factor_enrol.html", context)
