"""Writes on the registry: registration, enrolment, attendance, completion, outcomes, sales,
the spreadsheet import (preview, confirm, apply) and the SMS reminders of sessions."""

import datetime
import logging
import resource
import secrets
import time
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

import jdatetime
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from centres.models import Centre, Neighbourhood
from empowerment.jalali import WEEKDAY_NAMES, format_jalali, today_jalali
from empowerment.models import OutboxMessage
from empowerment.persian import to_persian_digits
from empowerment.services import message_queue
from empowerment.validators import normalize_mobile
from programs.models import Cohort, CohortSession

from . import spreadsheets
from .models import (
    Attendance,
    CohortInterest,
    Enrolment,
    Outcome,
    PossibleDuplicate,
    Product,
    Sale,
    Trainee,
    TraineeImport,
)

logger = logging.getLogger(__name__)

TRAINEE_FIELDS = (
    "first_name",
    "last_name",
    "father_name",
    "national_code",
    "mobile",
    "gender",
    "birth_date",
    "neighbourhood",
    "education",
    "employment_status",
    "referral_source",
)


# --- Registry ----------------------------------------------------------------------------


@transaction.atomic
def trainee_save(*, trainee: Trainee) -> Trainee:
    """Validate and save a new or changed trainee, then flag possible duplicates.

    The admin's form and the importer both end here, so that the normaliser, the
    national-code rules and the duplicate check run on every write.
    """
    trainee.full_clean()
    trainee.save()
    trainee_flag_duplicates(trainee=trainee)
    return trainee


def trainee_register(
    *,
    centre: Centre,
    first_name: str,
    last_name: str,
    national_code: str,
    gender: str,
    father_name: str = "",
    mobile: str = "",
    birth_date: jdatetime.date | None = None,
    neighbourhood: Neighbourhood | None = None,
    education: str = "",
    employment_status: str = "",
    referral_source: str = "",
    user=None,
) -> Trainee:
    trainee = Trainee(
        registered_at=centre,
        first_name=first_name,
        last_name=last_name,
        national_code=national_code,
        gender=gender,
        father_name=father_name,
        mobile=mobile,
        birth_date=birth_date,
        neighbourhood=neighbourhood,
        education=education,
        employment_status=employment_status,
        referral_source=referral_source,
        user=user,
    )
    return trainee_save(trainee=trainee)


def trainee_update(*, trainee: Trainee, **changes) -> Trainee:
    unknown = set(changes) - set(TRAINEE_FIELDS)
    if unknown:
        raise TypeError(f"Not trainee fields: {sorted(unknown)}")
    for name, value in changes.items():
        setattr(trainee, name, value)
    return trainee_save(trainee=trainee)


@transaction.atomic
def trainees_register_many(
    *, centre: Centre, rows: list[dict], by=None, batch_size: int = 1000
) -> list[Trainee]:
    """Register many trainees at once (the spreadsheet import): the same field rules as
    `trainee_register`, bulk inserts with their history rows, and duplicates flagged.

    Foreign keys are given as objects the caller has already read, so they are not
    checked one query per row; the national code's uniqueness is enforced by the
    database's unique index (a clash fails the whole transaction).
    """
    trainees = []
    for row in rows:
        trainee = Trainee(registered_at=centre, **row)
        trainee.clean_fields(exclude=["registered_at", "neighbourhood", "user", "name_key"])
        trainee.normalise()
        trainees.append(trainee)
    bulk_create_with_history(trainees, Trainee, batch_size=batch_size, default_user=by)
    _flag_duplicates_among(trainees)
    return trainees


def _flag_duplicates_among(trainees: list[Trainee]) -> None:
    """Flag, for each new trainee, earlier registrations with the same name key and birth
    date under another national code (the rule of `trainee_flag_duplicates`, in one query
    per thousand names)."""
    dated = [t for t in trainees if t.birth_date]
    keys = list({t.name_key for t in dated})
    matches: dict[tuple, list[tuple[int, str]]] = {}
    for start in range(0, len(keys), 1000):
        for pk, key, born, code in Trainee.objects.filter(
            name_key__in=keys[start : start + 1000], birth_date__isnull=False
        ).values_list("pk", "name_key", "birth_date", "national_code"):
            matches.setdefault((key, born), []).append((pk, code))
    flags = [
        PossibleDuplicate(trainee=t, other_id=pk)
        for t in dated
        for pk, code in matches.get((t.name_key, t.birth_date), [])
        if pk != t.pk and code != t.national_code
    ]
    bulk_create_with_history(flags, PossibleDuplicate, batch_size=1000, ignore_conflicts=True)


