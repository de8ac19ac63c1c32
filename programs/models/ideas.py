"""Calls for ideas (فراخوان جذب ایده), the ideas residents submit, and their reviews.

A centre opens a call with weighted criteria; residents submit ideas while it is open;
reviewers assigned to the call score each idea on each criterion (0 to 10); the centre's
manager decides and publishes the decisions, which freezes the reviews.
"""

import jdatetime
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django_jalali.db import models as jmodels
from simple_history.models import HistoricalRecords

from centres import sync
from centres.models import Centre, Neighbourhood, TimeStamped
from centres.scope import Scope, ScopedQuerySet
from empowerment.kernel.fields import CodeField, PersianCharField, PersianTextField
from empowerment.kernel.jalali import local_today
from empowerment.kernel.validators import validate_mobile

__all__ = ["IdeaCall", "IdeaCriterion", "Idea", "IdeaReview", "IdeaScore"]

REVIEWER = "reviewer"


class CallScopedQuerySet(ScopedQuerySet):
    """Scope of everything that hangs off a call, reached through `call_path`.

    A centre's staff and managers (and city/province readers) see all of the centre's
    calls; a reviewer only the calls they are assigned to, although their role is given
    within the whole centre. So the reviewer's centre ids are not used as a centre path.
    """

    call_path = ""
    # Path to the user who owns a row (a submitter's own idea); None when rows have none.
    self_path: str | None = None

    def _call(self, lookup: str) -> str:
        return f"{self.call_path}{lookup}"

    def scope_condition(self, scope: Scope) -> Q | None:
        parts: list[Q] = []
        centres = scope.role_ids("centre", exclude={REVIEWER})
        if centres:
            parts.append(Q(**{self._call("centre__in"): centres}))
        if scope.city:
            parts.append(Q(**{self._call("centre__city__in"): scope.city}))
        if scope.province:
            parts.append(Q(**{self._call("centre__city__province__in"): scope.province}))
        reviewer_centres = scope.role_ids("centre", roles={REVIEWER})
        if reviewer_centres and scope.user_id:
            parts.append(self._reviewer_condition(scope.user_id, reviewer_centres))
        if self.self_path and scope.user_id:
            parts.append(Q(**{self.self_path: scope.user_id}))
        if not parts:
            return None
        condition = parts[0]
        for part in parts[1:]:
            condition |= part
        return condition

    def _reviewer_condition(self, user_id: int, centres) -> Q:
        # Reviewers is many-valued: a subquery keeps rows from repeating.
        matching = self.model._base_manager.filter(
            **{self._call("reviewers"): user_id, self._call("centre__in"): centres}
        ).values("pk")
        return Q(pk__in=matching)


class IdeaCallQuerySet(CallScopedQuerySet):
    call_path = ""

    def open_on(self, day):
        return self.filter(opens_on__lte=day, closes_on__gte=day)


class IdeaCall(TimeStamped):
    centre = models.ForeignKey(
        Centre, on_delete=models.PROTECT, related_name="idea_calls", verbose_name=_("centre")
    )
    title = PersianCharField(_("title"), max_length=200)
    description = PersianTextField(_("description"), blank=True)
    opens_on = jmodels.jDateField(_("opens on"))
    closes_on = jmodels.jDateField(_("closes on"), help_text=_("The last day to submit."))
    reviewers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="idea_calls_to_review",
        verbose_name=_("reviewers"),
    )
    decisions_published_at = models.DateTimeField(
        _("decisions published at"), null=True, blank=True
    )
    decisions_published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decisions published by"),
    )

    objects = models.Manager.from_queryset(IdeaCallQuerySet)()
    history = HistoricalRecords(m2m_fields=[reviewers])

    class Meta:
        verbose_name = _("call for ideas")
        verbose_name_plural = _("calls for ideas")
        ordering = ["-opens_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_on__gte=models.F("opens_on")),
                name="ideacall_closes_after_it_opens",
                violation_error_message=_("A call closes on or after the day it opens."),
            ),
            models.UniqueConstraint(fields=["centre", "title"], name="ideacall_unique_title"),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        if self.opens_on and self.closes_on and self.closes_on < self.opens_on:
            raise ValidationError({"closes_on": _("A call cannot close before it opens.")})

    def _greg(self, value):
        return value.togregorian() if isinstance(value, jdatetime.date) else value

    def is_open_on(self, day) -> bool:
        return self._greg(self.opens_on) <= day <= self._greg(self.closes_on)

    @property
    def is_open(self) -> bool:
        return self.is_open_on(local_today())

    @property
    def is_closed(self) -> bool:
        return local_today() > self._greg(self.closes_on)

    @property
    def decisions_published(self) -> bool:
        return self.decisions_published_at is not None


