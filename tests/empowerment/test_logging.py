"""Log lines: timestamp, level, logger and request id on each; JSON lines on one switch."""

import datetime
import json
import logging
import re

import pytest
from django.test import Client

from empowerment.celery import _send_request_id
from empowerment.kernel.logs import request_id_var, scrub
from tests.empowerment.logstream import captured_log

pytestmark = pytest.mark.django_db

TEXT_LINE = re.compile(
    r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d{4} (DEBUG|INFO|WARNING|ERROR) \S+ \["
)


def test_every_record_of_a_request_carries_its_generated_id():
    with captured_log() as stream:
        response = Client().get("/no-such-page/?mobile=09121234567")
        logging.getLogger("outside").warning("between requests")
    request_id = response["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    lines = stream.getvalue().splitlines()
    request_lines = [line for line in lines if "between requests" not in line]
    # django.request's "Not Found" and the request middleware's line, at least.
    assert len(request_lines) >= 2
    assert all(TEXT_LINE.match(line) for line in lines), lines
    assert all(f"[{request_id}]" in line for line in request_lines), lines
    assert any(line.endswith("[-] between requests") for line in lines)


@pytest.mark.parametrize(
    "incoming", ["a" * 65, "bad id", "x\nforged line", "<script>", "%0a", "-leading"]
)
def test_an_unsafe_incoming_request_id_is_replaced(incoming):
    response = Client().get("/healthz", HTTP_X_REQUEST_ID=incoming)
    assert response["X-Request-ID"] != incoming
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_a_safe_incoming_request_id_is_kept_and_returned():
    proxy_id = "6f1c2a9e-3b1d-4c55-9d0e-2f6f1f2a7b10"
    with captured_log() as stream:
        response = Client().get("/healthz", HTTP_X_REQUEST_ID=proxy_id)
    assert response["X-Request-ID"] == proxy_id
    assert f"[{proxy_id}] GET /healthz 200" in stream.getvalue()


def test_json_mode_writes_one_parseable_object_per_line():
    with captured_log("json") as stream:
        response = Client().get("/no-such-page/?search=0012345679&mobile=09121234567")
        try:
            raise ValueError("national code 0012345679 refused")
        except ValueError:
            logging.getLogger("empowerment.test").exception("failed for 09121234567")
    records = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert len(records) >= 3
    for record in records:
        assert {"timestamp", "level", "logger", "request_id", "message"} <= record.keys()
        assert datetime.datetime.fromisoformat(record["timestamp"]).utcoffset() is not None
    ids = {r["request_id"] for r in records if r["logger"] != "empowerment.test"}
    assert ids == {response["X-Request-ID"]}
    access = next(r for r in records if r["logger"] == "empowerment.request")
    assert access["message"].startswith("GET /no-such-page/?search=&mobile= 404 ")
    failure = records[-1]
    assert failure["level"] == "ERROR" and "Traceback" in failure["exc_info"]
    raw = stream.getvalue()
    assert "0012345679" not in raw and "09121234567" not in raw


def test_scrub_keeps_keys_and_short_numbers():
    assert scrub("GET /x/?page=2&search=علی HTTP/1.1") == "GET /x/?page=&search= HTTP/1.1"
    assert scrub("outbox 12 attempt 3: sent to 09121234567") == (
        "outbox 12 attempt 3: sent to [number]"
    )
    assert scrub("کد ملی ۰۰۱۲۳۴۵۶۷۹") == "کد ملی [number]"


def test_a_task_queued_during_a_request_carries_its_id():
    headers = {}
    token = request_id_var.set("req-1")
    try:
        _send_request_id(headers=headers)
    finally:
        request_id_var.reset(token)
    assert headers == {"request_id": "req-1"}
    outside = {}
    _send_request_id(headers=outside)
    assert outside == {}


def test_gunicorns_access_line_is_scrubbed_and_names_the_request():
    # gunicorn logs with a dict of atoms, after the response, outside the request's context.
    atoms = {"r": "GET /api/v1/trainees/?search=0012345679 HTTP/1.1", "{x-request-id}o": "r-42"}
    with captured_log("json") as stream:
        logging.getLogger("gunicorn.access").info("%(r)s", atoms)
    (record,) = [json.loads(line) for line in stream.getvalue().splitlines()]
    assert record["request_id"] == "r-42"
    assert record["message"] == "GET /api/v1/trainees/?search= HTTP/1.1"


def test_health_probes_are_logged_at_debug_unless_they_fail(settings):
    with captured_log() as stream:
        Client().get("/healthz")
    assert " DEBUG empowerment.request " in stream.getvalue()
