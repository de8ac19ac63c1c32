"""Writes on centres, headquarters and staff roles that are more than a save."""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from empowerment.kernel.persian import normalize_digits, search_key, to_persian_digits
from empowerment.kernel.spreadsheets import SpreadsheetError, header_key, read_rows

from . import roles
from .models import (
    Centre,
    City,
    District,
    Headquarters,
    Indicator,
    Neighbourhood,
    StaffRole,
)
from .scope import forget_scope

User = get_user_model()


def roles_sync_on_migrate(sender, **kwargs) -> None:
    """post_migrate receiver (centres/apps.py)."""
    roles_sync_groups()


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


# --- Neighbourhood indicators ------------------------------------------------------------
# Self-contained section: recording a neighbourhood's figures for a period, one by one
# (admin, demo) or from a spreadsheet (all rows or none).

INDICATOR_COLUMNS = {
    # Persian column name in an import file -> model field. English field names work too.
    "شهر": "city",
    "منطقه": "district",
    "محله": "neighbourhood",
    "سال": "year",
    "فصل": "quarter",
    "جمعیت": "population",
    "سهم جوانان": "youth_share",
    "سهم بالای ۶۵ سال": "over_65_share",
    "نرخ بیکاری": "unemployment_rate",
    "اعتیاد": "addiction_level",
    "فقر": "poverty_level",
    "بیکاری": "unemployment_level",
    "ناامنی": "insecurity_level",
    "منبع": "source",
}
INDICATOR_REQUIRED_COLUMNS = ("city", "district", "neighbourhood", "year")
INDICATOR_VALUE_FIELDS = (
    "population",
    *Indicator.SHARE_FIELDS,
    *Indicator.PROBLEM_FIELDS,
    "source",
)
_LEVEL_WORDS = {"ندارد": 0, "هیچ": 0, "کم": 1, "متوسط": 2, "زیاد": 3, "شدید": 4, "بحرانی": 4}
_QUARTER_WORDS = {"بهار": 1, "تابستان": 2, "پاییز": 3, "پائیز": 3, "زمستان": 4}


class IndicatorImportError(ValidationError):
    """The import was refused; `messages` lists each problem (row by row), in Persian, and
    `problems` the same as (row number or None for the whole file, code)."""

    def __init__(self, problems: list[tuple[int | None, str, str]]):
        """`problems`: (row number or None, code, message) for each problem."""
        super().__init__([ValidationError(message, code=code) for _row, code, message in problems])
        self.problems = [(row, code) for row, code, _message in problems]


@dataclass(frozen=True)
class IndicatorImportResult:
    created: int
    updated: int


@transaction.atomic
def indicator_record(
    *, neighbourhood: Neighbourhood, year: int, quarter: int | None = None, **values
) -> tuple[Indicator, bool]:
    """Record a neighbourhood's figures for a period, replacing those already recorded.

    Returns (indicator, created). Fields not given keep their value on an update.
    """
    unknown = set(values) - set(INDICATOR_VALUE_FIELDS)
    if unknown:
        raise TypeError(f"Not indicator fields: {sorted(unknown)}")
    indicator = (
        Indicator.objects.select_for_update()
        .filter(neighbourhood=neighbourhood, year=year, quarter=quarter)
        .first()
    )
    created = indicator is None
    if created:
        indicator = Indicator(neighbourhood=neighbourhood, year=year, quarter=quarter)
    elif all(getattr(indicator, name) == value for name, value in values.items()):
        return indicator, False  # nothing changed: no save, no history row
    for name, value in values.items():
        setattr(indicator, name, value)
    indicator.full_clean()
    indicator.save()
    return indicator, created


def indicator_import(*, user, upload) -> IndicatorImportResult:
    """Import figures from an .xlsx or .csv file with Persian column names.

    All or nothing: every row is checked first (neighbourhood within the user's scope,
    period, numbers, levels, the model's rules); if any row is wrong nothing is written and
    the error lists each problem by row number. A row for a period already recorded
    replaces its figures (the history keeps the old ones).
    """
    try:
        headers, rows = read_rows(upload)
    except SpreadsheetError as exc:
        raise IndicatorImportError([(None, exc.code, str(exc))]) from exc
    columns = {header_key(k): v for k, v in INDICATOR_COLUMNS.items()}
    columns.update({header_key(v): v for v in INDICATOR_COLUMNS.values()})
    fields_present = {columns[h] for h in headers if h in columns}
    missing = [
        name
        for name, field in INDICATOR_COLUMNS.items()
        if field in INDICATOR_REQUIRED_COLUMNS and field not in fields_present
    ]
    if missing:
        message = _("Columns missing from the file: %(names)s.") % {"names": "، ".join(missing)}
        raise IndicatorImportError([(None, "columns_missing", message)])
    # One query for every neighbourhood the user may record figures for.
    neighbourhoods = {
        (search_key(city), number, search_key(name)): pk
        for pk, city, number, name in Neighbourhood.objects.visible_to(user).values_list(
            "pk", "district__city__name", "district__number", "name"
        )
    }
    errors: list[tuple[int, str, str]] = []
    parsed: dict[tuple[int, int, int | None], tuple[int, dict]] = {}
    for row in rows:
        values = {columns[h]: v for h, v in row.values.items() if h in columns}
        row_errors: list[tuple[str, str]] = []
        record = _indicator_row(values, neighbourhoods, row_errors)
        if record is not None:
            key = (record["neighbourhood_id"], record["year"], record["quarter"])
            if key in parsed:
                row_errors.append(
                    (
                        "row_repeated",
                        _("the same neighbourhood and period is also in row %(row)s")
                        % {"row": to_persian_digits(parsed[key][0])},
                    )
                )
            else:
                parsed[key] = (row.number, record)
        errors.extend(_row_error(row.number, code, message) for code, message in row_errors)
    if errors:
        raise IndicatorImportError(errors)

    # One query for the figures already recorded for these neighbourhoods and years.
    existing = {
        (i.neighbourhood_id, i.year, i.quarter): i
        for i in Indicator.objects.filter(
            neighbourhood_id__in={k[0] for k in parsed}, year__in={k[1] for k in parsed}
        )
    }
    to_save = []
    for key, (number, record) in parsed.items():
        indicator = existing.get(key) or Indicator(
            neighbourhood_id=key[0], year=key[1], quarter=key[2]
        )
        for name in INDICATOR_VALUE_FIELDS:
            if name in record:
                setattr(indicator, name, record[name])
        try:
            # Uniqueness is settled above (within the file and against `existing`).
            indicator.full_clean(exclude=["neighbourhood"], validate_constraints=False)
        except ValidationError as exc:
            errors.extend(_row_error(number, code, m) for code, m in _flat_messages(exc))
        to_save.append(indicator)
    if errors:
        raise IndicatorImportError(errors)
    with transaction.atomic():
        for indicator in to_save:
            indicator.save()
    created = sum(1 for i in to_save if (i.neighbourhood_id, i.year, i.quarter) not in existing)
    return IndicatorImportResult(created=created, updated=len(to_save) - created)


