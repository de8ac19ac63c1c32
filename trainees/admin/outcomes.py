"""Admin of outcomes, products and sales, and the public's interest in cohorts."""

from django import forms
from django.contrib import admin, messages
from django.db.models import Sum
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from centres.admin_base import ScopedAdmin, ScopedTabularInline
from empowerment.kernel.admin_columns import jalali_column

from .. import services
from ..models import CohortInterest, Outcome, Product, Sale
from .filters import CohortFilter
from .registry import JalaliDateInput


class OutcomeForm(forms.ModelForm):
    date = JalaliDateInput(label=_("date"))

    class Meta:
        model = Outcome
        fields = [
            "trainee",
            "enrolment",
            "kind",
            "date",
            "follow_up_round",
            "employees_count",
            "note",
        ]


@admin.register(Outcome)
class OutcomeAdmin(ScopedAdmin):
    form = OutcomeForm
    list_display = ["trainee", "kind", "outcome_date", "follow_up_round", "employees_count"]
    list_filter = ["kind", "follow_up_round"]
    list_select_related = ["trainee"]
    search_fields = [
        "trainee__national_code",
        "trainee__foreign_code",
        "trainee__passport_number",
        "trainee__last_name",
        "trainee__first_name",
    ]
    autocomplete_fields = ["trainee", "enrolment"]
    outcome_date = jalali_column("date", _("date"))

    def save_model(self, request, obj, form, change):
        if change:
            # A correction of one row: the form already ran the model's checks.
            super().save_model(request, obj, form, change)
        else:
            saved = services.outcome_record(
                **{k: form.cleaned_data.get(k) for k in OutcomeForm.Meta.fields if k != "note"},
                note=form.cleaned_data.get("note") or "",
            )
            obj.pk = saved.pk
            obj.trainee = saved.trainee


class SaleInline(ScopedTabularInline):
    model = Sale
    fields = ["date", "place", "quantity", "amount_rials"]


@admin.register(Product)
class ProductAdmin(ScopedAdmin):
    list_display = ["name", "cohort", "quantity_made", "unit_price_rials", "sold"]
    list_filter = [CohortFilter]
    list_select_related = ["cohort"]
    search_fields = ["name", "cohort__title", "cohort__code"]
    inlines = [SaleInline]

    def get_queryset(self, request):

        return super().get_queryset(request).annotate(sold_quantity=Sum("sales__quantity"))

    @admin.display(description=_("sold"))
    def sold(self, obj):
        return obj.sold_quantity or 0


@admin.register(Sale)
class SaleAdmin(ScopedAdmin):
    list_display = ["product", "sale_date", "place", "quantity", "amount_rials"]
    list_select_related = ["product"]
    search_fields = ["product__name", "place"]
    sale_date = jalali_column("date", _("date"))


# --- Interest in cohorts (requests from the public portal) -------------------------------


@admin.register(CohortInterest)
class CohortInterestAdmin(ScopedAdmin):
    """Residents who asked to join a cohort. Staff call them, register and enrol them the
    usual way, then mark the request; what the resident sent is not edited here."""

    list_display = ["name", "mobile", "cohort", "neighbourhood", "state", "sent"]
    list_filter = ["state", CohortFilter]
    list_select_related = ["cohort", "neighbourhood"]
    search_fields = ["name", "mobile", "cohort__title", "cohort__code"]
    actions = ["mark_contacted", "mark_enrolled", "mark_declined"]
    fields = ["cohort", "name", "mobile", "neighbourhood", "state", "sent", "staff_note"]
    readonly_fields = ["cohort", "name", "mobile", "neighbourhood", "state", "sent"]
    sent = jalali_column("created_at", _("sent at"))

    def has_add_permission(self, request):
        return False

    def _mark(self, request, queryset, state):
        changed, refused = services.cohort_interests_mark(
            interests=queryset, state=state, by=request.user
        )
        label = CohortInterest.State(state).label
        self.message_user(
            request,
            gettext("%(count)s requests marked “%(state)s”.") % {"count": changed, "state": label},
            messages.SUCCESS,
        )
        if refused:
            self.message_user(
                request,
                gettext(
                    "Not marked enrolled, as no trainee with their mobile is enrolled in the "
                    "cohort yet: %(names)s."
                )
                % {"names": "، ".join(i.name for i in refused)},
                messages.WARNING,
                extra_tags="not_enrolled_yet",
            )

    @admin.action(description=_("Mark as contacted"), permissions=["change"])
    def mark_contacted(self, request, queryset):
        self._mark(request, queryset, CohortInterest.State.CONTACTED)

    @admin.action(description=_("Mark as enrolled"), permissions=["change"])
    def mark_enrolled(self, request, queryset):
        self._mark(request, queryset, CohortInterest.State.ENROLLED)

    @admin.action(description=_("Mark as not taken up"), permissions=["change"])
    def mark_declined(self, request, queryset):
        self._mark(request, queryset, CohortInterest.State.DECLINED)
