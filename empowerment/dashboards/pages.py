"""The overview, calls-for-ideas and headquarters dashboards, read from the summary tables.

Their figures come from `summary_selectors` (aggregates over the summary tables, so the
cost does not grow with the number of trainees) and, for the two short lists of the
headquarters page (overdue resolutions, commitments), from limited scoped queries.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from centres.models import Commitment
from empowerment.dashboards import summary_selectors as sel
from empowerment.dashboards.figures import Column, Figure
from empowerment.dashboards.filters import DashboardFilterForm
from empowerment.dashboards.models import AGE_BANDS, HeadquartersSummary, IdeaSummary
from empowerment.dashboards.views import PAGES, SummaryPage, register
from empowerment.kernel.jalali import MONTH_NAMES, local_today
from empowerment.kernel.persian import to_persian_digits
from programs.models import Programme


class TrainingFilterForm(DashboardFilterForm):
    """The overview's filters: the geography and period, and the programme."""

    def programme_queryset(self, user):
        return Programme.objects.visible_to(user).order_by("title")

    def describe(self) -> str:
        text = super().describe()
        chosen = self.selection.get("programme")
        if chosen is not None:
            name = dict(self.fields["programme"].choices).get(str(chosen), "")
            text = f"{text}، {name}"
        return text


def _rate(part, whole) -> float | None:
    return round(100 * float(part) / float(whole), 1) if whole else None


def _total(rows: list[dict], keys) -> dict:
    return {key: sum(row.get(key) or 0 for row in rows) for key in keys}


def _months(filters) -> list[int]:
    first, last = sel._period_range(filters)
    return list(range(first, last + 1))


def _month_label(period: int) -> str:
    return MONTH_NAMES[period % 100 - 1]


COUNT = {"kind": "int", "chart": True}
PERCENT = {"kind": "decimal", "decimals": 1, "chart": True}


