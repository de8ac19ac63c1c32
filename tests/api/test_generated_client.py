"""A staff member's day on a tablet, through a Python client that openapi-python-client
generates from /api/schema/ at test time (into tmp_path; nothing generated is committed),
against a live server: sign in, cohorts and sessions, register a trainee, enrol them,
the same attendance batch twice, a drop-out, an outcome, a token refresh.

Whatever the schema says wrongly shows here: a request the generated code cannot build,
an answer its parser refuses, a status it does not expect (raise_on_unexpected_status)."""

import datetime
import importlib
import subprocess
import sys
import uuid

import pytest
from django.contrib.auth.hashers import make_password
from django.urls import reverse

from empowerment.kernel.jalali import local_today
from tests.centres.factories import CentreFactory, staff_user
from tests.programs.factories import CohortFactory, CohortSessionFactory
from trainees.demo import national_code

pytestmark = pytest.mark.django_db(transaction=True)

PACKAGE = "portal_client"


def _generate(schema_json: bytes, where) -> object:
    schema = where / "schema.json"
    schema.write_bytes(schema_json)
    config = where / "config.yaml"
    config.write_text("post_hooks: []\n")  # no formatter run on generated code
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "openapi_python_client",
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(where / PACKAGE),
            "--config",
            str(config),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # A warning means a piece of the schema the generator could not turn into code.
    assert "Warning" not in result.stdout, result.stdout
    sys.path.insert(0, str(where))
    try:
        return importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(where))


@pytest.fixture
def generated(client, tmp_path):
    # The English schema: identifiers are the same in every language (tests/api/test_schema.py).
    answer = client.get(reverse("api:schema"), {"format": "json", "lang": "en"})
    assert answer.status_code == 200
    package = _generate(answer.content, tmp_path)
    yield package
    for name in [n for n in sys.modules if n == PACKAGE or n.startswith(f"{PACKAGE}.")]:
        del sys.modules[name]


def test_the_mobile_day_through_a_generated_client(generated, live_server):
    api = importlib.import_module(f"{PACKAGE}.api")  # noqa: F841  (the package is complete)
    m = importlib.import_module(f"{PACKAGE}.models")

    def op(group: str, name: str):
        return importlib.import_module(f"{PACKAGE}.api.{group}.{name}")

    centre = CentreFactory()
    staff = staff_user("staff.tablet", "centre_staff", centre)
    staff.password = make_password("tablet-pass-1234")
    staff.save()
    cohort = CohortFactory(
        centre=centre,
        capacity=20,
        start_date=local_today() - datetime.timedelta(days=7),
        end_date=local_today() + datetime.timedelta(days=60),
    )
    session = CohortSessionFactory(cohort=cohort, date=local_today())

    anonymous = generated.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    signed_in = op("auth", "auth_token_create").sync_detailed(
        client=anonymous,
        body=m.PasswordSignInRequest(username="staff.tablet", password="tablet-pass-1234"),
    )
    assert signed_in.status_code == 200, signed_in.content
    tokens = signed_in.parsed
    client = generated.AuthenticatedClient(
        base_url=live_server.url, token=tokens.access, raise_on_unexpected_status=True
    )

    cohorts = op("programmes", "cohorts_list").sync(client=client)
    assert [row.id for row in cohorts.results] == [cohort.pk]
    sessions = op("programmes", "sessions_list").sync(client=client, cohort=cohort.pk)
    assert [row.id for row in sessions.results] == [session.pk]

    registered = op("trainees", "trainees_create").sync_detailed(
        client=client,
        body=m.TraineeWriteRequest(
            first_name="فاطمه",
            last_name="رضایی",
            national_code=national_code(95_001).translate(
                str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
            ),
            gender=m.GenderEnum.FEMALE,
            mobile="09121112233",
            birth_date_jalali="1375-06-31",
        ),
    )
    assert registered.status_code == 201, registered.content
    trainee = registered.parsed
    assert trainee.national_code == national_code(95_001)
    assert trainee.birth_date == datetime.date(1996, 9, 21)

    enrolled = op("trainees", "enrolments_create").sync_detailed(
        client=client, body=m.EnrolmentRequest(trainee=trainee.id, cohort=cohort.pk)
    )
    assert enrolled.status_code == 201, enrolled.content
    enrolment = enrolled.parsed
    assert enrolment.status == m.EnrolmentStatusEnum.ENROLLED

    batch = m.AttendanceBatchRequest(
        marks=[
            m.AttendanceMarkRequest(
                client_uuid=uuid.uuid4(),
                session=session.pk,
                enrolment=enrolment.id,
                status=m.AttendanceStatusEnum.PRESENT,
            )
        ]
    )
    first = op("attendance", "attendance_create_batch").sync(client=client, body=batch)
    again = op("attendance", "attendance_create_batch").sync(client=client, body=batch)
    assert (first.created, first.existing) == (1, 0)
    assert (again.created, again.existing) == (0, 1)  # sent twice, recorded once

    outcome = op("trainees", "outcomes_create").sync_detailed(
        client=client,
        body=m.OutcomeRequest(
            trainee=trainee.id,
            enrolment=enrolment.id,
            kind=m.OutcomeKindEnum.HOME_BUSINESS,
            follow_up_round=m.FollowUpRoundEnum.VALUE_3,
            date_jalali="1403-12-30",
        ),
    )
    assert outcome.status_code == 201, outcome.content
    assert outcome.parsed.date == datetime.date(2025, 3, 20)

    dropped = op("trainees", "enrolments_drop_out_create").sync_detailed(
        client=client, id=enrolment.id, body=m.DropOutRequest(drop_reason="مهاجرت")
    )
    assert dropped.status_code == 200, dropped.content
    assert dropped.parsed.status == m.EnrolmentStatusEnum.DROPPED
    replay = op("trainees", "enrolments_drop_out_create").sync_detailed(
        client=client, id=enrolment.id, body=m.DropOutRequest(drop_reason="مهاجرت")
    )
    assert replay.status_code == 409 and replay.parsed.code == "not_current"

    refreshed = op("auth", "auth_token_refresh_create").sync_detailed(
        client=anonymous, body=m.RefreshRequest(refresh=tokens.refresh)
    )
    assert refreshed.status_code == 200, refreshed.content
    fresh = generated.AuthenticatedClient(
        base_url=live_server.url, token=refreshed.parsed.access, raise_on_unexpected_status=True
    )
    mine = op("trainees", "trainees_retrieve").sync(client=fresh, id=trainee.id)
    assert mine.full_name == "فاطمه رضایی"
