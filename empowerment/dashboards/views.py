"""Dashboard pages: sign-in, the landing page and one view class per dashboard.

A dashboard is a `DashboardPage` subclass registered with `@register`: it names its
`slug`, `title`, the `permission` that opens it, its template, and builds its figures in
`get_figures(filters)` from selectors. The same view answers the page and, with a
`figure` in the URL, that figure's .xlsx export: both from the same filters and scope.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404
from django.urls import reverse, reverse_lazy
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.generic import TemplateView

from centres.models import District, Indicator, Neighbourhood
from empowerment.dashboards import selectors
from empowerment.dashboards import summary_selectors as sel
from empowerment.dashboards.exports import figure_xlsx_response
from empowerment.dashboards.figures import Column, Figure
from empowerment.dashboards.filters import DashboardFilterForm
from empowerment.dashboards.models import TrainingSummary
from empowerment.dashboards.summaries import summaries_fresh_enough, summaries_refresh
from empowerment.kernel.persian import to_persian_digits

LOGIN_URL = reverse_lazy("dashboard:login")
PAGES: list[type[DashboardPage]] = []


def register(page: type[DashboardPage]) -> type[DashboardPage]:
    """Mount a page at /dashboard/<slug>/ (and its exports) and link it in the navigation."""
    PAGES.append(page)
    return page


def pages_for(user) -> list[type[DashboardPage]]:
    return [page for page in PAGES if page.may_open(user)]


class DashboardLoginView(auth_views.LoginView):
    # LoginView's form authenticates with the request, as django-axes needs.
    template_name = "dashboard/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self):
        return reverse("dashboard:index")


class DashboardLogoutView(auth_views.LogoutView):
    next_page = LOGIN_URL


@method_decorator(never_cache, name="dispatch")
class DashboardBase(LoginRequiredMixin, TemplateView):
    login_url = LOGIN_URL

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "dashboard_pages": pages_for(self.request.user),
        }


class DashboardIndex(DashboardBase):
    template_name = "dashboard/index.html"


class DashboardPage(DashboardBase):
    slug: str = ""
    title = ""
    description = ""
    permission: str | None = None
    form_class = DashboardFilterForm
    exporting = False  # an .xlsx export: long lists in full (`limit`)

    @classmethod
    def may_open(cls, user) -> bool:
        return user.is_authenticated and (cls.permission is None or user.has_perm(cls.permission))

    @classmethod
    def url(cls) -> str:
        return reverse(f"dashboard:{cls.slug}")

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and not self.may_open(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_filters(self) -> DashboardFilterForm:
        default_year = None if self.request.GET.get("year") else self.get_default_year()
        return self.form_class(self.request.GET, user=self.request.user, default_year=default_year)

    def get_default_year(self) -> int | None:
        """The year shown when none is chosen (None: the current Jalali year)."""
        return None

    def get_figures(self, filters: DashboardFilterForm) -> list[Figure]:
        raise NotImplementedError

    def limit(self, rows: int) -> int | None:
        """How many rows a long list shows: `rows` on the page, all of them in an export."""
        return None if self.exporting else rows

    def get(self, request, *args, figure: str | None = None, **kwargs):
        self.exporting = figure is not None
        filters = self.get_filters()
        figures = self.get_figures(filters)
        subtitle = filters.describe()
        query = filters.querystring()
        for fig in figures:
            fig.subtitle = subtitle
            fig.export_url = (
                reverse(f"dashboard:{self.slug}-export", kwargs={"figure": fig.slug}) + "?" + query
            )
        if figure is not None:
            chosen = next((f for f in figures if f.slug == figure), None)
            if chosen is None:
                raise Http404
            filename = f"{self.slug}-{chosen.slug}-{filters.period.year}"
            if filters.period.quarter:
                filename += f"-q{filters.period.quarter}"
            return figure_xlsx_response(chosen, filename=filename, subtitle=subtitle)
        context = self.get_context_data(
            filters=filters, figures=figures, subtitle=subtitle, page=self, **kwargs
        )
        return self.render_to_response(context)


class SummaryPage(DashboardPage):
    """A page read from the summary tables: says when they were rebuilt and, without a
    broker (the embedded default, tasks eager), rebuilds them itself when they are stale."""

    template_name = "dashboard/summary_page.html"
    summary_model = TrainingSummary
    latest_condition: Q | None = None  # which summary rows make a year worth opening on

    def get_default_year(self):
        latest = sel.latest_period(
            self.summary_model, user=self.request.user, condition=self.latest_condition
        )
        return latest // 100 if latest else None

    def get(self, request, *args, **kwargs):
        state = sel.summary_state()
        if settings.CELERY_TASK_ALWAYS_EAGER and not summaries_fresh_enough(state):
            state = summaries_refresh()
        self.summary_state = state
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "summary_state": self.summary_state}


def _district_label(row: dict, many_cities: bool) -> str:
    label = row["district_name"] or _("District %(number)s") % {"number": row["district_number"]}
    return f"{label} · {row['city_name']}" if many_cities else str(label)


@register
class NeighbourhoodsDashboard(SummaryPage):
    slug = "neighbourhoods"
    title = _("Neighbourhoods")
    description = _(
        "Population, age, unemployment and the social problems the headquarters track, "
        "district beside district."
    )
    permission = "centres.view_indicator"

    def get_default_year(self):
        # Figures are entered after a period ends: open on the latest year that has some.
        return selectors.latest_indicator_year(user=self.request.user)

    def get_figures(self, filters):
        user = self.request.user
        districts = selectors.district_indicators(
            user=user, filters=filters, limit=self.limit(selectors.DISTRICT_ROWS)
        )
        neighbourhoods = selectors.neighbourhood_indicators(
            user=user, filters=filters, limit=self.limit(selectors.NEIGHBOURHOOD_ROWS)
        )
        first_districts = _(
            "At most the first %(n)s districts here; all of them in the export."
        ) % {"n": to_persian_digits(selectors.DISTRICT_ROWS)}
        many_cities = len({row["city_id"] for row in districts}) > 1
        chosen = filters.selection.get("district")
        for row in districts:
            row["label"] = _district_label(row, many_cities)
            row["_highlight"] = row["district_id"] == chosen
        totals = []
        if districts:
            totals.append(
                {
                    "label": _("All districts shown"),
                    "_total": True,
                    **selectors.combine_weighted(districts),
                }
            )
        if chosen in {row["district_id"] for row in districts}:
            city_id = filters.district_city.get(chosen)
            rest = [r for r in districts if r["city_id"] == city_id and r["district_id"] != chosen]
            if rest:
                totals.append(
                    {
                        "label": _("Rest of %(city)s") % {"city": rest[0]["city_name"]},
                        "_total": True,
                        **selectors.combine_weighted(rest),
                    }
                )
        district_label = Column("label", District._meta.verbose_name)
        share = {"kind": "decimal", "decimals": 1}
        age = Figure(
            slug="districts",
            title=_("Age and unemployment by district"),
            columns=[
                district_label,
                Column("population", _("Population"), "int"),
                Column("youth_share", _("Young people (%)"), chart=True, **share),
                Column("over_65_share", _("Over 65 (%)"), chart=True, **share),
                Column("unemployment_rate", _("Unemployment rate (%)"), chart=True, **share),
            ],
            rows=districts + totals,
            note=_("Shares are averages over the neighbourhoods, weighted by population.")
            + " "
            + first_districts,
        )
        problem_columns = [
            Column(name, Indicator._meta.get_field(name).verbose_name, "level", chart=True)
            for name in Indicator.PROBLEM_FIELDS
        ]
        problems = Figure(
            slug="problems",
            title=_("Social problems by district"),
            columns=[district_label, *problem_columns],
            rows=districts + totals,
            y_max=4,
            note=_("Level 0 (none) to 4 (severe), weighted by population.") + " " + first_districts,
        )
        for row in neighbourhoods:
            row["district"] = _district_label(row, many_cities)
            row["period"] = Indicator(year=row["year"], quarter=row["figure_quarter"]).period_label
            row["_highlight"] = row["district_id"] == chosen
        detail = Figure(
            slug="neighbourhoods",
            title=_("Neighbourhoods"),
            columns=[
                Column("neighbourhood_name", Neighbourhood._meta.verbose_name),
                Column("district", District._meta.verbose_name),
                Column("period", _("Figures of")),
                Column("population", _("Population"), "int"),
                Column("youth_share", _("Young people (%)"), chart=True, **share),
                Column("over_65_share", _("Over 65 (%)"), chart=True, **share),
                Column("unemployment_rate", _("Unemployment rate (%)"), chart=True, **share),
                *[Column(c.key, c.label, "level") for c in problem_columns],
                Column("updated_at", _("Last changed"), "date"),
            ],
            rows=neighbourhoods,
            note=_(
                "For a year, the yearly figures or else the latest quarter's; for a quarter, "
                "that quarter's or else the year's. At most the first %(n)s neighbourhoods "
                "here (a city or district narrows the list); all of them in the export."
            )
            % {"n": to_persian_digits(selectors.NEIGHBOURHOOD_ROWS)},
        )
        return [age, problems, detail]
