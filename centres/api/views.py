import django_filters
from django.db.models import Prefetch
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from centres.api.base.filters import DateFilter, FilterSet, IdFilter
from centres.api.base.views import ScopedReadOnlyModelViewSet
from centres.meetings import (
    commitment_milestone_add,
    commitment_milestone_complete,
    commitment_progress_record,
    resolution_follow_up_add,
)
from centres.models import (
    AgendaItem,
    Centre,
    Commitment,
    CommitmentMilestone,
    District,
    Meeting,
    Neighbourhood,
    Partner,
    Resolution,
)
from empowerment.kernel.jalali import local_today

from .serializers import (
    CentreSerializer,
    CommitmentMilestoneAddSerializer,
    CommitmentMilestoneDoneSerializer,
    CommitmentMilestoneSerializer,
    CommitmentProgressSerializer,
    CommitmentSerializer,
    MeetingSerializer,
    ResolutionFollowUpSerializer,
    ResolutionSerializer,
)


class CentreFilter(FilterSet):
    city = IdFilter(field_name="city_id")
    province = IdFilter(field_name="city__province_id")
    is_active = django_filters.BooleanFilter()

    class Meta:
        model = Centre
        fields = ["city", "province", "is_active"]


@extend_schema_view(
    list=extend_schema(summary="Centres in the caller's scope", tags=["centres"]),
    retrieve=extend_schema(summary="One centre", tags=["centres"]),
)
class CentreViewSet(ScopedReadOnlyModelViewSet):
    queryset = Centre.objects.select_related("city__province").prefetch_related(
        Prefetch("districts", queryset=District.objects.order_by("number")),
        Prefetch("neighbourhoods", queryset=Neighbourhood.objects.order_by("name")),
    )
    serializer_class = CentreSerializer
    filterset_class = CentreFilter
    search_fields = ["name", "city__name", "neighbourhoods__name"]
    ordering_fields = ["name", "opening_date", "id"]
    ordering = ["name", "id"]


class MeetingFilter(FilterSet):
    date_from = DateFilter(field_name="date", lookup_expr="gte")
    date_to = DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = Meeting
        fields = ["headquarters", "centre", "kind"]


@extend_schema_view(
    list=extend_schema(summary="Meetings of HQs and centres in scope", tags=["meetings"]),
    retrieve=extend_schema(summary="One meeting with its agenda", tags=["meetings"]),
)
class MeetingViewSet(ScopedReadOnlyModelViewSet):
    queryset = Meeting.objects.select_related("headquarters", "centre").prefetch_related(
        Prefetch("agenda_items", queryset=AgendaItem.objects.order_by("order", "pk"))
    )
    serializer_class = MeetingSerializer
    filterset_class = MeetingFilter
    search_fields = ["venue", "chair", "minutes", "agenda_items__title"]
    ordering_fields = ["date", "number", "id"]
    ordering = ["-date", "-id"]


class ResolutionFilter(FilterSet):
    headquarters = IdFilter(field_name="meeting__headquarters_id")
    centre = IdFilter(field_name="meeting__centre_id")
    overdue = django_filters.BooleanFilter(field_name="overdue_flag")
    deadline_from = DateFilter(field_name="deadline", lookup_expr="gte")
    deadline_to = DateFilter(field_name="deadline", lookup_expr="lte")

    class Meta:
        model = Resolution
        fields = ["meeting", "headquarters", "centre", "responsible", "status", "overdue"]


@extend_schema_view(
    list=extend_schema(summary="Resolutions in scope, with overdue flags", tags=["meetings"]),
    retrieve=extend_schema(summary="One resolution", tags=["meetings"]),
)
class ResolutionViewSet(ScopedReadOnlyModelViewSet):
    queryset = Resolution.objects.select_related("meeting", "responsible").prefetch_related(
        Prefetch("cooperating", queryset=Partner.objects.only("pk"))
    )
    serializer_class = ResolutionSerializer
    filterset_class = ResolutionFilter
    search_fields = ["text", "responsible__name"]
    ordering_fields = ["deadline", "progress", "id"]
    ordering = ["deadline", "id"]

    def get_queryset(self):
        # The overdue flag is the selectors' rule, computed in the same query.
        return super().get_queryset().with_overdue(local_today())

    @extend_schema(
        methods=["get"],
        summary="A resolution's progress reports",
        responses={200: ResolutionFollowUpSerializer(many=True)},
        tags=["meetings"],
    )
    @extend_schema(
        methods=["post"],
        summary="Report progress on a resolution (the body's secretary or the partner)",
        request=ResolutionFollowUpSerializer,
        responses={201: ResolutionFollowUpSerializer},
        tags=["meetings"],
    )
    @action(detail=True, methods=["get", "post"], url_path="follow-ups", pagination_class=None)
    def follow_ups(self, request, pk=None):
        resolution = self.get_object()
        if request.method == "GET":
            rows = resolution.follow_ups.order_by("reported_on", "pk")
            return Response(ResolutionFollowUpSerializer(rows, many=True).data)
        serializer = ResolutionFollowUpSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        follow_up = resolution_follow_up_add(
            resolution=resolution, user=request.user, **serializer.validated_data
        )
        return Response(
            ResolutionFollowUpSerializer(follow_up).data, status=status.HTTP_201_CREATED
        )


