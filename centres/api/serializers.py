from rest_framework import serializers

from centres.api.base.serializers import IsoDateField, ModelSerializer, Serializer
from centres.models import (
    AgendaItem,
    Centre,
    Commitment,
    CommitmentMilestone,
    District,
    Meeting,
    Neighbourhood,
    Resolution,
    ResolutionFollowUp,
)


class DistrictSerializer(ModelSerializer):
    class Meta:
        model = District
        fields = ["id", "number", "name"]


class NeighbourhoodSerializer(ModelSerializer):
    district = serializers.IntegerField(source="district_id", read_only=True)

    class Meta:
        model = Neighbourhood
        fields = ["id", "name", "district", "is_less_privileged"]


class CentreSerializer(ModelSerializer):
    city = serializers.IntegerField(source="city_id", read_only=True)
    city_name = serializers.CharField(source="city.name", read_only=True)
    province = serializers.IntegerField(source="city.province_id", read_only=True)
    province_name = serializers.CharField(source="city.province.name", read_only=True)
    districts = DistrictSerializer(many=True, read_only=True)
    neighbourhoods = NeighbourhoodSerializer(many=True, read_only=True)

    class Meta:
        model = Centre
        fields = [
            "id",
            "name",
            "city",
            "city_name",
            "province",
            "province_name",
            "districts",
            "neighbourhoods",
            "opening_date",
            "address",
            "phone",
            "is_active",
        ]
        read_only_fields = fields
        jalali_fields = ["opening_date"]


class AgendaItemSerializer(ModelSerializer):
    class Meta:
        model = AgendaItem
        fields = ["id", "order", "title", "notes"]


class MeetingSerializer(ModelSerializer):
    body_name = serializers.SerializerMethodField()
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)
    agenda_items = AgendaItemSerializer(many=True, read_only=True)

    class Meta:
        model = Meeting
        fields = [
            "id",
            "headquarters",
            "centre",
            "body_name",
            "number",
            "kind",
            "kind_display",
            "date",
            "start_time",
            "venue",
            "chair",
            "duration_hours",
            "minutes",
            "agenda_items",
        ]
        read_only_fields = fields
        jalali_fields = ["date"]

    def get_body_name(self, meeting) -> str:
        return str(meeting.headquarters or meeting.centre)


class ResolutionSerializer(ModelSerializer):
    code = serializers.CharField(read_only=True)
    meeting_date = IsoDateField(source="meeting.date", read_only=True)
    responsible_name = serializers.CharField(source="responsible.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.BooleanField(source="overdue_flag", read_only=True)
    cooperating = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Resolution
        fields = [
            "id",
            "meeting",
            "meeting_date",
            "number",
            "code",
            "text",
            "responsible",
            "responsible_name",
            "cooperating",
            "deadline",
            "status",
            "status_display",
            "progress",
            "overdue",
            "completed_on",
        ]
        read_only_fields = fields
        jalali_fields = ["meeting_date", "deadline", "completed_on"]


class ResolutionFollowUpSerializer(ModelSerializer):
    reported_on = IsoDateField(required=False, help_text="Today when left out.")
    progress = serializers.IntegerField(min_value=0, max_value=100)

    class Meta:
        model = ResolutionFollowUp
        fields = ["id", "resolution", "reported_on", "progress", "note", "partner", "created_at"]
        read_only_fields = ["resolution", "partner", "created_at"]
        jalali_fields = ["reported_on"]


class CommitmentProgressSerializer(Serializer):
    """Progress on a commitment tracked without milestones."""

    progress = serializers.IntegerField(min_value=0, max_value=100)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")
    on = IsoDateField(required=False, help_text="Today when left out.")

    class Meta:
        jalali_fields = ["on"]


class CommitmentMilestoneSerializer(ModelSerializer):
    class Meta:
        model = CommitmentMilestone
        fields = ["id", "title", "due_date", "completed_on"]
        read_only_fields = fields
        jalali_fields = ["due_date", "completed_on"]


class CommitmentMilestoneAddSerializer(Serializer):
    """A milestone added to a commitment (done already when `completed_on` is given)."""

    title = serializers.CharField(max_length=300)
    due_date = IsoDateField()
    completed_on = IsoDateField(required=False, allow_null=True)
    evidence = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta:
        jalali_fields = ["due_date", "completed_on"]


class CommitmentMilestoneDoneSerializer(Serializer):
    """A milestone reported done."""

    completed_on = IsoDateField(required=False, help_text="Today when left out.")
    evidence = serializers.CharField(required=False, allow_blank=True, default="")

    class Meta:
        jalali_fields = ["completed_on"]


class CommitmentSerializer(ModelSerializer):
    neighbourhood_name = serializers.CharField(source="neighbourhood.name", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    overdue = serializers.BooleanField(source="overdue_flag", read_only=True)
    milestones = CommitmentMilestoneSerializer(many=True, read_only=True)

    class Meta:
        model = Commitment
        fields = [
            "id",
            "title",
            "description",
            "promised_by",
            "promiser_partner",
            "neighbourhood",
            "neighbourhood_name",
            "location",
            "headquarters",
            "promised_on",
            "due_date",
            "status",
            "status_display",
            "progress",
            "overdue",
            "evidence",
            "completed_on",
            "milestones",
        ]
        read_only_fields = fields
        jalali_fields = ["promised_on", "due_date", "completed_on"]
