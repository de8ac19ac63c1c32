"""Counselling in the admin: topics, counsellors' weekly hours, bookings (walk-ins booked by
staff through the service), the session's record and notes (the counsellor's own page),
referrals (answered by the partner's officer), and the break-glass reading of notes.

The notes are never a model field of a page here: the booking's form carries them as an
extra field, filled only for those who may read them, and the notes' table has no admin,
no history and no export.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from centres.admin_base import ScopedAdmin
from centres.models import Centre, StaffRole
from centres.scope import ADMINISTRATOR, scope_for
from empowerment.kernel.admin_columns import ReadOnlyAdminMixin, jalali_column
from empowerment.kernel.errors import add_refusal_to_form
from empowerment.kernel.jalali import TEHRAN, format_jalali

from .. import services
from ..models import (
    CounsellingBooking,
    CounsellingNote,
    CounsellingNoteAccess,
    CounsellingReferral,
    CounsellingTopic,
    CounsellorAvailability,
)


def _local(value) -> str:
    if value is None:
        return "—"
    local = value.astimezone(TEHRAN)
    return f"{format_jalali(local.date())} {local:%H:%M}"


@admin.register(CounsellingTopic)
class CounsellingTopicAdmin(ScopedAdmin):
    list_display = ["name", "order", "is_active"]
    list_editable = ["order", "is_active"]
    search_fields = ["name"]

    def has_delete_permission(self, request, obj=None):
        # A topic that bookings name is kept (retired with "active" off), never deleted.
        return False


class AvailabilityForm(forms.ModelForm):
    class Meta:
        model = CounsellorAvailability
        fields = [
            "centre",
            "counsellor",
            "weekday",
            "start_time",
            "end_time",
            "slot_minutes",
            "is_active",
        ]


@admin.register(CounsellorAvailability)
class CounsellorAvailabilityAdmin(ScopedAdmin):
    form = AvailabilityForm
    list_display = [
        "counsellor",
        "centre",
        "weekday",
        "start_time",
        "end_time",
        "slot_minutes",
        "is_active",
    ]
    list_filter = ["weekday", "is_active"]
    list_select_related = ["counsellor", "centre"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "counsellor":
            centres = Centre.objects.visible_to(request.user)
            kwargs["queryset"] = (
                db_field.related_model.objects.filter(
                    staff_roles__role=StaffRole.Role.COUNSELLOR,
                    staff_roles__centre__in=centres,
                    staff_roles__is_active=True,
                )
                .distinct()
                .order_by("last_name", "username")
            )
            return db_field.formfield(**kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Bookings ----------------------------------------------------------------------------


class BookingAddForm(forms.ModelForm):
    """A walk-in: a free slot of a centre in the staff member's scope, the topic, and the
    person (a registered trainee, or a name and mobile)."""

    slot = forms.ChoiceField(label=_("time"))

    class Meta:
        model = CounsellingBooking
        fields = ["centre", "topic", "trainee", "name", "mobile"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].required = False
        choices = [("", "---------")]
        for centre in Centre.objects.visible_to(request.user).active() if request else []:
            for slot in services.counselling_slots(centre=centre):
                choices.append((slot.key, f"{centre.name}: {slot.label}"))
        self.fields["slot"].choices = choices


class SessionForm(forms.ModelForm):
    """A booking's page: the counsellor records the session and writes the notes."""

    ATTENDED = [("", "---------"), ("yes", _("Came")), ("no", _("Did not come"))]
    attended = forms.ChoiceField(label=_("session held"), choices=ATTENDED, required=False)
    notes = forms.CharField(
        label=_("notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "Read only by you and the centre's manager; stored encrypted; never in exports."
        ),
    )

    class Meta:
        model = CounsellingBooking
        fields = []


