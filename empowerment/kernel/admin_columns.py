"""Columns for admin lists, and the read-only admin, shared by every app."""

import datetime

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from empowerment.kernel.jalali import format_jalali


def jalali_column(field_name: str, description=None, ordering: str | None = None):
    """A list column that shows a date or datetime field in Jalali (Tehran time)."""

    def column(self, obj):
        value = getattr(obj, field_name)
        if value is None:
            return "—"
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
        return format_jalali(value)

    column.short_description = description or _("date")
    column.admin_order_field = ordering or field_name
    return column


class ReadOnlyAdminMixin:
    """An admin that shows rows and never adds, changes or deletes them (rows the code
    keeps: access records, one-time codes, the outbox); its change page is a view."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
