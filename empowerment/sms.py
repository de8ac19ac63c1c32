"""Pluggable SMS backends. Settings choose one by dotted path in SMS_BACKEND.

- ConsoleSMSBackend (default): writes the message to the log and keeps it in memory, so a
  developer or a test can read an OTP code without a provider.
- KavenegarSMSBackend: Kavenegar's HTTP API (an Iranian SMS provider), configured by
  SMS_API_KEY and SMS_SENDER.
"""

import json
import logging
import os
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
    outbox: list[dict] = []

    def send(self, *, to: str, text: str) -> SMSResult:
        ConsoleSMSBackend.outbox.append({"to": to, "text": text})
        logger.info("SMS to %s: %s", to, text)
        print(f"[SMS to {to}] {text}", flush=True)
        return SMSResult(provider_id=f"console-{len(ConsoleSMSBackend.outbox)}", reply="console")


class KavenegarSMSBackend(BaseSMSBackend):
    url_template = "https://api.kavenegar.com/v1/{key}/sms/send.json"

    def __init__(self):
        self.api_key = os.environ.get("SMS_API_KEY", "")
        self.sender = os.environ.get("SMS_SENDER", "")
        self.timeout = float(os.environ.get("SMS_TIMEOUT", "10"))
        if not self.api_key:
            raise SMSError("SMS_API_KEY is not set", retryable=False)

    def send(self, *, to: str, text: str) -> SMSResult:
        data = urllib.parse.urlencode(
            {"receptor": to, "message": text, **({"sender": self.sender} if self.sender else {})}
        ).encode()
        request = urllib.request.Request(
            self.url_template.format(key=self.api_key), data=data, method="POST"
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
            entries = body.get("entries") or [{}]
            return SMSResult(provider_id=str(entries[0].get("messageid", "")), reply=reply)
        except (ValueError, AttributeError) as exc:
            raise SMSError("provider reply is not JSON", retryable=True, reply=reply) from exc


def get_sms_backend() -> BaseSMSBackend:
    return import_string(settings.SMS_BACKEND)()
