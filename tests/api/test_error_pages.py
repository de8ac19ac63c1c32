"""Every answer under /api/ is JSON in the one error shape: a path no route takes (any
method, with or without the version prefix) and an error no view caught; the pages outside
/api/ keep Django's HTML."""

import pytest
from django.test import Client
from django.urls import path

from empowerment import urls as root_urls

pytestmark = pytest.mark.django_db


def _boom(request):
    raise RuntimeError("an error no view caught")


urlpatterns = [
    path("api/v1/boom/", _boom),
    *root_urls.urlpatterns,
]
handler404 = root_urls.handler404
handler500 = root_urls.handler500


@pytest.mark.parametrize("method", ["get", "post", "put", "patch", "delete", "head"])
@pytest.mark.parametrize("path_", ["/api/v1/no-such-thing/", "/api/nothing/here/", "/api/v9/"])
def test_an_unrouted_api_path_answers_json(client, method, path_):
    response = getattr(client, method)(path_, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    if method != "head":
        assert response.json() == {"detail": "Not found.", "code": "not_found", "errors": {}}


def _persian(text: str) -> bool:
    return any("\u0600" <= char <= "\u06ff" for char in text)


@pytest.mark.wording
def test_the_error_is_in_persian_by_default(client):
    body = client.get("/api/v1/no-such-thing/").json()
    assert body["code"] == "not_found"
    assert _persian(body["detail"])


def test_pages_outside_the_api_keep_their_html_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


# The view is this module's own, planted to fail; it is in no schema.
@pytest.mark.no_response_validation
@pytest.mark.urls(__name__)
def test_an_uncaught_error_under_the_api_answers_json():
    client = Client(raise_request_exception=False)
    response = client.get("/api/v1/boom/")
    assert response.status_code == 500
    body = response.json()
    assert (body["code"], body["errors"]) == ("server_error", {})
    assert body["detail"]  # a sentence for people (its Persian: the wording tests)
    assert "an error no view caught" not in response.content.decode()
