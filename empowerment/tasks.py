"""Thin Celery tasks of the cross-app pieces: they take ids and call one service."""

from celery import shared_task

from . import services
from .models import OutboxMessage


@shared_task(bind=True, max_retries=None, acks_late=True)
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
        message = services.message_send(message_id=message_id)
    except services.SendDeferred as exc:
        raise self.retry(exc=exc, countdown=exc.countdown) from exc
    return message.state if message is not None else "not claimed"
