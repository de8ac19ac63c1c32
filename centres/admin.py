from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from empowerment.persian import to_persian_digits

from .admin_base import ScopedAdmin, jalali_column
from .models import (
    Centre,
    City,
    District,
    Headquarters,
    Indicator,
    Neighbourhood,
    Partner,
    Province,
    StaffRole,
)
from .services import IndicatorImportError, indicator_import, user_sync_groups


@admin.register(Province)
class ProvinceAdmin(ScopedAdmin):
    search_fields = ["name"]


@admin.register(City)
class CityAdmin(ScopedAdmin):
    list_display = ["name", "province"]
    list_filter = ["province"]
    search_fields = ["name", "province__name"]


@admin.register(District)
class DistrictAdmin(ScopedAdmin):
    list_display = ["__str__", "number", "city"]
    list_filter = ["city__province", "city"]
    search_fields = ["name", "city__name"]


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(ScopedAdmin):
    list_display = ["name", "district", "is_less_privileged"]
    list_filter = ["is_less_privileged", "district__city", "district"]
    search_fields = ["name", "district__name", "district__city__name"]
    list_select_related = ["district__city"]


@admin.register(Partner)
class PartnerAdmin(ScopedAdmin):
    list_display = ["name", "kind", "province", "is_active", "updated"]
    list_filter = ["kind", "is_active", "province"]
    search_fields = ["name"]
    updated = jalali_column("updated_at", _("last changed"))


@admin.register(Centre)
class CentreAdmin(ScopedAdmin):
    list_display = ["name", "city", "opening_date", "phone", "is_active"]
    list_filter = ["is_active", "city__province", "city", "districts"]
    search_fields = ["name", "address", "phone", "neighbourhoods__name"]
    filter_horizontal = ["districts", "neighbourhoods"]
    list_select_related = ["city"]


@admin.register(Headquarters)
class HeadquartersAdmin(ScopedAdmin):
    list_display = ["name", "level", "parent", "province", "city", "neighbourhood", "is_active"]
    list_filter = ["level", "is_active", "province"]
    search_fields = ["name"]
    list_select_related = ["parent", "province", "city", "neighbourhood"]


@admin.register(StaffRole)
class StaffRoleAdmin(ScopedAdmin):
    list_display = ["user", "role", "scope_display", "is_active", "updated"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user"]
    list_select_related = ["user", "centre", "headquarters", "partner", "city", "province"]
    updated = jalali_column("updated_at", _("last changed"))

    @admin.display(description=_("scope"))
    def scope_display(self, obj):
        return obj.scope_object or "—"

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        user_sync_groups(user=obj.user)


# --- Neighbourhood indicators ------------------------------------------------------------


class IndicatorImportForm(forms.Form):
    file = forms.FileField(
        label=_("spreadsheet (.xlsx or .csv)"),
        help_text=_(
            "Columns: شهر، منطقه، محله، سال، فصل، جمعیت، سهم جوانان، سهم بالای ۶۵ سال، "
            "نرخ بیکاری، اعتیاد، فقر، بیکاری، ناامنی، منبع. Leave the quarter empty for a "
            "yearly figure; problems are levels 0-4 (none to severe)."
        ),
    )


@admin.register(Indicator)
class IndicatorAdmin(ScopedAdmin):
    list_display = [
        "neighbourhood",
        "district",
        "period",
        "population",
        "youth_share",
        "over_65_share",
        "unemployment_rate",
        "addiction_level",
        "poverty_level",
        "unemployment_level",
        "insecurity_level",
        "updated",
    ]
    list_filter = [
        "year",
        "quarter",
        "neighbourhood__district__city__province",
        "neighbourhood__district__city",
        "neighbourhood__district",
    ]
    search_fields = ["neighbourhood__name", "neighbourhood__district__name", "source"]
    list_select_related = ["neighbourhood__district__city"]
    autocomplete_fields = ["neighbourhood"]
    change_list_template = "admin/centres/indicator/change_list.html"
    updated = jalali_column("updated_at", _("last changed"))

    @admin.display(description=_("district"), ordering="neighbourhood__district__number")
    def district(self, obj):
        return obj.neighbourhood.district

    @admin.display(description=_("period"), ordering="year")
    def period(self, obj):
        return obj.period_label

    def get_urls(self):
        return [
            path(
                "import/",
                self.admin_site.admin_view(self.import_view),
                name="centres_indicator_import",
            ),
            *super().get_urls(),
        ]

    def has_import_permission(self, request) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def import_view(self, request):
        if not self.has_import_permission(request):
            raise PermissionDenied
        errors: list[str] = []
        form = IndicatorImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = indicator_import(user=request.user, upload=form.cleaned_data["file"])
            except IndicatorImportError as exc:
                errors = exc.messages
            else:
                self.message_user(
                    request,
                    _("Imported: %(created)s new figures, %(updated)s replaced.")
                    % {
                        "created": to_persian_digits(result.created),
                        "updated": to_persian_digits(result.updated),
                    },
                    messages.SUCCESS,
                )
                return redirect("admin:centres_indicator_changelist")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Import neighbourhood indicators"),
            "form": form,
            "errors": errors,
        }
        return TemplateResponse(request, "admin/centres/indicator/import.html", context)

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_import": self.has_import_permission(request),
        }
        return super().changelist_view(request, extra_context)