def _row_error(number: int, code: str, message: str) -> tuple[int, str, str]:
    text = _("Row %(row)s: %(message)s") % {"row": to_persian_digits(number), "message": message}
    return number, code, text


def _flat_messages(exc: ValidationError) -> list[tuple[str, str]]:
    """The model's refusal as (code, message) pairs, each message prefixed by its field."""
    if hasattr(exc, "error_dict"):
        return [
            (
                error.code or "invalid",
                f"{Indicator._meta.get_field(f).verbose_name if f != '__all__' else ''}: "
                f"{message}".lstrip(": "),
            )
            for f, errs in exc.error_dict.items()
            for error in errs
            for message in error
        ]
    return [(error.code or "invalid", message) for error in exc.error_list for message in error]


def _indicator_row(values: dict, neighbourhoods: dict, errors: list) -> dict | None:
    """The row's values as a record, or None with (code, message) pairs added to `errors`."""
    record: dict = {}
    district = values.get("district", "")
    district_number = _whole_number(district.replace("منطقه", "").strip())
    if not values.get("city") or not values.get("neighbourhood") or district_number is None:
        errors.append(("place_required", _("city, district number and neighbourhood are required")))
    else:
        key = (search_key(values["city"]), district_number, search_key(values["neighbourhood"]))
        record["neighbourhood_id"] = neighbourhoods.get(key)
        if record["neighbourhood_id"] is None:
            message = _(
                "neighbourhood «%(name)s» of district %(district)s of %(city)s is not found in "
                "your area"
            ) % {
                "name": values["neighbourhood"],
                "district": to_persian_digits(district_number),
                "city": values["city"],
            }
            errors.append(("neighbourhood_not_found", message))
    year = _whole_number(values.get("year", ""))
    if year is None or not 1350 <= year <= 1500:
        errors.append(("year_invalid", _("the year must be a Jalali year such as 1403")))
    record["year"] = year
    quarter_text = values.get("quarter", "")
    quarter = _QUARTER_WORDS.get(quarter_text) or _whole_number(quarter_text)
    if quarter_text and (quarter is None or not 1 <= quarter <= 4):
        errors.append(
            (
                "quarter_invalid",
                _("the quarter must be 1 to 4 (or spring, summer, autumn, winter)"),
            )
        )
    record["quarter"] = quarter if quarter_text else None
    if "population" in values:
        population = values["population"].replace(",", "").replace("٬", "")
        record["population"] = _whole_number(population) if population else None
        if population and record["population"] is None:
            errors.append(("population_invalid", _("the population must be a whole number")))
    for name in Indicator.SHARE_FIELDS:
        if name in values:
            text = values[name].replace("٫", ".").replace("%", "").replace("٪", "").strip()
            try:
                record[name] = Decimal(text).quantize(Decimal("0.01")) if text else None
            except InvalidOperation:
                record[name] = None
                message = _("%(field)s must be a percentage such as 23.5") % {
                    "field": Indicator._meta.get_field(name).verbose_name
                }
                errors.append((f"{name}_invalid", message))
    for name in Indicator.PROBLEM_FIELDS:
        if name in values:
            text = values[name]
            level = _LEVEL_WORDS.get(text)
            if level is None and text:
                level = _whole_number(text)
            if text and (level is None or not 0 <= level <= 4):
                message = _(
                    "%(field)s must be a level from 0 to 4 (none, low, moderate, high, severe)"
                ) % {"field": Indicator._meta.get_field(name).verbose_name}
                errors.append((f"{name}_invalid", message))
            record[name] = level if text else None
    if "source" in values:
        record["source"] = values["source"]
    return None if errors else record


def _whole_number(text: str) -> int | None:
    text = normalize_digits(str(text or "")).strip()
    return int(text) if text.isdigit() else None
