"""Admin of the geography, organisations, headquarters and staff roles."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from empowerment.kernel.admin_columns import jalali_column

from ..admin_base import ScopedAdmin
from ..models import (
    Centre,
    City,
    District,
    Headquarters,
    Neighbourhood,
    Partner,
    Province,
    StaffRole,
)
from ..services import staff_role_assign, staff_role_revoke, user_sync_groups

SCOPE_FIELDS = ("centre", "headquarters", "partner", "city", "province")


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
        data = form.cleaned_data
        if change:
            # A correction of the row (its role, scope or whether it is active); the
            # user's groups follow it as the services' do.
            super().save_model(request, obj, form, change)
            user_sync_groups(user=obj.user)
            return
        # A new role: the service's (the same role in the same scope is not repeated).
        scope = next((data[name] for name in SCOPE_FIELDS if data.get(name)), None)
        saved = staff_role_assign(user=data["user"], role=data["role"], scope=scope)
        if data.get("is_active") is False:
            staff_role_revoke(staff_role=saved)
        obj.pk, obj.created_at = saved.pk, saved.created_at
        obj._state.adding = False
