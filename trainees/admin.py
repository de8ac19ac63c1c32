"""Admin for the registry: the centre staff's daily work.

Every write goes through `services.py`. This module also extends the programmes app's
cohort and session pages (enrolments, completion, attendance), because trainees sit above
programmes and programmes must not import them.
"""

import datetime

import jdatetime
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from centres.admin_base import ScopedAdmin, ScopedTabularInline, jalali_column
from centres.models import Centre
from empowerment.jalali import InvalidJalaliDate, parse_jalali, today_jalali
from empowerment.persian import search_key
from empowerment.validators import normalize_mobile, normalize_national_code
from programs.admin import training as training_admin
from programs.models import Cohort, CohortSession, Programme

from . import selectors, services, spreadsheets
from .models import (
    Attendance,
    CohortInterest,
    Enrolment,
    Outcome,
    PossibleDuplicate,
    Product,
    Sale,
    Trainee,
    TraineeImport,
)

# --- Filters (their choices are scoped too: a cohort's name is not shown elsewhere) ----


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
        from centres.models import Neighbourhood

        return list(Neighbourhood.objects.visible_to(request.user).values_list("pk", "name"))

    def queryset(self, request, queryset):
        return queryset.filter(neighbourhood=self.value()) if self.value() else queryset


# --- Trainees ----------------------------------------------------------------------------


class JalaliDateInput(forms.CharField):
    """A Jalali date typed as 1380/05/12 (Persian digits too), refused with a clear reason."""

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return None
        if isinstance(value, jdatetime.date):
            return value
        try:
            return parse_jalali(value)
        except InvalidJalaliDate as error:
            raise ValidationError(str(error)) from None

    def prepare_value(self, value):
        if isinstance(value, jdatetime.date):
            return value.strftime("%Y/%m/%d")
        return value


class TraineeForm(forms.ModelForm):
    # Wider than the stored codes so that +98…, dashes or Persian digits reach the
    # normaliser instead of failing on length.
    national_code = forms.CharField(label=_("national code"), max_length=20)
    mobile = forms.CharField(label=_("mobile"), max_length=20, required=False)
    birth_date = JalaliDateInput(
        label=_("birth date"),
        required=False,
        help_text=_("Jalali, for example 1375/06/21."),
    )

    class Meta:
        model = Trainee
        fields = [
            "first_name",
            "last_name",
            "father_name",
            "national_code",
            "mobile",
            "gender",
            "birth_date",
            "neighbourhood",
            "education",
            "employment_status",
            "referral_source",
            "registered_at",
        ]

    def clean_national_code(self):
        return normalize_national_code(self.cleaned_data["national_code"])

    def clean_mobile(self):
        value = self.cleaned_data.get("mobile") or ""
        return normalize_mobile(value) if value else ""


