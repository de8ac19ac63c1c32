# Importing django_jalali.admin puts the Jalali date picker on every jDateField in the admin.
import django_jalali.admin  # noqa: F401
from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from empowerment.kernel import outbox, vendor_admin  # noqa: F401 (vendor_admin registers the libraries' admins anew)
from empowerment.kernel.admin_columns import ReadOnlyAdminMixin, jalali_column
from empowerment.kernel.admin_wording import PersianHistoryMixin
from empowerment.kernel.models import OneTimeCode, OutboxMessage
from empowerment.kernel.privacy.admin import (
    AccessRecordAdmin,  # noqa: F401 (registers it)
    AccessRecordedMixin,
)
from empowerment.kernel.validators import normalize_mobile

admin.site.site_header = _("Empowerment and employment centres")
admin.site.site_title = _("Empowerment portal")
admin.site.index_title = _("Administration")


@admin.register(OutboxMessage)
class OutboxMessageAdmin(
    ReadOnlyAdminMixin, AccessRecordedMixin, PersianHistoryMixin, SimpleHistoryAdmin
):
    """Read-mostly: messages are written by the outbox services; staff may only retry.

    Not a ScopedAdmin: outgoing messages are not scoped to a centre, so only
    administrators (superusers) see this page; no role in roles.py grants it.
    """

    list_display = ("recipient", "channel", "state", "attempts", "created", "sent")
    list_filter = ("state", "channel")
    search_fields = ("recipient", "key", "provider_id")
    readonly_fields = [f.name for f in OutboxMessage._meta.fields if f.name != "text"] + [
        "shown_text"
    ]
    exclude = ("text",)
    actions = ["retry"]
    list_per_page = 50
    show_full_result_count = False
    personal_data = True  # recipients' mobiles and the texts sent to them

    def get_search_results(self, request, queryset, search_term):
        self.record_search(request, search_term)
        return super().get_search_results(request, queryset, search_term)

    created = jalali_column("created_at", _("created at"))
    sent = jalali_column("sent_at", _("sent at"))

    @admin.display(description=_("text"))
    def shown_text(self, obj):
        return _("[hidden: sign-in code]") if obj.sensitive else obj.text

    def has_change_permission(self, request, obj=None):
        # The change page is a read-only view; the retry action needs change rights.
        return request.user.is_superuser

    @admin.action(description=_("Send the selected failed messages again"))
    def retry(self, request, queryset):
        count = sum(outbox.message_retry(message=message) for message in queryset)
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
            messages.SUCCESS if count else messages.WARNING,
        )


@admin.register(OneTimeCode)
class OneTimeCodeAdmin(ReadOnlyAdminMixin, AccessRecordedMixin, admin.ModelAdmin):
    """Read only, for administrators answering "my code did not come": when codes were sent
    to a number, whether one was used, how many wrong tries. The code itself is never
    stored, only its keyed hash, which is not shown."""

    list_display = ("mobile", "created", "expires", "attempts", "used")
    search_fields = ("mobile",)
    fields = ("mobile", "created_at", "expires_at", "attempts", "used_at")
    readonly_fields = fields
    list_per_page = 50
    show_full_result_count = False
    personal_data = True  # residents' mobiles

    created = jalali_column("created_at", _("created at"))
    expires = jalali_column("expires_at", _("expires at"))
    used = jalali_column("used_at", _("used at"))

    def get_search_results(self, request, queryset, search_term):
        self.record_search(request, search_term)
        return super().get_search_results(request, queryset, normalize_mobile(search_term))
