"""The dashboards' filter form: Jalali period and geography, within the user's scope.

The selected filters live in the GET query string so that a page can be shared. Each
choice list comes from `visible_to(user)`, so a value outside the user's scope is not a
valid choice: it is refused (shown as an error, then ignored) and can never widen what
the selectors read, which start from `visible_to(user)` themselves.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from centres.models import Centre, City, District, Neighbourhood, Province
from centres.scope import is_many_valued
from empowerment.kernel.jalali import MONTH_NAMES, period_bounds, today_jalali
from empowerment.kernel.persian import to_persian_digits

GEOGRAPHY_KINDS = ("province", "city", "district", "neighbourhood", "centre")
FIRST_YEAR = 1398  # the first centres opened around then; older periods have no data

QUARTER_CHOICES = [
    ("", _("Whole year")),
    *[
        (
            str(q),
            _("Quarter %(number)s (%(first)s to %(last)s)")
            % {
                "number": to_persian_digits(q),
                "first": MONTH_NAMES[(q - 1) * 3],
                "last": MONTH_NAMES[(q - 1) * 3 + 2],
            },
        )
        for q in range(1, 5)
    ],
]


@dataclass(frozen=True)
class Period:
    """A Jalali year or quarter, with its Gregorian bounds [start, end) for date filters."""

    year: int
    quarter: int | None

    @property
    def bounds(self) -> tuple[datetime.date, datetime.date]:
        return period_bounds(self.year, self.quarter)

    @property
    def start(self) -> datetime.date:
        return self.bounds[0]

    @property
    def end(self) -> datetime.date:
        return self.bounds[1]

    def date_filter(self, path: str) -> Q:
        """`Q` keeping rows whose date (or datetime) at `path` falls within the period."""
        start, end = self.bounds
        return Q(**{f"{path}__gte": start, f"{path}__lt": end})

    @property
    def label(self) -> str:
        year = to_persian_digits(self.year)
        if self.quarter is None:
            return str(_("Year %(year)s") % {"year": year})
        return str(dict(QUARTER_CHOICES)[str(self.quarter)]) + f" {year}"


class DashboardFilterForm(forms.Form):
    """Filters of a dashboard page, bound to `request.GET` and to the user's scope.

    Use: `form = DashboardFilterForm(request.GET, user=request.user)`, then `form.period`
    (a `Period`), `form.selection` (the geography and programme chosen, kind -> id) and
    `form.restrict(queryset, {kind: lookup path, ...})`. Invalid or out-of-scope values
    are dropped and reported in `form.errors`; the rest still applies.

    Subclasses that filter by programme override `programme_queryset(user)`; the field is
    only in the form when it returns a queryset.
    """

    year = forms.TypedChoiceField(label=_("Year"), coerce=int)
    quarter = forms.TypedChoiceField(
        label=_("Quarter"), choices=QUARTER_CHOICES, coerce=int, required=False, empty_value=None
    )
    # Labels are the models' own names, translated once for the whole portal.
    province = forms.TypedChoiceField(
        label=Province._meta.verbose_name, coerce=int, required=False, empty_value=None
    )
    city = forms.TypedChoiceField(
        label=City._meta.verbose_name, coerce=int, required=False, empty_value=None
    )
    district = forms.TypedChoiceField(
        label=District._meta.verbose_name, coerce=int, required=False, empty_value=None
    )
    neighbourhood = forms.TypedChoiceField(
        label=Neighbourhood._meta.verbose_name, coerce=int, required=False, empty_value=None
    )
    centre = forms.TypedChoiceField(
        label=Centre._meta.verbose_name, coerce=int, required=False, empty_value=None
    )

    def __init__(self, data=None, *, user, default_year: int | None = None, years=None):
        self.user = user
        current_year = today_jalali().year
        self.default_year = default_year or current_year
        data = data.copy() if data is not None else {}
        if not data.get("year"):
            data["year"] = str(self.default_year)
        super().__init__(data)
        years = list(years or range(current_year, FIRST_YEAR - 1, -1))
        self.fields["year"].choices = [(str(y), to_persian_digits(y)) for y in years]
        self._geography_choices(data)
        programmes = self.programme_queryset(user)
        if programmes is not None:
            self.fields["programme"] = forms.TypedChoiceField(
                label=_("Programme"),
                coerce=int,
                required=False,
                empty_value=None,
                choices=[
                    ("", _("All")),
                    *[(str(pk), n) for pk, n in programmes.values_list("pk", "title")],
                ],
            )

    def programme_queryset(self, user) -> QuerySet | None:
        """The programmes to choose from (a scoped queryset), or None for no such filter."""
        return None

    def _geography_choices(self, data) -> None:
        """At most one query per list, each within the user's scope and narrowed in SQL by
        the parent chosen, so that a child of another parent is refused.

        A country has hundreds of cities and centres and thousands of districts and
        neighbourhoods: a list is only offered once its parent narrows it (a province for
        cities and centres, a city for districts and neighbourhoods); until then only the
        value chosen, if valid, is read. The page's cost so follows the places it lists,
        not the size of the country. Every value in scope stays valid (a shared link with
        a city and no province).
        """

        def given(name) -> int | None:
            value = data.get(name)
            return int(value) if value and str(value).isdigit() else None

        def read(queryset, fields, *, listed: bool, value: int | None, **narrow) -> list:
            """The rows to offer (all of them when `listed`, else only the value given)."""
            if not listed:
                if value is None:
                    return []  # nothing to list, nothing to check: no query
                narrow["pk"] = value
            return list(queryset.filter(**narrow).values_list(*fields))

        def chosen(name, rows) -> int | None:
            value = given(name)
            return value if value in {row[0] for row in rows} else None

        user = self.user
        provinces = list(Province.objects.visible_to(user).values_list("pk", "name"))
        province = chosen("province", provinces)
        one_province = province is not None or len(provinces) <= 1
        in_province = {} if province is None else {"province": province}
        cities = read(
            City.objects.visible_to(user),
            ("pk", "name"),
            listed=one_province,
            value=given("city"),
            **in_province,
        )
        city = chosen("city", cities)
        # Several provinces and none chosen: several cities (the list was not read).
        many_cities = len(cities) > 1 or not one_province
        one_city = city is not None or not many_cities
        if city is not None:
            in_city = {"city": city}
        else:
            in_city = {} if province is None else {"city__province": province}
        districts = read(
            District.objects.visible_to(user).order_by("city__name", "number"),
            ("pk", "number", "name", "city_id", "city__name"),
            listed=one_city,
            value=given("district"),
            **in_city,
        )
        district = chosen("district", districts)
        if district is not None:
            in_district = {"district": district}
        else:
            in_district = {f"district__{key}": value for key, value in in_city.items()}
        neighbourhoods = read(
            Neighbourhood.objects.visible_to(user).order_by(
                "district__city__name", "district__number", "name"
            ),
            ("pk", "name"),
            listed=one_city,
            value=given("neighbourhood"),
            **in_district,
        )
        centres = read(
            Centre.objects.visible_to(user).order_by("name"),
            ("pk", "name"),
            listed=one_province or one_city,
            value=given("centre"),
            **in_city,
        )
        everything = [("", _("All"))]

        def district_label(number, name, city_name):
            label = name or _("District %(number)s") % {"number": to_persian_digits(number)}
            return f"{label} · {city_name}" if many_cities else label

        def offer(name, rows, label, listed: bool, hint):
            first = everything if listed else [("", hint)]
            self.fields[name].choices = first + [(str(row[0]), label(row)) for row in rows]

        self.fields["province"].choices = everything + [(str(pk), n) for pk, n in provinces]
        after_province = _("All (choose a province to list them)")
        after_city = _("All (choose a city to list them)")
        offer("city", cities, lambda c: c[1], one_province, after_province)
        offer(
            "district", districts, lambda d: district_label(d[1], d[2], d[4]), one_city, after_city
        )
        offer("neighbourhood", neighbourhoods, lambda n: n[1], one_city, after_city)
        offer("centre", centres, lambda c: c[1], one_province or one_city, after_province)
        # Labels of the chosen places, for titles (no further query).
        self.names = {
            "province": dict(provinces),
            "city": dict(cities),
            "district": {d[0]: district_label(d[1], d[2], d[4]) for d in districts},
            "neighbourhood": dict(neighbourhoods),
            "centre": dict(centres),
        }
        self.district_city = {d[0]: d[3] for d in districts}

    # --- What the selectors use ------------------------------------------------------------

    @property
    def cleaned(self) -> dict:
        """The valid values; invalid ones (out of scope, malformed) are left out."""
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        return self.cleaned_data

    @property
    def period(self) -> Period:
        return Period(self.cleaned.get("year") or self.default_year, self.cleaned.get("quarter"))

    @property
    def selection(self) -> dict[str, int]:
        """The chosen geography (and programme): kind -> id, only the valid ones."""
        kinds = (*GEOGRAPHY_KINDS, "programme")
        return {k: self.cleaned[k] for k in kinds if self.cleaned.get(k) is not None}

    def restrict(self, queryset: QuerySet, paths: dict, *, only=None) -> QuerySet:
        """Apply the chosen geography to `queryset`.

        `paths` maps each kind the model can be filtered by to its lookup path (or a tuple of
        paths, OR-ed), e.g. `{"city": "centre__city", "centre": "centre"}`. `only` limits
        which chosen kinds apply (a comparison between districts ignores the district
        chosen). A chosen kind with no path is a programming error, never silently skipped.
        """
        for kind, value in self.selection.items():
            if only is not None and kind not in only:
                continue
            if kind not in paths:
                raise ImproperlyConfigured(
                    f"{queryset.model.__name__} has no path for the {kind} filter"
                )
            lookups = paths[kind]
            condition = Q()
            for path in (lookups,) if isinstance(lookups, str) else lookups:
                if is_many_valued(queryset.model, path):
                    matching = queryset.model._base_manager.filter(**{path: value}).values("pk")
                    condition |= Q(pk__in=matching)
                else:
                    condition |= Q(**{path: value})
            queryset = queryset.filter(condition)
        return queryset

    def querystring(self) -> str:
        """The valid filters as a query string, for export links and shared URLs."""
        params = {"year": self.period.year}
        if self.period.quarter:
            params["quarter"] = self.period.quarter
        params.update(self.selection)
        return urlencode(params)

    def describe(self) -> str:
        """The period and places chosen, in words: the subtitle of a page and an export."""
        parts = [self.period.label]
        for kind in GEOGRAPHY_KINDS:
            value = self.selection.get(kind)
            if value is not None:
                parts.append(str(self.names[kind].get(value, "")))
        return "، ".join(p for p in parts if p)
