from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from centres.api.base.serializers import MaskedField, ModelSerializer, ScopedPrimaryKeyRelatedField
from centres.models import Neighbourhood
from centres.scope import scope_for
from programs.models import TARGET_GROUPS, Cohort, CohortSession, Programme
from programs.models.ideas import Idea, IdeaCall, IdeaCriterion, IdeaReview, IdeaScore


class ProgrammeSerializer(ModelSerializer):
    field_display = serializers.CharField(source="get_field_display", read_only=True)
    target_groups = serializers.ListField(
        child=serializers.ChoiceField(choices=TARGET_GROUPS),
        read_only=True,
        help_text=_("Who the programme is meant for."),
    )

    class Meta:
        model = Programme
        fields = [
            "id",
            "title",
            "field",
            "field_display",
            "target_groups",
            "total_hours",
            "partner",
            "description",
            "is_active",
        ]
        read_only_fields = fields


class CohortSerializer(ModelSerializer):
    programme_title = serializers.CharField(source="programme.title", read_only=True)
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    seats_taken = serializers.IntegerField(
        read_only=True, help_text="Enrolled, certified or completed: the seats in use."
    )

    class Meta:
        model = Cohort
        fields = [
            "id",
            "code",
            "title",
            "programme",
            "programme_title",
            "centre",
            "centre_name",
            "instructor",
            "start_date",
            "end_date",
            "weekly_schedule",
            "capacity",
            "seats_taken",
            "min_attendance_percent",
            "status",
            "status_display",
        ]
        read_only_fields = fields
        jalali_fields = ["start_date", "end_date"]


class CohortSessionSerializer(ModelSerializer):
    class Meta:
        model = CohortSession
        fields = ["id", "cohort", "date", "start_time", "hours", "topic"]
        read_only_fields = fields
        jalali_fields = ["date"]


class IdeaCriterionSerializer(ModelSerializer):
    class Meta:
        model = IdeaCriterion
        fields = ["id", "name", "weight", "order"]


class IdeaCallSerializer(ModelSerializer):
    centre_name = serializers.CharField(source="centre.name", read_only=True)
    is_open = serializers.BooleanField(read_only=True)
    decisions_published = serializers.BooleanField(read_only=True)
    criteria = IdeaCriterionSerializer(many=True, read_only=True)

    class Meta:
        model = IdeaCall
        fields = [
            "id",
            "centre",
            "centre_name",
            "title",
            "description",
            "opens_on",
            "closes_on",
            "is_open",
            "decisions_published",
            "criteria",
        ]
        read_only_fields = fields
        jalali_fields = ["opens_on", "closes_on"]


def caller_is_submitter_only(context) -> bool:
    """A caller with no staff role (a resident) reads ideas as their submitter does."""
    scope = scope_for(getattr(context.get("request"), "user", None))
    return not scope.is_global and not scope.roles


@extend_schema_field(serializers.ChoiceField(choices=Idea.Status.choices))
class IdeaStatusField(serializers.Field):
    """The idea's status; to its submitter, a decision shows only once it is published."""

    def __init__(self, **kwargs):
        kwargs.update(source="*", read_only=True)
        super().__init__(**kwargs)

    def to_representation(self, idea):
        if (
            idea.status in Idea.DECIDED
            and not idea.call.decisions_published
            and caller_is_submitter_only(self.context)
        ):
            return Idea.Status.UNDER_REVIEW.value
        return idea.status


class IdeaSerializer(ModelSerializer):
    call = serializers.PrimaryKeyRelatedField(
        queryset=IdeaCall.objects.all(),
        help_text="An open call (GET /api/v1/idea-calls/open/ lists them).",
    )
    call_title = serializers.CharField(source="call.title", read_only=True)
    neighbourhood = serializers.PrimaryKeyRelatedField(
        queryset=Neighbourhood.objects.all(), required=False, allow_null=True
    )
    submitter_mobile = MaskedField(
        kind="mobile",
        required=False,
        max_length=24,
        help_text="A resident's own mobile (their account) when left out.",
    )
    status = IdeaStatusField()
    status_display = serializers.SerializerMethodField()
    decision_note = serializers.SerializerMethodField()

    class Meta:
        model = Idea
        fields = [
            "id",
            "call",
            "call_title",
            "title",
            "summary",
            "team_members",
            "support_needed",
            "jobs_expected",
            "neighbourhood",
            "submitter_name",
            "submitter_mobile",
            "status",
            "status_display",
            "decision_note",
            "created_at",
        ]
        read_only_fields = ["created_at"]
        jalali_fields = ["created_at"]

    def get_status_display(self, idea) -> str:
        shown = self.fields["status"].to_representation(idea)
        return str(Idea.Status(shown).label)

    def get_decision_note(self, idea) -> str:
        if not idea.call.decisions_published and caller_is_submitter_only(self.context):
            return ""
        return idea.decision_note


class ScoreSerializer(serializers.Serializer):
    criterion = serializers.IntegerField(
        source="criterion_id", min_value=1, max_value=2_147_483_647
    )
    score = serializers.IntegerField(min_value=0, max_value=10)


class IdeaReviewSerializer(ModelSerializer):
    idea = ScopedPrimaryKeyRelatedField(queryset=Idea.objects.all())
    idea_title = serializers.CharField(source="idea.title", read_only=True)
    reviewer = serializers.IntegerField(source="reviewer_id", read_only=True)
    scores = ScoreSerializer(many=True, help_text="One score (0 to 10) per criterion of the call.")

    class Meta:
        model = IdeaReview
        fields = ["id", "idea", "idea_title", "reviewer", "comment", "scores", "created_at"]
        read_only_fields = ["created_at"]
        jalali_fields = ["created_at"]


__all__ = [
    "CohortSerializer",
    "CohortSessionSerializer",
    "IdeaCallSerializer",
    "IdeaReviewSerializer",
    "IdeaSerializer",
    "IdeaScore",
    "ProgrammeSerializer",
]
