"""Admin of headquarters meetings, resolutions, their follow-ups and commitments."""

import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django_jalali.admin.filters import JDateFieldListFilter

from empowerment.kernel.admin_columns import jalali_column
from empowerment.kernel.persian import normalize_text, to_persian_digits

from .. import news, selectors
from ..admin_base import (
    ScopedAdmin,
    ScopedStackedInline,
    ScopedTabularInline,
    add_refusal_to_form,
)
from ..documents import minutes_pdf
from ..meetings import (
    commitment_create,
    commitment_milestone_add,
    commitment_milestone_complete,
    commitment_milestone_remove,
    commitment_progress_record,
    meeting_create,
    resolution_cancel,
    resolution_create,
    resolution_follow_up_add,
    resolution_publish,
    resolution_reporter_partner,
)
from ..models import (
    PENDING_STATUSES,
    AgendaItem,
    Commitment,
    CommitmentComment,
    CommitmentMilestone,
    Meeting,
    MeetingAttendee,
    Resolution,
    ResolutionFollowUp,
)
from .news import ModeratedCommentAdmin


class AgendaItemInline(ScopedTabularInline):
    model = AgendaItem
    fields = ["order", "title", "notes"]


class MeetingAttendeeInline(ScopedTabularInline):
    model = MeetingAttendee
    fields = ["name", "position", "partner"]


class MeetingResolutionInline(ScopedStackedInline):
    model = Resolution
    fields = [("number", "deadline", "status"), "text", ("responsible", "cooperating")]
    readonly_fields = ["status"]
    filter_horizontal = []
    show_change_link = True


