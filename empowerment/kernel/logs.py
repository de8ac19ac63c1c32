"""Log lines a person can read: timestamp, level, logger and request id on every line, no
personal data in them, plain text or JSON lines (DJANGO_LOG_FORMAT=json) from one config.

The request id lives in a context variable: the request middleware sets it (from a safe
incoming X-Request-ID or a new one), Celery carries it in a task header to the worker that
runs a task queued during the request (empowerment/celery.py), and the `RequestIdFilter`
writes it on every record a handler emits, whichever library logged it.

Scrubbing happens in one place, `ScrubFilter` on the handler, so a URL logged by Django's
development server, gunicorn, the request middleware or a library's error message goes
through the same rule (`scrub`):

- every value of a query string is dropped and its key kept (`?search=&mobile=`): the
  registry's searches take names, national codes and mobiles alike, typed in any digits
  (Persian digits arrive percent-encoded, `%DB%B0...`, which no digit pattern would see),
  so no value of any key is safe to keep, and the keys are enough to read what was asked;
- any other run of 10 or 11 digits (ASCII, Persian or Arabic), the shape of a national code
  or a mobile, becomes `[number]` wherever it stands in a message or a traceback.
"""

from __future__ import annotations

import contextvars
import logging
import re
import uuid

request_id_var: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "request_id", default=None
)

# What an incoming X-Request-ID may be: short and of characters that cannot break a log
# line or a JSON field (a proxy's UUID or hex id fits). Anything else is replaced.
_SAFE_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:-]{0,63}")

_QUERY = re.compile(r"\?[^\s\"'<>]*")
_PAIR_VALUE = re.compile(r"=[^&;#]*")
_LONG_NUMBER = re.compile(r"(?<![0-9۰-۹٠-٩])[0-9۰-۹٠-٩]{10,11}(?![0-9۰-۹٠-٩])")


def new_request_id() -> str:
    return uuid.uuid4().hex


def valid_request_id(value: str | None) -> str | None:
    """The incoming id if it is safe to log and to echo, else None."""
    if value and _SAFE_REQUEST_ID.fullmatch(value):
        return value
    return None


def scrub(text: str) -> str:
    """`text` without query-string values and without national-code or mobile shapes."""
    if "?" in text:
        text = _QUERY.sub(lambda match: _PAIR_VALUE.sub("=", match.group(0)), text)
    return _LONG_NUMBER.sub("[number]", text)


class RequestIdFilter(logging.Filter):
    """Writes the current request (or task) id on the record: "-" outside of one."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not getattr(record, "request_id", None):
            record.request_id = request_id_var.get() or _access_log_id(record) or "-"
        return True


def _access_log_id(record: logging.LogRecord) -> str | None:
    # gunicorn writes its access line after the response is closed, when the request's
    # context is gone; the id is still in the response header among the line's atoms.
    if record.name == "gunicorn.access" and isinstance(record.args, dict):
        return valid_request_id(record.args.get("{x-request-id}o"))
    return None


class ScrubFilter(logging.Filter):
    """Renders the message (and traceback) once and scrubs it, so that no handler, text
    or JSON, sees the raw values."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: keep what logging would have shown
            message = str(record.msg)
        record.msg = scrub(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = scrub(record.exc_text)
        # A traceback already rendered into exc_text is not rendered again from exc_info.
        record.exc_info = None if record.exc_text else record.exc_info
        # Extra attributes (django.request's `request`, a library's own) are fields of a
        # JSON line: they become scrubbed text, numbers stay numbers.
        for name, value in list(vars(record).items()):
            if name not in _RECORD_ATTRIBUTES and not isinstance(value, int | float | None):
                setattr(record, name, scrub(str(value)))
        return True


_RECORD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
}


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
# ISO 8601 with the offset: the process runs in Tehran time (TIME_ZONE), a collector may not.
DATE_FORMAT = "%Y-%m-%dT%H:%M:%S%z"
JSON_FIELDS = ["asctime", "levelname", "name", "request_id", "message"]


def logging_config(*, fmt: str = "text", level: str = "INFO", stream="ext://sys.stderr") -> dict:
    """The LOGGING dict: one handler on stderr for Django, gunicorn and Celery alike."""
    if fmt == "json":
        formatter = {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": JSON_FIELDS,
            "datefmt": DATE_FORMAT,
            "rename_fields": {
                "asctime": "timestamp",
                "levelname": "level",
                "name": "logger",
            },
        }
    else:
        formatter = {"format": TEXT_FORMAT, "datefmt": DATE_FORMAT}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {
            "request_id": {"()": "empowerment.kernel.logs.RequestIdFilter"},
            "scrub": {"()": "empowerment.kernel.logs.ScrubFilter"},
        },
        "formatters": {"portal": formatter},
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "stream": stream,
                "formatter": "portal",
                "filters": ["request_id", "scrub"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {
            "axes": {"level": "WARNING"},
            # WeasyPrint (certificate PDFs) logs each layout step at INFO.
            "weasyprint": {"level": "WARNING"},
            # Django's defaults give these loggers handlers of their own (an unscrubbed
            # console, mail_admins): here they only propagate to the one handler above.
            "django": {"handlers": [], "level": level, "propagate": True},
            # runserver logs each request line itself; the request middleware's line
            # (empowerment.request) says the same with the id and the duration.
            "django.server": {"handlers": [], "level": "WARNING", "propagate": True},
            # gunicorn's own loggers, when gunicorn takes this config (logconfig_dict) or
            # logs through the root logger: the same handler, format and scrubbing.
            "gunicorn.error": {"handlers": ["console"], "level": level, "propagate": False},
            "gunicorn.access": {"handlers": ["console"], "level": level, "propagate": False},
        },
    }