@register
class OverviewDashboard(SummaryPage):
    slug = "overview"
    order = 1
    title = _("Overview")
    description = _(
        "Trainees trained and in training by gender, age and neighbourhood; cohorts, "
        "completion and attendance; certificates, jobs and sales, month by Jalali month."
    )
    permission = "empowerment.view_trainingsummary"
    form_class = TrainingFilterForm
    latest_condition = (
        Q(enrolled__gt=0)
        | Q(completed__gt=0)
        | Q(sessions_held__gt=0)
        | Q(employed__gt=0)
        | Q(sales_rials__gt=0)
    )

    def get_figures(self, filters):
        user = self.request.user
        people = sel.training_by_person(user=user, filters=filters)
        months = {row["period"]: row for row in sel.training_by_month(user=user, filters=filters)}
        places = sel.training_by_neighbourhood(
            user=user, filters=filters, limit=self.limit(sel.NEIGHBOURHOOD_ROWS)
        )
        programmes = sel.training_by_programme(user=user, filters=filters)
        total = _total(people, sel.TRAINING_MEASURES)
        periods = _months(filters)
        # Cohorts that ran in the period: those running on its first day, and those started.
        first = months.get(periods[0], {})
        cohorts = (first.get("cohorts_running_at_start") or 0) + total["cohorts_started"]
        value = Column("value", _("Number"), **COUNT)
        item = Column("label", _("Figure"))
        training = Figure(
            slug="training",
            title=_("Training"),
            columns=[item, value],
            rows=[
                {"label": _("Trainees trained (completed)"), "value": total["completed"]},
                {"label": _("Trainees in training"), "value": total["in_training"]},
                {"label": _("Sessions held"), "value": total["sessions_held"]},
                {"label": _("Enrolments"), "value": total["enrolled"]},
                {"label": _("Certificates"), "value": total["certified"]},
                {"label": _("Dropped out"), "value": total["dropped"]},
                {"label": _("Cohorts running"), "value": cohorts},
                # Of the trainees in training, those registered as foreign nationals (added last:
                # readers know the rows above by their place).
                {
                    "label": _("Foreign nationals in training"),
                    "value": total["foreign_nationals"],
                },
            ],
            note=_(
                "In training: enrolled in a cohort that held sessions in the period, each "
                "once however many months; a trainee in two cohorts counts in each. "
                "Completions are counted in the month of the cohort's end, certificates in "
                "the month of their date, enrolments in the month of enrolment. Cohorts "
                "running: those under way at any time in the period."
            ),
        )
        rates = Figure(
            slug="rates",
            title=_("Completion and attendance"),
            columns=[item, Column("value", _("Per cent"), **PERCENT)],
            rows=[
                {
                    "label": _("Completion rate"),
                    "value": _rate(total["completed"], total["completed"] + total["dropped"]),
                },
                {
                    "label": _("Attendance rate"),
                    "value": _rate(total["attendance_present"], total["attendance_counted"]),
                },
            ],
            y_max=100,
            note=_(
                "Completion rate: completed out of those who completed or dropped out in the "
                "period. Attendance rate: present out of the marks taken at the sessions "
                "held in the period (an excused absence counts neither way)."
            ),
        )
        outcomes = Figure(
            slug="outcomes",
            title=_("Outcomes"),
            columns=[item, value],
            rows=[
                {"label": _("Employed"), "value": total["employed"]},
                {"label": _("Started a home business"), "value": total["home_business"]},
                {"label": _("Became an employer"), "value": total["employers"]},
                {"label": _("Jobs those employers created"), "value": total["jobs_created"]},
            ],
            note=_(
                "A person counts once per kind of outcome, in the month it was first "
                "recorded; an employer's jobs are those of the latest follow-up."
            ),
        )
        sales = Figure(
            slug="sales",
            title=_("Products sold"),
            columns=[
                Column("label", _("Programme")),
                Column("products_sold", _("Items sold"), **COUNT),
                Column("sales_rials", _("Value (Rials)"), "int"),
            ],
            rows=[{"label": r["name"], **r} for r in programmes if r["products_sold"]]
            + [
                {
                    "label": _("Total"),
                    "_total": True,
                    "products_sold": total["products_sold"],
                    "sales_rials": total["sales_rials"],
                }
            ],
        )
        gender_names = {"female": _("Female"), "male": _("Male")}
        by_gender = Figure(
            slug="gender",
            title=_("Trainees by gender"),
            columns=[
                Column("label", _("Gender")),
                Column("completed", _("Trained"), **COUNT),
                Column("in_training", _("In training"), **COUNT),
            ],
            rows=[
                {
                    "label": name,
                    **_total(
                        [r for r in people if r["gender"] == key], ("completed", "in_training")
                    ),
                }
                for key, name in gender_names.items()
            ],
        )
        by_age = Figure(
            slug="age",
            title=_("Trainees by age band"),
            columns=[
                Column("label", _("Age")),
                Column("completed", _("Trained"), **COUNT),
                Column("in_training", _("In training"), **COUNT),
            ],
            rows=[
                {
                    "label": name,
                    **_total(
                        [r for r in people if r["age_band"] == key and r["gender"]],
                        ("completed", "in_training"),
                    ),
                }
                for key, name in AGE_BANDS
            ],
            note=_("Age at enrolment, or at completion for those who completed."),
        )
        by_age.rows = [r for r in by_age.rows if r["completed"] or r["in_training"]]
        by_place = Figure(
            slug="neighbourhoods",
            title=_("Trainees by neighbourhood"),
            columns=[
                Column("name", _("Neighbourhood")),
                Column("completed", _("Trained"), **COUNT),
                Column("in_training", _("In training"), **COUNT),
                Column("employed", _("Employed"), "int"),
                Column("home_business", _("Home businesses"), "int"),
                Column("employers", _("Employers"), "int"),
            ],
            rows=[r for r in places if r["busy"]],
            note=_(
                "The neighbourhoods residents come from, busiest first: the %(n)s busiest "
                "here, all of them in the export."
            )
            % {"n": to_persian_digits(sel.NEIGHBOURHOOD_ROWS)},
        )
        for row in programmes:
            row["completion_rate"] = _rate(row["completed"], row["completed"] + row["dropped"])
            row["attendance_rate"] = _rate(row["attendance_present"], row["attendance_counted"])
        by_programme = Figure(
            slug="programmes",
            title=_("By programme"),
            columns=[
                Column("name", _("Programme")),
                Column("enrolled", _("Enrolments"), **COUNT),
                Column("completed", _("Trained"), **COUNT),
                Column("in_training", _("In training"), **COUNT),
                Column("sessions_held", _("Sessions held"), "int"),
                Column("certified", _("Certificates"), "int"),
                Column("completion_rate", _("Completion rate (%)"), "decimal"),
                Column("attendance_rate", _("Attendance rate (%)"), "decimal"),
            ],
            rows=[
                r
                for r in programmes
                if r["enrolled"] or r["completed"] or r["in_training"] or r["sessions_held"]
            ],
        )
        trend_rows = []
        for period in periods:
            row = months.get(period, {})
            trend_rows.append(
                {
                    "label": _month_label(period),
                    "enrolled": row.get("enrolled") or 0,
                    "in_training": row.get("in_training") or 0,
                    "sessions_held": row.get("sessions_held") or 0,
                    "attendance_rate": _rate(
                        row.get("attendance_present") or 0, row.get("attendance_counted") or 0
                    ),
                    "completed": row.get("completed") or 0,
                    "outcomes": sum(
                        row.get(k) or 0 for k in ("employed", "home_business", "employers")
                    ),
                    "products_sold": row.get("products_sold") or 0,
                    "sales_rials": row.get("sales_rials") or 0,
                }
            )
        trend = Figure(
            slug="trend",
            title=_("Month by month"),
            chart_type="line",
            columns=[
                Column("label", _("Month")),
                Column("enrolled", _("Enrolments"), **COUNT),
                Column("in_training", _("In training"), **COUNT),
                Column("sessions_held", _("Sessions held"), "int"),
                Column("attendance_rate", _("Attendance rate (%)"), "decimal"),
                Column("completed", _("Trained"), **COUNT),
                Column("outcomes", _("Jobs and businesses"), **COUNT),
                Column("products_sold", _("Items sold"), "int"),
                Column("sales_rials", _("Sales (Rials)"), "int"),
            ],
            rows=trend_rows,
            note=_("Jalali months: Farvardin to Esfand."),
        )
        busy = ("enrolled", "completed", "sales_rials", "in_training", "sessions_held")
        if not any(total[key] for key in busy):
            if not (total["employed"] or total["home_business"] or total["employers"]):
                # Nothing in the period: one message instead of empty charts.
                return [
                    Figure(slug=f.slug, title=f.title, columns=f.columns, rows=[])
                    for f in (training, trend)
                ]
        return [training, rates, outcomes, by_gender, by_age, by_place, by_programme, sales, trend]


