import django_filters
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as DRFValidationError
from rest_framework.response import Response

from centres.api.base.filters import FilterBackend, FilterSet, IdFilter, OrderingFilter
from centres.api.base.pagination import CursorPagination
from centres.api.base.sync import SyncMixin
from centres.api.base.views import ScopedModelViewSet, ScopedReadOnlyModelViewSet
from trainees.models import Attendance, Enrolment, Outcome, Trainee
from trainees.services import attendance_record_batch, enrolment_create, outcome_record

from .filters import TraineeSearchFilter
from .serializers import (
    AttendanceBatchAnswerSerializer,
    AttendanceBatchSerializer,
    AttendanceMarkSerializer,
    AttendanceSerializer,
    EnrolmentSerializer,
    OutcomeSerializer,
    TraineeSerializer,
)

# Marks one batch may carry: a session of a large cohort, many times over.
MAX_BATCH = 1000


class TraineeFilter(FilterSet):
    cohort = IdFilter(method="in_cohort")

    class Meta:
        model = Trainee
        fields = ["registered_at", "neighbourhood", "gender", "education", "cohort"]

    # Filters on details a centre reads only for its own registrations (or by consent):
    # on anyone else's they would reveal the value.
    HOME_DETAIL_FILTERS = ("neighbourhood", "education")

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if any(
            self.form.cleaned_data.get(name) not in (None, "") for name in self.HOME_DETAIL_FILTERS
        ):
            queryset = queryset.filter(details_shared=True)
        return queryset

    def in_cohort(self, queryset, name, value):
        # A subquery, not a join: a trainee is listed once whatever their enrolments.
        return queryset.filter(pk__in=Enrolment.objects.filter(cohort_id=value).values("trainee"))


@extend_schema_view(
    list=extend_schema(
        summary="Trainees in the caller's scope (a resident: their own record)",
        description="Cursor-paginated (`?cursor=`, `?page_size=` up to 200), newest first. "
        "National codes and mobiles are masked for council members and viewers.",
        tags=["trainees"],
    ),
    retrieve=extend_schema(summary="One trainee", tags=["trainees"]),
)
class TraineeViewSet(SyncMixin, ScopedReadOnlyModelViewSet):
    # Only the serialised columns, and no model ordering: the cursor's is the ORDER BY.
    queryset = Trainee.objects.only(*TraineeSerializer.LIST_ONLY).order_by()
    serializer_class = TraineeSerializer
    pagination_class = CursorPagination
    filter_backends = [FilterBackend, TraineeSearchFilter, OrderingFilter]
    filterset_class = TraineeFilter
    search_fields = ["name_key"]  # the filter's own logic; listed so the schema shows it
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]

    def get_queryset(self):
        # Whether the caller reads each person's details or, for someone registered at
        # another centre who has not agreed to share, only the name: decided in the same
        # query (the serializer blanks the rest).
        queryset = super().get_queryset().with_details_shared(self.request.user)
        if self.action in ("list", "sync"):
            # Plain rows for the list: building 50 model instances (with deferred fields)
            # cost more than the query itself. The cursor reads its position from a dict.
            return queryset.values(*TraineeSerializer.LIST_ONLY, "details_shared")
        return queryset


class EnrolmentFilter(FilterSet):
    centre = IdFilter(field_name="cohort__centre_id")
    certified = django_filters.BooleanFilter(
        field_name="certificate_number", lookup_expr="isnull", exclude=True
    )

    class Meta:
        model = Enrolment
        fields = ["trainee", "cohort", "centre", "status", "certified"]


@extend_schema_view(
    list=extend_schema(
        summary="Enrolments (a resident: their own, with certificates)", tags=["trainees"]
    ),
    retrieve=extend_schema(summary="One enrolment", tags=["trainees"]),
    create=extend_schema(
        summary="Enrol a trainee in a cohort (the waiting list when it is full)",
        description="409 when the trainee is already in the cohort (`conflict`) or the cohort "
        "is closed (`cohort_closed`).",
        tags=["trainees"],
    ),
)
class EnrolmentViewSet(SyncMixin, ScopedModelViewSet):
    queryset = Enrolment.objects.select_related("trainee", "cohort").order_by("-id")
    serializer_class = EnrolmentSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = EnrolmentFilter
    search_fields = ["trainee__name_key", "cohort__title", "cohort__code", "certificate_number"]
    ordering_fields = ["enrolled_on", "id"]
    ordering = ["-id"]
    extra_error_statuses = (409,)

    def perform_create(self, serializer):
        # The service's refusals are typed (already enrolled: 409 "conflict"; a closed
        # cohort: 409 "cohort_closed"; over capacity without the right: 403): the
        # exception handler maps them, nobody asks the database again why.
        data = serializer.validated_data
        serializer.instance = enrolment_create(
            trainee=data["trainee"],
            cohort=data["cohort"],
            by=self.request.user,
            override_capacity=data.get("override_capacity", False),
            enrolled_on=data.get("enrolled_on"),
        )