class EnrolmentInline(ScopedTabularInline):
    model = Enrolment
    fields = ["cohort", "status", "enrolled", "attendance_percent", "certificate_number"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    enrolled = jalali_column("enrolled_on", _("enrolment date"))

    def has_add_permission(self, request, obj=None):
        return False


class OutcomeInline(ScopedTabularInline):
    model = Outcome
    fields = ["kind", "outcome_date", "follow_up_round", "employees_count", "enrolment"]
    readonly_fields = fields
    can_delete = False
    outcome_date = jalali_column("date", _("date"))

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Trainee)
class TraineeAdmin(ScopedAdmin):
    form = TraineeForm
    change_list_template = "admin/trainees/trainee/change_list.html"
    list_display = [
        "full_name",
        "national_code",
        "mobile",
        "gender",
        "age",
        "neighbourhood",
        "registered_at",
    ]
    list_filter = [
        ProgrammeFilter,
        CohortFilter,
        "gender",
        AgeBandFilter,
        ScopedNeighbourhoodFilter,
        EnrolmentStatusFilter,
        "education",
        "employment_status",
        ScopedCentreFilter,
    ]
    search_fields = ["national_code", "mobile", "first_name", "last_name", "father_name"]
    list_select_related = ["neighbourhood", "registered_at"]
    inlines = [EnrolmentInline, OutcomeInline]
    actions = ["export_xlsx"]

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.full_name

    @admin.display(description=_("age"))
    def age(self, obj):
        return obj.age if obj.age is not None else "—"

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        # However the name was typed (ي/ك, with or without the ZWNJ, spacing), its search
        # key matches the stored one.
        key = search_key(search_term)
        if key:
            results = results | queryset.filter(name_key__contains=key)
        return results, duplicates

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        centres = list(Centre.objects.visible_to(request.user).values_list("pk", flat=True)[:2])
        if len(centres) == 1:
            initial.setdefault("registered_at", centres[0])
        return initial

    def save_model(self, request, obj, form, change):
        services.trainee_save(trainee=obj)

    @admin.action(description=_("Export the selected trainees to Excel"))
    def export_xlsx(self, request, queryset):
        return _xlsx_response(spreadsheets.trainees_xlsx(queryset), "trainees.xlsx")

    # Spreadsheet import: upload -> preview -> confirm.

    def get_urls(self):
        info = self.opts.app_label, self.opts.model_name
        urls = [
            path(
                "import/",
                self.admin_site.admin_view(self.import_upload_view),
                name=f"{info[0]}_{info[1]}_import",
            ),
            path(
                "import/<int:import_id>/",
                self.admin_site.admin_view(self.import_preview_view),
                name=f"{info[0]}_{info[1]}_import_preview",
            ),
            path(
                "import/<int:import_id>/progress/",
                self.admin_site.admin_view(self.import_progress_view),
                name=f"{info[0]}_{info[1]}_import_progress",
            ),
        ]
        return urls + super().get_urls()

    def _check_import_permission(self, request):
        if not request.user.has_perm("trainees.import_trainees"):
            raise PermissionDenied

    def import_upload_view(self, request):
        self._check_import_permission(request)
        centres = Centre.objects.visible_to(request.user).active()
        form = ImportUploadForm(request.POST or None, request.FILES or None, centres=centres)
        if request.method == "POST" and form.is_valid():
            trainee_import = services.trainee_import_preview(
                centre=form.cleaned_data["centre"],
                uploaded_file=form.cleaned_data["file"],
                by=request.user,
            )
            if trainee_import.state == TraineeImport.State.REFUSED:
                form.add_error("file", trainee_import.message)
            else:
                return HttpResponseRedirect(
                    reverse("admin:trainees_trainee_import_preview", args=[trainee_import.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import trainees from a spreadsheet"),
            "form": form,
            "columns": [headers[0] for headers in spreadsheets.COLUMNS.values()],
            "required": [spreadsheets.column_title(name) for name in spreadsheets.REQUIRED],
        }
        return TemplateResponse(request, "admin/trainees/trainee/import_upload.html", context)

    def import_preview_view(self, request, import_id):
        self._check_import_permission(request)
        trainee_import = get_object_or_404(
            TraineeImport.objects.visible_to(request.user), pk=import_id
        )
        if request.method == "POST":
            try:
                trainee_import = services.trainee_import_confirm(
                    trainee_import=trainee_import, by=request.user
                )
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                trainee_import.refresh_from_db()
                level = (
                    messages.SUCCESS
                    if trainee_import.state == TraineeImport.State.APPLIED
                    else messages.INFO
                )
                messages.add_message(
                    request, level, trainee_import.message or trainee_import.get_state_display()
                )
            return HttpResponseRedirect(request.path)
        rows = trainee_import.report.get("rows", [])
        page = Paginator(rows, 500).get_page(request.GET.get("page"))
        processed, to_process = selectors.trainee_import_progress(trainee_import=trainee_import)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Import preview: %(name)s") % {"name": trainee_import.original_name},
            "trainee_import": trainee_import,
            "processed": processed,
            "to_process": to_process,
            "running": trainee_import.state
            in (TraineeImport.State.QUEUED, TraineeImport.State.APPLYING),
            "errors": trainee_import.report.get("errors", []),
            "page": page,
            "can_confirm": trainee_import.state == TraineeImport.State.PREVIEWED
            and trainee_import.valid_count > 0,
        }
        return TemplateResponse(request, "admin/trainees/trainee/import_preview.html", context)

    def import_progress_view(self, request, import_id):
        """The figures of the progress bar, read by the preview page every second."""
        self._check_import_permission(request)
        trainee_import = get_object_or_404(
            TraineeImport.objects.visible_to(request.user), pk=import_id
        )
        processed, to_process = selectors.trainee_import_progress(trainee_import=trainee_import)
        return JsonResponse(
            {
                "state": trainee_import.state,
                "processed": processed,
                "total": to_process,
                "running": trainee_import.state
                in (TraineeImport.State.QUEUED, TraineeImport.State.APPLYING),
            }
        )


class ImportUploadForm(forms.Form):
    centre = forms.ModelChoiceField(label=_("centre"), queryset=Centre.objects.none())
    file = forms.FileField(
        label=_("spreadsheet"),
        help_text=_("An Excel workbook (.xlsx) or a CSV file saved as UTF-8."),
    )

    def __init__(self, *args, centres, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["centre"].queryset = centres
        if len(centres) == 1:
            self.fields["centre"].initial = centres[0].pk


def _xlsx_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@admin.register(TraineeImport)
class TraineeImportAdmin(ScopedAdmin):
    list_display = [
        "original_name",
        "centre",
        "state",
        "total_rows",
        "create_count",
        "update_count",
        "error_count",
        "uploaded",
        "preview_link",
    ]
    list_filter = ["state"]
    list_select_related = ["centre"]
    fields = [
        "original_name",
        "centre",
        "uploaded_by",
        "state",
        "total_rows",
        "create_count",
        "update_count",
        "error_count",
        "processed",
        "message",
    ]
    readonly_fields = fields
    uploaded = jalali_column("created_at", _("uploaded"))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("preview"))
    def preview_link(self, obj):
        url = reverse("admin:trainees_trainee_import_preview", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, gettext("open"))


# --- Duplicates --------------------------------------------------------------------------


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(ScopedAdmin):
    list_display = ["trainee", "trainee_code", "other", "other_code", "status", "reviewed_by"]
    list_filter = ["status"]
    list_select_related = ["trainee", "other", "reviewed_by"]
    search_fields = ["trainee__national_code", "other__national_code", "trainee__last_name"]
    fields = ["trainee", "other", "status", "note", "reviewed_by", "reviewed_at"]
    readonly_fields = ["trainee", "other", "status", "reviewed_by", "reviewed_at"]
    actions = ["mark_same_person", "mark_different"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("national code"))
    def trainee_code(self, obj):
        return obj.trainee.national_code

    @admin.display(description=_("other national code"))
    def other_code(self, obj):
        return obj.other.national_code

    def _resolve(self, request, queryset, status):
        for flag in queryset:
            services.possible_duplicate_resolve(flag=flag, status=status, by=request.user)
        self.message_user(request, gettext("Recorded."), messages.SUCCESS)

    @admin.action(description=_("Mark as the same person (to merge by hand)"))
    def mark_same_person(self, request, queryset):
        self._resolve(request, queryset, PossibleDuplicate.Status.SAME_PERSON)

    @admin.action(description=_("Mark as different people"))
    def mark_different(self, request, queryset):
        self._resolve(request, queryset, PossibleDuplicate.Status.DIFFERENT)


# --- Enrolments --------------------------------------------------------------------------


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
class EnrolmentAdmin(ScopedAdmin):
    form = EnrolmentForm
    list_display = [
        "trainee",
        "cohort",
        "status",
        "enrolled",
        "attendance_percent",
        "certificate_number",
    ]
    list_filter = [EnrolmentProgrammeFilter, CohortFilter, "status", "over_capacity"]
    search_fields = [
        "trainee__national_code",
        "trainee__mobile",
        "trainee__first_name",
        "trainee__last_name",
        "certificate_number",
        "cohort__code",
    ]
    list_select_related = ["trainee", "cohort"]
    autocomplete_fields = ["trainee", "cohort"]
    actions = ["export_xlsx"]
    enrolled = jalali_column("enrolled_on", _("enrolment date"))

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
            "attendance_percent",
            "certificate_number",
            "certificate_issued_on",
            "dropped_on",
        ]

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        key = search_key(search_term)
        if key:
            results = results | queryset.filter(trainee__name_key__contains=key)
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

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            with transaction.atomic():
                return super().changeform_view(request, object_id, form_url, extra_context)
        except ValidationError as error:
            self.message_user(request, " ".join(error.messages), messages.ERROR)
        except PermissionDenied as error:
            self.message_user(request, str(error), messages.ERROR)
        return HttpResponseRedirect(request.get_full_path())

    @admin.action(description=_("Export the selected enrolments to Excel"))
    def export_xlsx(self, request, queryset):
        return _xlsx_response(spreadsheets.enrolments_xlsx(queryset), "enrolments.xlsx")


