"""Pluggable SMS backends. Settings choose one by dotted path in SMS_BACKEND.

- ConsoleSMSBackend (default): writes the message to the log and keeps it in memory, so a
  developer or a test can read an OTP code without a provider.
- KavenegarSMSBackend: Kavenegar's HTTP API (an Iranian SMS provider), configured by
  SMS_API_KEY, SMS_SENDER, SMS_BASE_URL (a local fake server in tests) and SMS_TIMEOUT.

Backends are called only by the outbox (`empowerment.kernel.outbox.message_send`), never by
views, so that every SMS is recorded, idempotent and retried.
"""

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class SMSError(Exception):
    """The provider refused or could not be reached; `retryable` says whether to try again."""

    def __init__(self, message: str, *, retryable: bool = True, reply: str = ""):
        super().__init__(message)
        self.retryable = retryable
        self.reply = reply


@dataclass
class SMSResult:
    provider_id: str
    reply: str


class BaseSMSBackend:
    def send(self, *, to: str, text: str) -> SMSResult:
        raise NotImplementedError


class ConsoleSMSBackend(BaseSMSBackend):
    """Shows each message in full only in development (SMS_CONSOLE_SHOW_TEXT, on with debug).
    A deployment not yet given a provider gets a line saying that a message went out, never
    its text: an SMS carries one-time codes, and logs are kept longer and read more widely
    than the outbox. Nor are messages kept in memory there, where a worker would only grow."""

    outbox: list[dict] = []
    sent = 0

    def send(self, *, to: str, text: str) -> SMSResult:
        ConsoleSMSBackend.sent += 1
        if settings.SMS_CONSOLE_SHOW_TEXT:
            ConsoleSMSBackend.outbox.append({"to": to, "text": text})
            logger.info("SMS to %s: %s", to, text)
            print(f"[SMS to {to}] {text}", flush=True)
        else:
            logger.info("SMS (console backend) of %s characters, text not logged", len(text))
        return SMSResult(provider_id=f"console-{ConsoleSMSBackend.sent}", reply="console")


class KavenegarSMSBackend(BaseSMSBackend):
    path_template = "/v1/{key}/sms/send.json"

    def __init__(self):
        self.api_key = settings.SMS_API_KEY
        self.sender = settings.SMS_SENDER
        self.base_url = settings.SMS_BASE_URL.rstrip("/")
        self.timeout = settings.SMS_TIMEOUT
        if not self.api_key:
            raise SMSError("SMS_API_KEY is not set", retryable=False)

    def send(self, *, to: str, text: str) -> SMSResult:
        data = urllib.parse.urlencode(
            {"receptor": to, "message": text, **({"sender": self.sender} if self.sender else {})}
        ).encode()
        request = urllib.request.Request(
            self.base_url + self.path_template.format(key=urllib.parse.quote(self.api_key)),
            data=data,
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                reply = response.read().decode()
        except urllib.error.HTTPError as exc:
            reply = exc.read().decode(errors="replace")
            # 4xx other than rate limiting is a permanent refusal (bad number, no credit).
            raise SMSError(
                f"provider answered {exc.code}",
                retryable=exc.code >= 500 or exc.code == 429,
                reply=reply,
            ) from exc
        except (urllib.error.URLError, TimeoutError) as exc:
            raise SMSError(f"provider unreachable: {exc}", retryable=True) from exc
        try:
            body = json.loads(reply)
            status = int((body.get("return") or {}).get("status", 200))
            entries = body.get("entries") or [{}]
            provider_id = str(entries[0].get("messageid", ""))
        except (ValueError, AttributeError, TypeError) as exc:
            raise SMSError("provider reply is not JSON", retryable=True, reply=reply) from exc
        if status != 200:
            # The body's status repeats the HTTP one; trust it if a proxy changed the latter.
            raise SMSError(
                f"provider answered {status}", retryable=status >= 500 or status == 429, reply=reply
            )
        return SMSResult(provider_id=provider_id, reply=reply)


# Where the backends lived before the kernel had its own package. A deployment's SMS_BACKEND
# may still name them there (`empowerment.sms.KavenegarBackend`); it keeps working.
FORMER_MODULE = "empowerment.sms."


def backend_path(configured: str) -> str:
    """The dotted path of the configured backend, read through its former module's name."""
    if configured.startswith(FORMER_MODULE):
        return __name__ + "." + configured.removeprefix(FORMER_MODULE)
    return configured


def get_sms_backend() -> BaseSMSBackend:
    return import_string(backend_path(settings.SMS_BACKEND))()
