from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from centres.api.base.filters import DateFilter, FilterSet, IdFilter
from centres.api.base.sync import SyncMixin
from centres.api.base.views import ScopedModelViewSet, ScopedReadOnlyModelViewSet
from empowerment.kernel.jalali import local_today
from empowerment.kernel.residents import user_is_resident
from empowerment.kernel.validators import normalize_mobile
from programs.models import Cohort, CohortSession, Programme
from programs.models.ideas import Idea, IdeaCall, IdeaCriterion, IdeaReview
from programs.services.ideas import idea_review_submit, idea_submit

from .serializers import (
    CohortSerializer,
    CohortSessionSerializer,
    IdeaCallSerializer,
    IdeaReviewSerializer,
    IdeaSerializer,
    ProgrammeSerializer,
)


class ProgrammeFilter(FilterSet):
    partner = IdFilter(field_name="partner_id")

    class Meta:
        model = Programme
        fields = ["field", "is_active"]


@extend_schema_view(
    list=extend_schema(summary="Programmes (the shared catalogue)", tags=["programmes"]),
    retrieve=extend_schema(summary="One programme", tags=["programmes"]),
)
class ProgrammeViewSet(ScopedReadOnlyModelViewSet):
    queryset = Programme.objects.all()
    serializer_class = ProgrammeSerializer
    filterset_class = ProgrammeFilter
    search_fields = ["title", "description"]
    ordering_fields = ["title", "total_hours", "id"]
    ordering = ["title", "id"]


class CohortFilter(FilterSet):
    start_after = DateFilter(field_name="start_date", lookup_expr="gte")
    start_before = DateFilter(field_name="start_date", lookup_expr="lte")

    class Meta:
        model = Cohort
        fields = ["centre", "programme", "status"]


@extend_schema_view(
    list=extend_schema(summary="Cohorts in the caller's scope", tags=["programmes"]),
    retrieve=extend_schema(summary="One cohort", tags=["programmes"]),
)
class CohortViewSet(ScopedReadOnlyModelViewSet):
    queryset = Cohort.objects.select_related("programme", "centre").order_by("-start_date", "-id")
    serializer_class = CohortSerializer
    filterset_class = CohortFilter
    search_fields = ["title", "code", "programme__title", "instructor"]
    ordering_fields = ["start_date", "end_date", "title", "code", "id"]
    ordering = ["-start_date", "-id"]

    def get_queryset(self):
        # Seats counted in the same query, by the one seat count.
        return super().get_queryset().with_seats()


class SessionFilter(FilterSet):
    centre = IdFilter(field_name="cohort__centre_id")
    date = DateFilter()
    date_from = DateFilter(field_name="date", lookup_expr="gte")
    date_to = DateFilter(field_name="date", lookup_expr="lte")

    class Meta:
        model = CohortSession
        fields = ["cohort", "centre", "date"]


@extend_schema_view(
    list=extend_schema(summary="Class sessions in the caller's scope", tags=["programmes"]),
    retrieve=extend_schema(summary="One session", tags=["programmes"]),
)
class CohortSessionViewSet(SyncMixin, ScopedReadOnlyModelViewSet):
    queryset = CohortSession.objects.all()
    serializer_class = CohortSessionSerializer
    filterset_class = SessionFilter
    search_fields = ["topic", "cohort__title"]
    ordering_fields = ["date", "start_time", "id"]
    ordering = ["date", "start_time", "id"]


_CRITERIA = Prefetch("criteria", queryset=IdeaCriterion.objects.order_by("order", "pk"))


class IdeaCallFilter(FilterSet):
    centre = IdFilter(field_name="centre_id")


