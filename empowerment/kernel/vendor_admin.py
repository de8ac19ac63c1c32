"""The admin pages of the libraries under the sign-in (django-axes, django-otp, simplejwt's
blacklist), in the portal's words: their own admins show English field names, fieldsets and
help texts, raw timestamps and secrets (a TOTP key) that no person here needs to read.

What an administrator does with them: see who was locked out and unlock them (delete the
attempt), see sign-ins, reset a person's authenticator app after a lost phone (delete the
device; the person enrols again at the next sign-in), see the mobile tokens issued and
revoked. Imported by the kernel's admin module, after the libraries registered theirs.
"""

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from empowerment.kernel.admin_columns import ReadOnlyAdminMixin
from empowerment.kernel.templatetags.persian import fa_digits, jalali_moment

for model in (AccessAttempt, AccessFailureLog, AccessLog, TOTPDevice, BlacklistedToken,
              OutstandingToken):  # fmt: skip
    if admin.site.is_registered(model):
        admin.site.unregister(model)


def _moment(field_name, description):
    def column(self, obj):
        value = getattr(obj, field_name)
        return jalali_moment(value) if value else "—"

    column.short_description = description
    column.admin_order_field = field_name
    return column


# Titles, breadcrumbs and the delete confirmation name a row by its `__str__`, which these
# libraries write in English.
AccessAttempt.__str__ = lambda self: f"{self.username or '—'} · {jalali_moment(self.attempt_time)}"
AccessLog.__str__ = AccessAttempt.__str__
AccessFailureLog.__str__ = AccessAttempt.__str__
TOTPDevice.__str__ = lambda self: f"{_('authenticator app')} · {self.user}"
OutstandingToken.__str__ = lambda self: f"{self.user or '—'} · {jalali_moment(self.created_at)}"
BlacklistedToken.__str__ = lambda self: str(self.token)


class SignInRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    search_fields = ["username", "ip_address"]
    list_per_page = 50

    @admin.display(description=_("user name"), ordering="username")
    def person(self, obj):
        return obj.username or "—"

    @admin.display(description=_("address"), ordering="ip_address")
    def address(self, obj):
        return obj.ip_address or "—"

    @admin.display(description=_("browser"))
    def browser(self, obj):
        return obj.user_agent or "—"

    when = _moment("attempt_time", _("time"))


@admin.register(AccessAttempt)
class AccessAttemptAdmin(SignInRecordAdmin):
    """Failed sign-ins per person and address; deleting the row unlocks them."""

    list_display = ["person", "address", "failures", "locked", "when"]
    fields = ["person", "address", "browser", "failures", "locked", "when"]
    readonly_fields = fields

    @admin.display(description=_("failed attempts"), ordering="failures_since_start")
    def failures(self, obj):
        return fa_digits(obj.failures_since_start)

    @admin.display(description=_("locked out"), boolean=True)
    def locked(self, obj):
        return obj.failures_since_start >= settings.AXES_FAILURE_LIMIT

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(AccessLog)
class AccessLogAdmin(SignInRecordAdmin):
    list_display = ["person", "address", "when", "signed_out"]
    fields = ["person", "address", "browser", "when", "signed_out"]
    readonly_fields = fields
    signed_out = _moment("logout_time", _("signed out"))


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(SignInRecordAdmin):
    list_display = ["person", "address", "when", "locked"]
    fields = ["person", "address", "browser", "when", "locked"]
    readonly_fields = fields

    @admin.display(description=_("locked out"), boolean=True)
    def locked(self, obj):
        return obj.locked_out


@admin.register(TOTPDevice)
class AuthenticatorAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    """A person's authenticator app; deleting it makes them enrol again at the next
    sign-in (a lost or changed phone)."""

    list_display = ["owner", "ready", "enrolled", "last_used"]
    fields = list_display
    readonly_fields = fields
    list_select_related = ["user"]
    search_fields = ["user__username"]
    enrolled = _moment("created_at", _("enrolled"))
    last_used = _moment("last_used_at", _("last used"))

    @admin.display(description=_("person"), ordering="user__username")
    def owner(self, obj):
        return obj.user

    @admin.display(description=_("ready for use"), boolean=True)
    def ready(self, obj):
        return obj.confirmed

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser


@admin.register(OutstandingToken)
class IssuedTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["owner", "issued", "expires", "revoked"]
    fields = list_display
    readonly_fields = fields
    list_select_related = ["user", "blacklistedtoken"]
    search_fields = ["user__username"]
    issued = _moment("created_at", _("issued"))
    expires = _moment("expires_at", _("expires"))

    @admin.display(description=_("person"), ordering="user__username")
    def owner(self, obj):
        return obj.user or "—"

    @admin.display(description=_("revoked"), boolean=True)
    def revoked(self, obj):
        return hasattr(obj, "blacklistedtoken")


@admin.register(BlacklistedToken)
class RevokedTokenAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["owner", "revoked_at"]
    fields = list_display
    readonly_fields = fields
    list_select_related = ["token__user"]
    search_fields = ["token__user__username"]
    revoked_at = _moment("blacklisted_at", _("revoked"))

    @admin.display(description=_("person"), ordering="token__user__username")
    def owner(self, obj):
        return obj.token.user or "—"