IDEA_COLUMNS = [
    Column("received", _("Received"), **COUNT),
    Column("under_review", _("Under review"), **COUNT),
    Column("accepted", _("Accepted"), **COUNT),
    Column("rejected", _("Rejected"), **COUNT),
    Column("incubated", _("Incubated"), **COUNT),
    Column("business_opened", _("Business opened"), "int"),
]


@register
class IdeasDashboard(SummaryPage):
    slug = "ideas"
    order = 2
    title = _("Calls for ideas")
    description = _(
        "Ideas received, under review, accepted, rejected and incubated, per call and "
        "per neighbourhood."
    )
    permission = "empowerment.view_ideasummary"
    summary_model = IdeaSummary

    def get_figures(self, filters):
        user = self.request.user
        totals = sel.idea_totals(user=user, filters=filters)
        calls = sel.ideas_by_call(user=user, filters=filters, limit=self.limit(sel.LIST_ROWS))
        places = sel.ideas_by_neighbourhood(
            user=user, filters=filters, limit=self.limit(sel.NEIGHBOURHOOD_ROWS)
        )
        stages = Figure(
            slug="stages",
            title=_("Ideas by stage"),
            columns=[Column("label", _("Stage")), Column("value", _("Ideas"), **COUNT)],
            rows=[{"label": c.label, "value": totals[c.key]} for c in IDEA_COLUMNS]
            if totals["received"]
            else [],
            note=_("Ideas received in the period (by the day they were submitted)."),
        )
        for row in calls:
            row["label"] = row["name"]
        by_call = Figure(
            slug="calls",
            title=_("Per call"),
            columns=[Column("label", _("Call")), Column("centre_name", _("Centre")), *IDEA_COLUMNS],
            rows=calls + ([{"label": _("Total"), "_total": True, **totals}] if calls else []),
            note=_(
                "The calls with the most ideas first: the %(n)s first here, all of them in "
                "the export; the total is that of every call."
            )
            % {"n": to_persian_digits(sel.LIST_ROWS)},
        )
        for row in places:
            row["label"] = row["name"] or _("Neighbourhood not given")
        by_place = Figure(
            slug="neighbourhoods",
            title=_("Per neighbourhood"),
            columns=[Column("label", _("Neighbourhood")), *IDEA_COLUMNS],
            rows=places,
            note=_(
                "The neighbourhoods with the most ideas first: the %(n)s first here, all of "
                "them in the export."
            )
            % {"n": to_persian_digits(sel.NEIGHBOURHOOD_ROWS)},
        )
        return [stages, by_call, by_place]