def trainee_flag_duplicates(*, trainee: Trainee) -> list[PossibleDuplicate]:
    """Flag registrations with the same normalised name and birth date under another code.

    Only flags: two people may share a name and a birthday, so a person decides.
    """
    if not trainee.birth_date:
        return []
    others = Trainee.objects.filter(name_key=trainee.name_key, birth_date=trainee.birth_date)
    others = others.exclude(pk=trainee.pk).exclude(national_code=trainee.national_code)
    flags = []
    for other in others.only("pk"):
        flag, _created = PossibleDuplicate.objects.get_or_create(trainee=trainee, other=other)
        flags.append(flag)
    return flags


@transaction.atomic
def possible_duplicate_resolve(
    *, flag: PossibleDuplicate, status: str, by, note: str = ""
) -> PossibleDuplicate:
    if status not in (PossibleDuplicate.Status.SAME_PERSON, PossibleDuplicate.Status.DIFFERENT):
        raise ValidationError(_("Decide whether they are the same person or different people."))
    flag.status = status
    flag.note = note or flag.note
    flag.reviewed_by = by
    flag.reviewed_at = timezone.now()
    flag.save()
    return flag


# --- Enrolment ---------------------------------------------------------------------------


@transaction.atomic
def enrolment_create(
    *,
    trainee: Trainee,
    cohort: Cohort,
    by=None,
    override_capacity: bool = False,
    enrolled_on: jdatetime.date | None = None,
) -> Enrolment:
    """Enrol a trainee in a cohort, or put them on its waiting list when it is full.

    Only someone with `trainees.override_capacity` (a centre manager) may admit a trainee
    over capacity. The cohort row is locked so that two members of staff enrolling at the
    same moment cannot both take the last seat.
    """
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.is_closed:
        raise ValidationError(_("This cohort is closed: nobody can enrol in it any more."))
    if Enrolment.objects.filter(trainee=trainee, cohort=cohort).exists():
        raise ValidationError(
            _("%(trainee)s is already enrolled in this cohort.") % {"trainee": trainee}
        )
    if override_capacity and by is not None and not by.has_perm("trainees.override_capacity"):
        raise PermissionDenied(_("Only a centre manager may enrol over capacity."))
    seats_taken = Enrolment.objects.filter(cohort=cohort).holding_a_seat().count()
    enrolment = Enrolment(
        trainee=trainee,
        cohort=cohort,
        enrolled_on=enrolled_on or today_jalali(),
        status=Enrolment.Status.ENROLLED,
    )
    if seats_taken >= cohort.capacity:
        if override_capacity:
            enrolment.over_capacity = True
        else:
            enrolment.status = Enrolment.Status.WAITLISTED
    enrolment.full_clean()
    enrolment.save()
    return enrolment


@transaction.atomic
def enrolments_create_many(
    *,
    cohort: Cohort,
    trainees: list[Trainee],
    enrolled_on: jdatetime.date | None = None,
    by=None,
) -> list[Enrolment]:
    """Enrol many trainees in one cohort (the spreadsheet import), in their order: seats
    while they last, then the waiting list. Trainees already in the cohort are left as
    they are, so importing the same list again enrols nobody twice. One lock on the
    cohort and one seat count for the whole batch."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.is_closed:
        raise ValidationError(_("This cohort is closed: nobody can enrol in it any more."))
    already = set(
        Enrolment.objects.filter(
            cohort=cohort, trainee_id__in=[t.pk for t in trainees]
        ).values_list("trainee_id", flat=True)
    )
    free = cohort.capacity - Enrolment.objects.filter(cohort=cohort).holding_a_seat().count()
    on = enrolled_on or today_jalali()
    enrolments = []
    for trainee in trainees:
        if trainee.pk in already:
            continue
        already.add(trainee.pk)
        status = Enrolment.Status.ENROLLED if free > 0 else Enrolment.Status.WAITLISTED
        free -= status == Enrolment.Status.ENROLLED
        enrolments.append(Enrolment(trainee=trainee, cohort=cohort, enrolled_on=on, status=status))
    bulk_create_with_history(enrolments, Enrolment, batch_size=1000, default_user=by)
    return enrolments


@transaction.atomic
def enrolment_drop(
    *, enrolment: Enrolment, reason: str, on: jdatetime.date | None = None
) -> Enrolment:
    """Record a drop-out with its reason; the first on the waiting list takes the seat."""
    if not (reason or "").strip():
        raise ValidationError({"drop_reason": _("Write why the trainee dropped out.")})
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status not in (Enrolment.Status.ENROLLED, Enrolment.Status.WAITLISTED):
        raise ValidationError(_("Only a current enrolment can be dropped."))
    held_seat = enrolment.status == Enrolment.Status.ENROLLED
    enrolment.status = Enrolment.Status.DROPPED
    enrolment.drop_reason = reason
    enrolment.dropped_on = on or today_jalali()
    enrolment.full_clean()
    enrolment.save()
    if held_seat:
        enrolment_promote_waitlist(cohort=enrolment.cohort)
    return enrolment


@transaction.atomic
def enrolment_promote_waitlist(*, cohort: Cohort) -> list[Enrolment]:
    """Give free seats to the waiting list, first come first served."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.is_closed:
        return []
    free = cohort.capacity - Enrolment.objects.filter(cohort=cohort).holding_a_seat().count()
    promoted = []
    if free > 0:
        waiting = Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.WAITLISTED)
        for enrolment in waiting.order_by("created_at", "pk")[:free]:
            enrolment.status = Enrolment.Status.ENROLLED
            enrolment.save(update_fields=["status", "updated_at"])
            promoted.append(enrolment)
    return promoted


