"""The admin's base class: scope, Persian search and audit history in one place.

Every ModelAdmin of the project derives from `ScopedAdmin`, so that the one scope
mechanism (`visible_to`) decides the rows of lists, change pages, history pages, foreign-key
choices and autocompletes alike.
"""

import datetime

from django.contrib import admin
from django.contrib.admin import helpers
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from empowerment.jalali import format_jalali
from empowerment.persian import normalize_text
from empowerment.privacy.models import AccessRecord
from empowerment.privacy.services import access_record_for_request, masked_filters

from .scope import ScopedQuerySet, holds_personal_data


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


class AccessRecordedMixin:
    """Reads of personal data leave an access record: opening a row's change or history
    page, a search, and an action that answers a file (an export). Applies when the model's
    queryset declares personal data (`holds_personal_data`) or the admin says so."""

    personal_data: bool | None = None  # None: as the model's queryset declares

    def holds_personal_data(self) -> bool:
        if self.personal_data is not None:
            return self.personal_data
        return holds_personal_data(self.model)

    def record_access(self, request, action: str, **fields) -> None:
        if self.holds_personal_data():
            access_record_for_request(
                request,
                action=action,
                channel=AccessRecord.Channel.ADMIN,
                model=self.model,
                **fields,
            )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        response = super().change_view(request, object_id, form_url, extra_context)
        # 200: the page showed the row (a row out of scope redirects or is a 404).
        if response.status_code == 200:
            self.record_access(request, AccessRecord.Action.VIEW, object_id=object_id)
        return response

    def history_view(self, request, object_id, extra_context=None):
        response = super().history_view(request, object_id, extra_context)
        if response.status_code == 200:
            self.record_access(request, AccessRecord.Action.VIEW, object_id=object_id)
        return response

    def record_search(self, request, search_term: str) -> None:
        """Call once from get_search_results (which may search more than once)."""
        if search_term and search_term.strip():
            self.record_access(
                request,
                AccessRecord.Action.SEARCH,
                term=search_term,
                filters=masked_filters(request.GET, skip=("q", "term")),
            )

    def response_action(self, request, queryset):
        response = super().response_action(request, queryset)
        # Whatever the action is called, a file it answers is an export of the selection.
        if response is not None and "attachment" in response.get("Content-Disposition", ""):
            every = request.POST.get("select_across") == "1"
            selected = request.POST.getlist(helpers.ACTION_CHECKBOX_NAME)
            self.record_access(
                request,
                AccessRecord.Action.EXPORT,
                count=None if every else len(selected),
                term=request.GET.get("q", ""),
                filters=masked_filters(request.GET, skip=("q",)),
            )
        return response


class ScopedAdmin(ScopedMixin, AccessRecordedMixin, SimpleHistoryAdmin):
    list_per_page = 50
    show_full_result_count = False

    def get_search_results(self, request, queryset, search_term):
        # Who searched for what (a separate call, before the search itself).
        self.record_search(request, search_term)
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