class CommitmentFilter(FilterSet):
    overdue = django_filters.BooleanFilter(field_name="overdue_flag")
    city = IdFilter(field_name="neighbourhood__district__city_id")

    class Meta:
        model = Commitment
        fields = ["neighbourhood", "headquarters", "promiser_partner", "status", "city"]


@extend_schema_view(
    list=extend_schema(summary="Public commitments in scope", tags=["meetings"]),
    retrieve=extend_schema(summary="One commitment with its milestones", tags=["meetings"]),
)
class CommitmentViewSet(ScopedReadOnlyModelViewSet):
    queryset = Commitment.objects.select_related("neighbourhood").prefetch_related(
        Prefetch("milestones", queryset=CommitmentMilestone.objects.order_by("due_date", "pk"))
    )
    serializer_class = CommitmentSerializer
    filterset_class = CommitmentFilter
    search_fields = ["title", "description", "promised_by", "location"]
    ordering_fields = ["due_date", "progress", "id"]
    ordering = ["due_date", "id"]

    def get_queryset(self):
        return super().get_queryset().with_overdue(local_today())

    @extend_schema(
        summary="Record progress on a commitment without milestones (the following HQ's "
        "secretary or the promising organisation's officer)",
        description="403 for anyone else; 409 (`has_milestones`) when the commitment's "
        "progress follows its milestones, or (`commitment_cancelled`) when it was cancelled.",
        request=CommitmentProgressSerializer,
        responses={200: CommitmentSerializer},
        tags=["meetings"],
    )
    @action(detail=True, methods=["post"])
    def progress(self, request, pk=None):
        commitment = self.get_object()
        serializer = CommitmentProgressSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commitment_progress_record(
            commitment=commitment, user=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=commitment.pk)).data)

    @extend_schema(
        summary="Add a milestone to a commitment (the following HQ's secretary or the "
        "promising organisation's officer)",
        description="From then on the commitment's progress is the share of its milestones "
        "done. 403 for anyone else; 409 (`commitment_cancelled`) when it was cancelled.",
        request=CommitmentMilestoneAddSerializer,
        responses={201: CommitmentMilestoneSerializer},
        tags=["meetings"],
    )
    @action(detail=True, methods=["post"], url_path="milestones")
    def milestones(self, request, pk=None):
        commitment = self.get_object()
        serializer = CommitmentMilestoneAddSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        milestone = commitment_milestone_add(
            commitment=commitment, user=request.user, **serializer.validated_data
        )
        return Response(
            CommitmentMilestoneSerializer(milestone).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Report a commitment's milestone done (the following HQ's secretary or the "
        "promising organisation's officer)",
        description="Answers the commitment with its progress. 409 (`milestone_done`) when "
        "the milestone was already reported done: a replay changes nothing.",
        request=CommitmentMilestoneDoneSerializer,
        responses={200: CommitmentSerializer},
        parameters=[
            OpenApiParameter("milestone_id", int, OpenApiParameter.PATH),
        ],
        tags=["meetings"],
    )
    @action(
        detail=True,
        methods=["post"],
        url_path=r"milestones/(?P<milestone_id>[0-9]+)/done",
        url_name="milestone-done",
    )
    def milestone_done(self, request, pk=None, milestone_id=None):
        commitment = self.get_object()
        milestone = get_object_or_404(commitment.milestones.all(), pk=milestone_id)
        serializer = CommitmentMilestoneDoneSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        commitment_milestone_complete(
            milestone=milestone, user=request.user, **serializer.validated_data
        )
        return Response(self.get_serializer(self.get_queryset().get(pk=commitment.pk)).data)
