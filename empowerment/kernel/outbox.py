"""The outbox: every SMS or e-mail the portal sends.

Every message goes through `message_queue` (idempotent by key) and is sent by the
`outbox_send` task through `message_send`, which claims the row first so that two workers
never send the same message twice.
"""

from __future__ import annotations

import datetime
import logging
import smtplib
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from kombu.exceptions import OperationalError as KombuOperationalError

from empowerment.kernel import jobs
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.sms import SMSError, get_sms_backend
from empowerment.kernel.validators import normalize_mobile, validate_mobile

logger = logging.getLogger(__name__)

# The task that sends one message (its name predates the kernel package; queued messages
# and workers know it by this name).
OUTBOX_SEND = "empowerment.tasks.outbox_send"


class SendDeferred(Exception):
    """A send failed in a way worth trying again; the task retries after `countdown`."""

    def __init__(self, message: str, *, countdown: int):
        super().__init__(message)
        self.countdown = countdown


def retry_countdown(attempt: int) -> int:
    """Seconds to wait after the `attempt`-th failed send: base, 2×base, 4×base, ..."""
    return settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempt - 1, 0)


def _stale_claim_before() -> datetime.datetime:
    # A row left in "sending" longer than a task may run belongs to a worker that died
    # (acks_late puts its task back on the queue); it may be claimed again.
    return timezone.now() - datetime.timedelta(seconds=settings.CELERY_TASK_TIME_LIMIT + 60)


def stale_claim_countdown(claimed_at: datetime.datetime | None) -> int:
    """Seconds until a claim taken at `claimed_at` may be taken over (at least 1)."""
    if claimed_at is None:
        return 1
    return max(int((claimed_at - _stale_claim_before()).total_seconds()) + 1, 1)


@transaction.atomic
def message_queue(
    *,
    key: str,
    recipient: str,
    channel: str,
    text: str,
    subject: str = "",
    sensitive: bool = False,
) -> OutboxMessage:
    """Queue a message once per `key` and have it sent after the transaction commits.

    Queueing the same key again returns the existing message and sends nothing more, so a
    job that runs twice (a retried task, a double click) cannot send twice.
    """
    if channel not in OutboxMessage.Channel.values:
        raise ValidationError({"channel": _("Unknown message channel.")})
    if channel == OutboxMessage.Channel.SMS:
        recipient = normalize_mobile(recipient)
        validate_mobile(recipient)
    # get_or_create catches the unique-key race between two callers in a savepoint.
    message, created = OutboxMessage.objects.get_or_create(
        key=key,
        defaults={
            "recipient": recipient,
            "channel": channel,
            "text": text,
            "subject": subject,
            "sensitive": sensitive,
        },
    )
    if created:
        _enqueue_on_commit(message.pk)
    return message


def _enqueue_on_commit(message_id: int, countdown: int | None = None) -> None:
    def dispatch() -> None:
        try:
            jobs.queue(OUTBOX_SEND, args=[message_id], countdown=countdown)
        except KombuOperationalError:
            # The broker is down. The message is committed, queued: the periodic sweep
            # (outbox_sweep) dispatches it once the broker is back. The request that queued
            # it must not fail for that, so the error ends here, logged.
            logger.warning("outbox %s: broker unreachable, left for the sweep", message_id)

    transaction.on_commit(dispatch)


def _sweep_due() -> Q:
    """Queued messages whose dispatch should have happened by now and did not.

    A new message is due OUTBOX_SWEEP_AFTER_SECONDS after it was queued; one waiting for a
    retry is due that long after its back-off (retry_countdown) has passed, so the sweep
    never hurries a back-off. A "sending" message whose claim is stale belongs to a worker
    that died and whose task was lost with the broker; `_claim` lets it be taken over.
    """
    now = timezone.now()
    grace = datetime.timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    due = Q(state=OutboxMessage.State.QUEUED, attempts=0, updated_at__lt=now - grace)
    for attempt in range(1, settings.OUTBOX_MAX_ATTEMPTS):
        waited = grace + datetime.timedelta(seconds=retry_countdown(attempt))
        due |= Q(state=OutboxMessage.State.QUEUED, attempts=attempt, updated_at__lt=now - waited)
    due |= Q(state=OutboxMessage.State.SENDING, claimed_at__lt=_stale_claim_before())
    return due & Q(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)


