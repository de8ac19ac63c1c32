"""The admin's base class: scope, Persian search and audit history in one place.

Every ModelAdmin of the project derives from `ScopedAdmin`, so that the one scope
mechanism (`visible_to`) decides the rows of lists, change pages, history pages, foreign-key
choices and autocompletes alike.
"""

import datetime

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.db import transaction
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
        if self.get_object(request, unquote(object_id)) is None:
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One old version, and its revert, under the rules of the change page.

        django-simple-history reads the version by its ids alone (any centre's row) and
        saves a POST for anyone who may *view* history. Here the current row must be in
        the user's scope, a revert needs the right to change it, the fields the form does
        not offer keep the current row's values (a revert must not bring back, say, an old
        foreign key to another centre that this user could never have chosen), and a
        revert that would leave the row outside the user's scope is rolled back.
        """
        current = self.get_object(request, unquote(object_id))
        if current is None:
            raise Http404
        if request.method == "POST":
            if not self.has_change_permission(request, current):
                raise PermissionDenied
            request._scoped_revert_of = current
        with transaction.atomic():
            response = super().history_form_view(request, object_id, version_id, extra_context)
            if (
                request.method == "POST"
                and not self.get_queryset(request).filter(pk=current.pk).exists()
            ):
                raise PermissionDenied
        return response

    def save_form(self, request, form, change):
        obj = super().save_form(request, form, change)
        current = getattr(request, "_scoped_revert_of", None)
        if change and current is not None and current.pk == obj.pk:
            # A revert changes only what the form lets this user change.
            for model_field in obj._meta.concrete_fields:
                if model_field.primary_key or model_field.name in form.fields:
                    continue
                setattr(obj, model_field.attname, getattr(current, model_field.attname))
        return obj


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
