"""Real-browser tests: headless Chromium from Debian, driven by Playwright.

Playwright never downloads a browser here: it launches the system's Chromium
(`apt-get install chromium`, done in CI by .ci/system-packages). Without Chromium the tests
skip with the reason, except in CI (CI=true), where a missing browser is a failure.
Screenshots go to artifacts/screenshots/ (not committed).
"""

import os
import shutil
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.centres.factories import isfahan_and_karaj, staff_user

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]", "::1"}


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"{reason} CI must install it (.ci/system-packages).")
    pytest.skip(reason)


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM")
    for candidate in (configured, "chromium", "/usr/bin/chromium"):
        if candidate:
            found = shutil.which(candidate)
            if found:
                return found
    return None


@pytest.fixture(scope="session")
def chromium():
    path = chromium_path()
    if path is None:
        _unavailable("Chromium is not installed (apt-get install chromium).")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Playwright for Python is not installed (pip install -r requirements.txt).")
    # Playwright's sync API runs an event loop in this thread; the test's own database
    # reads are synchronous and safe, so Django's async guard is lifted for these tests.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as playwright:
            launched = playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
            yield launched
            launched.close()
    finally:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)


# Reports every Content-Security-Policy violation of every page to the test (the binding
# below). Playwright's init scripts run outside the page's policy.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${event.documentURI}`
  );
});
"""


class WatchedBrowser:
    """The browser as a test sees it: every context it opens reports policy violations,
    console errors and uncaught page errors into `problems`, which fail the test."""

    def __init__(self, browser):
        self._browser = browser
        self.problems: list[str] = []

    def new_context(self, **kwargs):
        context = self._browser.new_context(**kwargs)
        problems = self.problems
        context.expose_binding("__cspViolation", lambda _source, text: problems.append(text))
        context.add_init_script(CSP_LISTENER)

        def on_console(message):
            where = message.location.get("url", "")
            # The browser asks for /favicon.ico on its own; the portal has none to give.
            if message.type == "error" and not where.endswith("/favicon.ico"):
                problems.append(f"console: {message.text} ({where})")

        context.on("console", on_console)
        context.on("weberror", lambda error: problems.append(f"page error: {error.error}"))
        return context

    def __getattr__(self, name):
        return getattr(self._browser, name)


@pytest.fixture
def browser(chromium):
    """The shared Chromium; the test fails on any CSP violation or browser console error
    in any of the contexts it opened (`page` or its own `browser.new_context()`)."""
    watched = WatchedBrowser(chromium)
    yield watched
    assert not watched.problems, "The browser reported:\n" + "\n".join(watched.problems)


@pytest.fixture
def page(browser):
    """A fresh page (own cookies) that records every request it makes."""
    context = browser.new_context(locale="fa-IR", viewport={"width": 1366, "height": 900})
    context.set_default_timeout(15000)
    new_page = context.new_page()
    new_page.requested_urls = []
    new_page.on("request", lambda request: new_page.requested_urls.append(request.url))
    yield new_page
    context.close()


@pytest.fixture
def screenshot(page, request):
    """Save a screenshot named after the test: screenshot("step")."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(step: str, **kwargs) -> Path:
        path = SCREENSHOTS / f"{request.node.name}-{step}.png"
        kwargs.setdefault("full_page", True)
        try:
            page.screenshot(path=str(path), **kwargs)
        except PlaywrightError as error:
            # A screenshot is evidence, not an assertion: Chromium sometimes refuses a
            # full-page capture on a loaded machine ("Unable to capture screenshot"). Take
            # the visible part instead, and say so, rather than fail what the test checked.
            if not kwargs.pop("full_page"):
                raise
            warnings.warn(
                f"full-page screenshot {path.name} failed ({error}); visible part taken",
                stacklevel=2,
            )
            page.screenshot(path=str(path), **kwargs)
        return path

    return take


def non_local_requests(urls) -> list[str]:
    return [
        url
        for url in urls
        if urlsplit(url).scheme in ("http", "https", "ws", "wss")
        and urlsplit(url).hostname not in LOCAL_HOSTS
    ]


@pytest.fixture
def places(transactional_db):
    return isfahan_and_karaj()


@pytest.fixture
def council_member(places):
    return staff_user("council.isfahan", "council_member", places["isfahan"])


@pytest.fixture(autouse=True)
def _second_factor_on(settings):
    # The admin asks for the authenticator's code as in production (tests/conftest.py turns
    # it off for the other tests); admin_sign_in types it.
    settings.ADMIN_SECOND_FACTOR = True


def admin_sign_in(page, live_server, username: str, password: str, next_path: str = "/admin/"):
    """Sign in through the admin's form, typing the code of the person's authenticator (the
    demo's known secret, or a test's) when they have one, as they would read it off a phone."""
    from django.contrib.auth import get_user_model

    from empowerment.kernel import second_factor

    page.goto(f"{live_server.url}/admin/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    user = get_user_model().objects.get(username=username)
    device = second_factor.device_for(user)
    if device is not None:
        page.fill("#id_otp_token", second_factor.current_code(device))
    page.click("input[type=submit]")
    # Signed in when the browser has left the sign-in form for the page asked for (or the
    # second factor's enrolment).
    page.wait_for_url(lambda url: urlsplit(url).path != "/admin/login/")


def sign_in(page, live_server, username: str, password: str, next_path: str = "/dashboard/"):
    page.goto(f"{live_server.url}{next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: urlsplit(url).path == urlsplit(next_path).path)


@pytest.fixture
def council_page(page, live_server, council_member, password):
    """A page signed in as a council member of Isfahan, through the dashboard sign-in."""
    sign_in(page, live_server, council_member.username, password)
    return page
