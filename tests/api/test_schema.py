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


def test_the_mobile_days_writes_are_in_the_schema_as_the_server_takes_them(schema):
    paths, components = schema["paths"], schema["components"]["schemas"]

    def body(path, method):
        ref = paths[path][method]["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        return components[ref.rsplit("/", 1)[1]]

    # POST /attendance/ is the batch: a list of marks in, a result per mark out (200).
    batch = body("/api/v1/attendance/", "post")
    assert batch["properties"]["marks"]["type"] == "array"
    assert batch["required"] == ["marks"]
    answer = paths["/api/v1/attendance/"]["post"]["responses"]["200"]["content"]
    assert answer["application/json"]["schema"]["$ref"].endswith("/AttendanceBatchAnswer")
    assert "201" not in paths["/api/v1/attendance/"]["post"]["responses"]

    trainee = body("/api/v1/trainees/", "post")
    assert {"first_name", "last_name", "gender"} <= set(trainee["required"])
    # A foreign national has no national code: the identifier depends on the nationality.
    assert {"nationality", "national_code", "foreign_code", "passport_number"} <= set(
        trainee["properties"]
    )
    assert "national_code" not in trainee["required"]
    assert "required" not in body("/api/v1/trainees/{id}/", "patch")
    assert "put" not in paths["/api/v1/trainees/{id}/"]
    for path in (
        "/api/v1/enrolments/{id}/drop-out/",
        "/api/v1/commitments/{id}/milestones/",
        "/api/v1/commitments/{id}/milestones/{milestone_id}/done/",
    ):
        responses = paths[path]["post"]["responses"]
        assert {"400", "401", "403", "404", "409"} <= set(responses), path

    # A writable date takes ISO in its field or Jalali in the companion: a string with the
    # calendar's pattern, never `format: date`, and neither required on its own.
    outcome = body("/api/v1/outcomes/", "post")
    assert outcome["properties"]["date"]["format"] == "date"
    companion = outcome["properties"]["date_jalali"]
    assert companion["type"] == "string" and "format" not in companion
    assert not companion.get("readOnly") and "pattern" in companion
    assert "date" not in outcome["required"] and "date_jalali" not in outcome["required"]
    dropped = body("/api/v1/enrolments/{id}/drop-out/", "post")["properties"]
    assert dropped["dropped_on_jalali"]["pattern"] == companion["pattern"]


def test_identifiers_are_ascii(schema):
    names = list(schema["components"]["schemas"])
    operation_ids = [
        op["operationId"]
        for item in schema["paths"].values()
        for method, op in item.items()
        if method != "parameters"
    ]
    assert all(name.isascii() and name.isidentifier() for name in names), names
    assert all(op.isascii() for op in operation_ids)
    assert len(set(operation_ids)) == len(operation_ids)


def _names_and_titles(document):
    """What a client generator names things after: component and enum names, operation
    ids, parameter and property names, and any schema `title`."""
    names, titles = set(document["components"]["schemas"]), []
    for item in document["paths"].values():
        for method, op in item.items():
            if method == "parameters":
                continue
            names.add(op["operationId"])
            names.update(p["name"] for p in op.get("parameters", []))

    def walk(node, under_names=False):
        if isinstance(node, dict):
            if not under_names and isinstance(node.get("title"), str):
                titles.append(node["title"])
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    names.update(value)
                walk(value, under_names=not under_names and key in ("properties", "schemas"))
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(document["paths"])
    walk(document["components"], under_names=False)
    return names, titles


def test_a_generated_client_names_things_alike_in_every_language(api_client):
    """Identifiers come out the same in Persian and English, and no schema carries a
    title (labels, translated, stay descriptions): a generated client's types are named
    from ASCII names, not from `TraineesListمیزانتحصیلات`."""
    documents = {}
    for language in ("fa", "en"):
        response = api_client.get(reverse("api:schema"), HTTP_ACCEPT_LANGUAGE=language)
        documents[language] = yaml.safe_load(response.content)
    fa_names, fa_titles = _names_and_titles(documents["fa"])
    en_names, en_titles = _names_and_titles(documents["en"])
    assert fa_names == en_names
    assert all(name.isascii() for name in fa_names), sorted(n for n in fa_names if not n.isascii())
    assert fa_titles == en_titles == []
    # The labels are still there, translated, as descriptions.
    trainees = documents["fa"]["paths"]["/api/v1/trainees/"]["get"]["parameters"]
    education = next(p for p in trainees if p["name"] == "education")
    assert not education["description"].isascii()
