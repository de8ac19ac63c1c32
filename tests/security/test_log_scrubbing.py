"""Request logs never carry a national code, a mobile or a one-time code.

A member of staff searches the registry by national code and mobile (in ASCII and in
Persian digits) and opens a trainee by a path holding a national code; every line the
portal's real logging config writes for those requests is read back: no such digits, in
any form, and each line names its request.
"""

import re
from urllib.parse import quote

import pytest
from rest_framework.test import APIClient

from tests.empowerment.logstream import captured_log
from tests.trainees.factories import TraineeFactory
from trainees.demo import national_code

pytestmark = pytest.mark.django_db

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def test_searches_by_national_code_and_mobile_leave_no_digits_in_the_log(
    two_centres,
):
    code, mobile = national_code(4242), "09121234567"
    TraineeFactory(national_code=code, mobile=mobile, registered_at=two_centres["isfahan"])
    client = APIClient()
    client.force_login(two_centres["staff_isfahan"])  # the session: API and admin alike
    persian_code = quote(code.translate(PERSIAN))
    urls = [
        f"/api/v1/trainees/?search={code}&mobile={mobile}",
        f"/api/v1/trainees/?search={persian_code}",
        f"/api/v1/trainees/{code}/?mobile={mobile}",  # a 404, logged by django.request too
        f"/admin/trainees/trainee/?q={code}",
    ]
    with captured_log() as stream:
        responses = [client.get(url, HTTP_X_REQUEST_ID=f"probe-{n}") for n, url in enumerate(urls)]
    log = stream.getvalue()
    assert [r.status_code for r in responses][:3] == [200, 200, 404]
    lines = log.splitlines()
    # Each request wrote its line, with its path and the query keys, values gone.
    assert any("/api/v1/trainees/?search=&mobile= 200" in line for line in lines), log
    for n in range(len(urls)):
        assert any(f"[probe-{n}]" in line for line in lines), log
    for secret in (code, mobile, code.translate(PERSIAN), persian_code):
        assert secret not in log
    assert not re.search(r"(?<!\d)\d{10,11}(?!\d)", log), log


def test_the_console_sms_backend_keeps_codes_out_of_production_logs(settings, caplog, capsys):
    """A deployment still on the console backend logs that an SMS went out, not its code."""
    from empowerment.kernel.sms import ConsoleSMSBackend

    settings.SMS_CONSOLE_SHOW_TEXT = False  # its value with debug off
    before = len(ConsoleSMSBackend.outbox)
    with caplog.at_level("DEBUG"):
        ConsoleSMSBackend().send(to="09121234567", text="کد ورود شما: 482913")
    printed = capsys.readouterr()
    for text in (caplog.text, printed.out, printed.err):
        assert "482913" not in text
        assert "09121234567" not in text
    assert len(ConsoleSMSBackend.outbox) == before
