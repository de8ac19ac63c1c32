"""Admin for calls for ideas: the call with its criteria and ideas ranked, ideas, reviews."""

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_jalali.admin.filters import JDateFieldListFilter

from centres.admin_base import ScopedAdmin, ScopedTabularInline
from centres.models import Centre, StaffRole
from empowerment.kernel.admin_columns import jalali_column
from empowerment.kernel.persian import normalize_text, to_persian_digits
from empowerment.kernel.widgets import NumberWidget

from ..models.ideas import Idea, IdeaCall, IdeaCriterion, IdeaReview
from ..selectors import ideas_awaiting_review_by, with_ranking
from ..services.ideas import (
    idea_advance,
    idea_call_change,
    idea_call_create,
    idea_call_publish_decisions,
    idea_decide,
    idea_follow_up_record,
    idea_review_submit,
)

__all__ = ["IdeaCallAdmin", "IdeaAdmin", "IdeaReviewAdmin"]


def _report(model_admin, request, rows, service, **kwargs):
    """Run a service per row; refusals become messages, not errors."""
    done = 0
    for row in rows:
        try:
            service(**kwargs, **{model_admin.service_arg: row}, user=request.user)
            done += 1
        except (PermissionDenied, ValidationError) as error:
            text = "؛ ".join(error.messages) if hasattr(error, "messages") else str(error)
            model_admin.message_user(request, f"{row}: {text}", messages.ERROR)
    if done:
        model_admin.message_user(
            request, gettext("%(count)s done.") % {"count": done}, messages.SUCCESS
        )


