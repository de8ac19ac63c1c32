"""The admin's base class: scope, Persian search and audit history in one place.

Every ModelAdmin of the project derives from `ScopedAdmin`, so that the one scope
mechanism (`visible_to`) decides the rows of lists, change pages, history pages, foreign-key
choices and autocompletes alike.
"""

import datetime

from django.contrib import admin
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from empowerment.jalali import format_jalali
from empowerment.persian import normalize_text

from .scope import ScopedQuerySet


def scoped(queryset, request):
    """The queryset as the requesting person may see it (unscoped models pass through)."""
    if isinstance(queryset, ScopedQuerySet):
        return queryset.visible_to(request.user)
    return queryset


class ScopedMixin:
    """Restricts a ModelAdmin or inline to the rows in the user's scope."""

    def get_queryset(self, request):
        return scoped(super().get_queryset(request), request)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = scoped(db_field.remote_field.model._default_manager.all(), request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if "queryset" not in kwargs:
            kwargs["queryset"] = scoped(db_field.remote_field.model._default_manager.all(), request)
        return super().formfield_for_manytomany(db_field, request, **kwargs)


class ScopedAdmin(ScopedMixin, SimpleHistoryAdmin):
    list_per_page = 50
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        # The term is normalised like stored text (ي/ك, spaces). Names keep Persian digits
        # and codes ASCII ones, so a term with digits is searched in both forms.
        ascii_term = normalize_text(search_term, digits="ascii")
        persian_term = normalize_text(search_term, digits="persian")
        results, may_have_duplicates = super().get_search_results(request, queryset, ascii_term)
        if persian_term != ascii_term:
            more, more_duplicates = super().get_search_results(request, queryset, persian_term)
            results = results | more
            may_have_duplicates = may_have_duplicates or more_duplicates
        return results, may_have_duplicates

    def history_view(self, request, object_id, extra_context=None):
        # django-simple-history falls back to the history rows of an object the user
        # cannot see; a forged URL must find nothing instead.
        if not self.get_queryset(request).filter(pk=object_id).exists():
            raise Http404
        if not hasattr(self.model._meta, "simple_history_manager_attribute"):
            # A model without HistoricalRecords: Django's own log, not a crash (500).
            return admin.ModelAdmin.history_view(self, request, object_id, extra_context)
        return super().history_view(request, object_id, extra_context)


class ScopedTabularInline(ScopedMixin, admin.TabularInline):
    extra = 0


class ScopedStackedInline(ScopedMixin, admin.StackedInline):
    extra = 0


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