# --- Attendance and completion -----------------------------------------------------------


@transaction.atomic
def attendance_record_session(*, session: CohortSession, marks: Mapping[int, str], by=None) -> int:
    """Record the attendance of a whole session: {enrolment id: status}. Returns rows written.

    Only enrolments holding a seat in the session's cohort may be marked; marking again
    changes the earlier mark (and history keeps both).
    """
    if session.cohort.is_closed:
        raise ValidationError(_("This cohort is closed: its attendance can no longer change."))
    if CohortSession.objects.filter(pk=session.pk, cancelled_at__isnull=False).exists():
        raise ValidationError(_("This session was cancelled: it takes no attendance."))
    valid = set(Attendance.Status.values)
    if any(status not in valid for status in marks.values()):
        raise ValidationError(_("Mark each trainee present, absent or excused."))
    enrolments = set(
        Enrolment.objects.filter(
            cohort_id=session.cohort_id, status=Enrolment.Status.ENROLLED, pk__in=list(marks)
        ).values_list("pk", flat=True)
    )
    if set(marks) - enrolments:
        raise ValidationError(_("Some of the marked trainees are not enrolled in this cohort."))
    existing = {a.enrolment_id: a for a in Attendance.objects.filter(session=session)}
    written = 0
    for enrolment_id, status in marks.items():
        row = existing.get(enrolment_id)
        if row is None:
            Attendance.objects.create(
                session=session, enrolment_id=enrolment_id, status=status, recorded_by=by
            )
            written += 1
        elif row.status != status:
            row.status = status
            row.recorded_by = by
            row.save(update_fields=["status", "recorded_by", "updated_at"])
            written += 1
    return written


def _attendance_percent(present: int, excused: int, sessions: int) -> Decimal:
    # An excused absence neither counts for nor against the trainee.
    counted = sessions - excused
    if counted <= 0:
        return Decimal("0.0")
    return (Decimal(100 * present) / counted).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@transaction.atomic
