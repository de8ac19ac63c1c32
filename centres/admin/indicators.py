"""Admin of the neighbourhood indicators, with their spreadsheet import."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from empowerment.kernel.admin_columns import jalali_column
from empowerment.kernel.persian import to_persian_digits

from ..admin_base import ScopedAdmin
from ..models import Indicator
from ..services import IndicatorImportError, indicator_import


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
    fieldsets = [
        (None, {"fields": ["neighbourhood", "year", "quarter"]}),
        (
            _("Population"),
            {"fields": ["population", "youth_share", "over_65_share", "unemployment_rate"]},
        ),
        (_("Social problems (level 0 to 4)"), {"fields": list(Indicator.PROBLEM_FIELDS)}),
        (None, {"fields": ["source"]}),
    ]
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
        errors: list[ValidationError] = []  # each with its message and code
        form = IndicatorImportForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            try:
                result = indicator_import(user=request.user, upload=form.cleaned_data["file"])
            except IndicatorImportError as exc:
                errors = exc.error_list
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
