"""Attendance (a whole session at once, or offline marks from a phone). Completing a cohort,
which issues its certificates, is in `certificates.py`."""

import logging
from collections.abc import Mapping

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history

from empowerment.kernel import errors
from programs.models import CohortSession

from ..models import (
    Attendance,
    Enrolment,
)

logger = logging.getLogger(__name__)


# --- Attendance -----------------------------------------------------------------------

# Why an enrolment may not be marked: the one message the admin, the session page and the
# phones' batches give.
NOT_ENROLLED = gettext_lazy("This trainee is not enrolled in this session's cohort.")


def attendance_refusal(
    *, session: CohortSession | None, status: str, enrolment: Enrolment | None
) -> None:
    """The rules of one attendance mark, in order; raises the refusal (a DomainError).

    The one rule set of attendance, used by the session page (`attendance_record_session`),
    a single mark (`attendance_mark`) and the phones' offline batches
    (`attendance_record_batch`): a valid status, a session that exists for the caller, an
    open cohort, a session that was held, a trainee holding a seat in its cohort. The caller
    reads `session` (with its cohort) and `enrolment` fresh; None means "not found".
    """
    if status not in Attendance.Status.values:
        raise errors.Invalid(_("Mark each trainee present, absent or excused."), code="status")
    _session_refusal(session)
    if (
        enrolment is None
        or enrolment.cohort_id != session.cohort_id
        or enrolment.status != Enrolment.Status.ENROLLED
    ):
        raise errors.Invalid(NOT_ENROLLED, code="not_enrolled")


def _session_refusal(session: CohortSession | None) -> None:
    if session is None:
        raise errors.OutOfScope(_("This session does not exist."))
    if session.cohort.is_closed:
        raise errors.CohortClosed(_("This cohort is closed: its attendance can no longer change."))
    if session.cancelled_at is not None:
        raise errors.Invalid(
            _("This session was cancelled: it takes no attendance."), code="session_cancelled"
        )


def _fresh_session(session_id: int) -> CohortSession:
    # Read again: the page may hold a session cancelled (or a cohort closed) since.
    return CohortSession.objects.select_related("cohort").get(pk=session_id)


@transaction.atomic
def attendance_record_session(*, session: CohortSession, marks: Mapping[int, str], by=None) -> int:
    """Record the attendance of a whole session: {enrolment id: status}. Returns rows written.

    Only enrolments holding a seat in the session's cohort may be marked; marking again
    changes the earlier mark (and history keeps both). All or nothing: one refused mark
    refuses the sheet (the rules are `attendance_refusal`'s).
    """
    session = _fresh_session(session.pk)
    _session_refusal(session)  # even for an empty sheet
    enrolments = Enrolment.objects.only("pk", "cohort_id", "status").in_bulk(list(marks))
    for enrolment_id, status in marks.items():
        attendance_refusal(session=session, status=status, enrolment=enrolments.get(enrolment_id))
    existing = {a.enrolment_id: a for a in Attendance.objects.filter(session=session)}
    written = 0
    for enrolment_id, status in marks.items():
        row = existing.get(enrolment_id)
        written += _attendance_write(
            session=session, enrolment_id=enrolment_id, status=status, by=by, row=row
        )
    return written


@transaction.atomic
def attendance_mark(*, attendance: Attendance, status: str, by=None) -> Attendance:
    """Change one recorded mark (the admin's attendance page for one row), under the same
    rules as a whole session's sheet; the person who changed it is recorded."""
    row = Attendance.objects.select_for_update().get(pk=attendance.pk)
    session = _fresh_session(row.session_id)
    enrolment = Enrolment.objects.only("pk", "cohort_id", "status").get(pk=row.enrolment_id)
    attendance_refusal(session=session, status=status, enrolment=enrolment)
    _attendance_write(session=session, enrolment_id=enrolment.pk, status=status, by=by, row=row)
    return row


def _attendance_write(*, session, enrolment_id: int, status: str, by, row) -> int:
    if row is None:
        Attendance.objects.create(
            session=session, enrolment_id=enrolment_id, status=status, recorded_by=by
        )
        return 1
    if row.status != status:
        row.status = status
        row.recorded_by = by
        row.save(update_fields=["status", "recorded_by", "updated_at"])
        return 1
    return 0


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
    one failure never rolls back the marks around it. The rules are `attendance_refusal`'s,
    as for a session's sheet: a session the user may see, an open cohort, a session that
    was held, a trainee holding a seat in it.
    """
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
        .only("pk", "cohort_id", "trainee_id", "status")
    )
    by_pk = {e.pk: e for e in enrolled}
    by_trainee = {(e.cohort_id, e.trainee_id): e for e in enrolled}

    results: list[dict | None] = [None] * len(marks)
    allowed = []
    for index, mark in enumerate(marks):
        session = sessions.get(mark["session"])
        if session is None:
            enrolment = None
        elif mark.get("enrolment"):
            enrolment = by_pk.get(mark["enrolment"])
        else:
            enrolment = by_trainee.get((session.cohort_id, mark.get("trainee")))
        try:
            attendance_refusal(session=session, status=mark["status"], enrolment=enrolment)
        except errors.DomainError as refusal:
            results[index] = _batch_refusal(mark, refusal.text)
            continue
        allowed.append((index, mark, session, enrolment))
    _attendance_new_in_bulk(allowed, results, by=by)
    for index, mark, session, enrolment in allowed:
        if results[index] is None:
            results[index] = _attendance_mark_once(
                mark=mark, session=session, enrolment=enrolment, by=by
            )
    return results


def _attendance_new_in_bulk(allowed: list, results: list, *, by) -> None:
    """The marks of a batch that nothing recorded yet (neither their client id nor their
    trainee's mark for the session), inserted together with their history: the common case,
    a phone's first sync of a session. Two reads and two inserts instead of six statements a
    mark. What is left (a replay, a correction, a mark twice in the batch, or a sync running
    at once that took one of them: the insert is then undone as a whole) goes one by one
    through `_attendance_mark_once`, which decides each as before."""
    if not allowed:
        return
    uuids = [mark["client_uuid"] for _index, mark, _session, _enrolment in allowed]
    known = set(
        Attendance.objects.filter(client_uuid__in=uuids).values_list("client_uuid", flat=True)
    )
    taken = set(
        Attendance.objects.filter(
            session_id__in={session.pk for _i, _m, session, _e in allowed},
            enrolment_id__in={enrolment.pk for _i, _m, _s, enrolment in allowed},
        ).values_list("session_id", "enrolment_id")
    )
    fresh = []
    for index, mark, session, enrolment in allowed:
        pair, uuid = (session.pk, enrolment.pk), mark["client_uuid"]
        if uuid in known or pair in taken:
            continue
        known.add(uuid)
        taken.add(pair)
        row = Attendance(
            session=session,
            enrolment=enrolment,
            status=mark["status"],
            recorded_by=by,
            client_uuid=uuid,
        )
        fresh.append((index, row))
    if not fresh:
        return
    try:
        with transaction.atomic():
            rows = bulk_create_with_history(
                [row for _index, row in fresh], Attendance, default_user=by
            )
    except IntegrityError:
        return
    for (index, _row), row in zip(fresh, rows, strict=True):
        results[index] = {
            "client_uuid": str(row.client_uuid),
            "result": "created",
            "id": row.pk,
            "status": row.status,
        }


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