@extend_schema_view(
    list=extend_schema(summary="Calls for ideas in the caller's scope", tags=["ideas"]),
    retrieve=extend_schema(summary="One call for ideas, with its criteria", tags=["ideas"]),
)
class IdeaCallViewSet(ScopedReadOnlyModelViewSet):
    queryset = IdeaCall.objects.select_related("centre").prefetch_related(_CRITERIA)
    serializer_class = IdeaCallSerializer
    filterset_class = IdeaCallFilter
    search_fields = ["title", "description"]
    ordering_fields = ["opens_on", "closes_on", "title", "id"]
    ordering = ["-opens_on", "-id"]

    @extend_schema(
        summary="Calls open today, for anyone signed in (residents answer them)",
        responses=IdeaCallSerializer(many=True),
        tags=["ideas"],
    )
    @action(detail=False, methods=["get"])
    def open(self, request):
        # A call for ideas is a public announcement (the portal's public pages list it):
        # while it is open, every signed-in person may read it, not only its centre.
        calls = IdeaCall.objects.open_on(local_today()).select_related("centre")
        calls = self.filter_queryset(calls.prefetch_related(_CRITERIA))
        page = self.paginate_queryset(calls)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


class CanSubmitIdea(permissions.BasePermission):
    """Residents submit ideas; staff read them (an administrator may do both)."""

    def has_permission(self, request, view):
        if request.method in permissions.SAFE_METHODS:
            return True
        user = request.user
        return user_is_resident(user) or user.has_perm("programs.add_idea")


class IdeaFilter(FilterSet):
    centre = IdFilter(field_name="call__centre_id")

    class Meta:
        model = Idea
        fields = ["call", "centre", "status", "neighbourhood"]


@extend_schema_view(
    list=extend_schema(summary="Ideas (a resident: their own)", tags=["ideas"]),
    retrieve=extend_schema(summary="One idea", tags=["ideas"]),
    create=extend_schema(summary="Residents: submit an idea to an open call", tags=["ideas"]),
)
class IdeaViewSet(
    SyncMixin,
    mixins.CreateModelMixin,
    ScopedReadOnlyModelViewSet,
):
    queryset = Idea.objects.select_related("call")
    serializer_class = IdeaSerializer
    permission_classes = [permissions.IsAuthenticated, CanSubmitIdea]
    filterset_class = IdeaFilter
    search_fields = ["title", "summary", "submitter_name"]
    ordering_fields = ["created_at", "jobs_expected", "id"]
    ordering = ["-created_at", "-id"]

    def perform_create(self, serializer):
        data = dict(serializer.validated_data)
        user = self.request.user
        if user_is_resident(user):
            # The idea carries the mobile the resident proved by SMS code (their username),
            # never another one named in the body: no idea in someone else's name.
            proven = user.get_username()
            given = data.get("submitter_mobile")
            if given and normalize_mobile(given) != proven:
                raise DRFValidationError(
                    {
                        "submitter_mobile": [
                            _(
                                "An idea is sent with the mobile number you confirmed by SMS "
                                "code; leave this out or give that number."
                            )
                        ]
                    },
                    code="submitter_mobile_not_proven",
                )
            data["submitter_mobile"] = proven
        serializer.instance = idea_submit(
            submitter=user if user_is_resident(user) else None,
            submitter_mobile=data.pop("submitter_mobile", ""),
            **data,
        )


class ReviewFilter(FilterSet):
    call = IdFilter(field_name="idea__call_id")

    class Meta:
        model = IdeaReview
        fields = ["idea", "call", "reviewer"]


@extend_schema_view(
    list=extend_schema(summary="Reviews (a reviewer: their own)", tags=["ideas"]),
    retrieve=extend_schema(summary="One review with its scores", tags=["ideas"]),
    create=extend_schema(
        summary="Reviewers: score an idea (sent again, it revises the scores)",
        tags=["ideas"],
        responses={201: IdeaReviewSerializer},
    ),
)
class IdeaReviewViewSet(ScopedModelViewSet):
    queryset = IdeaReview.objects.select_related("idea").prefetch_related("scores")
    serializer_class = IdeaReviewSerializer
    http_method_names = ["get", "post", "head", "options"]
    # Who may score is the service's rule (an assigned reviewer of the call): a 403 else.
    permission_classes = [permissions.IsAuthenticated]
    filterset_class = ReviewFilter
    search_fields = ["idea__title", "comment"]
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        review = idea_review_submit(
            idea=data["idea"],
            reviewer=request.user,
            scores={s["criterion_id"]: s["score"] for s in data["scores"]},
            comment=data.get("comment", ""),
        )
        review = self.get_queryset().get(pk=review.pk)
        return Response(self.get_serializer(review).data, status=status.HTTP_201_CREATED)
