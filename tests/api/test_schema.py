"""/api/schema/ is valid OpenAPI 3 with every error answer; /api/docs/ needs no CDN."""

import re

import pytest
import yaml
from django.urls import reverse
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api_client):
    response = api_client.get(reverse("api:schema"))
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
