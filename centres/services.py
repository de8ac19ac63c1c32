"""Writes on centres, headquarters and staff roles that are more than a save."""

from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import roles
from .models import Centre, City, District, Headquarters, Neighbourhood, StaffRole
from .scope import forget_scope

User = get_user_model()


def roles_sync_groups() -> dict[str, int]:
    """Create one group per role and give it exactly the permissions of `roles.py`.

    Runs after every migrate, so a fresh database always has the groups. Permissions of
    models that do not exist (yet) are skipped. Returns the permission count per group.
    """
    counts = {}
    all_perms = {
        f"{app}.{codename}": pk
        for pk, app, codename in Permission.objects.values_list(
            "pk", "content_type__app_label", "codename"
        )
    }
    with transaction.atomic():
        for role in StaffRole.Role.values:
            group, _ = Group.objects.get_or_create(name=roles.group_name(role))
            wanted = [all_perms[name] for name in roles.permission_names(role) if name in all_perms]
            group.permissions.set(wanted)
            counts[role] = len(wanted)
    return counts


@transaction.atomic
def centre_create(
    *,
    name: str,
    city: City,
    districts: Iterable[District] = (),
    neighbourhoods: Iterable[Neighbourhood] = (),
    opening_date=None,
    address: str = "",
    phone: str = "",
    is_active: bool = True,
) -> Centre:
    """Open a centre serving the given districts and neighbourhoods (all in its city)."""
    centre = Centre(
        name=name,
        city=city,
        opening_date=opening_date,
        address=address,
        phone=phone,
        is_active=is_active,
    )
    centre.full_clean()
    districts = list(districts)
    neighbourhoods = list(neighbourhoods)
    if any(d.city_id != city.pk for d in districts) or any(
        n.district.city_id != city.pk for n in neighbourhoods
    ):
        raise ValidationError(_("A centre serves districts and neighbourhoods of its own city."))
    centre.save()
    centre.districts.set(districts)
    centre.neighbourhoods.set(neighbourhoods)
    return centre


@transaction.atomic
def headquarters_create(
    *,
    name: str,
    level: str,
    parent: Headquarters | None = None,
    province=None,
    city=None,
    neighbourhood=None,
    centre: Centre | None = None,
) -> Headquarters:
    hq = Headquarters(
        name=name,
        level=level,
        parent=parent,
        province=province,
        city=city,
        neighbourhood=neighbourhood,
        centre=centre,
    )
    hq.full_clean()
    hq.save()
    return hq


@transaction.atomic
def staff_role_assign(*, user, role: str, scope=None) -> StaffRole:
    """Give `user` a role within `scope` (a Centre, Headquarters, Partner, City or Province).

    Idempotent: the same role in the same scope is returned, not repeated. The user joins
    the role's permission group, and becomes admin staff when the role works in the admin.
    """
    fields = {"centre": None, "headquarters": None, "partner": None, "city": None, "province": None}
    if scope is not None:
        kind = type(scope).__name__.lower()
        if kind not in fields:
            raise ValueError(f"Not a scope: {scope!r}")
        fields[kind] = scope
    staff_role = StaffRole.objects.filter(user=user, role=role, **fields).first()
    if staff_role is None:
        staff_role = StaffRole(user=user, role=role, **fields)
        staff_role.full_clean()
        staff_role.save()
    elif not staff_role.is_active:
        staff_role.is_active = True
        staff_role.save(update_fields=["is_active", "updated_at"])
    user_sync_groups(user=user)
    return staff_role


@transaction.atomic
def staff_role_revoke(*, staff_role: StaffRole) -> None:
    staff_role.is_active = False
    staff_role.save(update_fields=["is_active", "updated_at"])
    user_sync_groups(user=staff_role.user)


def user_sync_groups(*, user) -> None:
    """Make the user's role groups and admin access follow their active roles."""
    active = set(StaffRole.objects.filter(user=user, is_active=True).values_list("role", flat=True))
    role_groups = Group.objects.filter(name__startswith="role:")
    user.groups.remove(*role_groups.exclude(name__in=[roles.group_name(r) for r in active]))
    user.groups.add(*role_groups.filter(name__in=[roles.group_name(r) for r in active]))
    is_staff = user.is_superuser or bool(active & roles.ADMIN_ROLES)
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    forget_scope(user)
