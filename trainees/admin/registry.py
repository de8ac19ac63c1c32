"""Admin of the trainee registry: trainees, spreadsheet imports and possible duplicates."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import BooleanField, ExpressionWrapper, Q
from django.http import (
    FileResponse,
    Http404,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from centres.admin_base import ScopedAdmin, ScopedTabularInline
from centres.models import Centre, Neighbourhood
from empowerment.kernel import masking
from empowerment.kernel.admin_columns import jalali_column
from empowerment.kernel.exports import XLSX_CONTENT_TYPE, xlsx_response
from empowerment.kernel.models import AccessRecord
from empowerment.kernel.persian import search_key
from empowerment.kernel.privacy.admin import ExportAllMixin
from empowerment.kernel.validators import (
    normalize_foreign_code,
    normalize_mobile,
    normalize_national_code,
    normalize_passport,
)
from programs.models import Cohort

from .. import selectors, services, spreadsheets
from ..models import (
    HOME_DETAILS,
    Enrolment,
    Outcome,
    PossibleDuplicate,
    Trainee,
    TraineeImport,
    hide_unshared,
)
from ..services.registry import TRAINEE_FIELDS
from .certificates import certificate_links
from .enrolments import attendance_rate_text, rate_text
from .filters import (
    AgeBandFilter,
    CohortFilter,
    EnrolmentStatusFilter,
    ProgrammeFilter,
    ScopedCentreFilter,
    ScopedNeighbourhoodFilter,
)
from .inputs import JalaliDateInput


class TraineeForm(forms.ModelForm):
    # Wider than the stored codes so that +98…, dashes or Persian digits reach the
    # normaliser instead of failing on length.
    national_code = forms.CharField(
        label=_("national code"),
        max_length=20,
        required=False,
        help_text=_("Required for Iranians; left empty for a foreign national."),
    )
    foreign_code = forms.CharField(
        label=_("foreign national's code"),
        max_length=24,
        required=False,
        help_text=_("The 12-digit code on the foreign nationals' card (کد یکتای اتباع)."),
    )
    passport_number = forms.CharField(label=_("passport number"), max_length=24, required=False)
    mobile = forms.CharField(label=_("mobile"), max_length=20, required=False)
    birth_date = JalaliDateInput(
        label=_("birth date"),
        required=False,
        help_text=_("Jalali, for example 1375/06/21."),
    )

    class Meta:
        model = Trainee
        # The details the registry's services write, and where the person was registered.
        fields = [*TRAINEE_FIELDS, "registered_at"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "nationality" in self.fields:
            # Left out (an older form, a script), a resident is Iranian: the model's default.
            self.fields["nationality"].required = False

    def clean_nationality(self):
        return self.cleaned_data.get("nationality") or Trainee.Nationality.IRANIAN

    def clean_national_code(self):
        return normalize_national_code(self.cleaned_data.get("national_code")) or None

    def clean_foreign_code(self):
        return normalize_foreign_code(self.cleaned_data.get("foreign_code")) or None

    def clean_passport_number(self):
        return normalize_passport(self.cleaned_data.get("passport_number")) or None

    def clean_mobile(self):
        value = self.cleaned_data.get("mobile") or ""
        return normalize_mobile(value) if value else ""


class EnrolmentInline(ScopedTabularInline):
    model = Enrolment
    fields = ["cohort", "status", "enrolled", "attendance_rate", "certificate"]
    readonly_fields = fields
    can_delete = False
    show_change_link = True
    enrolled = jalali_column("enrolled_on", _("enrolment date"))

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


class OutcomeInline(ScopedTabularInline):
    model = Outcome
    fields = ["kind", "outcome_date", "follow_up_round", "employees_count", "enrolment"]
    readonly_fields = fields
    can_delete = False
    outcome_date = jalali_column("date", _("date"))

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Trainee)
class TraineeAdmin(ExportAllMixin, ScopedAdmin):
    form = TraineeForm
    change_list_template = "admin/trainees/trainee/change_list.html"
    list_display = [
        "full_name",
        "national_code",
        "foreign_code",
        "passport_number",
        "mobile",
        "gender",
        "age",
        "neighbourhood",
        "registered_at",
        "current_attendance",
    ]
    list_filter = [
        ProgrammeFilter,
        CohortFilter,
        "gender",
        "nationality",
        AgeBandFilter,
        ScopedNeighbourhoodFilter,
        EnrolmentStatusFilter,
        "education",
        "employment_status",
        ScopedCentreFilter,
    ]
    search_fields = [
        "national_code",
        "foreign_code",
        "passport_number",
        "mobile",
        "first_name",
        "last_name",
        "father_name",
    ]
    list_select_related = ["neighbourhood", "registered_at"]
    inlines = [EnrolmentInline, OutcomeInline]
    actions = ["export_xlsx"]

    change_form_template = "admin/trainees/trainee/change_form.html"

    @admin.display(description=_("name"), ordering="last_name")
    def full_name(self, obj):
        return obj.full_name

    # The "registered elsewhere" view: a trainee only enrolled here, without the person's
    # consent, shows their name and this centre's own records. Which rows is decided once,
    # in the queryset (`with_details_shared`); list, form, history and export read it.

    def get_queryset(self, request):
        return selectors.with_current_attendance(
            super().get_queryset(request).with_details_shared(request.user)
        )

    @admin.display(description=_("attendance in the current cohort"))
    def current_attendance(self, obj):
        return rate_text(getattr(obj, "current_attendance_rate", None))

    def get_changelist(self, request, **kwargs):
        return RegisteredElsewhereChangeList

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        return hide_unshared(obj) if obj is not None else None

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        # An old version (history_form_view) carries no annotation; it is opened only once
        # the current row's details were found shared (below).
        if obj is not None and not getattr(obj, "details_shared", True):
            return [name for name in fields if name not in HOME_DETAILS]
        return fields

    def history_view(self, request, object_id, extra_context=None):
        # The history holds every earlier value of the other centre's details.
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not obj.details_shared:
            raise Http404
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # One old version holds the other centre's details as they were: the same rule.
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not obj.details_shared:
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = extra_context or {}
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and not obj.details_shared:
            extra_context["sharing_centres"] = self._sharing_centres(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def _sharing_centres(self, request, obj):
        """Centres of the user's scope where the person is enrolled: those that may ask."""
        return Centre.objects.visible_to(request.user).filter(
            pk__in=Enrolment.objects.filter(trainee=obj).values("cohort__centre")
        )

    def sharing_view(self, request, object_id, step):
        """Send the person a sharing code, or record the code they tell the staff."""
        if request.method != "POST":
            raise Http404
        obj = get_object_or_404(self.get_queryset(request), pk=object_id)
        centre_id = request.POST.get("centre", "")
        if step not in ("request", "confirm") or not centre_id.isdigit():
            raise Http404
        centre = get_object_or_404(self._sharing_centres(request, obj), pk=int(centre_id))
        try:
            if step == "request":
                services.trainee_sharing_request(trainee=obj, centre=centre, by=request.user)
                messages.success(
                    request,
                    gettext(
                        "A code was sent by SMS to the mobile the registering centre holds. "
                        "Ask the person for it and type it in."
                    ),
                )
            else:
                services.trainee_sharing_confirm(
                    trainee=obj, centre=centre, code=request.POST.get("code", ""), by=request.user
                )
                messages.success(request, gettext("The person agreed to share their details."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("admin:trainees_trainee_change", args=[obj.pk]))

    @admin.display(description=_("age"))
    def age(self, obj):
        return obj.age if obj.age is not None else "—"

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        # However the name was typed (ي/ك, with or without the ZWNJ, spacing), its search
        # key matches the stored one.
        key = search_key(search_term)
        by_name = queryset.filter(name_key__contains=key) if key else queryset.none()
        if key:
            results = results | by_name
        if search_term.strip():
            # A mobile or father's name the user may not read must not find its person
            # either: such rows are found by their name or a whole identifier only.
            results = results.filter(
                Q(details_shared=True)
                | Q(pk__in=by_name.values("pk"))
                | _whole_identifier(search_term)
            )
        return results, duplicates

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        centres = list(Centre.objects.visible_to(request.user).values_list("pk", flat=True)[:2])
        if len(centres) == 1:
            initial.setdefault("registered_at", centres[0])
        return initial

    def has_change_permission(self, request, obj=None):
        # A trainee registered at another centre is enrolled here, not ours to change: the
        # registry service refuses it too (trainee_save), this keeps the form read-only.
        if obj is not None and not services.trainee_may_change(trainee=obj, by=request.user):
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        # Deleting is the utmost change: the same cross-centre rule.
        if obj is not None and not services.trainee_may_change(trainee=obj, by=request.user):
            return False
        return super().has_delete_permission(request, obj)

    def delete_queryset(self, request, queryset):
        # The bulk action checks the model permission only, not each row.
        own = Trainee.objects.registered_within(request.user).values("pk")
        if queryset.exclude(pk__in=own).exists():
            raise PermissionDenied
        super().delete_queryset(request, queryset)

    def save_model(self, request, obj, form, change):
        services.trainee_save(trainee=obj, by=request.user)

    export_filename = "trainees.xlsx"

    def export_content(self, request, queryset) -> bytes:
        return spreadsheets.trainees_xlsx(queryset, user=request.user)

    @admin.action(description=_("Export the selected trainees to Excel"))
    def export_xlsx(self, request, queryset):
        return xlsx_response(self.export_content(request, queryset), self.export_filename)

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
                "<int:object_id>/story/",
                self.admin_site.admin_view(self.story_view),
                name=f"{info[0]}_{info[1]}_story",
            ),
            path(
                "<int:object_id>/sharing/<str:step>/",
                self.admin_site.admin_view(self.sharing_view),
                name=f"{info[0]}_{info[1]}_sharing",
            ),
            path(
                "import/<int:import_id>/file/",
                self.admin_site.admin_view(self.import_file_view),
                name=f"{info[0]}_{info[1]}_import_file",
            ),
            path(
                "import/<int:import_id>/progress/",
                self.admin_site.admin_view(self.import_progress_view),
                name=f"{info[0]}_{info[1]}_import_progress",
            ),
            path(
                "import/<int:import_id>/refused/",
                self.admin_site.admin_view(self.import_refused_view),
                name=f"{info[0]}_{info[1]}_import_refused",
            ),
            path(
                "import/template/",
                self.admin_site.admin_view(self.import_template_view),
                name=f"{info[0]}_{info[1]}_import_template",
            ),
            *self.export_all_urls(),
        ]
        return urls + super().get_urls()

    def story_view(self, request, object_id):
        """The trainee's whole story on one page, read-only (selectors.trainee_story): only
        what the person's scope holds, the rest a 404 as on the change page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        story = selectors.trainee_story(user=request.user, trainee_id=object_id)
        if story is None:
            raise Http404
        self.record_access(request, AccessRecord.Action.VIEW, object_id=str(object_id))
        trainee = story.trainee
        user = request.user
        for enrolment in story.enrolments:
            enrolment.rate_display = attendance_rate_text(enrolment)
        personal = masking.sees_personal_details(user) and story.details_shared
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": trainee,
            "title": gettext("Full record: %(name)s") % {"name": trainee.full_name},
            "story": story,
            "national_code": masking.shown(user, masking.NATIONAL_CODE, trainee.national_code),
            "mobile": masking.shown(user, masking.MOBILE, trainee.mobile),
            "father_name": trainee.father_name if personal else "",
            "birth_date": trainee.birth_date if personal else None,
            "age_band": masking.age_band(trainee.age) if story.details_shared else "",
            # Follow-up at 3, 6 and 12 months: each round, with what it found (or nothing).
            "outcome_rounds": [
                (label, [o for o in story.outcomes if o.follow_up_round == value])
                for value, label in Outcome.Round.choices
            ],
        }
        return TemplateResponse(request, "admin/trainees/trainee/story.html", context)

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
        # The page is named by what the import is at now: after applying it is no preview.
        title = {
            TraineeImport.State.QUEUED: gettext("Importing: %(name)s"),
            TraineeImport.State.APPLYING: gettext("Importing: %(name)s"),
            TraineeImport.State.APPLIED: gettext("Import done: %(name)s"),
            TraineeImport.State.FAILED: gettext("Import failed: %(name)s"),
        }.get(trainee_import.state, gettext("Import preview: %(name)s"))
        processed, to_process = selectors.trainee_import_progress(trainee_import=trainee_import)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title % {"name": trainee_import.original_name},
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

    def import_file_view(self, request, import_id):
        """The uploaded file, to those who may import and whose scope covers the import.

        The only way to it: the file sits in the private storage, which no URL serves.
        """
        self._check_import_permission(request)
        trainee_import = get_object_or_404(
            TraineeImport.objects.visible_to(request.user), pk=import_id
        )
        if not trainee_import.file:
            raise Http404
        try:
            handle = trainee_import.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        response = FileResponse(
            handle,
            as_attachment=True,
            filename=f"import-{trainee_import.pk}.{trainee_import.file_type}",
            content_type=IMPORT_CONTENT_TYPES.get(
                trainee_import.file_type, "application/octet-stream"
            ),
        )
        response["Cache-Control"] = "private, no-store"
        response["X-Content-Type-Options"] = "nosniff"
        return response

    def import_refused_view(self, request, import_id):
        """The refused rows of an import as they were in the file, each with its reasons,
        to correct and import again. Read from the uploaded file while it is kept."""
        self._check_import_permission(request)
        trainee_import = get_object_or_404(
            TraineeImport.objects.visible_to(request.user), pk=import_id
        )
        errors = trainee_import.report.get("errors", [])
        if not errors or not trainee_import.file:
            raise Http404
        try:
            with trainee_import.file.open("rb") as handle:
                content = handle.read()
        except FileNotFoundError:
            raise Http404 from None
        self.record_access(
            request,
            AccessRecord.Action.EXPORT,
            count=trainee_import.error_count,
            term=f"import {trainee_import.pk}: refused rows",
        )
        return xlsx_response(
            spreadsheets.refused_rows_xlsx(
                content=content, file_type=trainee_import.file_type, errors=errors
            ),
            f"import-{trainee_import.pk}-refused.xlsx",
        )

    def import_template_view(self, request):
        """The template to fill: the columns, an example row, and the lists to choose
        from, for the centres the person may import into."""
        self._check_import_permission(request)
        centres = Centre.objects.visible_to(request.user).active()
        neighbourhoods = (
            Neighbourhood.objects.filter(district__city__in=centres.values("city"))
            .order_by("name")
            .values_list("name", flat=True)
            .distinct()
        )
        cohorts = (
            Cohort.objects.filter(centre__in=centres)
            .exclude(status__in=[Cohort.Status.COMPLETED, Cohort.Status.CANCELLED])
            .order_by("code")
            .values_list("code", flat=True)
        )
        return xlsx_response(
            spreadsheets.import_template_xlsx(
                neighbourhoods=list(neighbourhoods), cohorts=list(cohorts)
            ),
            "trainees-import-template.xlsx",
        )

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


IMPORT_CONTENT_TYPES = {
    "xlsx": XLSX_CONTENT_TYPE,
    "csv": "text/csv; charset=utf-8",
}


def _whole_identifier(term: str, prefix: str = "") -> Q:
    """Rows whose national code, foreign national's code or passport number is the whole
    (normalised) term: the only way a masked identifier finds its person."""
    condition = Q(pk__in=[])
    for name, kind in (
        ("national_code", masking.NATIONAL_CODE),
        ("foreign_code", masking.FOREIGN_CODE),
        ("passport_number", masking.PASSPORT),
    ):
        value = masking.exact_value(kind, term)
        if value is not None:
            condition |= Q(**{f"{prefix}{name}": value})
    return condition


def _identifier(trainee, *, masked: bool = False) -> str:
    identity = trainee.identity
    if identity is None:
        return "—"
    name, value = identity
    return masking.mask_kind(masking.MASKED_FIELDS[name], value) if masked else value


class RegisteredElsewhereChangeList(ChangeList):
    """The trainee list, with the details of people registered elsewhere blanked."""

    # List filters on details a centre reads only for its own registrations (or by
    # consent): on anyone else's they would reveal the value.
    HOME_DETAIL_PARAMETERS = ("age", "neighbourhood", "education", "employment_status")

    def get_queryset(self, request, exclude_parameters=None):
        queryset = super().get_queryset(request, exclude_parameters)
        if any(name.split("__")[0] in self.HOME_DETAIL_PARAMETERS for name in self.params):
            queryset = queryset.filter(details_shared=True)
        return queryset

    def get_results(self, request):
        super().get_results(request)
        self.result_list = [hide_unshared(obj) for obj in self.result_list]


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
        "elsewhere_count",
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
    search_fields = [
        "trainee__national_code",
        "other__national_code",
        "trainee__foreign_code",
        "other__foreign_code",
        "trainee__passport_number",
        "other__passport_number",
        "trainee__last_name",
    ]
    fields = ["trainee", "other", "status", "note", "reviewed_by", "reviewed_at"]
    readonly_fields = ["trainee", "other", "status", "reviewed_by", "reviewed_at"]
    actions = ["mark_same_person", "mark_different"]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        # Either side may be registered at another centre: its national code is then
        # shown masked, like everywhere else (Trainee.objects.details_visible_to).
        shared = Trainee.objects.details_visible_to(request.user).values("pk")
        return (
            super()
            .get_queryset(request)
            .annotate(
                trainee_shared=ExpressionWrapper(
                    Q(trainee__in=shared), output_field=BooleanField()
                ),
                other_shared=ExpressionWrapper(Q(other__in=shared), output_field=BooleanField()),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        if search_term.strip():
            # A masked code is found by the whole code only, never digit by digit.
            results = results.filter(
                Q(trainee_shared=True, other_shared=True)
                | _whole_identifier(search_term, "trainee__")
                | _whole_identifier(search_term, "other__")
                | Q(trainee__last_name__icontains=search_term.strip())
            )
        return results, duplicates

    # A person is shown by the identifier they are registered with: a national code, a
    # foreign national's code or a passport number ("—" for a foreign national with none).
    @admin.display(description=_("identifier"))
    def trainee_code(self, obj):
        return _identifier(hide_unshared(obj.trainee, shared=obj.trainee_shared))

    @admin.display(description=_("other identifier"))
    def other_code(self, obj):
        return _identifier(hide_unshared(obj.other, shared=obj.other_shared))

    # The two code columns are computed, so the masked twins of ScopedAdmin (model fields)
    # do not reach them: someone who sees national codes masked gets these instead.
    @admin.display(description=_("identifier"))
    def masked_trainee_code(self, obj):
        return _identifier(obj.trainee, masked=True)

    @admin.display(description=_("other identifier"))
    def masked_other_code(self, obj):
        return _identifier(obj.other, masked=True)

    def get_list_display(self, request):
        names = super().get_list_display(request)
        if masking.hides(request.user, "national_code"):
            names = [f"masked_{n}" if n in ("trainee_code", "other_code") else n for n in names]
        return names

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
