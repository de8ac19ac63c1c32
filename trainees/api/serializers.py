from django.utils.translation import gettext as _
from rest_framework import serializers

from centres.api.base.serializers import (
    IsoDateField,
    MaskedField,
    ModelSerializer,
    ScopedPrimaryKeyRelatedField,
    Serializer,
    caller_sees_masked,
)
from centres.models import Centre, Neighbourhood
from empowerment.kernel import masking
from empowerment.kernel.jalali import iso_jalali, today_jalali
from programs.models import Cohort
from trainees.models import Attendance, Enrolment, Outcome, Trainee, hide_unshared
from trainees.models.registry import age_on

_ISO_DATE = IsoDateField()
_DATETIME = serializers.DateTimeField(read_only=True)


def _age(born, context: dict) -> int | None:
    today = context.get("_today")
    if today is None:
        today = context["_today"] = today_jalali()  # once per request, not per row
    return age_on(born, today)


def _row_of(trainee: Trainee, request) -> dict:
    row = {name: getattr(trainee, name) for name in TraineeSerializer.LIST_ONLY}
    shared = getattr(trainee, "details_shared", None)
    if shared is None:
        # Not read through the view's annotated queryset: ask the same question for it.
        user = getattr(request, "user", None)
        shared = (
            Trainee.objects.filter(pk=trainee.pk)
            .filter(Trainee.objects.details_condition(user))
            .exists()
        )
    row["details_shared"] = shared
    return row


class TraineeSerializer(ModelSerializer):
    full_name = serializers.CharField(read_only=True)
    national_code = MaskedField(read_only=True, allow_null=True)
    foreign_code = MaskedField(kind=masking.FOREIGN_CODE, read_only=True, allow_null=True)
    passport_number = MaskedField(kind=masking.PASSPORT, read_only=True, allow_null=True)
    mobile = MaskedField(kind="mobile", read_only=True)
    registered_at = serializers.IntegerField(source="registered_at_id", read_only=True)
    neighbourhood = serializers.IntegerField(
        source="neighbourhood_id", read_only=True, allow_null=True
    )
    age_band = serializers.SerializerMethodField(
        help_text="u18, 18-24, 25-34, 35-44, 45-54, 55+ or empty. Council members and "
        "viewers get this instead of father_name and birth_date.",
    )

    class Meta:
        model = Trainee
        fields = [
            "id",
            "first_name",
            "last_name",
            "full_name",
            "father_name",
            "nationality",
            "national_code",
            "foreign_code",
            "passport_number",
            "mobile",
            "gender",
            "birth_date",
            "age_band",
            "neighbourhood",
            "education",
            "employment_status",
            "registered_at",
            "created_at",
        ]
        read_only_fields = fields
        jalali_fields = ["birth_date"]
        personal_fields = masking.PERSONAL_DETAIL_FIELDS

    def get_age_band(self, trainee) -> str:
        return masking.age_band(_age(trainee.birth_date, self.context))

    def to_representation(self, trainee):
        # The list's hot path, written out: DRF's generic field loop cost ~0.2 ms a row
        # (a third of a 50-row page's time, bench/api_bench.py). The output is the declared
        # fields' exactly (tests/api/test_trainees.py compares them), and whether the
        # caller sees masked numbers is decided once per request, not once per value.
        # The list hands in plain rows (dicts from .values(): no model instances to build);
        # a single trainee comes as a model instance.
        row = (
            dict(trainee)
            if isinstance(trainee, dict)
            else _row_of(trainee, self.context.get("request"))
        )
        # Someone registered at another centre who has not agreed to share: name only.
        hide_unshared(row, shared=row.get("details_shared", False))
        masked = self.context.get("_masked")
        if masked is None:
            # Not through self.fields: building the serializer's fields costs as much as
            # serialising a row, and the list needs none of them.
            masked = caller_sees_masked(self.context.get("request"))
            self.context["_masked"] = masked
        details = self.context.get("_details")
        if details is None:
            request = self.context.get("request")
            details = masking.sees_personal_details(getattr(request, "user", None))
            self.context["_details"] = details
        code, mobile = row["national_code"], row["mobile"]
        foreign, passport = row["foreign_code"], row["passport_number"]
        if masked:
            code = masking.mask_kind(masking.NATIONAL_CODE, code)
            foreign = masking.mask_kind(masking.FOREIGN_CODE, foreign)
            passport = masking.mask_kind(masking.PASSPORT, passport)
            mobile = masking.mask_kind(masking.MOBILE, mobile)
        born = row["birth_date"]
        answer = {
            "id": row["id"],
            "first_name": row["first_name"],
            "last_name": row["last_name"],
            "full_name": f"{row['first_name']} {row['last_name']}".strip(),
            "father_name": row["father_name"],
            "nationality": row["nationality"],
            "national_code": code,
            "foreign_code": foreign,
            "passport_number": passport,
            "mobile": mobile,
            "gender": row["gender"],
            "birth_date": _ISO_DATE.to_representation(born),
            "age_band": masking.age_band(_age(born, self.context)),
            "neighbourhood": row["neighbourhood_id"],
            "education": row["education"],
            "employment_status": row["employment_status"],
            "registered_at": row["registered_at_id"],
            "created_at": _DATETIME.to_representation(row["created_at"]),
            "birth_date_jalali": iso_jalali(born),
        }
        if not details:
            # Council members and viewers: no relative's name, an age band for the birth
            # date (empowerment/kernel/masking.py decides who).
            for name in (*masking.PERSONAL_DETAIL_FIELDS, "birth_date_jalali"):
                del answer[name]
        return answer

    # The columns the list reads (no get_FOO_display, no related object): a page of 50
    # costs one query.
    LIST_ONLY = (
        "id",
        "first_name",
        "last_name",
        "father_name",
        "nationality",
        "national_code",
        "foreign_code",
        "passport_number",
        "mobile",
        "gender",
        "birth_date",
        "neighbourhood_id",
        "education",
        "employment_status",
        "registered_at_id",
        "created_at",
    )


