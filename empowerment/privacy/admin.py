"""Access records in the admin: read only, for administrators (superusers) alone.

Registered by importing this module from empowerment/admin.py (the app's admin module).
A search here is by the exact term an auditor types (a national code, a mobile): it is
hashed like the recorded terms and matched against their hashes, so the table never needs
the term in clear.
"""

from django.contrib import admin
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from empowerment.jalali import format_jalali

from .models import AccessRecord
from .services import term_hash


@admin.register(AccessRecord)
class AccessRecordAdmin(admin.ModelAdmin):
    list_display = ("when", "username", "action", "channel", "model", "object_id", "term")
    list_filter = ("action", "channel", "model")
    search_fields = ("username", "object_id")
    fields = (
        "when",
        "username",
        "user",
        "action",
        "channel",
        "model",
        "object_id",
        "count",
        "term",
        "filters",
        "ip_address",
    )
    readonly_fields = fields
    list_per_page = 50
    show_full_result_count = False

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

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
