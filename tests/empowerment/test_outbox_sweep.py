"""Nothing is lost between the database and the broker: a queued message whose dispatch
was lost is dispatched again by the beat's sweep, and sent once."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError
from rest_framework.test import APIClient

from empowerment.celery import app
from empowerment.kernel import outbox
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.sms import ConsoleSMSBackend
from empowerment.kernel.tasks import outbox_send, outbox_sweep

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker_down(monkeypatch):
    """Every dispatch to the broker fails, as kombu fails when Redis refuses connections."""
    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(kwargs.get("args") or args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(outbox_send, "apply_async", refuse)
    return attempts


def _age(message_id: int, seconds: int) -> None:
    OutboxMessage.objects.filter(pk=message_id).update(
        updated_at=timezone.now() - datetime.timedelta(seconds=seconds)
    )


def _queue(key="reminder:1"):
    return outbox.message_queue(
        key=key, recipient="09121234567", channel=OutboxMessage.Channel.SMS, text="یادآوری"
    )


def test_a_request_that_queues_an_sms_while_the_broker_is_down_answers_normally(broker_down):
    response = APIClient().post(
        reverse("api:otp-request"), {"mobile": "09121234567"}, format="json"
    )
    assert response.status_code == 202, response.content
    assert len(broker_down) == 1  # the dispatch was tried, after the commit, and failed
    message = OutboxMessage.objects.get()
    assert message.state == OutboxMessage.State.QUEUED and message.attempts == 0
    assert ConsoleSMSBackend.outbox == []


def test_the_sweep_sends_a_lost_message_once_and_a_late_dispatch_sends_nothing(
    monkeypatch, settings
):
    with monkeypatch.context() as patch:
        patch.setattr(
            outbox_send, "apply_async", lambda *a, **k: (_ for _ in ()).throw(OperationalError())
        )
        message = _queue()
    assert OutboxMessage.objects.get().state == OutboxMessage.State.QUEUED

    # Too young: its dispatch may still be on its way.
    assert outbox_sweep.apply().get() == 0
    _age(message.pk, settings.OUTBOX_SWEEP_AFTER_SECONDS + 1)
    assert outbox_sweep.apply().get() == 1
    message.refresh_from_db()
    assert (message.state, message.attempts) == (OutboxMessage.State.SENT, 1)
    # The original dispatch arriving late, and the next sweep: nothing more is sent.
    assert outbox_send.apply(args=[message.pk]).get() == "sent"
    _age(message.pk, 10_000)
    assert outbox_sweep.apply().get() == 0
    assert ConsoleSMSBackend.outbox == [{"to": "09121234567", "text": "یادآوری"}]


def test_two_sweeps_at_once_dispatch_a_message_once(monkeypatch, settings):
    dispatched = []
    monkeypatch.setattr(outbox_send, "apply_async", lambda args, **k: dispatched.append(args))
    message = _queue()
    dispatched.clear()
    _age(message.pk, settings.OUTBOX_SWEEP_AFTER_SECONDS + 1)
    # Both sweeps read the message as due before either takes it.
    due = list(OutboxMessage.objects.filter(outbox._sweep_due()).values_list("pk", flat=True))
    assert due == [message.pk]
    first, second = outbox.outbox_sweep(), outbox.outbox_sweep()
    assert (first, second) == ([message.pk], [])
    assert dispatched == [[message.pk]]


def test_the_sweep_does_not_hurry_a_back_off(monkeypatch, settings):
    monkeypatch.setattr(outbox_send, "apply_async", lambda *a, **k: None)
    message = _queue()
    OutboxMessage.objects.filter(pk=message.pk).update(attempts=2)  # next try after 60 s
    _age(message.pk, settings.OUTBOX_SWEEP_AFTER_SECONDS + 30)
    assert outbox.outbox_sweep() == []
    _age(message.pk, settings.OUTBOX_SWEEP_AFTER_SECONDS + outbox.retry_countdown(2) + 1)
    assert outbox.outbox_sweep() == [message.pk]


def test_sent_failed_and_freshly_claimed_messages_are_left_alone(monkeypatch):
    monkeypatch.setattr(outbox_send, "apply_async", lambda *a, **k: None)
    old = timezone.now() - datetime.timedelta(days=1)
    for n, state in enumerate(["sent", "failed", "sending"]):
        message = _queue(key=f"k:{n}")
        OutboxMessage.objects.filter(pk=message.pk).update(
            state=state, updated_at=old, claimed_at=timezone.now()
        )
    assert outbox.outbox_sweep() == []


def test_the_sweep_is_on_the_beat_schedule_under_its_name():
    entry = app.conf.beat_schedule["outbox-sweep"]
    assert entry["task"] == "empowerment.outbox_sweep" == outbox_sweep.name
    assert entry["schedule"] <= 60