def outbox_sweep(*, limit: int = 500) -> list[int]:
    """Dispatch again the messages whose dispatch to the broker was lost; return their ids.

    Each message is taken by a conditional UPDATE of its `updated_at` (matched against the
    value just read), so two sweeps at once dispatch it once, and the next sweep waits a
    full grace period before trying it again. Sending stays once-only whatever is
    dispatched: `message_send` claims the row, so a late original dispatch and the sweep's
    cannot both send.
    """
    candidates = list(
        OutboxMessage.objects.filter(_sweep_due())
        .order_by("updated_at")
        .values_list("pk", "updated_at")[:limit]
    )
    taken = []
    now = timezone.now()
    for message_id, updated_at in candidates:
        if OutboxMessage.objects.filter(pk=message_id, updated_at=updated_at).update(
            updated_at=now
        ):
            taken.append(message_id)
    for message_id in taken:
        # Outside any transaction (the updates above are committed one by one): a broker
        # error here leaves the rest for the next sweep.
        jobs.queue(OUTBOX_SEND, args=[message_id])
    if taken:
        logger.info("outbox sweep dispatched %s message(s)", len(taken))
    return taken


def _claim(message_id: int) -> bool:
    """Move the message to "sending" if nobody else holds it. One conditional UPDATE: of two
    workers running this at once, exactly one sees a row count of 1."""
    claimable = Q(state=OutboxMessage.State.QUEUED) | Q(
        state=OutboxMessage.State.SENDING, claimed_at__lt=_stale_claim_before()
    )
    claimed = (
        OutboxMessage.objects.filter(claimable, pk=message_id)
        .filter(attempts__lt=settings.OUTBOX_MAX_ATTEMPTS)
        .update(
            state=OutboxMessage.State.SENDING,
            claimed_at=timezone.now(),
            attempts=F("attempts") + 1,
            updated_at=timezone.now(),
        )
    )
    return claimed == 1


@dataclass
class _Delivery:
    provider_id: str
    reply: str


def _deliver(message: OutboxMessage) -> _Delivery:
    if message.channel == OutboxMessage.Channel.SMS:
        result = get_sms_backend().send(to=message.recipient, text=message.text)
        return _Delivery(provider_id=result.provider_id, reply=result.reply)
    try:
        count = send_mail(
            message.subject or _("Empowerment portal"),
            message.text,
            settings.DEFAULT_FROM_EMAIL,
            [message.recipient],
        )
    except (smtplib.SMTPException, OSError) as exc:
        permanent = isinstance(exc, smtplib.SMTPRecipientsRefused)
        raise SMSError(f"e-mail not sent: {exc}", retryable=not permanent) from exc
    return _Delivery(provider_id="", reply=f"accepted {count}")


def _save_state(message: OutboxMessage, **changes) -> None:
    for name, value in changes.items():
        setattr(message, name, value)
    if message.sensitive and message.state in (
        OutboxMessage.State.SENT,
        OutboxMessage.State.FAILED,
    ):
        # The code is no use once the message is done; keep no copy of it.
        message.text = _("[hidden: sign-in code]")
    message.save()


def message_send(*, message_id: int) -> OutboxMessage | None:
    """Send one queued message through its backend and record the provider's reply.

    Returns None when the message is not ours to send (already sent, failed, or held by
    another worker). Raises SendDeferred after a retryable failure while attempts remain;
    after the last attempt, or a permanent refusal, the message is marked failed.
    """
    if not _claim(message_id):
        return None
    # Not inside a transaction: the claim must be visible to other workers before the
    # (slow) provider call, and the outcome must be recorded even if later code fails.
    message = OutboxMessage.objects.get(pk=message_id)
    try:
        delivery = _deliver(message)
    except SMSError as exc:
        last = message.attempts >= settings.OUTBOX_MAX_ATTEMPTS
        failed = last or not exc.retryable
        _save_state(
            message,
            state=OutboxMessage.State.FAILED if failed else OutboxMessage.State.QUEUED,
            last_error=str(exc),
            provider_reply=exc.reply,
        )
        logger.warning("outbox %s attempt %s: %s", message.pk, message.attempts, exc)
        if failed:
            return message
        raise SendDeferred(str(exc), countdown=retry_countdown(message.attempts)) from exc
    _save_state(
        message,
        state=OutboxMessage.State.SENT,
        sent_at=timezone.now(),
        provider_id=delivery.provider_id[:100],
        provider_reply=delivery.reply,
        last_error="",
    )
    return message


@transaction.atomic
def message_retry(*, message: OutboxMessage) -> bool:
    """Put a failed message back on the queue with fresh attempts (the admin's action)."""
    updated = OutboxMessage.objects.filter(
        pk=message.pk, state=OutboxMessage.State.FAILED, sensitive=False
    ).update(state=OutboxMessage.State.QUEUED, attempts=0, last_error="", updated_at=timezone.now())
    if updated:
        _enqueue_on_commit(message.pk)
    return bool(updated)
