"""The API docs (Swagger UI) run under the portal's Content-Security-Policy: the page has no
inline script, its init script is a file, and the shared `page` fixture fails the test on
any policy violation."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_swagger_ui_renders_under_the_csp(page, live_server, screenshot):
    response = page.goto(f"{live_server.url}/api/docs/")
    assert response.status == 200
    assert "script-src 'self'" in response.headers["content-security-policy"]
    # Swagger UI drew the schema: its title and an operation of the trainees' tag.
    page.wait_for_selector(".swagger-ui .info .title")
    page.wait_for_selector("#operations-tag-trainees")
    screenshot("docs")
