"""Every answer the tests receive from the API is checked against the schema.

A pytest plugin (`-p tests.api_responses` in pyproject.toml): each request a test client
sends under /api/v1/ is matched to its operation in /api/schema/ (built once per run by
drf-spectacular, read by schemathesis), and its answer must have a documented status code
and a body that matches what the schema documents for it. A test whose answers break the
schema fails at teardown with each mismatch; `@pytest.mark.no_response_validation` opts out,
for tests that send what the schema forbids on purpose and whose answers the schema cannot
describe (none today).
"""

from __future__ import annotations

import functools

import pytest
import requests
from django.test import client as django_client

API_PREFIX = "/api/v1/"


@functools.cache
def _schema():
    import schemathesis
    from drf_spectacular.generators import SchemaGenerator

    document = SchemaGenerator().get_schema(request=None, public=True)
    return schemathesis.openapi.from_dict(document)


def _check(method: str, path: str, response) -> str | None:
    """What is wrong with one answer, or None."""
    from schemathesis.core.failures import FailureGroup
    from schemathesis.core.transport import Response

    operation = _schema().find_operation_by_path(method, path)
    if operation is None:
        # A path or method the schema does not know: the answer must say so (404/405),
        # as JSON in the one error shape (tests/api/test_errors.py checks the shape).
        if response.status_code in (404, 405):
            return None
        return f"{method} {path}: {response.status_code} for an undocumented operation"
    if operation.responses.find_by_status_code(response.status_code) is None:
        return f"{method} {path}: status {response.status_code} is not documented"
    prepared = requests.Request(method=method, url=f"http://testserver{path}").prepare()
    wrapped = Response(
        status_code=response.status_code,
        headers={name: [value] for name, value in response.headers.items()},
        content=b"" if getattr(response, "streaming", False) else response.content,
        request=prepared,
        elapsed=0.0,
        verify=True,
    )
    try:
        operation.validate_response(wrapped)
    except FailureGroup as failures:
        return f"{method} {path} → {response.status_code}: " + "; ".join(
            str(failure.title) + (f" ({failure.message})" if failure.message else "")
            for failure in failures.exceptions
        )
    except AssertionError as failure:
        return f"{method} {path} → {response.status_code}: {failure}"
    return None


@pytest.fixture(autouse=True)
def _api_answers_match_the_schema(request, monkeypatch):
    if request.node.get_closest_marker("no_response_validation"):
        yield
        return
    problems: list[str] = []
    original = django_client.Client.request

    def checked(self, **environ):
        response = original(self, **environ)
        path = environ.get("PATH_INFO", "")
        # HEAD and OPTIONS are answered by Django and DRF for every GET, outside the schema
        # (tests/security/test_headers.py checks HEAD answers as GET does).
        method = environ.get("REQUEST_METHOD", "GET")
        if path.startswith(API_PREFIX) and method not in ("HEAD", "OPTIONS"):
            problem = _check(method, path, response)
            if problem:
                problems.append(problem)
        return response

    monkeypatch.setattr(django_client.Client, "request", checked)
    yield
    assert not problems, "API answers that break the schema:\n" + "\n".join(problems)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "no_response_validation: the test's API answers are not checked (say why)"
    )
