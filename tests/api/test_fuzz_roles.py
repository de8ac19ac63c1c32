"""Schemathesis with every check on the seeded demo, as each kind of caller.

The administrator, a centre's staff (Isfahan), a council member (Isfahan) and a resident
(the submitter of a demo idea, signed in as residents are) each run every operation of
/api/schema/ with generated data against the demo database. Every check schemathesis has
runs, but one, left out with its reason:

- `positive_data_acceptance`: data valid for the schema's shapes may still break a domain
  rule the schema cannot express (a staff member's mobile, a closed cohort, a date outside
  a cohort) and is rightly refused with a 400.

The throttles it would trip are raised for the run (they are settings; tests of the
throttles themselves, tests/api/test_auth_token.py and test_otp.py, show the 429s). The
counts per role (operations, calls, failures) are written to
artifacts/fuzz-roles.json for the closing note.
"""

import json
import os
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from hypothesis import HealthCheck, given, settings
from rest_framework_simplejwt.tokens import RefreshToken
from schemathesis.checks import positive_data_acceptance

from empowerment.kernel.residents import resident_user_for_mobile
from programs.models import Idea

pytestmark = [pytest.mark.fuzz, pytest.mark.django_db]

EXAMPLES = int(os.environ.get("FUZZ_ROLE_EXAMPLES", "4"))
ROLES = ["admin", "staff.isfahan", "council.isfahan", "resident"]
REPORT = Path(__file__).resolve().parents[2] / "artifacts" / "fuzz-roles.json"


@pytest.fixture
def demo(demo_once, db):
    return demo_once


def _token(username: str) -> str:
    if username == "resident":
        idea = Idea.objects.order_by("pk").first()
        user = resident_user_for_mobile(mobile=idea.submitter_mobile)
        Idea.objects.filter(pk=idea.pk).update(submitter=user)
    else:
        user = get_user_model().objects.get(username=username)
    return str(RefreshToken.for_user(user).access_token)


def _run(operation, token: str, calls: list) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def check(case):
        response = case.call_and_validate(
            headers={"Authorization": f"Bearer {token}"},
            excluded_checks=[positive_data_acceptance],
        )
        calls.append(response.status_code)

    check()


@pytest.mark.no_response_validation  # schemathesis validates every answer itself
@pytest.mark.parametrize("role", ROLES)
def test_every_operation_as_each_role_on_the_demo(demo, api_schema, role, settings):
    settings.API_THROTTLE_RATES = {name: "100000/minute" for name in settings.API_THROTTLE_RATES}
    cache.clear()
    token = _token(role)
    operations = [result.ok() for result in api_schema.get_all_operations()]
    failures, calls = [], []
    for operation in operations:
        try:
            _run(operation, token, calls)
        except Exception as exc:
            failures.append(f"{operation.label}: {exc}")
    summary = {
        "role": role,
        "operations": len(operations),
        "calls": len(calls),
        "answers_2xx": sum(200 <= status < 300 for status in calls),
        "failures": len(failures),
    }
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    report = json.loads(REPORT.read_text()) if REPORT.exists() else {}
    report[role] = summary
    REPORT.write_text(json.dumps(report, indent=2))
    print(summary)
    assert not failures, "\n\n".join(failures)
    assert summary["answers_2xx"] > 0  # the token worked: some answers were not refusals