def cohort_complete(*, cohort: Cohort, on: jdatetime.date | None = None) -> dict[str, int]:
    """Close a cohort: certificates to those who met the minimum attendance, the rest
    marked as completed without one. Certificate numbers are the cohort code and a
    running number, unique across the portal because cohort codes are."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.is_closed:
        raise ValidationError(_("This cohort is already closed."))
    # A cancelled session was never held: it counts for nobody's attendance.
    session_count = cohort.sessions.filter(cancelled_at__isnull=True).count()
    if not session_count:
        raise ValidationError(_("This cohort has no sessions: record its sessions first."))
    on = on or today_jalali()
    enrolments = (
        Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.ENROLLED)
        .select_related("trainee")
        .annotate(
            present=Count("attendance", filter=Q(attendance__status=Attendance.Status.PRESENT)),
            excused=Count("attendance", filter=Q(attendance__status=Attendance.Status.EXCUSED)),
        )
        .order_by("trainee__last_name", "trainee__first_name", "pk")
    )
    counts = {"certified": 0, "not_certified": 0}
    number = 0
    for enrolment in enrolments:
        enrolment.attendance_percent = _attendance_percent(
            enrolment.present, enrolment.excused, session_count
        )
        if enrolment.attendance_percent >= cohort.min_attendance_percent:
            number += 1
            enrolment.status = Enrolment.Status.CERTIFIED
            enrolment.certificate_number = f"{cohort.code}-{number:03d}"
            enrolment.certificate_issued_on = on
            counts["certified"] += 1
        else:
            enrolment.status = Enrolment.Status.NOT_CERTIFIED
            counts["not_certified"] += 1
        enrolment.save()
    cohort.status = Cohort.Status.COMPLETED
    cohort.completed_at = timezone.now()
    cohort.save(update_fields=["status", "completed_at", "updated_at"])
    return counts


# --- After training ----------------------------------------------------------------------


@transaction.atomic
def outcome_record(
    *,
    trainee: Trainee,
    kind: str,
    date: jdatetime.date,
    follow_up_round: int,
    enrolment: Enrolment | None = None,
    employees_count: int | None = None,
    note: str = "",
) -> Outcome:
    outcome = Outcome(
        trainee=trainee,
        enrolment=enrolment,
        kind=kind,
        date=date,
        follow_up_round=follow_up_round,
        employees_count=employees_count,
        note=note,
    )
    outcome.full_clean()
    outcome.save()
    return outcome


@transaction.atomic
def product_create(
    *,
    cohort: Cohort,
    name: str,
    description: str = "",
    quantity_made: int = 0,
    unit_price_rials: int | None = None,
) -> Product:
    product = Product(
        cohort=cohort,
        name=name,
        description=description,
        quantity_made=quantity_made,
        unit_price_rials=unit_price_rials,
    )
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def sale_record(
    *, product: Product, date: jdatetime.date, place: str, quantity: int, amount_rials: int
) -> Sale:
    sale = Sale(
        product=product, date=date, place=place, quantity=quantity, amount_rials=amount_rials
    )
    sale.full_clean()
    sale.save()
    return sale


# --- Spreadsheet import ------------------------------------------------------------------


def trainee_import_preview(*, centre: Centre, uploaded_file, by) -> TraineeImport:
    """Check an uploaded spreadsheet and record what each row would do. Writes no trainee.

    A file that is not a real spreadsheet, too large or a zip bomb is refused with a
    message (the import row keeps the refusal, not the file).
    """
    if by is not None and not by.has_perm("trainees.import_trainees"):
        raise PermissionDenied(_("You may not import trainees."))
    name = getattr(uploaded_file, "name", "") or "upload"
    trainee_import = TraineeImport(
        centre=centre,
        uploaded_by=by,
        original_name=name[:255],
        uploaded_token=secrets.token_hex(16),
    )
    try:
        content, file_type = spreadsheets.read_upload(uploaded_file)
    except spreadsheets.SpreadsheetRefused as refusal:
        trainee_import.state = TraineeImport.State.REFUSED
        trainee_import.file_type = ""
        trainee_import.message = str(refusal)
        trainee_import.save()
        return trainee_import
    trainee_import.file_type = file_type
    try:
        preview = spreadsheets.preview_rows(content=content, file_type=file_type, centre=centre)
    except spreadsheets.SpreadsheetRefused as refusal:
        trainee_import.state = TraineeImport.State.REFUSED
        trainee_import.message = str(refusal)
        trainee_import.save()
        return trainee_import
    trainee_import.state = TraineeImport.State.PREVIEWED
    trainee_import.total_rows = preview.total
    trainee_import.create_count = preview.creates
    trainee_import.update_count = preview.updates
    trainee_import.error_count = len(preview.errors)
    trainee_import.report = {"rows": preview.rows, "errors": preview.errors}
    trainee_import.file.save(f"upload.{file_type}", ContentFile(content), save=False)
    trainee_import.save()
    return trainee_import


@transaction.atomic
def trainee_import_confirm(*, trainee_import: TraineeImport, by) -> TraineeImport:
    """Staff confirmed the preview: queue the apply step once this transaction commits."""
    from .tasks import trainee_import_apply_task

    if by is not None and not by.has_perm("trainees.import_trainees"):
        raise PermissionDenied(_("You may not import trainees."))
    # A conditional UPDATE so that a double click queues the import once.
    queued = TraineeImport.objects.filter(
        pk=trainee_import.pk, state=TraineeImport.State.PREVIEWED
    ).update(state=TraineeImport.State.QUEUED, updated_at=timezone.now())
    if not queued:
        raise ValidationError(_("This import has already been confirmed."))
    transaction.on_commit(lambda: trainee_import_apply_task.delay(trainee_import.pk))
    trainee_import.refresh_from_db()
    return trainee_import


def progress_cache_key(import_id: int) -> str:
    return f"trainee-import-progress:{import_id}"


# Rows written per batch; progress is reported after each.
IMPORT_CHUNK = 500


def trainee_import_apply(*, import_id: int) -> TraineeImport:
    """Write every valid row of a confirmed import in one transaction.

    Progress goes to the cache as rows are written (the transaction hides the row's own
    counter until commit) and to the row at the end. Any failure rolls everything back and
    marks the import failed with the row that failed: never half an import.

    Safe to run twice, at once or one after the other, and after a worker died half-way:
    the state moves from queued to applying in a committed UPDATE (the page shows it), and
    the run that writes holds the import row's lock for its whole transaction. A second
    run finds the row locked (skip it: the first is at work) or no longer applying (done,
    or failed: nothing to do). A worker that died released the lock with its connection
    and its writes were rolled back, so the redelivered task finds the import applying
    and unlocked, and applies it from the start. (SQLite has no row locks; it runs tasks
    eagerly, one at a time.)
    """
    TraineeImport.objects.filter(pk=import_id, state=TraineeImport.State.QUEUED).update(
        state=TraineeImport.State.APPLYING, processed=0, updated_at=timezone.now()
    )
    trainee_import = TraineeImport.objects.get(pk=import_id)
    rows = trainee_import.report.get("rows", [])
    started = time.perf_counter()
    current_row = None
    mine = False
    try:
        with transaction.atomic():
            held = (
                TraineeImport.objects.select_for_update(skip_locked=True)
                .filter(pk=import_id, state=TraineeImport.State.APPLYING)
                .first()
            )
            if held is None:
                return trainee_import
            mine = True
            cache.set(progress_cache_key(import_id), 0, 3600)
            centre = trainee_import.centre
            by = trainee_import.uploaded_by
            existing = _existing_trainees([row["data"]["national_code"] for row in rows])
            cohorts = Cohort.objects.in_bulk(
                {row["data"]["cohort"] for row in rows if row["data"].get("cohort")}
            )
            neighbourhoods = Neighbourhood.objects.in_bulk(
                {row["data"]["neighbourhood"] for row in rows if row["data"].get("neighbourhood")}
            )
            created = updated = enrolments = 0
            for start in range(0, len(rows), IMPORT_CHUNK):
                chunk = rows[start : start + IMPORT_CHUNK]
                current_row = f"{chunk[0]['row']}–{chunk[-1]['row']}"
                new_rows, new_data, by_cohort = [], [], {}
                for row in chunk:
                    data = dict(row["data"])
                    cohort_id = data.pop("cohort", None)
                    data["neighbourhood"] = neighbourhoods.get(data.get("neighbourhood"))
                    data["birth_date"] = spreadsheets.date_from_report(data.get("birth_date"))
                    trainee = existing.get(data["national_code"])
                    if trainee is None:
                        new_rows.append(row)
                        new_data.append(data)
                    else:
                        if spreadsheets.differs(trainee, data):
                            current_row = row["row"]
                            trainee_update(trainee=trainee, **data)
                            updated += 1
                    by_cohort.setdefault(cohort_id, []).append(data["national_code"])
                if new_data:
                    current_row = f"{new_rows[0]['row']}–{new_rows[-1]['row']}"
                    for trainee in trainees_register_many(centre=centre, rows=new_data, by=by):
                        existing[trainee.national_code] = trainee
                    created += len(new_data)
                for cohort_id, codes in by_cohort.items():
                    if cohort_id is None:
                        continue
                    enrolments += len(
                        enrolments_create_many(
                            cohort=cohorts[cohort_id],
                            trainees=[existing[code] for code in codes],
                            by=by,
                        )
                    )
                cache.set(progress_cache_key(import_id), start + len(chunk), 3600)
            # The worker's peak resident memory (Linux reports kilobytes); cheap enough to
            # read on every import, unlike tracing allocations.
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
            elapsed = time.perf_counter() - started
            trainee_import.state = TraineeImport.State.APPLIED
            trainee_import.processed = len(rows)
            trainee_import.applied_at = timezone.now()
            trainee_import.message = _(
                "%(created)s trainees created, %(updated)s updated, %(enrolments)s enrolments "
                "added in %(seconds).1f seconds (peak process memory %(memory).1f MB)."
            ) % {
                "created": created,
                "updated": updated,
                "enrolments": enrolments,
                "seconds": elapsed,
                "memory": peak / 1024 / 1024,
            }
            trainee_import.save(
                update_fields=["state", "processed", "applied_at", "message", "updated_at"]
            )
    except Exception as error:
        if not mine:
            raise  # the import belongs to another run; leave its state alone
        detail = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        TraineeImport.objects.filter(pk=import_id).update(
            state=TraineeImport.State.FAILED,
            processed=0,
            message=_("Nothing was imported: row %(row)s failed: %(error)s")
            % {"row": current_row, "error": detail},
            updated_at=timezone.now(),
        )
        trainee_import.refresh_from_db()
        if not isinstance(error, ValidationError | PermissionDenied):
            raise
    finally:
        # Another run's progress is not ours to clear.
        if mine:
            cache.delete(progress_cache_key(import_id))
    return trainee_import


def _existing_trainees(codes: list[str]) -> dict[str, Trainee]:
    found: dict[str, Trainee] = {}
    codes = list(dict.fromkeys(codes))
    # Chunks keep the IN list well under database parameter limits.
    for start in range(0, len(codes), 2000):
        for trainee in Trainee.objects.filter(national_code__in=codes[start : start + 2000]):
            found[trainee.national_code] = trainee
    return found


# --- Interest in cohorts (from the public portal) ----------------------------------------


def _require_open_for_registration(cohort: Cohort) -> None:
    from .selectors import cohorts_open_for_registration

    if not cohorts_open_for_registration().filter(pk=cohort.pk).exists():
        raise ValidationError(
            _("The cohort “%(cohort)s” is not open for registration.") % {"cohort": cohort.title}
        )


def cohort_interest_validate(
    *, cohort: Cohort, name: str, mobile: str, neighbourhood: Neighbourhood | None = None
) -> CohortInterest:
    """The request as it would be stored, checked but not written: the public form calls
    this before it sends an SMS code, so that a code is never sent for a refused request.

    Whether the person already asked is not checked here: that would tell anyone typing a
    number whether its owner asked; `cohort_interest_register` answers it after the code.
    """
    _require_open_for_registration(cohort)
    interest = CohortInterest(
        cohort=cohort, name=name, mobile=normalize_mobile(mobile), neighbourhood=neighbourhood
    )
    interest.full_clean(exclude=["user"], validate_unique=False, validate_constraints=False)
    return interest


@transaction.atomic
def cohort_interest_register(
    *,
    cohort: Cohort,
    name: str,
    mobile: str,
    neighbourhood: Neighbourhood | None = None,
    user=None,
) -> tuple[CohortInterest, bool]:
    """Record a resident's interest in a cohort, once per mobile; returns (interest, created).

    Asking again returns the first request unchanged. No enrolment is made: staff call
    the person and enrol them in the admin.
    """
    # The cohort's row lock orders two requests for it, so the check below sees the other.
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    interest = cohort_interest_validate(
        cohort=cohort, name=name, mobile=mobile, neighbourhood=neighbourhood
    )
    existing = CohortInterest.objects.filter(cohort=cohort, mobile=interest.mobile).first()
    if existing is not None:
        return existing, False
    interest.user = user
    interest.save()
    return interest, True


@transaction.atomic
def cohort_interests_mark(*, interests, state: str, by=None) -> tuple[int, list[CohortInterest]]:
    """Move interests to `state` (the admin's actions); returns (changed, refused).

    "Enrolled" is only true once the person is enrolled: an interest is marked so only
    when a trainee with its mobile (or its resident's account) holds an enrolment in the
    cohort; the others are refused and returned.
    """
    if state not in CohortInterest.State.values:
        raise ValueError(f"Unknown interest state {state!r}")
    ids = interests.values("pk") if hasattr(interests, "values") else [i.pk for i in interests]
    rows = list(CohortInterest.objects.select_for_update().filter(pk__in=ids).exclude(state=state))
    refused: list[CohortInterest] = []
    if state == CohortInterest.State.ENROLLED and rows:
        enrolled = Enrolment.objects.filter(
            Q(trainee__mobile__in={i.mobile for i in rows})
            | Q(trainee__user__in={i.user_id for i in rows if i.user_id}),
            cohort__in={i.cohort_id for i in rows},
        ).values_list("cohort_id", "trainee__mobile", "trainee__user_id")
        by_mobile = {(cohort, mobile) for cohort, mobile, _user in enrolled}
        by_user = {(cohort, user) for cohort, _mobile, user in enrolled if user}
        refused = [
            i
            for i in rows
            if (i.cohort_id, i.mobile) not in by_mobile
            and (not i.user_id or (i.cohort_id, i.user_id) not in by_user)
        ]
        rows = [i for i in rows if i not in refused]
    now = timezone.now()
    for interest in rows:
        interest.state = state
        interest.updated_at = now
    if rows:
        bulk_update_with_history(
            rows, CohortInterest, ["state", "updated_at"], default_user=by, batch_size=500
        )
    return len(rows), refused


# --- Session reminders -------------------------------------------------------------------


def reminder_key(*, session_id: int, enrolment_id: int) -> str:
    return f"reminder:{session_id}:{enrolment_id}"


def session_reminder_text(*, session: CohortSession, trainee: Trainee) -> str:
    """The SMS, in Persian whatever language is active (a worker has no request)."""
    centre = session.cohort.centre
    start = to_persian_digits(f"{session.start_time.hour}:{session.start_time.minute:02d}")
    with translation.override("fa"):
        text = _(
            "%(name)s, your class %(programme)s is tomorrow, %(weekday)s %(date)s, at "
            "%(time)s at %(centre)s."
        ) % {
            "name": trainee.first_name,
            "programme": session.cohort.programme.title,
            "weekday": WEEKDAY_NAMES[session.date.weekday()],
            "date": format_jalali(session.date, persian_digits=True),
            "time": start,
            "centre": centre.name,
        }
        if centre.address:
            text += " " + _("Address: %(address)s") % {"address": centre.address}
    return text


def session_reminders_queue(*, on: datetime.date | jdatetime.date) -> int:
    """Queue the day-before SMS of every session on `on` to each trainee enrolled in it.

    Cancelled sessions, closed cohorts, and trainees dropped or still waiting for a seat
    get nothing. Each message has the key `reminder:<session>:<enrolment>`, so running this
    again (the next hourly run, a duplicated task) queues nothing twice. Returns the number
    of messages queued by this run.

    Not one transaction: each message is queued (and its send task handed to Celery) on
    its own, so that a failure half-way keeps what was queued and the next run goes on.
    """
    on = on if isinstance(on, jdatetime.date) else jdatetime.date.fromgregorian(date=on)
    sessions = list(
        CohortSession.objects.filter(
            date=on,
            cancelled_at__isnull=True,
            cohort__status__in=(Cohort.Status.PLANNED, Cohort.Status.RUNNING),
        ).select_related("cohort__programme", "cohort__centre")
    )
    if not sessions:
        return 0
    enrolments: dict[int, list[Enrolment]] = {}
    for enrolment in (
        Enrolment.objects.filter(
            cohort_id__in={s.cohort_id for s in sessions}, status=Enrolment.Status.ENROLLED
        )
        .exclude(trainee__mobile="")
        .select_related("trainee")
        .order_by("pk")
    ):
        enrolments.setdefault(enrolment.cohort_id, []).append(enrolment)
    wanted = {
        reminder_key(session_id=session.pk, enrolment_id=enrolment.pk): (session, enrolment)
        for session in sessions
        for enrolment in enrolments.get(session.cohort_id, [])
    }
    # Keys already in the outbox are skipped without a write; message_queue stays the guard
    # against a second run racing this one.
    done = set(OutboxMessage.objects.filter(key__in=list(wanted)).values_list("key", flat=True))
    queued = 0
    for key, (session, enrolment) in wanted.items():
        if key in done:
            continue
        try:
            message_queue(
                key=key,
                recipient=enrolment.trainee.mobile,
                channel=OutboxMessage.Channel.SMS,
                text=session_reminder_text(session=session, trainee=enrolment.trainee),
            )
        except ValidationError as error:
            # One unusable number must not hold back everyone else's reminder.
            logger.warning("reminder %s not queued: %s", key, error.messages)
            continue
        queued += 1
    return queued


# --- Mobile clients ----------------------------------------------------------------------


def _batch_refusal(mark: dict, message: str) -> dict:
    return {"client_uuid": str(mark["client_uuid"]), "result": "refused", "message": message}


def attendance_record_batch(*, marks: list[dict], by) -> list[dict]:
    """Record attendance marks taken offline on a phone, each once, whatever is resent.

    Each mark is {"client_uuid", "session", "status"} and either "enrolment" or "trainee"
    (ids). The answer has one entry per mark, in order: "created" (new), "updated" (the
    trainee already had another status for the session; like marking again in the admin,
    the new status replaces it), "existing" (this mark, by its client_uuid, or the same
    status for the session was already recorded: nothing changes) or "refused" with the
    reason in the request's language.
    A refused mark does not hold back the others.

    Concurrency: the client_uuid and the (enrolment, session) pair are unique in the
    database. Each mark is written in its own savepoint; when two syncs of the same batch
    run at once, PostgreSQL makes the second INSERT wait for the first transaction and then
    fail on the unique index, the savepoint is rolled back and the mark is read again and
    answered "existing" (get_or_create semantics). So a mark is recorded exactly once and
    one failure never rolls back the marks around it. The rules are those of
    `attendance_record_session`: a session the user may see, an open cohort, a trainee
    holding a seat in it.
    """
    valid_statuses = set(Attendance.Status.values)
    session_ids = {m["session"] for m in marks}
    sessions = CohortSession.objects.visible_to(by).select_related("cohort").in_bulk(session_ids)
    cohort_ids = {s.cohort_id for s in sessions.values()}
    # One read of the seats of every cohort concerned, by enrolment and by trainee.
    enrolled = list(
        Enrolment.objects.filter(cohort_id__in=cohort_ids, status=Enrolment.Status.ENROLLED)
        .filter(
            Q(pk__in={m["enrolment"] for m in marks if m.get("enrolment")})
            | Q(trainee_id__in={m["trainee"] for m in marks if m.get("trainee")})
        )
        .only("pk", "cohort_id", "trainee_id")
    )
    by_pk = {e.pk: e for e in enrolled}
    by_trainee = {(e.cohort_id, e.trainee_id): e for e in enrolled}

    results: list[dict] = []
    for mark in marks:
        session = sessions.get(mark["session"])
        if mark["status"] not in valid_statuses:
            results.append(_batch_refusal(mark, _("Mark each trainee present, absent or excused.")))
            continue
        if session is None:
            results.append(_batch_refusal(mark, _("This session does not exist.")))
            continue
        if session.cohort.is_closed:
            results.append(
                _batch_refusal(
                    mark, _("This cohort is closed: its attendance can no longer change.")
                )
            )
            continue
        if session.cancelled_at is not None:
            # The same rule as attendance_record_session: a cancelled session takes no marks.
            results.append(
                _batch_refusal(mark, _("This session was cancelled: it takes no attendance."))
            )
            continue
        if mark.get("enrolment"):
            enrolment = by_pk.get(mark["enrolment"])
            if enrolment is not None and enrolment.cohort_id != session.cohort_id:
                enrolment = None
        else:
            enrolment = by_trainee.get((session.cohort_id, mark.get("trainee")))
        if enrolment is None:
            results.append(
                _batch_refusal(mark, _("This trainee is not enrolled in this session's cohort."))
            )
            continue
        results.append(
            _attendance_mark_once(mark=mark, session=session, enrolment=enrolment, by=by)
        )
    return results


def _attendance_mark_once(*, mark: dict, session, enrolment: Enrolment, by) -> dict:
    uuid = mark["client_uuid"]
    answer = {"client_uuid": str(uuid)}
    for _attempt in range(2):
        known = Attendance.objects.filter(client_uuid=uuid).first()
        if known is not None:
            if (known.session_id, known.enrolment_id) != (session.pk, enrolment.pk):
                return _batch_refusal(
                    mark, _("This mark's id was already used for another trainee or session.")
                )
            return {**answer, "result": "existing", "id": known.pk, "status": known.status}
        try:
            with transaction.atomic():
                row = (
                    Attendance.objects.select_for_update()
                    .filter(session=session, enrolment=enrolment)
                    .first()
                )
                if row is None:
                    row = Attendance.objects.create(
                        session=session,
                        enrolment=enrolment,
                        status=mark["status"],
                        recorded_by=by,
                        client_uuid=uuid,
                    )
                    return {**answer, "result": "created", "id": row.pk, "status": row.status}
                # The row keeps the first client id it was given: a replay of that first
                # mark is then answered "existing" and cannot flip a later correction back.
                fields = ["updated_at"]
                if row.client_uuid is None:
                    row.client_uuid = uuid
                    fields.append("client_uuid")
                result = "existing"
                if row.status != mark["status"]:
                    row.status = mark["status"]
                    row.recorded_by = by
                    fields += ["status", "recorded_by"]
                    result = "updated"
                if len(fields) > 1:
                    row.save(update_fields=fields)
                return {**answer, "result": result, "id": row.pk, "status": row.status}
        except IntegrityError:
            # Another sync wrote this mark (or this pair) meanwhile: read it again.
            continue
    return _batch_refusal(mark, _("This mark could not be recorded; send it again."))


@transaction.atomic
def trainee_link_resident(*, user, mobile: str) -> Trainee | None:
    """Link a resident's account (signed in by SMS code) to their registry record.

    Only when exactly one trainee has this mobile and that trainee has no account yet, and
    the account is not linked to another trainee: a shared family number stays unlinked
    rather than showing one person another's record.
    """
    if Trainee.objects.filter(user=user).exists():
        return None
    matches = list(Trainee.objects.select_for_update().filter(mobile=mobile)[:2])
    if len(matches) != 1 or matches[0].user_id is not None:
        return None
    trainee = matches[0]
    trainee.user = user
    trainee.save(update_fields=["user", "updated_at"])
    return trainee