# --- Cohorts and sessions, extended from the programmes app ------------------------------


class CohortEnrolmentInline(ScopedTabularInline):
    model = Enrolment
    fields = ["trainee", "status", "attendance_percent", "certificate_number"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


admin.site.unregister(Cohort)


@admin.register(Cohort)
class CohortAdmin(training_admin.CohortAdmin):
    inlines = [training_admin.CohortSessionInline, CohortEnrolmentInline]
    list_display = [*training_admin.CohortAdmin.list_display, "seats"]
    actions = ["complete"]

    def get_queryset(self, request):
        from django.db.models import Count, Q

        return (
            super()
            .get_queryset(request)
            .annotate(
                seats_taken=Count(
                    "enrolments", filter=Q(enrolments__status__in=Enrolment.SEAT_STATUSES)
                )
            )
        )

    @admin.display(description=_("seats taken"))
    def seats(self, obj):
        return f"{obj.seats_taken} / {obj.capacity}"

    @admin.action(
        description=_("Complete the selected cohorts and issue certificates"),
        permissions=["change"],
    )
    def complete(self, request, queryset):
        for cohort in queryset:
            try:
                counts = services.cohort_complete(cohort=cohort)
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


class AttendanceSheetForm(forms.Form):
    """One choice per enrolled trainee, built for the session's cohort."""

    def __init__(self, *args, enrolments, current, **kwargs):
        super().__init__(*args, **kwargs)
        self.enrolments = enrolments
        for enrolment in enrolments:
            self.fields[f"e{enrolment.pk}"] = forms.ChoiceField(
                label=enrolment.trainee.full_name,
                choices=Attendance.Status.choices,
                initial=current.get(enrolment.pk, Attendance.Status.PRESENT),
                widget=forms.RadioSelect,
            )

    def rows(self):
        for enrolment in self.enrolments:
            yield enrolment, self[f"e{enrolment.pk}"]

    def marks(self) -> dict[int, str]:
        return {e.pk: self.cleaned_data[f"e{e.pk}"] for e in self.enrolments}


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
                "<int:session_id>/attendance/",
                self.admin_site.admin_view(self.attendance_view),
                name="programs_cohortsession_attendance",
            )
        ]
        return urls + super().get_urls()

    def attendance_view(self, request, session_id):
        session = get_object_or_404(
            CohortSession.objects.visible_to(request.user).select_related("cohort"), pk=session_id
        )
        can_change = request.user.has_perm("trainees.add_attendance") and request.user.has_perm(
            "trainees.change_attendance"
        )
        if not (can_change or request.user.has_perm("trainees.view_attendance")):
            raise PermissionDenied
        enrolments = list(
            Enrolment.objects.filter(cohort=session.cohort, status=Enrolment.Status.ENROLLED)
            .select_related("trainee")
            .order_by("trainee__last_name", "trainee__first_name")
        )
        current = dict(
            Attendance.objects.filter(session=session).values_list("enrolment_id", "status")
        )
        form = AttendanceSheetForm(request.POST or None, enrolments=enrolments, current=current)
        if request.method == "POST":
            if not can_change:
                raise PermissionDenied
            if form.is_valid():
                try:
                    written = services.attendance_record_session(
                        session=session, marks=form.marks(), by=request.user
                    )
                except ValidationError as error:
                    messages.error(request, " ".join(error.messages))
                else:
                    messages.success(
                        request,
                        gettext("Attendance saved (%(count)s changes).") % {"count": written},
                    )
                    return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Attendance: %(session)s") % {"session": session},
            "session": session,
            "form": form,
            "can_change": can_change and not session.cohort.is_closed,
            "recorded": bool(current),
        }
        return TemplateResponse(request, "admin/trainees/attendance_sheet.html", context)


