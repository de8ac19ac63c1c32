"""The outbox: idempotent queueing, one send per message, back-off, then failed."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

from empowerment.kernel import outbox
from empowerment.kernel.models import OutboxMessage
from empowerment.kernel.sms import ConsoleSMSBackend, KavenegarSMSBackend, SMSError, SMSResult
from empowerment.kernel.tasks import outbox_send

pytestmark = pytest.mark.django_db


def _queue(key="reminder:1", **kwargs):
    return outbox.message_queue(
        key=key,
        recipient=kwargs.pop("recipient", "09121234567"),
        channel=OutboxMessage.Channel.SMS,
        text=kwargs.pop("text", "یادآوری جلسه"),
        **kwargs,
    )


def test_queueing_twice_with_one_key_keeps_one_message_and_sends_once(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        first = _queue()
        second = _queue(text="another text")
    assert first.pk == second.pk
    assert OutboxMessage.objects.count() == 1
    assert len(callbacks) == 1
    assert ConsoleSMSBackend.outbox == [{"to": "09121234567", "text": "یادآوری جلسه"}]
    message = OutboxMessage.objects.get()
    assert message.state == OutboxMessage.State.SENT
    assert message.provider_id.startswith("console-") and message.sent_at
    assert message.attempts == 1


def test_running_the_send_task_twice_sends_one_sms(django_capture_on_commit_callbacks):
    message = _queue()  # on_commit not run: the task has not run yet
    assert outbox_send.apply(args=[message.pk]).get() == "sent"
    assert outbox_send.apply(args=[message.pk]).get() == "sent"
    assert outbox.message_send(message_id=message.pk) is None
    assert len(ConsoleSMSBackend.outbox) == 1


def test_a_message_held_by_another_worker_is_not_sent_again():
    message = _queue()
    OutboxMessage.objects.filter(pk=message.pk).update(state=OutboxMessage.State.SENDING)
    from django.utils import timezone

    OutboxMessage.objects.filter(pk=message.pk).update(claimed_at=timezone.now())
    assert outbox.message_send(message_id=message.pk) is None
    assert ConsoleSMSBackend.outbox == []


class FlakyBackend:
    """Fails with a retryable error `failures` times, then succeeds."""

    failures = 0
    calls = 0

    def send(self, *, to, text):
        FlakyBackend.calls += 1
        if FlakyBackend.calls <= FlakyBackend.failures:
            raise SMSError("provider answered 503", retryable=True, reply="busy")
        return SMSResult(provider_id="p-1", reply="ok")


class RefusingBackend:
    def send(self, *, to, text):
        raise SMSError("provider answered 411", retryable=False, reply="bad receptor")


@pytest.fixture(autouse=True)
def _eager_retries(monkeypatch):
    # Eager Celery re-runs a retried task at once, unless exceptions propagate (the test
    # default, so that other tests see errors); the retries need them not to.
    monkeypatch.setitem(outbox_send.app.conf, "task_eager_propagates", False)


@pytest.fixture
def flaky(settings):
    settings.SMS_BACKEND = "tests.empowerment.test_outbox.FlakyBackend"
    settings.OUTBOX_MAX_ATTEMPTS = 3
    FlakyBackend.calls = 0
    return FlakyBackend


def test_back_off_doubles_from_the_base(settings):
    settings.OUTBOX_RETRY_BASE_SECONDS = 30
    assert [outbox.retry_countdown(n) for n in (1, 2, 3, 4)] == [30, 60, 120, 240]


def test_a_retryable_failure_is_retried_then_sent(flaky):
    flaky.failures = 2
    message = _queue()
    # Eager Celery runs the retries at once; the countdowns are the back-off above.
    assert outbox_send.apply(args=[message.pk]).get() == "sent"
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.SENT
    assert message.attempts == 3 and flaky.calls == 3
    assert message.provider_reply == "ok" and message.last_error == ""


def test_after_the_last_attempt_the_message_is_failed(flaky):
    flaky.failures = 99
    message = _queue()
    with pytest.raises(outbox.SendDeferred) as deferred:
        outbox.message_send(message_id=message.pk)
    assert deferred.value.countdown == 30
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.QUEUED and message.attempts == 1

    assert outbox_send.apply(args=[message.pk]).get() == "failed"
    message.refresh_from_db()
    assert message.state == OutboxMessage.State.FAILED
    assert message.attempts == 3 and flaky.calls == 3
    assert message.last_error == "provider answered 503" and message.provider_reply == "busy"
    # A failed message is not picked up again by a stray task.
    assert outbox_send.apply(args=[message.pk]).get() == "failed"
    assert flaky.calls == 3


def test_a_permanent_refusal_fails_at_once(settings):
    settings.SMS_BACKEND = "tests.empowerment.test_outbox.RefusingBackend"
    message = _queue()
    assert outbox_send.apply(args=[message.pk]).get() == "failed"
    message.refresh_from_db()
    assert message.attempts == 1 and message.provider_reply == "bad receptor"


def test_a_sensitive_text_is_blanked_once_sent():
    message = _queue(text="کد: 123456", sensitive=True)
    outbox.message_send(message_id=message.pk)
    message.refresh_from_db()
    assert "123456" not in message.text
    history = message.history.all()
    # The claim is a bare conditional UPDATE (no history row): queued, then sent.
    assert [h.state for h in history] == ["sent", "queued"]
    assert not any(hasattr(h, "text") for h in history)


def test_admin_lists_messages_and_retries_a_failed_one(client, settings, password):
    settings.SMS_BACKEND = "tests.empowerment.test_outbox.RefusingBackend"
    message = _queue()
    outbox.message_send(message_id=message.pk)
    admin = get_user_model().objects.create_superuser("root", "root@example.ir", password)
    client.force_login(admin)
    changelist = reverse("admin:empowerment_outboxmessage_changelist")
    assert client.get(changelist).status_code == 200
    assert (
        client.get(reverse("admin:empowerment_outboxmessage_change", args=[message.pk])).status_code
        == 200
    )

    settings.SMS_BACKEND = "empowerment.kernel.sms.ConsoleSMSBackend"
    response = client.post(
        changelist, {"action": "retry", "_selected_action": [message.pk]}, follow=True
    )
    assert response.status_code == 200
    message.refresh_from_db()
    # The test transaction never commits, so the retry is queued but not yet sent.
    assert message.state == OutboxMessage.State.QUEUED and message.attempts == 0


def test_queueing_refuses_a_bad_mobile():
    with pytest.raises(ValidationError) as error:
        _queue(recipient="123")
    assert error.value.error_list[0].code == "mobile_invalid"
    assert not OutboxMessage.objects.exists()


# --- Kavenegar against a local fake of its HTTP API ---------------------------------------


class _FakeKavenegar(BaseHTTPRequestHandler):
    status = 200
    received: list = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        _FakeKavenegar.received.append((self.path, parse_qs(body)))
        code = _FakeKavenegar.status
        reply = {"return": {"status": code, "message": "ok" if code == 200 else "error"}}
        if code == 200:
            reply["entries"] = [{"messageid": 8792343, "status": 1}]
        payload = json.dumps(reply).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def kavenegar(settings):
    server = HTTPServer(("127.0.0.1", 0), _FakeKavenegar)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SMS_BACKEND = "empowerment.kernel.sms.KavenegarSMSBackend"
    settings.SMS_BASE_URL = f"http://127.0.0.1:{server.server_port}"
    settings.SMS_API_KEY = "test-key"
    settings.SMS_SENDER = "10004346"
    settings.SMS_TIMEOUT = 5
    _FakeKavenegar.received = []
    _FakeKavenegar.status = 200
    yield _FakeKavenegar
    server.shutdown()
    server.server_close()


def test_kavenegar_sends_through_its_http_api(kavenegar):
    message = _queue(text="سلام")
    assert outbox_send.apply(args=[message.pk]).get() == "sent"
    path, form = kavenegar.received[0]
    assert path == "/v1/test-key/sms/send.json"
    assert form == {"receptor": ["09121234567"], "message": ["سلام"], "sender": ["10004346"]}
    message.refresh_from_db()
    assert message.provider_id == "8792343"


def test_kavenegar_server_errors_are_retryable_and_refusals_are_not(kavenegar):
    kavenegar.status = 502
    with pytest.raises(SMSError) as busy:
        KavenegarSMSBackend().send(to="09121234567", text="x")
    assert busy.value.retryable
    kavenegar.status = 411
    with pytest.raises(SMSError) as refused:
        KavenegarSMSBackend().send(to="09121234567", text="x")
    assert not refused.value.retryable and '"status": 411' in refused.value.reply


def test_kavenegar_without_a_key_fails_the_message(settings):
    settings.SMS_BACKEND = "empowerment.kernel.sms.KavenegarSMSBackend"
    settings.SMS_API_KEY = ""
    message = _queue()
    assert outbox_send.apply(args=[message.pk]).get() == "failed"


def test_one_time_codes_are_listed_for_administrators_without_the_code(client):
    from django.urls import reverse

    from empowerment.kernel.residents import otp_request
    from tests.centres.factories import staff_user

    otp_request(mobile="09121234567")
    admin_user = staff_user("root", "administrator")
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    page = client.get(reverse("admin:empowerment_onetimecode_changelist"), {"q": "۰۹۱۲۱۲۳۴۵۶۷"})
    body = page.content.decode()
    assert page.status_code == 200
    assert "09121234567" in body
    assert "code_hash" not in body