class TraineeWriteSerializer(ModelSerializer):
    """What staff send to register or correct a trainee. Only shapes are checked here; the
    registry service (trainees/services/registry.py, the admin's and the importer's too)
    normalises (Persian digits, +98 mobiles, Arabic letters), checks the national code and
    the scope, refuses a second registration of a code (409) and flags possible duplicates.
    The answer is the trainee as GET returns it (masked as for any read)."""

    # Plain strings: the model's validators run in the service, after normalisation, so
    # "۰۰۱۲۳۴۵۶۷۸" or "+98 912 ..." are accepted as the admin accepts them.
    national_code = serializers.CharField(
        max_length=20,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="Required when nationality is iranian (the default); left out for a "
        "foreign national.",
    )
    foreign_code = serializers.CharField(
        max_length=24,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A foreign national's 12-digit code (کد یکتای اتباع).",
    )
    passport_number = serializers.CharField(
        max_length=24,
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="A foreign national's passport number: 6 to 12 Latin letters and digits.",
    )
    mobile = serializers.CharField(max_length=20, required=False, allow_blank=True)
    registered_at = ScopedPrimaryKeyRelatedField(
        queryset=Centre.objects.all(),
        required=False,
        help_text="The registering centre; left out, the caller's only centre. Not changed "
        "by a correction.",
    )
    neighbourhood = ScopedPrimaryKeyRelatedField(
        queryset=Neighbourhood.objects.all(), required=False, allow_null=True
    )
    birth_date = IsoDateField(required=False, allow_null=True)

    class Meta:
        model = Trainee
        fields = [
            "first_name",
            "last_name",
            "father_name",
            "nationality",
            "national_code",
            "foreign_code",
            "passport_number",
            "mobile",
            "gender",
            "birth_date",
            "neighbourhood",
            "education",
            "employment_status",
            "referral_source",
            "registered_at",
        ]
        jalali_fields = ["birth_date"]
        # The unique national code is the service's rule, answered 409 there.
        validators = []