@admin.register(CounsellingBooking)
class CounsellingBookingAdmin(ScopedAdmin):
    list_display = ["name", "centre", "counsellor", "when", "topic", "status", "tracking_number"]
    list_filter = ["status", "topic"]
    list_select_related = ["centre", "counsellor", "topic"]
    search_fields = ["name", "mobile", "tracking_number"]
    autocomplete_fields = ["trainee"]
    actions = ["cancel_bookings"]
    readonly_fields = [
        "centre",
        "counsellor",
        "when",
        "topic",
        "trainee",
        "name",
        "mobile",
        "status",
        "tracking_number",
        "booked_by",
        "notes_access_link",
    ]

    @admin.display(description=_("time"), ordering="starts_at")
    def when(self, obj):
        return _local(obj.starts_at)

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            form = BookingAddForm
            kwargs["form"] = form
            kwargs["fields"] = ["centre", "slot", "topic", "trainee", "name", "mobile"]
            base = super().get_form(request, obj, change=change, **kwargs)

            class WithRequest(base):
                def __init__(self, *args, **kw):
                    super().__init__(*args, request=request, **kw)

            WithRequest.__name__ = base.__name__
            return WithRequest
        kwargs["form"] = SessionForm
        kwargs["fields"] = self._session_fields(request, obj)
        base = super().get_form(request, obj, change=change, **kwargs)
        notes = self._readable_notes(request, obj)

        class WithNotes(base):
            def __init__(self, *args, **kw):
                super().__init__(*args, **kw)
                if "notes" in self.fields and notes is not None:
                    self.fields["notes"].initial = notes

        WithNotes.__name__ = base.__name__
        return WithNotes

    def _session_fields(self, request, obj) -> list[str]:
        if obj.counsellor_id == request.user.pk:
            return ["attended", "notes"]
        return []

    def _readable_notes(self, request, obj) -> str | None:
        try:
            return services.counselling_notes_read(booking=obj, user=request.user)
        except ValidationError:
            return None

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["centre", "slot", "topic", "trainee", "name", "mobile"]
        fields = [f for f in self.readonly_fields]
        return fields + self._session_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": self.get_fields(request, obj)})]

    @admin.display(description=_("notes"))
    def notes_access_link(self, obj):
        request = getattr(self, "_request", None)
        if request is None or not CounsellingNote.objects.filter(booking=obj).exists():
            return "—"
        if obj.counsellor_id == request.user.pk:
            return gettext("below")
        if CounsellingNote.objects.visible_to(request.user).filter(booking=obj).exists():
            return format_html(
                '<div class="counselling-notes" dir="auto">{}</div>',
                services.counselling_notes_read(booking=obj, user=request.user),
            )
        if ADMINISTRATOR in scope_for(request.user).roles:
            return format_html(
                '<a href="{}" class="notes-break-glass">{}</a>',
                reverse("admin:trainees_counsellingbooking_notes", args=[obj.pk]),
                gettext("read the notes (a reason is recorded)"),
            )
        return gettext("Only the counsellor and the centre's manager read the notes.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._request = request
        return super().change_view(request, object_id, form_url, extra_context)

    def has_change_permission(self, request, obj=None):
        # Only the booking's counsellor changes it (the session's record); the others read.
        if obj is not None and obj.counsellor_id != request.user.pk:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            saved = services.counselling_book(
                centre=form.cleaned_data["centre"],
                slot_key=form.cleaned_data["slot"],
                topic=form.cleaned_data["topic"],
                trainee=form.cleaned_data.get("trainee"),
                name=form.cleaned_data.get("name") or "",
                mobile=form.cleaned_data.get("mobile") or "",
                booked_by=request.user,
            )
            obj.__dict__.update(saved.__dict__)
            return
        attended = form.cleaned_data.get("attended")
        notes = form.cleaned_data.get("notes") or ""
        if attended or notes:
            if not attended:
                raise ValidationError(
                    {
                        "attended": ValidationError(
                            gettext("Say whether the session was held."), code="required"
                        )
                    }
                )
            services.counselling_session_record(
                booking=obj, attended=attended == "yes", notes=notes, by=request.user
            )

    def save_related(self, request, form, formsets, change):
        pass

    def construct_change_message(self, request, form, formsets, add=False):
        # Never the notes' words in the admin's log.
        return [{"added": {}}] if add else [{"changed": {"fields": ["status"]}}]

    @admin.action(description=_("Cancel the selected bookings"), permissions=["view"])
    def cancel_bookings(self, request, queryset):
        done = 0
        for booking in queryset:
            try:
                services.counselling_cancel(booking=booking, by=request.user)
            except ValidationError as refusal:
                self.refusal_message(request, refusal, about=booking)
            else:
                done += 1
        self.message_user(
            request, gettext("%(count)s bookings cancelled.") % {"count": done}, messages.SUCCESS
        )

    def get_urls(self):
        return [
            path(
                "<path:object_id>/notes/",
                self.admin_site.admin_view(self.notes_view),
                name="trainees_counsellingbooking_notes",
            ),
            *super().get_urls(),
        ]

    def notes_view(self, request, object_id):
        """Break-glass: an administrator writes why, then reads the notes."""
        booking = get_object_or_404(self.get_queryset(request), pk=object_id)
        if ADMINISTRATOR not in scope_for(request.user).roles:
            raise PermissionDenied
        form = BreakGlassForm(request.POST or None)
        text = None
        if request.method == "POST" and form.is_valid():
            try:
                services.counselling_notes_break_glass(
                    booking=booking, user=request.user, reason=form.cleaned_data["reason"]
                )
            except ValidationError as refusal:
                add_refusal_to_form(form, refusal)
            else:
                text = services.counselling_notes_read(booking=booking, user=request.user)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Counselling notes"),
            "opts": self.model._meta,
            "original": booking,
            "form": form,
            "notes": text,
        }
        return TemplateResponse(request, "admin/trainees/counselling_notes.html", context)


