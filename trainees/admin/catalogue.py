"""Admin of the public catalogue of home businesses and of residents' messages to them."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from centres.admin_base import ScopedAdmin, add_refusal_to_form
from empowerment.kernel.admin_columns import jalali_column

from .. import services
from ..models import BusinessMessage, CatalogueEntry, Outcome


class CatalogueEntryForm(forms.ModelForm):
    owner_consents = forms.BooleanField(
        label=_("The owner consented to be listed"),
        required=False,
        help_text=_(
            "The business's name and what it makes are shown; never the owner's name or mobile."
        ),
    )

    class Meta:
        model = CatalogueEntry
        fields = ["outcome", "name", "description"]


@admin.register(CatalogueEntry)
class CatalogueEntryAdmin(ScopedAdmin):
    form = CatalogueEntryForm
    list_display = ["name", "centre", "listed", "created"]
    list_filter = [("centre", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "description"]
    list_select_related = ["centre"]
    actions = ["withdraw_selected"]
    created = jalali_column("created_at", _("listed on"))

    @admin.display(description=_("listed"), boolean=True)
    def listed(self, obj):
        return obj.withdrawn_at is None

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["outcome", "name", "description", "owner_consents"]
        return ["outcome", "centre", "name", "description", "consent_recorded_by", "withdrawn_at"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["outcome", "centre", "consent_recorded_by", "withdrawn_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "outcome":
            # Home businesses in the staff member's scope, not listed yet.
            kwargs["queryset"] = (
                Outcome.objects.visible_to(request.user)
                .filter(kind=Outcome.Kind.HOME_BUSINESS, catalogue_entry=None)
                .select_related("trainee")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is not None:
            return form
        admin_user = request.user

        class CreateForm(form):
            def validate_unique(self):
                # The service checked (and wrote) the row in clean(): it is its own duplicate.
                pass

            def clean(self):
                data = super().clean()
                if self.errors:
                    return data
                try:
                    with_consent = data.get("owner_consents", False)
                    self._created = services.catalogue_entry_create(
                        outcome=data["outcome"],
                        name=data["name"],
                        description=data["description"],
                        owner_consents=with_consent,
                        user=admin_user,
                    )
                except ValidationError as refusal:
                    add_refusal_to_form(self, refusal)
                return data

        return CreateForm

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = form._created
        obj.pk, obj.created_at, obj.centre_id = created.pk, created.created_at, created.centre_id
        obj._state.adding = False

    @admin.action(
        description=_("Take the selected businesses off the catalogue"), permissions=["change"]
    )
    def withdraw_selected(self, request, queryset):
        count = 0
        for entry in queryset:
            services.catalogue_entry_withdraw(entry=entry)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d business withdrawn.", "%(count)d businesses withdrawn.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(BusinessMessage)
class BusinessMessageAdmin(ScopedAdmin):
    list_display = ["name", "entry", "state", "sent"]
    list_filter = ["state", ("entry", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "text", "entry__name"]
    list_select_related = ["entry"]
    actions = ["passed_on_selected", "dismiss_selected"]
    sent = jalali_column("created_at", _("sent at"))
    readonly_fields = ["entry", "name", "contact", "text", "state", "ip_address", "created_at"]

    def has_add_permission(self, request):
        return False

    def _mark(self, request, queryset, state):
        count = services.business_message_mark(messages=queryset, state=state)
        self.message_user(
            request,
            ngettext("%(count)d message marked.", "%(count)d messages marked.", count)
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(description=_("Mark as passed on to the business"), permissions=["change"])
    def passed_on_selected(self, request, queryset):
        self._mark(request, queryset, BusinessMessage.State.PASSED_ON)

    @admin.action(description=_("Dismiss the selected messages"), permissions=["change"])
    def dismiss_selected(self, request, queryset):
        self._mark(request, queryset, BusinessMessage.State.DISMISSED)