class IdeaCriterionInline(ScopedTabularInline):
    model = IdeaCriterion
    fields = ["order", "name", "weight"]

    def _reviewed(self, obj) -> bool:
        return obj is not None and IdeaReview.objects.filter(idea__call=obj).exists()

    # Once an idea is scored, the criteria it was scored on no longer change.
    def has_add_permission(self, request, obj=None):
        return not self._reviewed(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._reviewed(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._reviewed(obj) and super().has_delete_permission(request, obj)


class RankedIdeaInline(ScopedTabularInline):
    """The call's ideas, best weighted mean first, with how many reviewers scored."""

    model = Idea
    verbose_name = _("idea (ranked)")
    verbose_name_plural = _("ideas ranked by the reviewers' weighted mean")
    fields = ["rank_score", "reviewer_count", "title", "submitter_name", "jobs_expected", "status"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return with_ranking(super().get_queryset(request))

    @admin.display(description=_("score (0–10)"))
    def rank_score(self, obj):
        return "—" if obj.score is None else to_persian_digits(f"{obj.score:.2f}")

    @admin.display(description=_("reviewers"))
    def reviewer_count(self, obj):
        return to_persian_digits(obj.reviewers)


@admin.register(IdeaCall)
class IdeaCallAdmin(ScopedAdmin):
    list_display = ["title", "centre", "opens", "closes", "idea_count", "published"]
    list_filter = [
        ("centre", admin.RelatedOnlyFieldListFilter),
        ("closes_on", JDateFieldListFilter),
    ]
    search_fields = ["title", "description"]
    list_select_related = ["centre"]
    fields = [
        "centre",
        "title",
        "description",
        ("opens_on", "closes_on"),
        "reviewers",
        ("decisions_published_at", "decisions_published_by"),
    ]
    readonly_fields = ["decisions_published_at", "decisions_published_by"]
    filter_horizontal = ["reviewers"]
    inlines = [IdeaCriterionInline, RankedIdeaInline]
    actions = ["publish_decisions"]
    service_arg = "call"
    opens = jalali_column("opens_on", _("opens on"))
    closes = jalali_column("closes_on", _("closes on"))

    def get_queryset(self, request):

        return super().get_queryset(request).annotate(ideas_total=Count("ideas"))

    @admin.display(description=_("ideas"), ordering="ideas_total")
    def idea_count(self, obj):
        return obj.ideas_total

    @admin.display(description=_("decisions published"), boolean=True)
    def published(self, obj):
        return obj.decisions_published

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "reviewers":
            centres = Centre.objects.visible_to(request.user)
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(
                    staff_roles__role=StaffRole.Role.REVIEWER,
                    staff_roles__is_active=True,
                    staff_roles__centre__in=centres,
                )
                .distinct()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        # A call stays with the centre that published it (its reviewers, its ideas).
        return [*fields, "centre"] if obj is not None else fields

    def save_model(self, request, obj, form, change):
        # The call is written with its criteria, by the services, in save_related: the
        # rules (at least one criterion, criteria fixed once scored) hold for the whole.
        pass

    def save_related(self, request, form, formsets, change):
        data = form.cleaned_data
        criteria = _criteria_wanted(formsets, form.instance if change else None)
        fields = {
            "title": data["title"],
            "description": data.get("description", ""),
            "opens_on": data["opens_on"],
            "closes_on": data["closes_on"],
            "reviewers": data.get("reviewers") or (),
        }
        if change:
            idea_call_change(call=form.instance, criteria=criteria, **fields)
        else:
            call = idea_call_create(
                centre=data["centre"],
                criteria=[(name, weight) for _pk, name, weight in criteria],
                **fields,
            )
            form.instance.pk, form.instance.created_at = call.pk, call.created_at
            form.instance._state.adding = False
        # The change message reads these lists, which formset.save() would have filled.
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    @admin.action(description=_("Publish the decisions"), permissions=["change"])
    def publish_decisions(self, request, queryset):
        _report(self, request, queryset, idea_call_publish_decisions)


def _criteria_wanted(formsets, call) -> list[tuple[int | None, str, int]]:
    """The criteria as the page leaves them: (id or None, name, weight), in their order."""
    formset = next((f for f in formsets if f.model is IdeaCriterion), None)
    if formset is None:
        # No criteria on the page for this person: they stay as they are.
        current = call.criteria.order_by("order", "pk") if call is not None else []
        return [(c.pk, c.name, c.weight) for c in current]
    rows = []
    for position, inline_form in enumerate(formset.forms):
        instance, data = inline_form.instance, getattr(inline_form, "cleaned_data", {})
        if inline_form in formset.deleted_forms or (
            instance.pk is None and not inline_form.has_changed()
        ):
            continue
        # Read-only criteria (ideas already scored) post nothing: the stored values stand.
        order = data.get("order", instance.order) or 0
        name, weight = data.get("name", instance.name), data.get("weight", instance.weight)
        rows.append((order, position, (instance.pk, name, weight)))
    return [row for _order, _position, row in sorted(rows)]


class IdeaReviewInline(ScopedTabularInline):
    model = IdeaReview
    fields = ["reviewer", "comment", "updated_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class AwaitingMyReviewFilter(admin.SimpleListFilter):
    """The ideas that wait for the signed-in reviewer's scores (the admin's first page
    links here)."""

    title = _("review")
    parameter_name = "awaiting"

    def lookups(self, request, model_admin):
        if not request.user.has_perm("programs.add_ideareview"):
            return []
        return [("me", _("Awaiting my review"))]

    def queryset(self, request, queryset):
        if self.value() == "me":
            return ideas_awaiting_review_by(request.user, queryset)
        return queryset


@admin.register(Idea)
class IdeaAdmin(ScopedAdmin):
    list_display = ["title", "call", "submitter_name", "jobs_expected", "status", "submitted"]
    list_filter = [
        AwaitingMyReviewFilter,
        "status",
        "follow_up",
        ("call", admin.RelatedOnlyFieldListFilter),
    ]
    search_fields = ["title", "summary", "submitter_name", "submitter_mobile"]
    list_select_related = ["call"]
    fieldsets = [
        (
            None,
            {
                "fields": [
                    "call",
                    ("submitter_name", "submitter_mobile"),
                    "title",
                    "summary",
                    "team_members",
                    "support_needed",
                    "jobs_expected",
                    "review_link",
                ]
            },
        ),
        (_("Decision"), {"fields": [("status", "decided_by", "decided_at"), "decision_note"]}),
        (
            _("Follow-up"),
            {
                "fields": [
                    ("follow_up", "mentor", "incubation_progress"),
                    "business_opened_on",
                    "follow_up_note",
                ]
            },
        ),
    ]
    follow_up_fields = [
        "follow_up",
        "mentor",
        "incubation_progress",
        "business_opened_on",
        "follow_up_note",
    ]
    inlines = [IdeaReviewInline]
    actions = ["to_screening", "to_review", "accept", "reject"]
    service_arg = "idea"
    submitted = jalali_column("created_at", _("submitted"))

    def has_add_permission(self, request):
        # Residents submit through the call (idea_submit), not as staff in the admin.
        return False

    def get_readonly_fields(self, request, obj=None):
        names = [f.name for f in Idea._meta.fields] + ["review_link"]
        return [n for n in names if n not in self.follow_up_fields]

    @admin.display(description=_("review"))
    def review_link(self, obj):
        url = reverse("admin:programs_ideareview_add") + f"?idea={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _("Score this idea"))

    def save_model(self, request, obj, form, change):
        if not set(form.changed_data) & set(self.follow_up_fields):
            return
        data = form.cleaned_data
        try:
            idea_follow_up_record(
                idea=obj,
                user=request.user,
                follow_up=data["follow_up"],
                mentor=data.get("mentor", ""),
                progress=data.get("incubation_progress") or 0,
                note=data.get("follow_up_note", ""),
                business_opened_on=data.get("business_opened_on"),
            )
        except (PermissionDenied, ValidationError) as error:
            self.message_user(request, "؛ ".join(getattr(error, "messages", [str(error)])), "error")

    @admin.action(description=_("Move to screening"), permissions=["change"])
    def to_screening(self, request, queryset):
        _report(self, request, queryset, idea_advance, to_status=Idea.Status.SCREENING)

    @admin.action(description=_("Send to the reviewers"), permissions=["change"])
    def to_review(self, request, queryset):
        _report(self, request, queryset, idea_advance, to_status=Idea.Status.UNDER_REVIEW)

    @admin.action(description=_("Accept (centre manager)"), permissions=["change"])
    def accept(self, request, queryset):
        _report(self, request, queryset, idea_decide, accept=True)

    @admin.action(description=_("Reject (centre manager)"), permissions=["change"])
    def reject(self, request, queryset):
        _report(self, request, queryset, idea_decide, accept=False)


SCORE_SCALE = _("from 0 (weak) to 10 (excellent)")


class IdeaReviewForm(forms.ModelForm):
    """The review with one 0–10 field per criterion of the idea's call, shown from the
    start: the criteria are those of the idea chosen (`?idea=` from the idea's page), or of
    the one call whose ideas this reviewer may score."""

    class Meta:
        model = IdeaReview
        fields = ["idea", "comment"]

    criteria: list = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        existing = {}
        if self.instance.pk:
            existing = dict(self.instance.scores.values_list("criterion_id", "score"))
            if "idea" in self.fields:  # absent where the page is read-only
                self.fields["idea"].disabled = True
        scale = gettext("0 to 10")
        for criterion in self.criteria:
            self.fields[f"score_{criterion.pk}"] = forms.IntegerField(
                label=(
                    f"{criterion.name} ({gettext('weight')} "
                    f"{to_persian_digits(criterion.weight)}، {to_persian_digits(scale)})"
                ),
                min_value=0,
                max_value=10,
                initial=existing.get(criterion.pk),
                help_text=to_persian_digits(SCORE_SCALE),
                widget=NumberWidget(attrs={"inputmode": "numeric", "class": "vIntegerField score"}),
            )

    def clean(self):
        cleaned = super().clean()
        idea = cleaned.get("idea") or (self.instance.idea if self.instance.pk else None)
        user = getattr(self, "request", None) and self.request.user
        if idea is not None and user is not None:
            if idea.call.decisions_published:
                raise ValidationError(
                    _("The decisions of this call are published; its reviews can no longer change.")
                )
            if not idea.call.reviewers.filter(pk=user.pk).exists():
                raise ValidationError(_("You are not a reviewer of this call."))
            if self.criteria and {c.call_id for c in self.criteria} != {idea.call_id}:
                # The fields shown were another call's: the page comes back with this one's.
                raise ValidationError(
                    _("This idea is scored on its own call's criteria: fill in the scores shown."),
                    code="other_call",
                )
        return cleaned

    def scores(self) -> dict[int, int]:
        return {c.pk: self.cleaned_data[f"score_{c.pk}"] for c in self.criteria}


@admin.register(IdeaReview)
class IdeaReviewAdmin(ScopedAdmin):
    """A reviewer scores an idea of their call here (`?idea=<id>` from the idea's page)."""

    form = IdeaReviewForm
    list_display = ["idea", "reviewer", "changed"]
    list_filter = [("idea__call", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["idea", "reviewer"]
    search_fields = ["idea__title", "comment"]
    changed = jalali_column("updated_at", _("last changed"))

    class Media:
        js = ["programs/idea_review.js"]

    def _choosable(self, request):
        return Idea.objects.visible_to(request.user).filter(status=Idea.Status.UNDER_REVIEW)

    def _idea(self, request, obj):
        if obj is not None:
            return obj.idea
        raw = normalize_text(request.POST.get("idea") or request.GET.get("idea") or "")
        if raw.isdigit():
            return Idea.objects.visible_to(request.user).filter(pk=raw).first()
        return None

    def _criteria(self, request, obj) -> list:
        """The criteria whose score fields the page shows: the idea's call's, or, before an
        idea is chosen, those of the one call whose ideas wait for this reviewer (or, when
        none waits, the one call whose ideas they may score)."""
        cached = getattr(request, "_review_criteria", None)
        if cached is not None and cached[0] is obj:
            return cached[1]
        idea = self._idea(request, obj)
        if idea is not None:
            calls = [idea.call_id]
        else:
            calls = self._calls(ideas_awaiting_review_by(request.user)) or self._calls(
                self._choosable(request).filter(call__reviewers=request.user)
            )
        criteria = (
            list(IdeaCriterion.objects.filter(call=calls[0]).order_by("order", "pk"))
            if len(calls) == 1
            else []
        )
        request._review_criteria = (obj, criteria)
        return criteria

    @staticmethod
    def _calls(ideas) -> list[int]:
        # Two are enough to know that there is not one.
        return list(ideas.order_by().values_list("call_id", flat=True).distinct()[:2])

    def get_form(self, request, obj=None, change=False, **kwargs):
        # The score fields are added by the form itself, not by the model.
        kwargs["fields"] = ["idea", "comment"]
        form = super().get_form(request, obj, change=change, **kwargs)
        form.criteria = self._criteria(request, obj)
        form.request = request
        if not form.criteria and "idea" in form.base_fields:
            # Ideas of several calls and none chosen yet: choosing one reloads the page with
            # its call's score fields (programs/static/programs/idea_review.js).
            form.base_fields["idea"].widget.attrs["data-reload-with"] = "idea"
        return form

    def get_fields(self, request, obj=None):
        if obj is not None and not self.has_change_permission(request, obj):
            # Another's review, shown read-only: its scores by criterion, in one field.
            return ["idea", "reviewer", "scores_given", "comment"]
        return ["idea", *[f"score_{c.pk}" for c in self._criteria(request, obj)], "comment"]

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if obj is not None and not self.has_change_permission(request, obj):
            readonly += ["reviewer", "scores_given"]
        return readonly

    @admin.display(description=_("scores (0 to 10)"))
    def scores_given(self, obj):
        scores = obj.scores.select_related("criterion").order_by("criterion__order", "pk")
        return (
            format_html_join(
                mark_safe("<br>"),
                "{}: {}",
                ((score.criterion.name, to_persian_digits(str(score.score))) for score in scores),
            )
            or "—"
        )

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if "idea" not in initial:
            # One idea waits for this reviewer: it is the one to score.
            waiting = list(ideas_awaiting_review_by(request.user).values_list("pk", flat=True)[:2])
            if len(waiting) == 1:
                initial["idea"] = waiting[0]
        return initial

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "idea":
            kwargs["queryset"] = self._choosable(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        # A reviewer revises only their own review.
        allowed = super().has_change_permission(request, obj)
        return allowed and (obj is None or obj.reviewer_id == request.user.pk)

    def save_model(self, request, obj, form, change):
        if not form.criteria:
            raise ValidationError(_("Choose the idea first."))
        review = idea_review_submit(
            idea=form.cleaned_data.get("idea") or obj.idea,
            reviewer=request.user,
            scores=form.scores(),
            comment=form.cleaned_data.get("comment", ""),
        )
        obj.pk, obj.reviewer = review.pk, review.reviewer
        obj._state.adding = False

    def save_related(self, request, form, formsets, change):
        pass
