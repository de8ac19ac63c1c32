"""Thin Celery tasks of the cross-app pieces: they take ids and call one service."""

from celery import shared_task

from empowerment.kernel import credentials, outbox
from empowerment.kernel.models import OutboxMessage


# The name is the one this task always had (its module path), spelled out so that moving
# the module never strands queued messages.
@shared_task(name="empowerment.tasks.outbox_send", bind=True, max_retries=None, acks_late=True)
def outbox_send(self, message_id: int) -> str:
    """Send one outbox message. Safe to run twice: the service claims the row first.

    Retries with exponential back-off while the service defers; the service itself marks
    the message failed after OUTBOX_MAX_ATTEMPTS, so the retry count here needs no limit
    of its own (max_retries=None) and cannot disagree with the row.
    """
    state = OutboxMessage.objects.filter(pk=message_id).values_list("state", flat=True).first()
    if state is None or state in (OutboxMessage.State.SENT, OutboxMessage.State.FAILED):
        return state or "missing"
    try:
        message = outbox.message_send(message_id=message_id)
    except outbox.SendDeferred as exc:
        raise self.retry(exc=exc, countdown=exc.countdown) from exc
    if message is not None:
        return message.state
    held = OutboxMessage.objects.filter(pk=message_id).values("state", "claimed_at").first()
    if held and held["state"] == OutboxMessage.State.SENDING and not self.request.is_eager:
        # Another worker holds the message. If it died in the middle of the send (acks late
        # brought this task back), nothing else would ever finish the message: look again
        # when its claim has gone stale. A live holder will have marked it sent by then.
        raise self.retry(countdown=outbox.stale_claim_countdown(held["claimed_at"]))
    return "not claimed"


@shared_task(name="empowerment.outbox_sweep", acks_late=True)
def outbox_sweep() -> int:
    """The beat's periodic sweep: dispatch queued messages whose dispatch was lost."""
    return len(outbox.outbox_sweep())


@shared_task(name="empowerment.tokens_flush_expired")
def tokens_flush_expired() -> int:
    """Daily: forget refresh tokens past their expiry (beat entry in empowerment/celery.py).
    Running it twice deletes nothing the second time."""
    return credentials.tokens_flush_expired()
