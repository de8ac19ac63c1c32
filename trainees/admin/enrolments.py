"""Admin of enrolments, attendance, and the programmes app's cohort and session pages
extended with them (trainees sit above programmes, which must not import them)."""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from centres.admin_base import ScopedAdmin, ScopedTabularInline
from empowerment.kernel import masking
from empowerment.kernel.admin_columns import jalali_column
from empowerment.kernel.exports import xlsx_response
from empowerment.kernel.jalali import format_jalali, today_jalali
from empowerment.kernel.persian import normalize_text, search_key, to_persian_digits
from empowerment.kernel.privacy.admin import ExportAllMixin
from programs.admin import training as training_admin
from programs.models import Cohort, CohortSession

from .. import selectors, services, spreadsheets
from ..models import IDENTITY_FIELDS, Attendance, Enrolment, Trainee
from .certificates import EnrolmentCertificatesMixin, certificate_links
from .filters import CohortFilter, EnrolmentProgrammeFilter


class EnrolmentForm(forms.ModelForm):
    override_capacity = forms.BooleanField(
        label=_("admit over capacity"),
        required=False,
        help_text=_("Only a centre manager may admit a trainee to a full cohort."),
    )

    class Meta:
        model = Enrolment
        fields = ["trainee", "cohort", "drop_reason"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("trainee", "cohort", "override_capacity"):
                self.fields.pop(name, None)
            if "drop_reason" in self.fields:
                self.fields["drop_reason"].help_text = gettext(
                    "To record that the trainee dropped out, write the reason and save."
                )
        else:
            self.fields.pop("drop_reason", None)

    def _post_clean(self):
        # The services validate and write; the model's own checks run there.
        pass


@admin.register(Enrolment)
class EnrolmentAdmin(ExportAllMixin, EnrolmentCertificatesMixin, ScopedAdmin):
    form = EnrolmentForm
    list_display = [
        "trainee",
        "cohort",
        "status",
        "enrolled",
        "attendance_rate",
        "certificate_number",
    ]
    list_filter = [EnrolmentProgrammeFilter, CohortFilter, "status", "over_capacity"]
    search_fields = [
        "trainee__national_code",
        "trainee__foreign_code",
        "trainee__passport_number",
        "trainee__mobile",
        "trainee__first_name",
        "trainee__last_name",
        "certificate_number",
        "cohort__code",
    ]
    list_select_related = ["trainee", "cohort"]
    autocomplete_fields = ["trainee", "cohort"]
    actions = ["export_xlsx", "issue_certificates"]
    enrolled = jalali_column("enrolled_on", _("enrolment date"))

    def get_queryset(self, request):
        return selectors.with_attendance_rate(
            super().get_queryset(request).prefetch_related("certificates")
        )

    @admin.display(description=_("attendance (%)"), ordering="attendance_rate")
    def attendance_rate(self, obj):
        return attendance_rate_text(obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["trainee", "cohort", "override_capacity"]
        return [*self.get_readonly_fields(request, obj), "drop_reason"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return [
            "trainee",
            "cohort",
            "status",
            "enrolled",
            "over_capacity",
            "attendance_rate",
            "certificate",
            "certificate_issued_on",
            "dropped_on",
        ]

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        key = search_key(search_term)
        by_name = queryset.filter(trainee__name_key__contains=key) if key else queryset.none()
        if key:
            results = results | by_name
        if search_term.strip():
            # The mobile of someone registered elsewhere (who has not agreed to share) is
            # not this centre's to read, so it must not find their enrolment either.
            shared = Trainee.objects.details_visible_to(request.user).values("pk")
            results = results.filter(
                Q(trainee__in=shared)
                | Q(pk__in=by_name.values("pk"))
                | ~Q(trainee__mobile__icontains=normalize_text(search_term, digits="ascii"))
            )
        return results, duplicates

    def save_model(self, request, obj, form, change):
        if not change:
            saved = services.enrolment_create(
                trainee=form.cleaned_data["trainee"],
                cohort=form.cleaned_data["cohort"],
                by=request.user,
                override_capacity=form.cleaned_data.get("override_capacity", False),
            )
            for name in ("pk", "trainee", "cohort", "status", "enrolled_on", "over_capacity"):
                setattr(obj, name, getattr(saved, name))
            if saved.status == Enrolment.Status.WAITLISTED:
                self.message_user(
                    request,
                    gettext("The cohort is full: the trainee is on its waiting list."),
                    messages.WARNING,
                )
        elif form.cleaned_data.get("drop_reason") and obj.status in (
            Enrolment.Status.ENROLLED,
            Enrolment.Status.WAITLISTED,
        ):
            services.enrolment_drop(enrolment=obj, reason=form.cleaned_data["drop_reason"])

    export_filename = "enrolments.xlsx"

    def export_content(self, request, queryset) -> bytes:
        # National codes of people registered elsewhere come out masked, as in the registry.
        queryset = queryset.annotate(
            trainee_details_shared=ExpressionWrapper(
                Q(trainee__in=Trainee.objects.details_visible_to(request.user).values("pk")),
                output_field=BooleanField(),
            )
        )
        return spreadsheets.enrolments_xlsx(queryset, user=request.user)

    @admin.action(description=_("Export the selected enrolments to Excel"))
    def export_xlsx(self, request, queryset):
        return xlsx_response(self.export_content(request, queryset), self.export_filename)

    def get_urls(self):
        return self.export_all_urls() + super().get_urls()


# --- Cohorts and sessions, extended from the programmes app ------------------------------


def attendance_rate_text(enrolment) -> str:
    """An enrolment's attendance so far (`selectors.with_attendance_rate`), for people."""
    return rate_text(getattr(enrolment, "attendance_rate", enrolment.attendance_percent))


class CohortEnrolmentInline(ScopedTabularInline):
    model = Enrolment
    fields = ["trainee", "status", "attendance_rate", "certificate"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def get_queryset(self, request):
        return selectors.with_attendance_rate(
            super().get_queryset(request).prefetch_related("certificates")
        )

    @admin.display(description=_("attendance (%)"))
    def attendance_rate(self, obj):
        return attendance_rate_text(obj)

    @admin.display(description=_("certificate"))
    def certificate(self, obj):
        return certificate_links(obj)

    def has_add_permission(self, request, obj=None):
        return False


admin.site.unregister(Cohort)


@admin.register(Cohort)
class CohortAdmin(training_admin.CohortAdmin):
    inlines = [training_admin.CohortSessionInline, CohortEnrolmentInline]
    list_display = [*training_admin.CohortAdmin.list_display, "seats"]
    actions = ["complete"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_seats()

    @admin.display(description=_("seats taken"))
    def seats(self, obj):
        return f"{obj.seats_taken} / {obj.capacity}"

    @admin.action(
        description=_("Complete the selected cohorts and issue certificates"),
        permissions=["change"],
    )
    def complete(self, request, queryset):
        """First a confirmation page: each selected cohort, who would get a certificate and
        who would not, and the date (the cohort's end); the cohorts close when confirmed."""
        if "confirm" not in request.POST:
            cohorts = list(queryset.order_by("code"))
            checks = services.certificate_check_many(
                enrolments=Enrolment.objects.filter(
                    cohort__in=cohorts, status=Enrolment.Status.ENROLLED
                ),
                by=request.user,
            )
            context = {
                **self.admin_site.each_context(request),
                "opts": self.opts,
                "title": gettext("Complete the selected cohorts and issue certificates"),
                "cohorts": cohorts,
                "checks": checks,
                "queryset": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "action": "complete",
            }
            return TemplateResponse(request, "admin/trainees/cohort_complete_confirm.html", context)
        for cohort in queryset:
            try:
                counts = services.cohort_complete(cohort=cohort, by=request.user)
            except ValidationError as error:
                self.message_user(request, f"{cohort}: {' '.join(error.messages)}", messages.ERROR)
            else:
                self.message_user(
                    request,
                    gettext(
                        "%(cohort)s: %(certified)s certificates issued, "
                        "%(not_certified)s below the minimum attendance."
                    )
                    % {"cohort": cohort, **counts},
                    messages.SUCCESS,
                )
        return None


class AttendanceSheetForm(forms.Form):
    """One choice per enrolled trainee, built for the session's cohort.

    A trainee without a mark yet starts with no choice (not "present"): the sheet is
    filled by "all present" and the exceptions, and a row left unmarked is not recorded.
    """

    def __init__(self, *args, enrolments, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolments = enrolments
        for enrolment in enrolments:
            self.fields[f"e{enrolment.pk}"] = forms.ChoiceField(
                label=enrolment.trainee.full_name,
                choices=Attendance.Status.choices,
                initial=current.get(enrolment.pk),
                required=False,
                widget=forms.RadioSelect,
            )

    def rows(self):
        for enrolment in self.enrolments:
            yield enrolment, self[f"e{enrolment.pk}"]

    def marks(self) -> dict[int, str]:
        return {
            e.pk: self.cleaned_data[f"e{e.pk}"]
            for e in self.enrolments
            if self.cleaned_data.get(f"e{e.pk}")
        }


MARK_KEY = re.compile(r"e([0-9]+)")


def smuggled_marks(data, enrolments) -> dict[int, str]:
    """Marks a POST carries for enrolments that are not on the session's roster (a forged
    form): handed to the service with the others, so that its rule (a trainee holding a
    seat in this session's cohort) refuses the sheet, rather than silently dropped."""
    on_roster = {e.pk for e in enrolments}
    marks = {}
    for key, value in data.items():
        match = MARK_KEY.fullmatch(key)
        if match and int(match.group(1)) not in on_roster:
            marks[int(match.group(1))] = value
    return marks


def roster_filter(enrolments, term: str, user) -> list:
    """The roster's rows whose name (however typed) or identifier (national code, foreign
    national's code, passport number) matches `term`; an identifier this person sees
    masked is not searched."""
    key = search_key(term)
    digits = normalize_text(term, digits="ascii").replace(" ", "").upper()
    codes = any(c.isdigit() for c in digits) and not masking.hides(user, "national_code")
    return [
        e
        for e in enrolments
        if (key and key in (e.trainee.name_key or search_key(e.trainee.full_name)))
        or (codes and any(digits in (getattr(e.trainee, n) or "") for n in IDENTITY_FIELDS))
    ]


def identifier_shown(user, trainee) -> str:
    """The identifier a person is registered with, as this user may see it ("" if none)."""
    identity = trainee.identity
    if identity is None:
        return ""
    name, value = identity
    return masking.shown(user, masking.MASKED_FIELDS[name], value)


admin.site.unregister(CohortSession)


@admin.register(CohortSession)
class CohortSessionAdmin(training_admin.CohortSessionAdmin):
    list_display = [*training_admin.CohortSessionAdmin.list_display, "attendance_link"]

    @admin.display(description=_("attendance"))
    def attendance_link(self, obj):
        url = reverse("admin:programs_cohortsession_attendance", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("take attendance"))

    def get_urls(self):
        urls = [
            path(
                "today/",
                self.admin_site.admin_view(self.today_view),
                name="programs_cohortsession_today",
            ),
            path(
                "<int:session_id>/attendance/",
                self.admin_site.admin_view(self.attendance_view),
                name="programs_cohortsession_attendance",
            ),
        ]
        return urls + super().get_urls()

    def today_view(self, request):
        """Today's sessions in the person's scope, each a link to its attendance sheet:
        where staff start taking attendance (linked from the admin's first page)."""
        if not _may_see_attendance(request.user):
            raise PermissionDenied
        sessions = list(selectors.sessions_of_day(user=request.user))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Today's sessions"),
            "today": format_jalali(today_jalali(), persian_digits=True),
            "sessions": sessions,
        }
        return TemplateResponse(request, "admin/trainees/sessions_today.html", context)

    def attendance_view(self, request, session_id):
        session = get_object_or_404(
            CohortSession.objects.visible_to(request.user).select_related("cohort__centre"),
            pk=session_id,
        )
        can_change = request.user.has_perm("trainees.add_attendance") and request.user.has_perm(
            "trainees.change_attendance"
        )
        if not (can_change or request.user.has_perm("trainees.view_attendance")):
            raise PermissionDenied
        roster = list(
            selectors.with_attendance_rate(
                Enrolment.objects.filter(
                    cohort=session.cohort, status=Enrolment.Status.ENROLLED
                ).select_related("trainee")
            ).order_by("trainee__last_name", "trainee__first_name", "pk")
        )
        term = request.GET.get("q", "").strip()
        enrolments = roster_filter(roster, term, request.user) if term else roster
        current = dict(
            Attendance.objects.filter(session=session).values_list("enrolment_id", "status")
        )
        form = AttendanceSheetForm(request.POST or None, enrolments=enrolments, current=current)
        refusal = None
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            if form.is_valid():
                marks = {**form.marks(), **smuggled_marks(request.POST, enrolments)}
                try:
                    written = services.attendance_record_session(
                        session=session, marks=marks, by=request.user
                    )
                except ValidationError as error:
                    refusal = getattr(error, "code", None) or "invalid"
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(
                        request,
                        gettext("Attendance saved (%(count)s changes).")
                        % {"count": to_persian_digits(written)},
                    )
                    return HttpResponseRedirect(request.get_full_path())
        shows_codes = not masking.hides(request.user, "national_code")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": to_persian_digits(gettext("Attendance: %(session)s") % {"session": session}),
            "session": session,
            "session_label": to_persian_digits(session),
            "form": form,
            "rows": [
                {
                    "enrolment": enrolment,
                    "field": field,
                    "code": identifier_shown(request.user, enrolment.trainee),
                    "rate": rate_text(enrolment.attendance_rate),
                    "search": " ".join(
                        [
                            enrolment.trainee.name_key or "",
                            *(
                                getattr(enrolment.trainee, name) or ""
                                for name in IDENTITY_FIELDS
                                if shows_codes
                            ),
                        ]
                    ),
                }
                for enrolment, field in form.rows()
            ],
            "roster_size": len(roster),
            "term": term,
            "can_change": can_change and not session.cohort.is_closed,
            "recorded": bool(current),
            "marked": sum(1 for e in enrolments if e.pk in current),
            "refusal": refusal,
        }
        return TemplateResponse(request, "admin/trainees/attendance_sheet.html", context)


def _may_see_attendance(user) -> bool:
    return user.has_perm("trainees.view_attendance")


def rate_text(rate) -> str:
    rate = selectors.rate_percent(rate)
    if rate is None:
        return "—"
    return to_persian_digits(f"{rate:.1f}".removesuffix(".0")) + "٪"


@admin.register(Attendance)
class AttendanceAdmin(ScopedAdmin):
    list_display = ["enrolment", "session", "status", "recorded_by"]
    list_filter = ["status", "session__cohort__centre"]
    list_select_related = ["enrolment__trainee", "enrolment__cohort", "session__cohort"]
    search_fields = [
        "enrolment__trainee__national_code",
        "enrolment__trainee__foreign_code",
        "enrolment__trainee__passport_number",
        "enrolment__trainee__last_name",
    ]
    fields = ["enrolment", "session", "status", "recorded_by"]
    readonly_fields = ["enrolment", "session", "recorded_by"]

    def has_add_permission(self, request):
        # Attendance is taken for a whole session from the session's attendance page.
        return False

    def save_model(self, request, obj, form, change):
        # A corrected mark obeys the sheet's rules (an open cohort, a session held, a
        # trainee holding a seat) and records who changed it: the service's.
        services.attendance_mark(
            attendance=obj, status=form.cleaned_data["status"], by=request.user
        )