@admin.register(Attendance)
class AttendanceAdmin(ScopedAdmin):
    list_display = ["enrolment", "session", "status", "recorded_by"]
    list_filter = ["status", "session__cohort__centre"]
    list_select_related = ["enrolment__trainee", "enrolment__cohort", "session__cohort"]
    search_fields = ["enrolment__trainee__national_code", "enrolment__trainee__last_name"]
    fields = ["enrolment", "session", "status", "recorded_by"]
    readonly_fields = ["enrolment", "session", "recorded_by"]

    def has_add_permission(self, request):
        # Attendance is taken for a whole session from the session's attendance page.
        return False


# --- Outcomes, products, sales -----------------------------------------------------------


class OutcomeForm(forms.ModelForm):
    date = JalaliDateInput(label=_("date"))

    class Meta:
        model = Outcome
        fields = [
            "trainee",
            "enrolment",
            "kind",
            "date",
            "follow_up_round",
            "employees_count",
            "note",
        ]


@admin.register(Outcome)
class OutcomeAdmin(ScopedAdmin):
    form = OutcomeForm
    list_display = ["trainee", "kind", "outcome_date", "follow_up_round", "employees_count"]
    list_filter = ["kind", "follow_up_round"]
    list_select_related = ["trainee"]
    search_fields = ["trainee__national_code", "trainee__last_name", "trainee__first_name"]
    autocomplete_fields = ["trainee", "enrolment"]
    outcome_date = jalali_column("date", _("date"))

    def save_model(self, request, obj, form, change):
        if change:
            # A correction of one row: the form already ran the model's checks.
            super().save_model(request, obj, form, change)
        else:
            saved = services.outcome_record(
                **{k: form.cleaned_data.get(k) for k in OutcomeForm.Meta.fields if k != "note"},
                note=form.cleaned_data.get("note") or "",
            )
            obj.pk = saved.pk
            obj.trainee = saved.trainee