class IdeaCriterionQuerySet(CallScopedQuerySet):
    call_path = "call__"


class IdeaCriterion(models.Model):
    call = models.ForeignKey(
        IdeaCall, on_delete=models.CASCADE, related_name="criteria", verbose_name=_("call")
    )
    name = PersianCharField(_("criterion"), max_length=100)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    order = models.PositiveSmallIntegerField(_("order"), default=1)

    objects = models.Manager.from_queryset(IdeaCriterionQuerySet)()

    class Meta:
        verbose_name = _("criterion")
        verbose_name_plural = _("criteria")
        ordering = ["call", "order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["call", "name"], name="ideacriterion_unique_name"),
            models.CheckConstraint(
                condition=Q(weight__gte=1),
                name="ideacriterion_weight_positive",
                violation_error_message=_("A criterion's weight is more than zero."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.weight})"


class IdeaQuerySet(CallScopedQuerySet):
    call_path = "call__"
    self_path = "submitter"
    # The submitter's name and mobile.
    holds_personal_data = True


class Idea(TimeStamped):
    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        SCREENING = "screening", _("Screening")
        UNDER_REVIEW = "under_review", _("Under review")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Rejected")

    class FollowUp(models.TextChoices):
        NONE = "", _("Not yet followed")
        INCUBATED = "incubated", _("Incubated")
        BUSINESS_OPENED = "business_opened", _("Business opened")

    DECIDED = (Status.ACCEPTED, Status.REJECTED)

    call = models.ForeignKey(
        IdeaCall, on_delete=models.PROTECT, related_name="ideas", verbose_name=_("call")
    )
    submitter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ideas",
        verbose_name=_("submitter account"),
    )
    submitter_name = PersianCharField(_("submitter's name"), max_length=200)
    submitter_mobile = CodeField(
        _("submitter's mobile"), max_length=11, validators=[validate_mobile]
    )
    neighbourhood = models.ForeignKey(
        Neighbourhood,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ideas",
        verbose_name=_("neighbourhood"),
    )
    title = PersianCharField(_("title"), max_length=200)
    summary = PersianTextField(_("summary"))
    team_members = PersianTextField(_("team members"), blank=True, help_text=_("One per line."))
    support_needed = PersianTextField(_("support needed"), blank=True)
    jobs_expected = models.PositiveSmallIntegerField(_("jobs it could create"), default=0)
    # The submitter's consent, given in the form: once the call's decisions are published,
    # an accepted idea's title and summary are shown publicly only with the first, and the
    # submitter's name only with both. The mobile is never shown.
    publish_consent = models.BooleanField(
        _("may be shown publicly if accepted"),
        default=False,
        help_text=_("The title and summary, on the call's page once the decisions are out."),
    )
    publish_name_consent = models.BooleanField(_("my name may be shown with it"), default=False)
    # What the submitter follows the idea with (empowerment/kernel/tracking.py).
    tracking_number = models.CharField(
        _("tracking number"), max_length=10, unique=True, null=True, blank=True, editable=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SUBMITTED
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = PersianTextField(_("decision note"), blank=True)
    # After acceptance: followed as incubated (mentor, progress) or as a business that opened.
    follow_up = models.CharField(
        _("follow-up"), max_length=20, choices=FollowUp.choices, default="", blank=True
    )
    mentor = PersianCharField(_("mentor"), max_length=200, blank=True)
    incubation_progress = models.PositiveSmallIntegerField(
        _("incubation progress (%)"), default=0, validators=[MaxValueValidator(100)]
    )
    follow_up_note = PersianTextField(_("follow-up note"), blank=True)
    business_opened_on = jmodels.jDateField(_("business opened on"), null=True, blank=True)
    sync_version = sync.version_field()

    objects = models.Manager.from_queryset(IdeaQuerySet)()
    history = HistoricalRecords(excluded_fields=[sync.VERSION_FIELD])

    class Meta:
        verbose_name = _("idea")
        verbose_name_plural = _("ideas")
        ordering = ["-created_at"]
        indexes = [sync.version_index("idea_sync_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(follow_up="") | Q(status="accepted"),
                name="idea_only_accepted_is_followed",
                violation_error_message=_("Only an accepted idea is followed up."),
            ),
            models.CheckConstraint(
                condition=Q(incubation_progress__lte=100),
                name="idea_progress_at_most_100",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def decision_for_submitter(self) -> str:
        """What the submitter is told: the decision only once the call published it."""
        if self.status in self.DECIDED and not self.call.decisions_published:
            return str(self.Status.UNDER_REVIEW.label)
        return self.get_status_display()


def _reviewed_calls(scope: Scope) -> Q | None:
    """Tombstones of ideas a reviewer could read: those of the calls they review."""
    centres = scope.role_ids("centre", roles={REVIEWER})
    if not (centres and scope.user_id):
        return None
    calls = IdeaCall.objects.filter(reviewers=scope.user_id, centre__in=centres).values("pk")
    return Q(call_id__in=calls)


# Synced to mobile clients (centres/sync.py), by the rules of CallScopedQuerySet: the call's
# centre (not a reviewer's), its city and province, the submitter, a reviewer's calls.
sync.track(
    Idea,
    centre="call__centre",
    owner="submitter",
    call="call",
    kinds=("self", "centre", "city", "province"),
    excluded_roles=(REVIEWER,),
    extra=_reviewed_calls,
)


class IdeaReviewQuerySet(CallScopedQuerySet):
    call_path = "idea__call__"

    def _reviewer_condition(self, user_id: int, centres) -> Q:
        # A reviewer reads their own reviews, not their colleagues' scores.
        return Q(reviewer=user_id, idea__call__centre__in=centres)


class IdeaReview(TimeStamped):
    idea = models.ForeignKey(
        Idea, on_delete=models.CASCADE, related_name="reviews", verbose_name=_("idea")
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="idea_reviews",
        verbose_name=_("reviewer"),
    )
    comment = PersianTextField(_("comment"), blank=True)

    objects = models.Manager.from_queryset(IdeaReviewQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("idea review")
        verbose_name_plural = _("idea reviews")
        ordering = ["idea", "reviewer__username"]
        constraints = [
            models.UniqueConstraint(fields=["idea", "reviewer"], name="ideareview_one_per_reviewer")
        ]

    def __str__(self) -> str:
        return f"{self.idea} · {self.reviewer}"


class IdeaScoreQuerySet(CallScopedQuerySet):
    call_path = "review__idea__call__"

    def _reviewer_condition(self, user_id: int, centres) -> Q:
        return Q(review__reviewer=user_id, review__idea__call__centre__in=centres)


class IdeaScore(models.Model):
    review = models.ForeignKey(
        IdeaReview, on_delete=models.CASCADE, related_name="scores", verbose_name=_("review")
    )
    criterion = models.ForeignKey(
        IdeaCriterion, on_delete=models.PROTECT, related_name="scores", verbose_name=_("criterion")
    )
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(10)]
    )

    objects = models.Manager.from_queryset(IdeaScoreQuerySet)()
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["review", "criterion__order"]
        constraints = [
            models.UniqueConstraint(
                fields=["review", "criterion"], name="ideascore_one_per_criterion"
            ),
            models.CheckConstraint(
                condition=Q(score__gte=0, score__lte=10),
                name="ideascore_zero_to_ten",
                violation_error_message=_("A score is from 0 to 10."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.criterion.name}: {self.score}"