@admin.register(Meeting)
class MeetingAdmin(ScopedAdmin):
    """The secretary records a meeting with attendees, agenda and resolutions on one page."""

    list_display = ["number", "body_display", "kind", "date_display", "venue", "duration_hours"]
    list_filter = [
        "kind",
        ("headquarters", admin.RelatedOnlyFieldListFilter),
        ("centre", admin.RelatedOnlyFieldListFilter),
        ("date", JDateFieldListFilter),
    ]
    search_fields = ["venue", "chair", "minutes", "agenda_items__title"]
    list_select_related = ["headquarters", "centre"]
    fieldsets = [
        (None, {"fields": [("headquarters", "centre"), ("number", "kind")]}),
        (
            _("When and where"),
            {"fields": [("date", "start_time", "duration_hours"), "venue", "chair"]},
        ),
        (_("Minutes"), {"fields": ["minutes"]}),
    ]
    inlines = [MeetingAttendeeInline, AgendaItemInline, MeetingResolutionInline]
    date_display = jalali_column("date", _("date"))

    @admin.display(description=_("body"))
    def body_display(self, obj):
        return obj.body

    def get_urls(self):
        return [
            path(
                "<int:object_id>/minutes.pdf",
                self.admin_site.admin_view(self.minutes_pdf_view),
                name="centres_meeting_minutes_pdf",
            ),
            *super().get_urls(),
        ]

    def minutes_pdf_view(self, request, object_id):
        """The meeting's minutes to print (centres/documents.py), read through the scope:
        the secretary of another headquarters gets a 404."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        minutes = selectors.meeting_minutes(user=request.user, meeting_id=object_id)
        if minutes is None:
            raise Http404
        response = HttpResponse(minutes_pdf(minutes), content_type="application/pdf")
        response["Content-Disposition"] = (
            f'inline; filename="minutes-{minutes.meeting.pk}-{minutes.meeting.number}.pdf"'
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        # A new meeting goes through the service, which gives the body's next number.
        data = form.cleaned_data
        meeting = meeting_create(
            body=data["headquarters"] or data["centre"],
            number=data.get("number"),
            kind=data["kind"],
            date=data["date"],
            start_time=data.get("start_time"),
            venue=data.get("venue", ""),
            chair=data.get("chair", ""),
            duration_hours=data.get("duration_hours") or 0,
            minutes=data.get("minutes", ""),
        )
        obj.pk, obj.number, obj.created_at = meeting.pk, meeting.number, meeting.created_at
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not Resolution:
            return super().save_formset(request, form, formset, change)
        # New resolutions through the service, which numbers them in the meeting.
        self.save_inline_through(
            formset,
            lambda inline_form: resolution_create(
                meeting=form.instance,
                number=inline_form.cleaned_data.get("number"),
                text=inline_form.cleaned_data["text"],
                responsible=inline_form.cleaned_data["responsible"],
                cooperating=inline_form.cleaned_data.get("cooperating") or (),
                deadline=inline_form.cleaned_data.get("deadline"),
            ),
        )


class OverdueFilter(admin.SimpleListFilter):
    title = _("overdue")
    parameter_name = "overdue"

    def lookups(self, request, model_admin):
        return [("yes", _("Overdue")), ("no", _("Not overdue"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.overdue()
        if self.value() == "no":
            return queryset.not_overdue()
        return queryset


class FollowUpFormMixin:
    """Refuses, as a form error, a report the service would refuse (who, and when)."""

    def clean(self):
        cleaned = super().clean()
        resolution = cleaned.get("resolution") or getattr(self, "parent_resolution", None)
        if resolution is not None and self.request is not None:
            try:
                resolution_reporter_partner(user=self.request.user, resolution=resolution)
            except ValidationError:  # NotAllowed: the service's own refusal, as a form error
                raise
        return cleaned


class ResolutionFollowUpInline(ScopedTabularInline):
    model = ResolutionFollowUp
    fields = ["reported_on", "progress", "note", "reported_by", "partner"]
    readonly_fields = ["reported_by", "partner"]
    can_delete = False

    def has_change_permission(self, request, obj=None):
        # The log is append-only: earlier reports are shown, never edited.
        return False

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        base_form = formset.form

        class Form(FollowUpFormMixin, base_form):
            pass

        Form.request = request
        Form.parent_resolution = obj
        formset.form = Form
        return formset


def resolution_label(resolution: Resolution) -> str:
    """A resolution as a secretary picks it: its code, its meeting and the start of its
    text ("مصوبه ۷۴-۳ · جلسه ۷۴ قرارگاه … · متن"), Persian digits."""
    text = resolution.text if len(resolution.text) <= 90 else resolution.text[:88] + "…"
    meeting = resolution.meeting
    # The code is isolated left to right (U+2066 … U+2069): after Persian letters its digits
    # would otherwise be laid out right to left, "۳-۷۴" for 74-3.
    code = f"\u2066{resolution.code}\u2069"
    return to_persian_digits(
        gettext("Resolution %(code)s · meeting %(number)s of %(body)s · %(text)s")
        % {"code": code, "number": meeting.number, "body": meeting.body, "text": text}
    )


# "74-3", "۷۴-۳", "74/3": a resolution's code as a secretary types it.
RESOLUTION_CODE = re.compile(r"\s*([0-9]+)\s*[-/_.]\s*([0-9]+)\s*")


@admin.register(Resolution)
class ResolutionAdmin(ScopedAdmin):
    list_display = [
        "code_display",
        "meeting",
        "short_text",
        "responsible",
        "deadline_display",
        "status",
        "progress",
        "overdue_display",
        "published_display",
    ]
    list_filter = [
        ("meeting__headquarters", admin.RelatedOnlyFieldListFilter),
        ("meeting__centre", admin.RelatedOnlyFieldListFilter),
        ("responsible", admin.RelatedOnlyFieldListFilter),
        "status",
        OverdueFilter,
        ("deadline", JDateFieldListFilter),
    ]
    search_fields = ["text", "responsible__name", "meeting__venue"]
    list_select_related = ["meeting__headquarters", "meeting__centre", "responsible"]
    fields = [
        "meeting",
        ("number", "deadline"),
        "text",
        "responsible",
        "cooperating",
        ("status", "progress", "completed_on"),
        "report_link",
    ]
    readonly_fields = ["status", "progress", "completed_on", "report_link"]
    filter_horizontal = ["cooperating"]
    inlines = [ResolutionFollowUpInline]
    deadline_display = jalali_column("deadline", _("deadline"))
    actions = ["cancel_selected", "publish_selected", "withdraw_selected"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_overdue()

    @admin.display(description=_("public"), boolean=True, ordering="published_at")
    def published_display(self, obj):
        return obj.published_at is not None

    def _publish(self, request, queryset, publish: bool):
        done = 0
        for resolution in queryset:
            try:
                resolution_publish(resolution=resolution, user=request.user, publish=publish)
            except (PermissionDenied, ValidationError) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{resolution}: {text}", messages.ERROR)
            else:
                done += 1
        if done:
            text = (
                ngettext(
                    "%(count)s resolution is on the public pages.",
                    "%(count)s resolutions are on the public pages.",
                    done,
                )
                if publish
                else ngettext(
                    "%(count)s resolution was withdrawn from the public pages.",
                    "%(count)s resolutions were withdrawn from the public pages.",
                    done,
                )
            )
            self.message_user(request, text % {"count": done}, messages.SUCCESS)

    @admin.action(
        description=_("Publish the selected resolutions on the public pages"),
        permissions=["change"],
    )
    def publish_selected(self, request, queryset):
        self._publish(request, queryset, True)

    @admin.action(
        description=_("Withdraw the selected resolutions from the public pages"),
        permissions=["change"],
    )
    def withdraw_selected(self, request, queryset):
        self._publish(request, queryset, False)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if obj is not None:
            fields += ["meeting", "number"]
        return fields

    def autocomplete_label(self, obj):
        return resolution_label(obj)

    def get_search_results(self, request, queryset, search_term):
        results, duplicates = super().get_search_results(request, queryset, search_term)
        term = normalize_text(search_term, digits="ascii")
        code = RESOLUTION_CODE.fullmatch(term)
        if code:
            results = results | queryset.filter(
                meeting__number=int(code.group(1)), number=int(code.group(2))
            )
        elif term.strip().isdigit():
            results = results | queryset.filter(meeting__number=int(term))
        if _follow_up_autocomplete(request):
            # The follow-up form's picker: what is still pending, as its own choices are.
            results = results.filter(status__in=PENDING_STATUSES).select_related(
                "meeting__headquarters", "meeting__centre"
            )
        return results, duplicates

    @admin.display(description=_("code"), ordering="number")
    def code_display(self, obj):
        return obj.code

    @admin.display(description=_("text"))
    def short_text(self, obj):
        return obj.text if len(obj.text) <= 80 else obj.text[:78] + "…"

    @admin.display(description=_("overdue"), boolean=True, ordering="overdue_flag")
    def overdue_display(self, obj):
        return obj.overdue_flag

    @admin.display(description=_("report progress"))
    def report_link(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        url = reverse("admin:centres_resolutionfollowup_add") + f"?resolution={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Add a follow-up report"))

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        resolution = resolution_create(
            meeting=data["meeting"],
            number=data.get("number"),
            text=data["text"],
            responsible=data["responsible"],
            cooperating=data.get("cooperating") or (),
            deadline=data.get("deadline"),
        )
        obj.pk, obj.number = resolution.pk, resolution.number
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        if change:
            form.save_m2m()
        for formset in formsets:
            self.save_formset(request, form, formset, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is not ResolutionFollowUp:
            return super().save_formset(request, form, formset, change)
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.extra_forms:
            if not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            created = resolution_follow_up_add(
                resolution=form.instance,
                user=request.user,
                progress=data["progress"],
                note=data["note"],
                reported_on=data.get("reported_on"),
            )
            formset.new_objects.append(created)

    @admin.action(description=_("Cancel the selected resolutions"), permissions=["change"])
    def cancel_selected(self, request, queryset):
        for resolution in queryset:
            try:
                resolution_cancel(
                    resolution=resolution,
                    user=request.user,
                    reason=gettext("Cancelled by the headquarters secretary."),
                )
            except (PermissionDenied, ValidationError) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                self.message_user(request, f"{resolution}: {text}", messages.ERROR)


def _follow_up_autocomplete(request) -> bool:
    return (
        request.resolver_match is not None
        and request.resolver_match.url_name == "autocomplete"
        and request.GET.get("app_label") == "centres"
        and request.GET.get("model_name") == "resolutionfollowup"
    )


class ResolutionFollowUpForm(FollowUpFormMixin, forms.ModelForm):
    request = None

    class Meta:
        model = ResolutionFollowUp
        fields = ["resolution", "reported_on", "progress", "note"]


@admin.register(ResolutionFollowUp)
class ResolutionFollowUpAdmin(ScopedAdmin):
    """Where a partner's officer reports on the resolutions assigned to their organisation."""

    form = ResolutionFollowUpForm
    autocomplete_fields = ["resolution"]
    list_display = ["resolution", "reported", "progress", "reported_by", "partner"]
    list_filter = [("resolution__responsible", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["resolution__meeting", "reported_by", "partner"]
    search_fields = ["note", "resolution__text"]
    reported = jalali_column("reported_on", _("reported on"))

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.request = request
        return form

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "resolution":
            # Only what is still pending can be reported on.
            kwargs["queryset"] = (
                Resolution.objects.visible_to(request.user)
                .filter(status__in=PENDING_STATUSES)
                .select_related("meeting__headquarters", "meeting__centre")
            )
            field = super().formfield_for_foreignkey(db_field, request, **kwargs)
            field.label_from_instance = resolution_label
            field.help_text = gettext(
                "Type the resolution's code (74-3), its meeting's number or words of its text."
            )
            return field
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = resolution_follow_up_add(
            resolution=data["resolution"],
            user=request.user,
            progress=data["progress"],
            note=data["note"],
            reported_on=data.get("reported_on"),
        )
        obj.pk = saved.pk
        obj._state.adding = False


class CommitmentMilestoneForm(forms.ModelForm):
    class Meta:
        model = CommitmentMilestone
        fields = ["title", "due_date", "completed_on", "evidence", "photo"]
        # Django's own check (Pillow cannot open it) says the same as ours.
        error_messages = {"photo": {"invalid_image": news.COVER_INVALID_MESSAGE}}

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        # Only a new upload is checked and re-encoded; a kept photo is already clean.
        if photo and hasattr(photo, "content_type"):
            return news.cover_image_prepare(photo)
        return photo


class CommitmentMilestoneInline(ScopedTabularInline):
    model = CommitmentMilestone
    form = CommitmentMilestoneForm
    fields = ["title", "due_date", "completed_on", "evidence", "photo"]


class CommitmentProgressForm(forms.Form):
    progress = forms.IntegerField(label=_("progress (%)"), min_value=0, max_value=100)
    evidence = forms.CharField(label=_("evidence"), widget=forms.Textarea, required=False)


@admin.register(Commitment)
class CommitmentAdmin(ScopedAdmin):
    list_display = [
        "title",
        "neighbourhood",
        "promised_by",
        "due_display",
        "status",
        "progress",
        "overdue_display",
    ]
    list_filter = ["status", OverdueFilter, ("due_date", JDateFieldListFilter), "neighbourhood"]
    search_fields = ["title", "promised_by", "location", "neighbourhood__name"]
    list_select_related = ["neighbourhood"]
    readonly_fields = ["status", "progress", "completed_on", "progress_link"]
    inlines = [CommitmentMilestoneInline]
    due_display = jalali_column("due_date", _("due date"))

    def get_queryset(self, request):
        return super().get_queryset(request).with_overdue()

    @admin.display(description=_("overdue"), boolean=True, ordering="overdue_flag")
    def overdue_display(self, obj):
        return obj.overdue_flag

    @admin.display(description=_("record progress"))
    def progress_link(self, obj):
        # Only a commitment tracked without milestones takes progress directly.
        if obj is None or obj.pk is None or obj.milestones.exists():
            return "—"
        url = reverse("admin:centres_commitment_progress", args=[obj.pk])
        return format_html('<a href="{}">{}</a>', url, _("Record progress"))

    def get_urls(self):
        urls = [
            path(
                "<path:object_id>/progress/",
                self.admin_site.admin_view(self.progress_view),
                name="centres_commitment_progress",
            )
        ]
        return urls + super().get_urls()

    def progress_view(self, request, object_id):
        """Progress on a commitment without milestones: the following HQ's secretary or the
        promising organisation's officer (who may only view commitments otherwise)."""
        commitment = get_object_or_404(
            self.get_queryset(request).select_related("neighbourhood"), pk=unquote(object_id)
        )
        if not self.has_view_or_change_permission(request, commitment):
            raise PermissionDenied
        form = CommitmentProgressForm(
            request.POST or None, initial={"progress": commitment.progress}
        )
        if request.method == "POST" and form.is_valid():
            try:
                commitment_progress_record(
                    commitment=commitment,
                    user=request.user,
                    progress=form.cleaned_data["progress"],
                    evidence=form.cleaned_data["evidence"],
                )
            except ValidationError as refusal:  # every DomainError, NotAllowed included
                add_refusal_to_form(form, refusal)
            else:
                self.message_user(request, gettext("Progress recorded."), messages.SUCCESS)
                return HttpResponseRedirect(
                    reverse("admin:centres_commitment_change", args=[commitment.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": gettext("Record progress: %(commitment)s") % {"commitment": commitment},
            "original": commitment,
            "form": form,
        }
        return TemplateResponse(request, "admin/centres/commitment_progress.html", context)

    def save_model(self, request, obj, form, change):
        if change:
            # A single-row edit (what, who, where, when): the model's clean() holds its rule.
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        created = commitment_create(
            title=data["title"],
            promised_by=data["promised_by"],
            neighbourhood=data["neighbourhood"],
            due_date=data["due_date"],
            description=data.get("description", ""),
            promiser_partner=data.get("promiser_partner"),
            location=data.get("location", ""),
            headquarters=data.get("headquarters"),
            promised_on=data.get("promised_on"),
        )
        if data.get("evidence"):
            created.evidence = data["evidence"]
            created.save(update_fields=["evidence", "updated_at"])
        obj.pk, obj.created_at = created.pk, created.created_at
        obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not CommitmentMilestone:
            return super().save_formset(request, form, formset, change)
        # Milestones added, done or removed go through the services: the commitment's
        # progress follows them, and a cancelled commitment takes none.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for inline_form in formset.deleted_forms:
            if inline_form.instance.pk:
                formset.deleted_objects.append(inline_form.instance)
                commitment_milestone_remove(milestone=inline_form.instance)
        for inline_form in formset.forms:
            if inline_form in formset.deleted_forms or not inline_form.has_changed():
                continue
            data = inline_form.cleaned_data
            if inline_form.instance.pk is None:
                created = commitment_milestone_add(
                    commitment=form.instance,
                    title=data["title"],
                    due_date=data["due_date"],
                    completed_on=data.get("completed_on"),
                    evidence=data.get("evidence", ""),
                    photo=data.get("photo") or None,
                )
                formset.new_objects.append(created)
                continue
            formset.changed_objects.append((inline_form.instance, inline_form.changed_data))
            completing = "completed_on" in inline_form.changed_data and data.get("completed_on")
            if completing:
                # The other edits first (title, due date), then the completion by the service.
                inline_form.instance.completed_on = inline_form.initial.get("completed_on")
                inline_form.instance.save()
                commitment_milestone_complete(
                    milestone=inline_form.instance,
                    completed_on=data["completed_on"],
                    evidence=data.get("evidence", ""),
                    correct=True,
                )
            else:
                inline_form.save()


@admin.register(CommitmentComment)
class CommitmentCommentAdmin(ModeratedCommentAdmin):
    subject = "commitment"
    search_fields = ["name", "text", "commitment__title"]
    list_select_related = ["commitment", "moderated_by"]