class AttendanceFilter(FilterSet):
    cohort = IdFilter(field_name="session__cohort_id")
    trainee = IdFilter(field_name="enrolment__trainee_id")

    class Meta:
        model = Attendance
        fields = ["session", "cohort", "enrolment", "trainee", "status"]


@extend_schema_view(
    list=extend_schema(
        summary="Attendance marks in the caller's scope",
        description="Cursor-paginated, newest first.",
        tags=["attendance"],
    ),
    retrieve=extend_schema(summary="One attendance mark", tags=["attendance"]),
)
class AttendanceViewSet(SyncMixin, ScopedModelViewSet):
    queryset = (
        Attendance.objects.select_related("session", "enrolment")
        .only(
            "id",
            "status",
            "client_uuid",
            "created_at",
            "updated_at",
            "session__id",
            "session__date",
            "enrolment__id",
            "enrolment__trainee_id",
        )
        .order_by()
    )
    serializer_class = AttendanceSerializer
    pagination_class = CursorPagination
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = AttendanceFilter
    search_fields = []
    ordering_fields = ["id", "updated_at"]
    ordering = ["-id"]

    def create(self, request, *args, **kwargs):
        # Marks are written only through the batch (one mark is a batch of one).
        return self.batch(request)

    @extend_schema(
        summary="Record attendance marks taken offline (idempotent by client_uuid)",
        description=(
            "Each mark has a UUID made by the phone. Sending a batch again, or one that "
            "overlaps an earlier one, records each mark once. The answer says per mark "
            "whether it was `created`, `updated` (another status for that trainee and "
            "session was replaced), `existing` (already recorded) or `refused` (with the "
            "reason). A refused mark does not hold back the others."
        ),
        request=AttendanceBatchSerializer,
        responses={200: AttendanceBatchAnswerSerializer},
        tags=["attendance"],
    )
    @action(detail=False, methods=["post"])
    def batch(self, request):
        raw = request.data.get("marks") if isinstance(request.data, dict) else None
        if not isinstance(raw, list):
            return self._bad_body(_("Send the marks as a list under “marks”."))
        if len(raw) > MAX_BATCH:
            return self._bad_body(_("Send at most %(count)s marks at once.") % {"count": MAX_BATCH})
        results: list[dict | None] = []
        valid: list[dict] = []
        for item in raw:
            mark = AttendanceMarkSerializer(data=item)
            if mark.is_valid():
                valid.append(mark.validated_data)
                results.append(None)
            else:
                given = item.get("client_uuid") if isinstance(item, dict) else None
                results.append(
                    {
                        "client_uuid": str(given) if given is not None else None,
                        "result": "refused",
                        "message": _flatten_messages(mark.errors),
                    }
                )
        recorded = iter(attendance_record_batch(marks=valid, by=request.user))
        results = [row if row is not None else next(recorded) for row in results]
        counts = {key: 0 for key in ("created", "updated", "existing", "refused")}
        for row in results:
            counts[row["result"]] += 1
        return Response({**counts, "results": results}, status=status.HTTP_200_OK)

    def _bad_body(self, message):

        raise DRFValidationError({"marks": [message]})


def _flatten_messages(errors) -> str:
    parts = []
    for field, messages in errors.items():
        text = " ".join(str(m) for m in messages)
        parts.append(text if field == "non_field_errors" else f"{field}: {text}")
    return " ".join(parts)


class OutcomeFilter(FilterSet):
    class Meta:
        model = Outcome
        fields = ["trainee", "enrolment", "kind", "follow_up_round"]


@extend_schema_view(
    list=extend_schema(summary="Outcomes of training (jobs, businesses)", tags=["trainees"]),
    retrieve=extend_schema(summary="One outcome", tags=["trainees"]),
    create=extend_schema(summary="Record an outcome at a follow-up round", tags=["trainees"]),
)
class OutcomeViewSet(ScopedModelViewSet):
    queryset = Outcome.objects.all().order_by("-date", "-id")
    serializer_class = OutcomeSerializer
    http_method_names = ["get", "post", "head", "options"]
    filterset_class = OutcomeFilter
    search_fields = ["note"]
    ordering_fields = ["date", "id"]
    ordering = ["-date", "-id"]
    extra_error_statuses = (409,)

    def perform_create(self, serializer):
        # The same outcome twice is the service's Duplicate: a 409.
        serializer.instance = outcome_record(**serializer.validated_data)