class EnrolmentSerializer(ModelSerializer):
    trainee = ScopedPrimaryKeyRelatedField(queryset=Trainee.objects.all())
    trainee_name = serializers.CharField(source="trainee.full_name", read_only=True)
    cohort = ScopedPrimaryKeyRelatedField(queryset=Cohort.objects.all())
    cohort_title = serializers.CharField(source="cohort.title", read_only=True)
    cohort_code = serializers.CharField(source="cohort.code", read_only=True)
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    override_capacity = serializers.BooleanField(
        write_only=True,
        default=False,
        help_text="A centre manager may admit over capacity; others join the waiting list.",
    )
    enrolled_on = IsoDateField(required=False)

    class Meta:
        model = Enrolment
        fields = [
            "id",
            "trainee",
            "trainee_name",
            "cohort",
            "cohort_title",
            "cohort_code",
            "status",
            "status_display",
            "enrolled_on",
            "over_capacity",
            "override_capacity",
            "attendance_percent",
            "certificate_number",
            "certificate_issued_on",
            "dropped_on",
            "drop_reason",
        ]
        read_only_fields = [
            "status",
            "over_capacity",
            "attendance_percent",
            "certificate_number",
            "certificate_issued_on",
            "dropped_on",
            "drop_reason",
        ]
        jalali_fields = ["enrolled_on", "certificate_issued_on", "dropped_on"]
        # The unique (trainee, cohort) pair is the service's rule, answered 409 there.
        validators = []


class DropOutSerializer(Serializer):
    """A trainee leaves a cohort: why, and since when (today when left out)."""

    drop_reason = serializers.CharField(help_text="Why the trainee dropped out.")
    dropped_on = IsoDateField(required=False, help_text="Today when left out.")

    class Meta:
        jalali_fields = ["dropped_on"]


class AttendanceSerializer(ModelSerializer):
    trainee = serializers.IntegerField(source="enrolment.trainee_id", read_only=True)
    session_date = IsoDateField(source="session.date", read_only=True)

    class Meta:
        model = Attendance
        fields = [
            "id",
            "session",
            "session_date",
            "enrolment",
            "trainee",
            "status",
            "client_uuid",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        jalali_fields = ["session_date"]


class AttendanceMarkSerializer(serializers.Serializer):
    client_uuid = serializers.UUIDField(help_text="Made by the phone when the mark is taken.")
    session = serializers.IntegerField(min_value=1, max_value=2_147_483_647)
    enrolment = serializers.IntegerField(
        min_value=1, max_value=2_147_483_647, required=False, allow_null=True
    )
    trainee = serializers.IntegerField(
        min_value=1,
        max_value=2_147_483_647,
        required=False,
        allow_null=True,
        help_text="Instead of the enrolment: the trainee's enrolment in the session's cohort.",
    )
    status = serializers.ChoiceField(choices=Attendance.Status.choices)

    def validate(self, attrs):
        if not attrs.get("enrolment") and not attrs.get("trainee"):
            raise serializers.ValidationError(_("Give the enrolment or the trainee."))
        return attrs


class AttendanceBatchSerializer(serializers.Serializer):
    """Only for the schema: each mark is checked on its own (see the view)."""

    marks = AttendanceMarkSerializer(many=True)


class AttendanceBatchResultSerializer(serializers.Serializer):
    client_uuid = serializers.CharField(allow_null=True)
    result = serializers.ChoiceField(choices=["created", "updated", "existing", "refused"])
    id = serializers.IntegerField(required=False, help_text="The attendance row.")
    status = serializers.CharField(required=False)
    message = serializers.CharField(required=False, help_text="Why the mark was refused.")


class AttendanceBatchAnswerSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    existing = serializers.IntegerField()
    refused = serializers.IntegerField()
    results = AttendanceBatchResultSerializer(many=True)


class OutcomeSerializer(ModelSerializer):
    trainee = ScopedPrimaryKeyRelatedField(queryset=Trainee.objects.all())
    enrolment = ScopedPrimaryKeyRelatedField(
        queryset=Enrolment.objects.all(), required=False, allow_null=True
    )
    kind_display = serializers.CharField(source="get_kind_display", read_only=True)

    class Meta:
        model = Outcome
        fields = [
            "id",
            "trainee",
            "enrolment",
            "kind",
            "kind_display",
            "date",
            "follow_up_round",
            "employees_count",
            "note",
        ]
        jalali_fields = ["date"]
        validators = []
