"""/api/schema/ is valid OpenAPI 3 with every error answer; /api/docs/ needs no CDN."""

import re

import pytest
import yaml
from django.urls import reverse
from drf_spectacular.validation import validate_schema
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    """The schema, generated once for the module: it follows from the code, not the data."""
    with django_db_blocker.unblock():
        response = APIClient().get(reverse("api:schema"))
    assert response.status_code == 200
    return yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(schema):
    assert schema["openapi"].startswith("3.")
    validate_schema(schema)  # raises on any violation of the OpenAPI 3 JSON schema


def test_every_operation_lists_its_error_answers_in_the_error_shape(schema):
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"detail", "code", "errors"}
    ops = {
        (path, method): op for path, item in schema["paths"].items() for method, op in item.items()
    }
    for (path, method), op in ops.items():
        codes = set(op["responses"])
        assert {"401", "429"} <= codes, (path, method)
        for code in codes - {"200", "201", "202", "204"}:
            ref = op["responses"][code]["content"]["application/json"]["schema"]["$ref"]
            assert ref == "#/components/schemas/Error"
    assert {"400", "401", "404", "429"} <= set(ops["/api/v1/centres/", "get"]["responses"])
    assert "404" in ops["/api/v1/centres/{id}/", "get"]["responses"]
    assert {"400", "401", "429"} <= set(ops["/api/v1/auth/token/", "post"]["responses"])
    assert {"400", "429"} <= set(ops["/api/v1/auth/otp/verify/", "post"]["responses"])


def test_schema_shows_jalali_companions_and_filters(schema):
    centre = schema["components"]["schemas"]["Centre"]["properties"]
    assert centre["opening_date"]["format"] == "date"
    assert centre["opening_date_jalali"]["readOnly"] is True
    # A Jalali value is a string with the calendar's pattern, never an RFC 3339 date.
    jalali = centre["opening_date_jalali"]
    assert jalali["type"] == "string" and "format" not in jalali
    pattern = re.compile(jalali["pattern"])
    for valid in ("1406-02-31", "1403-12-30", "1405-07-30", "1402-01-01"):
        assert pattern.match(valid), valid
    for invalid in ("1405-07-31", "1405-12-31", "1405-13-01", "1405-00-10", "2025-3-17"):
        assert not pattern.match(invalid), invalid
    every_jalali = [
        (name, prop)
        for component in schema["components"]["schemas"].values()
        for name, prop in component.get("properties", {}).items()
        if name.endswith("_jalali")
    ]
    assert every_jalali
    assert all(prop.get("format") != "date" for _name, prop in every_jalali), every_jalali
    params = {p["name"] for p in schema["paths"]["/api/v1/centres/"]["get"]["parameters"]}
    assert {"city", "province", "is_active", "search", "ordering", "page", "page_size"} <= params


def test_docs_are_served_from_local_static_files(client):
    response = client.get(reverse("api:docs"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    external = re.findall(r"(?:src|href)=\"(https?:)?//", html)
    assert external == []
    assert re.search(r"/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.js", html)
    assert "cdn" not in html.lower()


def _walk(node, path=""):
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from _walk(value, f"{path}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk(value, f"{path}[{index}]")


def test_the_schema_says_what_strict_readers_and_generated_clients_accept(schema):
    found = {"time": [], "nullable allOf": [], "number": [], "untyped": []}
    for path, node in _walk(schema):
        if node.get("format") == "time":  # RFC 3339 time needs an offset the API never sends
            found["time"].append(path)
        if "allOf" in node and node.get("nullable"):
            found["nullable allOf"].append(path)
        if node.get("type") == "number" and "/parameters" in path:  # ids are integers
            found["number"].append(path)
    for name, component in schema["components"]["schemas"].items():
        for prop, spec in component.get("properties", {}).items():
            if not ({"type", "$ref", "allOf", "oneOf", "anyOf"} & set(spec)):
                found["untyped"].append(f"{name}.{prop}")
    assert found == {"time": [], "nullable allOf": [], "number": [], "untyped": []}
    session = schema["components"]["schemas"]["CohortSession"]["properties"]
    assert re.match(session["start_time"]["pattern"], "09:00:00")
    assert not re.match(session["start_time"]["pattern"], "25:00")
    groups = schema["components"]["schemas"]["Programme"]["properties"]["target_groups"]
    assert groups["type"] == "array"


def test_every_id_filter_takes_a_whole_number_and_an_unknown_id_is_an_empty_list(
    schema, client_for, django_user_model
):
    """Each list's integer query parameters, as the schema declares them, as the
    administrator: an id that matches nothing is an empty list (not "select a valid
    choice"), and "1.0" or a word is a 400 in the error shape."""
    admin = django_user_model.objects.create_superuser("root", "root@example.org", "pw-12345678")
    client = client_for(admin)
    checked = 0
    for path, item in schema["paths"].items():
        operation = item.get("get")
        if "{" in path or operation is None:
            continue
        for parameter in operation.get("parameters", []):
            spec = parameter["schema"]
            if parameter["in"] != "query" or spec.get("type") != "integer" or "enum" in spec:
                continue  # (an enum is a choice, such as a follow-up round: not an id)
            if parameter["name"] in {"page", "page_size"}:
                continue
            checked += 1
            empty = client.get(path, {parameter["name"]: 2_147_483_000})
            assert empty.status_code == 200, (path, parameter["name"], empty.content)
            assert empty.json()["results"] == [], (path, parameter["name"])
            for bad in ("1.0", "abc"):
                refused = client.get(path, {parameter["name"]: bad})
                assert refused.status_code == 400, (path, parameter["name"], bad)
                body = refused.json()
                assert set(body) == {"detail", "code", "errors"}
                assert parameter["name"] in body["errors"]
    assert checked >= 15
