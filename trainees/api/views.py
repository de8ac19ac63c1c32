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
from centres.api.base.views import ScopedModelViewSet
from centres.models import Centre
from trainees.models import Attendance, Enrolment, Outcome, Trainee
from trainees.services import (
    attendance_record_batch,
    enrolment_create,
    enrolment_drop,
    outcome_record,
    trainee_register,
    trainee_update,
)

from .filters import TraineeSearchFilter
from .serializers import (
    AttendanceBatchAnswerSerializer,
    AttendanceBatchSerializer,
    AttendanceMarkSerializer,
    AttendanceSerializer,
    DropOutSerializer,
    EnrolmentSerializer,
    OutcomeSerializer,
    TraineeSerializer,
    TraineeWriteSerializer,
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
        "National codes, foreign nationals' codes, passport numbers and mobiles are masked "
        "for council members and viewers.",
        tags=["trainees"],
    ),
    retrieve=extend_schema(summary="One trainee", tags=["trainees"]),
    create=extend_schema(
        summary="Register a trainee (centre staff)",
        description="The admin's and the importer's rules (trainees/services/registry.py): "
        "digits of any script, +98 mobiles, the national code's check digit, possible "
        "duplicates flagged for a person to decide. A foreign national (`nationality` other "
        "than `iranian`) is registered with `foreign_code` (12 digits), `passport_number`, "
        "both or neither, and no national code. 409 `national_code_registered` "
        "(`foreign_code_registered`, `passport_number_registered`) when the identifier is "
        "registered already (the same request sent twice registers one person).",
        request=TraineeWriteSerializer,
        responses={201: TraineeSerializer},
        tags=["trainees"],
    ),
    partial_update=extend_schema(
        summary="Correct a trainee's record (the registering centre's staff)",
        description="409 `registered_elsewhere` for a person registered at another centre "
        "(enrolled here): their record is changed only where they were registered.",
        request=TraineeWriteSerializer,
        responses={200: TraineeSerializer},
        tags=["trainees"],
    ),
)
class TraineeViewSet(SyncMixin, ScopedModelViewSet):
    # Only the serialised columns, and no model ordering: the cursor's is the ORDER BY.
    queryset = Trainee.objects.only(*TraineeSerializer.LIST_ONLY).order_by()
    serializer_class = TraineeSerializer
    pagination_class = CursorPagination
    filter_backends = [FilterBackend, TraineeSearchFilter, OrderingFilter]
    filterset_class = TraineeFilter
    search_fields = ["name_key"]  # the filter's own logic; listed so the schema shows it
    ordering_fields = ["id", "created_at"]
    ordering = ["-id"]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_serializer_class(self):
        if self.action in ("create", "partial_update"):
            return TraineeWriteSerializer
        return TraineeSerializer

    def _answer(self, trainee: Trainee, status_code: int) -> Response:
        # The record as GET shows it to this caller (masking and details by role).
        body = TraineeSerializer(trainee, context=self.get_serializer_context()).data
        return Response(body, status=status_code)

    def _only_centre(self) -> Centre:
        centres = list(Centre.objects.visible_to(self.request.user)[:2])
        if len(centres) != 1:
            raise DRFValidationError(
                {"registered_at": [_("Say at which centre the trainee is registered.")]},
                code="required",
            )
        return centres[0]

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        centre = data.pop("registered_at", None) or self._only_centre()
        trainee = trainee_register(centre=centre, by=request.user, **data)
        return self._answer(trainee, status.HTTP_201_CREATED)

    def partial_update(self, request, *args, **kwargs):
        found = self.get_object()  # outside the caller's scope: 404
        serializer = self.get_serializer(found, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        changes = dict(serializer.validated_data)
        centre = changes.pop("registered_at", None)
        if centre is not None and centre.pk != found.registered_at_id:
            raise DRFValidationError(
                {"registered_at": [_("A correction does not move a person to another centre.")]}
            )
        # The whole stored row (the list's queryset reads only some columns).
        trainee = trainee_update(
            trainee=Trainee.objects.get(pk=found.pk), by=request.user, **changes
        )
        return self._answer(trainee, status.HTTP_200_OK)

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

    @extend_schema(
        summary="Record that a trainee dropped out, with the reason",
        description="The first on the waiting list takes the seat. 409 `not_current` when "
        "the enrolment is not current (dropped already: a replay records nothing twice).",
        request=DropOutSerializer,
        responses={200: EnrolmentSerializer},
        tags=["trainees"],
    )
    @action(detail=True, methods=["post"], url_path="drop-out", url_name="drop-out")
    def drop_out(self, request, pk=None):
        enrolment = self.get_object()  # another centre's cohort: 404
        serializer = DropOutSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enrolment = enrolment_drop(
            enrolment=enrolment, reason=data["drop_reason"], on=data.get("dropped_on")
        )
        return Response(EnrolmentSerializer(enrolment, context=self.get_serializer_context()).data)

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
    create=extend_schema(
        operation_id="attendance_create_batch",
        summary="Record attendance marks (the same batch as POST /attendance/batch/)",
        description='One mark is a batch of one: `{"marks": [...]}`, idempotent by each '
        "mark's `client_uuid`; the answer is 200 with the result per mark.",
        request=AttendanceBatchSerializer,
        responses={200: AttendanceBatchAnswerSerializer},
        tags=["attendance"],
    ),
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
