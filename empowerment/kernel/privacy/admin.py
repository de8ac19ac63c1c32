"""Access records in the admin: read only, for administrators (superusers) alone.

Registered by importing this module from empowerment/kernel/admin.py (the app's admin module).
A search here is by the exact term an auditor types (a national code, a mobile): it is
hashed like the recorded terms and matched against their hashes, so the table never needs
the term in clear.
"""

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from empowerment.kernel.admin_columns import ReadOnlyAdminMixin
from empowerment.kernel.exports import xlsx_response
from empowerment.kernel.jalali import format_jalali
from empowerment.kernel.models import AccessRecord, record_kind_name
from empowerment.kernel.privacy.services import (
    access_record_for_request,
    holds_personal_data,
    masked_filters,
    term_hash,
)


class RecordKindFilter(admin.SimpleListFilter):
    """The kinds of record read, by their Persian names (stored as `app.model`)."""

    title = _("kind of record")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        # The distinct kinds from the database: access records grow by the million.
        labels = (
            model_admin.get_queryset(request)
            .order_by("model")
            .values_list("model", flat=True)
            .distinct()
        )
        return [(label, record_kind_name(label)) for label in labels]

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


@admin.register(AccessRecord)
class AccessRecordAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("when", "username", "action", "channel", "kind", "object_id", "term")
    list_filter = ("action", "channel", RecordKindFilter)
    search_fields = ("username", "object_id")
    fields = (
        "when",
        "username",
        "user",
        "action",
        "channel",
        "kind",
        "object_id",
        "count",
        "term",
        "filters",
        "ip_address",
    )
    readonly_fields = fields
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description=_("kind of record"), ordering="model")
    def kind(self, obj):
        return record_kind_name(obj.model)

    @admin.display(description=_("when"), ordering="at")
    def when(self, obj):
        local = timezone.localtime(obj.at)
        return f"{format_jalali(local.date())} {local:%H:%M:%S}"

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        hashed = term_hash(search_term)
        if hashed:
            results = results | queryset.filter(term_hash=hashed)
        return results, duplicates

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser


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


class ExportAllMixin:
    """ "Export all that the filters match": a link on the list page that exports every row
    the list's filters and search select, not only the page on screen (an action on
    "select all" exports just the 50 rows shown unless staff also find "select all N").
    The admin gives `export_content(request, queryset) -> bytes` (an .xlsx) and adds
    `export_all_urls()` to its URLs. The export leaves an access record."""

    export_filename = "export.xlsx"

    def export_content(self, request, queryset) -> bytes:
        raise NotImplementedError

    def export_all_urls(self):
        return [
            path(
                "export/",
                self.admin_site.admin_view(self.export_all_view),
                name=f"{self.opts.app_label}_{self.opts.model_name}_export",
            )
        ]

    def changelist_view(self, request, extra_context=None):
        query = request.GET.urlencode()
        url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_export")
        extra_context = {
            **(extra_context or {}),
            "export_all_url": url + (f"?{query}" if query else ""),
        }
        return super().changelist_view(request, extra_context)

    def export_all_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            changelist_url = f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist"
            return redirect(reverse(changelist_url) + "?e=1")
        queryset = changelist.get_queryset(request)
        self.record_access(
            request,
            AccessRecord.Action.EXPORT,
            count=None,
            term=request.GET.get("q", ""),
            filters=masked_filters(request.GET, skip=("q",)),
        )
        return xlsx_response(self.export_content(request, queryset), self.export_filename)
