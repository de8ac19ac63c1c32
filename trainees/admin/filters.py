"""The registry admin's list filters: their choices are scoped too (a cohort's name is not
shown to another centre)."""

import datetime

import jdatetime
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from centres.models import Centre, Neighbourhood
from empowerment.kernel.jalali import today_jalali
from programs.models import Cohort, Programme

from ..models import Enrolment, Trainee


class ProgrammeFilter(admin.SimpleListFilter):
    title = _("programme")
    parameter_name = "programme"
    lookup = "enrolments__cohort__programme"

    def lookups(self, request, model_admin):
        return list(Programme.objects.visible_to(request.user).values_list("pk", "title"))

    def queryset(self, request, queryset):
        if self.value():
            ids = Trainee.objects.filter(**{self.lookup: self.value()}).values("pk")
            return queryset.filter(pk__in=ids) if queryset.model is Trainee else queryset
        return queryset


class CohortFilter(admin.SimpleListFilter):
    title = _("cohort")
    parameter_name = "cohort"

    def lookups(self, request, model_admin):
        return [
            (pk, f"{title} ({code})")
            for pk, title, code in Cohort.objects.visible_to(request.user).values_list(
                "pk", "title", "code"
            )
        ]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        if queryset.model is Trainee:
            return queryset.filter(
                pk__in=Enrolment.objects.filter(cohort=self.value()).values("trainee_id")
            )
        return queryset.filter(cohort=self.value())


class EnrolmentProgrammeFilter(ProgrammeFilter):
    def queryset(self, request, queryset):
        return queryset.filter(cohort__programme=self.value()) if self.value() else queryset


class AgeBandFilter(admin.SimpleListFilter):
    title = _("age band")
    parameter_name = "age"
    BANDS = {
        "child": (_("Under 15"), 0, 14),
        "youth": (_("15 to 29"), 15, 29),
        "adult": (_("30 to 59"), 30, 59),
        "senior": (_("60 and over"), 60, 150),
    }

    def lookups(self, request, model_admin):
        return [(key, label) for key, (label, _low, _high) in self.BANDS.items()]

    def queryset(self, request, queryset):
        band = self.BANDS.get(self.value())
        if not band:
            return queryset
        _label, low, high = band
        today = today_jalali()
        # Born after the day one would turn high+1, on or before the day one turns low.
        latest = _years_before(today, low)
        earliest = _years_before(today, high + 1) + datetime.timedelta(days=1)
        return queryset.filter(birth_date__gte=earliest, birth_date__lte=latest)


def _years_before(day: jdatetime.date, years: int) -> jdatetime.date:
    year = day.year - years
    try:
        return jdatetime.date(year, day.month, day.day)
    except ValueError:  # 30 Esfand in a year that has no such day
        return jdatetime.date(year, day.month, day.day - 1)


class EnrolmentStatusFilter(admin.SimpleListFilter):
    title = _("enrolment status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return Enrolment.Status.choices

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(
            pk__in=Enrolment.objects.filter(status=self.value()).values("trainee_id")
        )


class ScopedCentreFilter(admin.SimpleListFilter):
    title = _("registered at")
    parameter_name = "centre"

    def lookups(self, request, model_admin):
        return list(Centre.objects.visible_to(request.user).values_list("pk", "name"))

    def queryset(self, request, queryset):
        return queryset.filter(registered_at=self.value()) if self.value() else queryset


class ScopedNeighbourhoodFilter(admin.SimpleListFilter):
    title = _("neighbourhood")
    parameter_name = "neighbourhood"

    def lookups(self, request, model_admin):

        return list(Neighbourhood.objects.visible_to(request.user).values_list("pk", "name"))

    def queryset(self, request, queryset):
        return queryset.filter(neighbourhood=self.value()) if self.value() else queryset
