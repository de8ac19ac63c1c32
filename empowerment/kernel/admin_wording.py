"""The admin in Persian where Django and the libraries under it leave English or raw values
(issue 15: "no English, no wrong word"; tests/empowerment/test_no_english.py sweeps every
page kind).

- The history pages (django-simple-history): a change shows a choice's label, yes or no,
  a Jalali date and "—" for nothing, not `in_progress`, `True`, `2026-12-01` or `None`;
  a related row deleted since shows as deleted, not `Deleted user (pk=None)`.
- Yes/no icons say "yes" and "no" to a screen reader, not "True" and "False".
- The tables Django makes for many-to-many fields are named after both sides in Persian
  (the delete confirmation lists them).
- Strings of Django and the libraries that their own Persian catalogues lack are translated
  in `locale/fa` (kept by hand: `makemessages` does not look there).

Applied once, from the kernel's `ready`; the kernel imports no app: every model is reached
through the registry.
"""

from __future__ import annotations

import datetime

from django.apps import apps
from django.contrib.admin.templatetags import admin_list
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import DeletedObject
from simple_history.template_utils import HistoricalRecordContextHelper

from empowerment.kernel.jalali import format_jalali
from empowerment.kernel.persian import to_persian_digits

# The libraries' apps and models whose names are not marked for translation at all.
APP_NAMES = {
    "axes": _("Sign-in protection"),
    "otp_totp": _("Authenticator apps"),
}
MODEL_NAMES = {
    "otp_totp.TOTPDevice": (_("authenticator app"), _("authenticator apps")),
}


def _yes_no_icon(value):
    icon = {True: "yes", False: "no", None: "unknown"}[value]
    label = {True: _("yes"), False: _("no"), None: _("unknown")}[value]
    return format_html('<img src="{}" alt="{}">', static(f"admin/img/icon-{icon}.svg"), label)


def shown_value(field, value):
    """A stored value as a person reads it on a history page."""
    if isinstance(value, DeletedObject):
        return format_lazy("{} ({})", value.model._meta.verbose_name, _("deleted"))
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if getattr(field, "flatchoices", None):
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, datetime.date):
        return to_persian_digits(format_jalali(value))
    if isinstance(value, int | float):
        return to_persian_digits(str(value))
    return value


class PersianHistoryHelper(HistoricalRecordContextHelper):
    def prepare_delta_change_value(self, change, value):
        value = super().prepare_delta_change_value(change, value)
        field = self.model._meta.get_field(change.field)
        if isinstance(value, list):
            return [shown_value(field, item) for item in value]
        return shown_value(field, value)


class PersianHistoryMixin:
    """For a `SimpleHistoryAdmin`: changes shown as a person reads them."""

    def get_historical_record_context_helper(self, request, historical_record):
        return PersianHistoryHelper(self.model, historical_record)


def _through_str(self):
    return " — ".join(
        str(getattr(self, field.name))
        for field in self._meta.fields
        if field.is_relation and field.many_to_one
    )


def apply() -> None:
    """Called once, from the kernel's `ready`."""
    admin_list._boolean_icon = _yes_no_icon
    for label, name in APP_NAMES.items():
        if label in apps.app_configs:
            apps.app_configs[label].verbose_name = name
    for label, (singular, plural) in MODEL_NAMES.items():
        app_label, model_name = label.split(".")
        if app_label in apps.app_configs:
            meta = apps.get_model(app_label, model_name)._meta
            meta.verbose_name, meta.verbose_name_plural = singular, plural
    for model in apps.get_models():
        for field in model._meta.local_many_to_many:
            through = field.remote_field.through
            if not through._meta.auto_created:
                continue
            through._meta.verbose_name = format_lazy(
                "{} — {}", model._meta.verbose_name, field.verbose_name
            )
            through._meta.verbose_name_plural = format_lazy(
                "{} — {}", model._meta.verbose_name_plural, field.verbose_name
            )
            through.__str__ = _through_str