@register
class HeadquartersDashboard(SummaryPage):
    slug = "headquarters"
    order = 3
    title = _("Headquarters")
    description = _(
        "Resolutions by status and responsible organisation, the overdue ones first; "
        "commitments and their progress; hours of opportunity-finding meetings per centre."
    )
    permission = "empowerment.view_headquarterssummary"
    summary_model = HeadquartersSummary
    latest_condition = Q(resolutions__gt=0) | Q(meetings__gt=0)

    def get_figures(self, filters):
        user = self.request.user
        today = local_today()
        partners = sel.resolutions_by_responsible(user=user, filters=filters)
        rows = self.limit(sel.LIST_ROWS)
        overdue = sel.overdue_resolutions(user=user, filters=filters, today=today, limit=rows)
        commitments = sel.commitments_due(user=user, filters=filters, today=today, limit=rows)
        hours = sel.meeting_hours_by_centre(user=user, filters=filters, limit=rows)
        at_most = {"n": to_persian_digits(sel.LIST_ROWS)}
        status_keys = ("open", "in_progress", "done", "cancelled", "overdue")
        totals = _total(partners, (*status_keys, "total"))
        status_columns = [
            Column("open", _("Open"), **COUNT),
            Column("in_progress", _("In progress"), **COUNT),
            Column("done", _("Done"), **COUNT),
            Column("cancelled", _("Cancelled"), "int"),
            Column("overdue", _("Overdue"), **COUNT),
        ]
        by_status = Figure(
            slug="status",
            title=_("Resolutions by status"),
            columns=[Column("label", _("Status")), Column("value", _("Resolutions"), **COUNT)],
            rows=[{"label": c.label, "value": totals[c.key]} for c in status_columns]
            + [{"label": _("Total"), "_total": True, "value": totals["total"]}]
            if partners
            else [],
            note=_("Resolutions of the meetings held in the period; overdue as of today."),
        )
        for row in partners:
            row["label"] = row["name"]
            row["progress"] = row["progress_sum"] / row["total"] if row["total"] else None
        by_partner = Figure(
            slug="responsible",
            title=_("Resolutions by responsible organisation"),
            columns=[
                Column("label", _("Responsible organisation")),
                Column("total", _("Resolutions"), "int"),
                *status_columns,
                Column("progress", _("Mean progress (%)"), "decimal"),
            ],
            rows=partners,
            note=_("The organisations with the most overdue resolutions first."),
        )
        late = Figure(
            slug="overdue",
            title=_("Overdue resolutions"),
            chart_type=None,
            columns=[
                Column("code", _("Resolution")),
                Column("body", _("Meeting of")),
                Column("text", _("Text")),
                Column("responsible", _("Responsible organisation")),
                Column("deadline", _("Deadline"), "date"),
                Column("days", _("Days overdue"), "int"),
                Column("progress", _("Progress (%)"), "int"),
            ],
            rows=[
                {
                    "code": to_persian_digits(f"{r.meeting.number}-{r.number}"),
                    "body": str(r.meeting.body),
                    "text": r.text[:120],
                    "responsible": r.responsible.name,
                    "deadline": r.deadline,
                    "days": r.days_overdue(today),
                    "progress": r.progress,
                    "_highlight": True,
                }
                for r in overdue
            ],
            note=_(
                "Overdue now, whatever the period chosen; the longest overdue first: the "
                "%(n)s first here, all of them in the export."
            )
            % at_most,
        )
        status_names = dict(Commitment.Status.choices)
        promised = Figure(
            slug="commitments",
            title=_("Commitments and their progress"),
            columns=[
                Column("title", _("Commitment")),
                Column("neighbourhood", _("Neighbourhood")),
                Column("promised_by", _("Who promised")),
                Column("due", _("Due date"), "date"),
                Column("status", _("Status")),
                Column("progress", _("Progress (%)"), **COUNT),
                Column("days", _("Days overdue"), "int"),
            ],
            rows=[
                {
                    "title": c.title,
                    "neighbourhood": c.neighbourhood.name,
                    "promised_by": c.promised_by,
                    "due": c.due_date,
                    "status": status_names.get(c.status, c.status),
                    "progress": c.progress,
                    "days": c.days_overdue(today) or None,
                    "_highlight": c.overdue_flag,
                }
                for c in commitments
            ],
            y_max=100,
            note=_(
                "Due in the period, and older ones still pending; overdue first: the %(n)s "
                "first here, all of them in the export."
            )
            % at_most,
        )
        meetings = Figure(
            slug="meetings",
            title=_("Opportunity-finding meetings per centre"),
            columns=[
                Column("name", _("Centre")),
                Column("hours", _("Hours"), **{**PERCENT, "decimals": 1}),
                Column("meetings", _("Meetings"), "int"),
            ],
            rows=hours,
            note=_(
                "The centres with the most hours first: the %(n)s first here, all of them in "
                "the export."
            )
            % at_most,
        )
        return [by_status, late, by_partner, promised, meetings]


# The overview first in the navigation, then the others in the order they were written.
PAGES.sort(key=lambda page: getattr(page, "order", 50))