class BreakGlassForm(forms.Form):
    reason = forms.CharField(
        label=_("why you must read these notes"), widget=forms.Textarea(attrs={"rows": 3})
    )


@admin.register(CounsellingNoteAccess)
class CounsellingNoteAccessAdmin(ReadOnlyAdminMixin, ScopedAdmin):
    list_display = ["booking", "user", "reason", "at"]
    list_select_related = ["booking", "user"]
    at = jalali_column("created_at", _("at"))


# --- Referrals ---------------------------------------------------------------------------


class ReferralAddForm(forms.ModelForm):
    class Meta:
        model = CounsellingReferral
        fields = ["booking", "kind", "cohort", "partner", "job", "outcome", "request"]


class ReferralAnswerForm(forms.ModelForm):
    class Meta:
        model = CounsellingReferral
        fields = ["state", "answer"]


@admin.register(CounsellingReferral)
class CounsellingReferralAdmin(ScopedAdmin):
    list_display = ["booking", "kind", "target", "state", "sent"]
    list_filter = ["kind", "state"]
    list_select_related = ["booking", "cohort", "partner"]
    autocomplete_fields = ["outcome"]
    sent = jalali_column("created_at", _("sent at"))

    @admin.display(description=_("referred to"))
    def target(self, obj):
        return obj.cohort or obj.partner or obj.job

    def get_form(self, request, obj=None, change=False, **kwargs):
        kwargs["form"] = ReferralAddForm if obj is None else ReferralAnswerForm
        kwargs["fields"] = None
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ReferralAddForm.Meta.fields
        return ["booking_name", "kind", "target", "request", "interest", "state", "answer"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["booking_name", "kind", "target", "request", "interest"]

    def get_fieldsets(self, request, obj=None):
        return [(None, {"fields": self.get_fields(request, obj)})]

    @admin.display(description=_("resident"))
    def booking_name(self, obj):
        return obj.booking.name

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "booking":
            kwargs["queryset"] = CounsellingBooking.objects.visible_to(request.user).filter(
                status=CounsellingBooking.Status.ATTENDED
            )
            return db_field.formfield(**kwargs)
        if db_field.name == "outcome":
            return super().formfield_for_foreignkey(db_field, request, **kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        if not change:
            saved = services.counselling_refer(
                booking=data["booking"],
                kind=data["kind"],
                cohort=data.get("cohort"),
                partner=data.get("partner"),
                job=data.get("job") or "",
                outcome=data.get("outcome"),
                request=data.get("request") or "",
                by=request.user,
            )
            obj.__dict__.update(saved.__dict__)
        else:
            services.counselling_referral_answer(
                referral=obj,
                state=data["state"],
                answer=data.get("answer") or "",
                by=request.user,
            )

    def has_delete_permission(self, request, obj=None):
        return False
