"""Admin for programmes, cohorts and sessions. The trainees app extends the cohort and
session pages with enrolments, completion and attendance (it sits above this app)."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from centres.admin_base import ScopedAdmin, ScopedTabularInline
from empowerment.kernel.admin_columns import jalali_column
from programs.models.training import TARGET_GROUPS, Cohort, CohortSession, Programme
from programs.services.training import cohort_session_cancel, cohort_session_create

__all__ = ["ProgrammeAdmin", "CohortAdmin", "CohortSessionAdmin", "CohortSessionInline"]


class ProgrammeForm(forms.ModelForm):
    target_groups = forms.MultipleChoiceField(
        label=_("target groups"),
        choices=TARGET_GROUPS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    class Meta:
        model = Programme
        fields = [
            "title",
            "field",
            "target_groups",
            "total_hours",
            "partner",
            "description",
            "is_active",
        ]


@admin.register(Programme)
class ProgrammeAdmin(ScopedAdmin):
    form = ProgrammeForm
    list_display = [
        "title",
        "field",
        "target_groups_display",
        "total_hours",
        "partner",
        "is_active",
    ]
    list_filter = ["field", "is_active", "partner"]
    search_fields = ["title"]
    list_select_related = ["partner"]

    @admin.display(description=_("target groups"))
    def target_groups_display(self, obj):
        return obj.get_target_groups_display()


class CohortSessionInline(ScopedTabularInline):
    model = CohortSession
    fields = ["date", "start_time", "hours", "topic"]


class CohortStatusGuard:
    """Mixed into the cohort page's form: the status field cannot complete a cohort (the
    completion service does, issuing the certificates) nor reopen a completed one."""

    def clean_status(self):
        status = self.cleaned_data.get("status")
        before = self.instance.status if self.instance.pk else None
        if status == Cohort.Status.COMPLETED and before != Cohort.Status.COMPLETED:
            raise forms.ValidationError(COMPLETE_BY_ACTION, code="complete_by_action")
        if before == Cohort.Status.COMPLETED and status != before:
            raise forms.ValidationError(
                _("A completed cohort stays completed: its certificates are issued."),
                code="cohort_closed",
            )
        return status


COMPLETE_BY_ACTION = _(
    "A cohort is completed from the list of cohorts, with the action “Complete the selected "
    "cohorts and issue certificates”."
)


@admin.register(Cohort)
class CohortAdmin(ScopedAdmin):
    list_display = [
        "title",
        "code",
        "programme",
        "centre",
        "start",
        "end",
        "capacity",
        "status",
    ]
    list_filter = ["status", "programme__field", "programme", "centre"]
    search_fields = ["title", "code", "instructor", "programme__title"]
    list_select_related = ["programme", "centre"]
    autocomplete_fields = ["programme"]
    inlines = [CohortSessionInline]
    readonly_fields = ["completed_at"]
    start = jalali_column("start_date", _("start date"))
    end = jalali_column("end_date", _("end date"))

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (CohortStatusGuard, form), {})

    def save_formset(self, request, form, formset, change):
        if formset.model is not CohortSession:
            return super().save_formset(request, form, formset, change)
        # New sessions go through the service (a closed cohort takes none); corrections of a
        # session's date or topic are single-row edits.
        self.save_inline_through(
            formset,
            lambda inline_form: cohort_session_create(
                cohort=form.instance,
                date=inline_form.instance.date,
                start_time=inline_form.instance.start_time,
                hours=inline_form.instance.hours,
                topic=inline_form.instance.topic,
            ),
        )


@admin.register(CohortSession)
class CohortSessionAdmin(ScopedAdmin):
    list_display = ["cohort", "session_date", "start_time", "hours", "topic", "cancelled"]
    list_filter = ["cohort__centre", "cohort"]
    search_fields = ["cohort__title", "cohort__code", "topic"]
    list_select_related = ["cohort"]
    readonly_fields = ["cancelled_at", "cancel_reason"]
    actions = ["cancel_sessions"]
    session_date = jalali_column("date", _("date"))

    @admin.display(description=_("cancelled"), boolean=True)
    def cancelled(self, obj):
        return obj.is_cancelled

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        data = form.cleaned_data
        created = cohort_session_create(
            cohort=data["cohort"],
            date=data["date"],
            start_time=data["start_time"],
            hours=data["hours"],
            topic=data.get("topic", ""),
        )
        obj.pk = created.pk
        obj._state.adding = False

    @admin.action(description=_("Cancel the selected sessions"), permissions=["change"])
    def cancel_sessions(self, request, queryset):
        cancelled = 0
        for session in queryset:
            try:
                cohort_session_cancel(session=session)
            except ValidationError as error:
                messages.warning(request, f"{session}: {' '.join(error.messages)}")
            else:
                cancelled += 1
        if cancelled:
            messages.success(
                request,
                ngettext(
                    "%(count)d session cancelled; its trainees get no reminder.",
                    "%(count)d sessions cancelled; their trainees get no reminder.",
                    cancelled,
                )
                % {"count": cancelled},
            )
