"""The spreadsheet import: preview, confirm, apply (as a task, with progress)."""

import datetime
import logging
import resource
import secrets
import time

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as BrokerUnreachable

from centres.models import Centre, Neighbourhood
from empowerment.kernel import jobs
from empowerment.kernel.spreadsheets import SpreadsheetError
from programs.models import Cohort

from .. import spreadsheets
from ..models import (
    TraineeImport,
)
from ..selectors import progress_cache_key
from . import enrolment, registry

logger = logging.getLogger(__name__)


# --- Spreadsheet import ------------------------------------------------------------------


def trainee_import_preview(*, centre: Centre, uploaded_file, by) -> TraineeImport:
    """Check an uploaded spreadsheet and record what each row would do. Writes no trainee.

    A file that is not a real spreadsheet, too large or a zip bomb is refused with a
    message and its code in `report["refusal"]` (the import row keeps the refusal, not the
    file).
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
    except SpreadsheetError as refusal:
        trainee_import.state = TraineeImport.State.REFUSED
        trainee_import.file_type = ""
        trainee_import.message = str(refusal)
        trainee_import.report = {"refusal": refusal.code}
        trainee_import.save()
        return trainee_import
    trainee_import.file_type = file_type
    try:
        preview = spreadsheets.preview_rows(content=content, file_type=file_type, centre=centre)
    except SpreadsheetError as refusal:
        trainee_import.state = TraineeImport.State.REFUSED
        trainee_import.message = str(refusal)
        trainee_import.report = {"refusal": refusal.code}
        trainee_import.save()
        return trainee_import
    trainee_import.state = TraineeImport.State.PREVIEWED
    trainee_import.total_rows = preview.total
    trainee_import.create_count = preview.creates
    trainee_import.update_count = preview.updates
    trainee_import.elsewhere_count = preview.elsewhere
    # Rows refused, not reasons: one row may be refused for several reasons.
    trainee_import.error_count = len({error["row"] for error in preview.errors})
    trainee_import.report = {"rows": preview.rows, "errors": preview.errors}
    trainee_import.file.save(f"upload.{file_type}", ContentFile(content), save=False)
    trainee_import.save()
    return trainee_import


@transaction.atomic
def trainee_import_confirm(*, trainee_import: TraineeImport, by) -> TraineeImport:
    """Staff confirmed the preview: queue the apply step once this transaction commits."""
    if by is not None and not by.has_perm("trainees.import_trainees"):
        raise PermissionDenied(_("You may not import trainees."))
    # A conditional UPDATE so that a double click queues the import once.
    queued = TraineeImport.objects.filter(
        pk=trainee_import.pk, state=TraineeImport.State.PREVIEWED
    ).update(state=TraineeImport.State.QUEUED, updated_at=timezone.now())
    if not queued:
        raise ValidationError(_("This import has already been confirmed."))
    transaction.on_commit(lambda: _dispatch_apply(trainee_import.pk))
    trainee_import.refresh_from_db()
    return trainee_import


def _dispatch_apply(import_id: int) -> None:
    try:
        jobs.queue("trainees.import_apply", args=[import_id])
    except BrokerUnreachable:
        # The broker is down: the import is committed as queued, and the sweep
        # (trainee_import_sweep) dispatches it once the broker is back. The page that
        # confirmed it must not fail for that.
        logger.warning("import %s: broker unreachable, left for the sweep", import_id)


def trainee_import_sweep(*, limit: int = 100) -> list[int]:
    """Dispatch again the confirmed imports whose dispatch was lost; return their ids.

    A queued import untouched for OUTBOX_SWEEP_AFTER_SECONDS is taken by a conditional UPDATE
    of its `updated_at`, so two sweeps at once dispatch it once. Applying stays once-only
    whatever is dispatched: the apply step takes the import from QUEUED under its row lock.
    """
    before = timezone.now() - datetime.timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    candidates = list(
        TraineeImport.objects.filter(state=TraineeImport.State.QUEUED, updated_at__lt=before)
        .order_by("updated_at")
        .values_list("pk", "updated_at")[:limit]
    )
    now = timezone.now()
    taken = [
        import_id
        for import_id, updated_at in candidates
        if TraineeImport.objects.filter(
            pk=import_id, state=TraineeImport.State.QUEUED, updated_at=updated_at
        ).update(updated_at=now)
    ]
    for import_id in taken:
        _dispatch_apply(import_id)
    if taken:
        logger.info("import sweep dispatched %s import(s)", len(taken))
    return taken


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
            # By identifier (national code, foreign national's code, passport number); a
            # row of someone with none is keyed by its row number: always a new person.
            existing = spreadsheets.existing_trainees([row["data"] for row in rows])
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
                new_rows, new_data, new_keys, by_cohort = [], [], [], {}
                for row in chunk:
                    data = dict(row["data"])
                    cohort_id = data.pop("cohort", None)
                    # Absent keys stay absent: a column the sheet lacks blanks nothing.
                    if "neighbourhood" in data:
                        data["neighbourhood"] = neighbourhoods.get(data["neighbourhood"])
                    if "birth_date" in data:
                        data["birth_date"] = spreadsheets.date_from_report(data["birth_date"])
                    key = spreadsheets.identity_key(data) or ("row", row["row"])
                    trainee = existing.get(key)
                    if trainee is None:
                        new_rows.append(row)
                        new_data.append(data)
                        new_keys.append(key)
                    elif trainee.registered_at_id != centre.pk:
                        # Registered at another centre (perhaps since the preview): the row
                        # only enrols the person here; their record is not this centre's.
                        pass
                    elif spreadsheets.differs(trainee, data):
                        current_row = row["row"]
                        registry.trainee_update(trainee=trainee, centre=centre, by=by, **data)
                        updated += 1
                    by_cohort.setdefault(cohort_id, []).append(key)
                if new_data:
                    current_row = f"{new_rows[0]['row']}–{new_rows[-1]['row']}"
                    registered = registry.trainees_register_many(
                        centre=centre, rows=new_data, by=by
                    )
                    # In the rows' order (bulk_create keeps it).
                    existing.update(zip(new_keys, registered, strict=True))
                    created += len(new_data)
                for cohort_id, codes in by_cohort.items():
                    if cohort_id is None:
                        continue
                    enrolments += len(
                        enrolment.enrolments_create_many(
                            cohort=cohorts[cohort_id],
                            trainees=[existing[key] for key in codes],
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
        if isinstance(error, ValidationError):
            message = _("Nothing was imported: row %(row)s failed: %(error)s") % {
                "row": current_row,
                "error": "; ".join(error.messages),
            }
        elif isinstance(error, IntegrityError):
            # Two imports (or an import and the admin) registered the same national codes
            # at once: the unique index let the first commit and stopped this one. The
            # database's own text names tables and values; it goes to the log, not to
            # the row that staff read.
            logger.warning("trainee import %s lost a race: %s", import_id, error)
            message = _(
                "Nothing was imported: some of these national codes were registered at the "
                "same time by another import or by a colleague. Upload the file again to "
                "see what is left to do."
            )
        else:
            logger.exception("trainee import %s failed at row %s", import_id, current_row)
            message = _(
                "Nothing was imported: row %(row)s failed because of an internal error, "
                "which has been logged. Try again later or tell the administrator."
            ) % {"row": current_row}
        TraineeImport.objects.filter(pk=import_id).update(
            state=TraineeImport.State.FAILED,
            processed=0,
            message=message,
            updated_at=timezone.now(),
        )
        trainee_import.refresh_from_db()
        # A lost race is an answer, not a fault: the task ends normally (no retry).
        if not isinstance(error, ValidationError | PermissionDenied | IntegrityError):
            raise
    finally:
        # Another run's progress is not ours to clear.
        if mine:
            cache.delete(progress_cache_key(import_id))
    return trainee_import


# --- Retention of uploaded files --------------------------------------------------------


def trainee_import_files_purge(*, now: datetime.datetime | None = None) -> int:
    """Delete the uploaded files (and the row report, which copies their cells) of imports
    older than IMPORT_FILE_RETENTION_DAYS; return how many imports were purged.

    Imports being applied are left alone until they finish; an old preview that was never
    confirmed is closed as failed, since there is nothing left to apply. The counts and the
    message stay, so the list of imports still tells what happened.
    """
    now = now or timezone.now()
    before = now - datetime.timedelta(days=settings.IMPORT_FILE_RETENTION_DAYS)
    running = (TraineeImport.State.QUEUED, TraineeImport.State.APPLYING)
    old = (
        TraineeImport.objects.filter(created_at__lt=before)
        .exclude(state__in=running)
        .exclude(file="", report={})
    )
    purged = 0
    for import_id in old.values_list("pk", flat=True).iterator():
        with transaction.atomic():
            # Locked and re-checked: a confirmation that slipped in meanwhile wins.
            trainee_import = (
                TraineeImport.objects.select_for_update()
                .exclude(state__in=running)
                .filter(pk=import_id)
                .first()
            )
            if trainee_import is None:
                continue
            name = trainee_import.file.name
            trainee_import.file = ""
            trainee_import.report = {}
            if trainee_import.state == TraineeImport.State.PREVIEWED:
                trainee_import.state = TraineeImport.State.FAILED
                trainee_import.message = _(
                    "The preview expired and its file was deleted. Upload the file again."
                )
            trainee_import.save(update_fields=["file", "report", "state", "message", "updated_at"])
            if name:
                # Deleted once the row no longer names it; a file whose delete fails is
                # logged and found by no one (its name is gone from the row).
                transaction.on_commit(lambda name=name: _delete_file(name))
            purged += 1
    return purged


def _delete_file(name: str) -> None:
    try:
        TraineeImport._meta.get_field("file").storage.delete(name)
    except OSError:
        logger.exception("could not delete the import file %s", name)