class SaleInline(ScopedTabularInline):
    model = Sale
    fields = ["date", "place", "quantity", "amount_rials"]


@admin.register(Product)
class ProductAdmin(ScopedAdmin):
    list_display = ["name", "cohort", "quantity_made", "unit_price_rials", "sold"]
    list_filter = [CohortFilter]
    list_select_related = ["cohort"]
    search_fields = ["name", "cohort__title", "cohort__code"]
    inlines = [SaleInline]

    def get_queryset(self, request):
        from django.db.models import Sum

        return super().get_queryset(request).annotate(sold_quantity=Sum("sales__quantity"))

    @admin.display(description=_("sold"))
    def sold(self, obj):
        return obj.sold_quantity or 0


@admin.register(Sale)
class SaleAdmin(ScopedAdmin):
    list_display = ["product", "sale_date", "place", "quantity", "amount_rials"]
    list_select_related = ["product"]
    search_fields = ["product__name", "place"]
    sale_date = jalali_column("date", _("date"))


# --- Interest in cohorts (requests from the public portal) -------------------------------


@admin.register(CohortInterest)
class CohortInterestAdmin(ScopedAdmin):
    """Residents who asked to join a cohort. Staff call them, register and enrol them the
    usual way, then mark the request; what the resident sent is not edited here."""

    list_display = ["name", "mobile", "cohort", "neighbourhood", "state", "sent"]
    list_filter = ["state", CohortFilter]
    list_select_related = ["cohort", "neighbourhood"]
    search_fields = ["name", "mobile", "cohort__title", "cohort__code"]
    actions = ["mark_contacted", "mark_enrolled", "mark_declined"]
    fields = ["cohort", "name", "mobile", "neighbourhood", "state", "sent", "staff_note"]
    readonly_fields = ["cohort", "name", "mobile", "neighbourhood", "state", "sent"]
    sent = jalali_column("created_at", _("sent at"))

    def has_add_permission(self, request):
        return False

    def _mark(self, request, queryset, state):
        changed, refused = services.cohort_interests_mark(
            interests=queryset, state=state, by=request.user
        )
        label = CohortInterest.State(state).label
        self.message_user(
            request,
            gettext("%(count)s requests marked “%(state)s”.") % {"count": changed, "state": label},
            messages.SUCCESS,
        )
        if refused:
            self.message_user(
                request,
                gettext(
                    "Not marked enrolled, as no trainee with their mobile is enrolled in the "
                    "cohort yet: %(names)s."
                )
                % {"names": "، ".join(i.name for i in refused)},
                messages.WARNING,
            )

    @admin.action(description=_("Mark as contacted"), permissions=["change"])
    def mark_contacted(self, request, queryset):
        self._mark(request, queryset, CohortInterest.State.CONTACTED)

    @admin.action(description=_("Mark as enrolled"), permissions=["change"])
    def mark_enrolled(self, request, queryset):
        self._mark(request, queryset, CohortInterest.State.ENROLLED)

    @admin.action(description=_("Mark as not taken up"), permissions=["change"])
    def mark_declined(self, request, queryset):
        self._mark(request, queryset, CohortInterest.State.DECLINED)
