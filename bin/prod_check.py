"""The client side of bin/prod-check: asks a running production portal what a reader would.

Run by bin/prod-check with the project venv (Playwright and openpyxl), against gunicorn with
debug off, spoken to as the one trusted proxy speaks (plain HTTP, X-Forwarded-Proto: https).
Every failed expectation ends the check with a message naming the URL; nothing here writes
to the database but what a person would (sign-ins and one import, through the pages).
"""

import argparse
import http.client
import io
import re
import shutil
import sys
import time
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

# What nginx adds to every request it passes on (deploy/nginx.conf).
PROXY_HEADERS = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.7"}
DEMO_PASSWORD = "demo-pass-1403"
# Hashed by ManifestStaticFilesStorage: name.<12 hex>.ext
HASHED = re.compile(r"\.[0-9a-f]{12}\.[A-Za-z0-9]+$")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
ROOT = Path(__file__).resolve().parent.parent


class Failed(Exception):
    pass


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


class Links(HTMLParser):
    """Every href/src of a page."""

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.urls.append(value)


class Portal:
    def __init__(self, url: str):
        parts = urlsplit(url)
        self.url = url.rstrip("/")
        self.host, self.port = parts.hostname, parts.port

    def get(self, path: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        connection.request("GET", path, headers={**PROXY_HEADERS, **(headers or {})})
        response = connection.getresponse()
        body = response.read()
        connection.close()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body

    def page(self, path: str) -> str:
        status, headers, body = self.get(path)
        expect(status == 200, f"GET {path} answered {status}, expected 200")
        return body.decode("utf-8", "replace")


def links_of(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return [urlsplit(u).path for u in parser.urls if not urlsplit(u).netloc]


def first(links: list[str], pattern: str, where: str) -> str:
    found = next((link for link in links if re.fullmatch(pattern, link)), None)
    expect(found is not None, f"no link matching {pattern} on {where}")
    return found


def check_pages(portal: Portal) -> set[str]:
    """Every kind of page answers 200; returns the static files the pages reference."""
    # Without the proxy's header the request is plain HTTP: production sends it to HTTPS.
    status, headers, _ = portal.get("/", headers={"X-Forwarded-Proto": "http"})
    expect(
        status == 301 and headers.get("location", "").startswith("https://"),
        f"plain HTTP / answered {status} {headers.get('location')}, expected a redirect",
    )
    home = portal.page("/")
    expect('dir="rtl"' in home, "the home page is not right to left")
    links = links_of(home)
    centre = first(links, r"/centres/\d+/", "/")
    news = portal.page("/news/")
    article = first(links + links_of(news), r"/news/[^/]+/", "/ and /news/")
    calls = portal.page("/calls/")
    call = first(links + links_of(calls), r"/calls/\d+/", "/ and /calls/")
    pages = ["/", centre, "/news/", article, "/calls/", call, "/admin/login/"]
    pages += ["/dashboard/login/", "/api/docs/", "/api/schema/"]
    static: set[str] = set()
    for path in pages:
        html = portal.page(path)
        referenced = [link for link in links_of(html) if link.startswith("/static/")]
        unhashed = [link for link in referenced if not HASHED.search(link)]
        expect(not unhashed, f"{path} references unhashed static files: {unhashed[:5]}")
        static.update(referenced)
        print(f"  200 {path} ({len(html)} characters, {len(referenced)} static files)")
    expect(len(static) > 0, "no page references a static file")
    return static


def check_static(portal: Portal, static: set[str]) -> None:
    """Each referenced static file is served, with a year's cache: its name is its content."""
    for path in sorted(static):
        status, headers, body = portal.get(path, headers={"Accept-Encoding": "gzip"})
        expect(status == 200 and body, f"GET {path} answered {status}")
        cache_control = headers.get("cache-control", "")
        expect(
            "immutable" in cache_control and "max-age=315360000" in cache_control,
            f"{path} is served with Cache-Control {cache_control!r}",
        )
    print(f"  {len(static)} hashed static files served with Cache-Control immutable")
    font_face = next(p for p in static if "Vazirmatn-font-face" in p)
    css = portal.page(font_face)
    fonts = [u for u in re.findall(r"url\(['\"]?([^'\")]+)", css) if "woff2" in u]
    expect(fonts and all(HASHED.search(u) for u in fonts), "font URLs are not hashed")
    font = urljoin(font_face, fonts[0])
    status, headers, _ = portal.get(font)
    expect(status == 200, f"the font {font} answered {status}")


def xlsx(rows: list[list]) -> bytes:
    from openpyxl import Workbook

    headers = ["نام", "نام خانوادگی", "نام پدر", "کد ملی", "تلفن همراه", "جنسیت"]
    headers += ["تاریخ تولد", "محله", "تحصیلات", "وضعیت اشتغال", "نحوه آشنایی", "کد دوره"]
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def national_code(serial: int) -> str:
    digits = f"{serial:09d}"
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits)) % 11
    return digits + str(total if total < 2 else 11 - total)


class Watched:
    """A browser page that records console errors, failed requests and uncaught errors."""

    def __init__(self, browser, base_url: str, name: str, shots: Path):
        self.context = browser.new_context(
            base_url=base_url,
            locale="fa-IR",
            viewport={"width": 1366, "height": 900},
            extra_http_headers=PROXY_HEADERS,
        )
        self.context.set_default_timeout(20000)
        self.page = self.context.new_page()
        self.name, self.shots = name, shots
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "response",
            lambda r: (
                r.status >= 400
                and not r.url.endswith("/favicon.ico")
                and self.problems.append(f"{r.status} {r.url}")
            ),
        )
        self.page.on("requestfailed", lambda r: self.problems.append(f"failed: {r.url}"))

    def _console(self, message) -> None:
        # Chromium asks for /favicon.ico by itself; the portal has none, which is no fault.
        if message.type == "error" and not message.location.get("url", "").endswith("/favicon.ico"):
            self.problems.append(f"console: {message.text} ({message.location.get('url')})")

    def sign_in(self, login_path: str, username: str) -> None:
        self.page.goto(login_path)
        self.page.fill("#id_username", username)
        self.page.fill("#id_password", DEMO_PASSWORD)
        with self.page.expect_navigation():
            self.page.click("form [type=submit]")
        expect(
            "/login/" not in self.page.url,
            f"{username} is still on the sign-in page ({self.page.url})",
        )

    def expect_styled(self, what: str) -> None:
        """Stylesheets applied, the Vazirmatn font loaded, and nothing failed on the way."""
        self.page.wait_for_load_state("networkidle")
        state = self.page.evaluate(
            """async () => {
                await document.fonts.ready;
                const sheets = [...document.styleSheets].filter(s => s.href);
                return {
                    sheets: sheets.length,
                    rules: sheets.reduce((n, s) => n + s.cssRules.length, 0),
                    font: getComputedStyle(document.body).fontFamily,
                    loaded: [...document.fonts].filter(
                        f => f.family.replace(/"/g, "") === "Vazirmatn" && f.status === "loaded"
                    ).length,
                    direction: getComputedStyle(document.documentElement).direction,
                };
            }"""
        )
        self.page.screenshot(path=str(self.shots / f"prod-check-{self.name}.png"))
        expect(state["sheets"] > 0 and state["rules"] > 0, f"{what}: no stylesheet ({state})")
        expect("Vazirmatn" in state["font"], f"{what}: body font is {state['font']}")
        expect(state["loaded"] > 0, f"{what}: the Vazirmatn font did not load ({state})")
        expect(state["direction"] == "rtl", f"{what}: not right to left ({state})")
        expect(not self.problems, f"{what}: {self.problems}")
        print(f"  {what}: {state['sheets']} stylesheets, Vazirmatn loaded, no console error")


def check_browser(base_url: str, work: Path) -> None:
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    shots = ROOT / "artifacts" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        admin = dashboard = None
        try:
            admin = Watched(browser, base_url, "admin", shots)
            admin.sign_in("/admin/login/", "staff.isfahan")
            admin.expect_styled("admin as staff.isfahan")
            check_import(admin, work)

            dashboard = Watched(browser, base_url, "dashboard", shots)
            dashboard.sign_in("/dashboard/login/", "council.isfahan")
            dashboard.expect_styled("dashboard as council.isfahan")
            # A page of figures: Chart.js comes from the portal's own static files.
            dashboard.page.goto("/dashboard/overview/")
            dashboard.expect_styled("dashboard overview as council.isfahan")
            chart = dashboard.page.evaluate("typeof window.Chart")
            expect(chart == "function", f"Chart.js is not loaded on the overview ({chart})")
        except PlaywrightError as error:
            # Where it stopped, for the CI log and artifacts/screenshots/.
            for watched in (admin, dashboard):
                if watched is not None:
                    watched.page.screenshot(
                        path=str(shots / f"prod-check-{watched.name}-failed.png")
                    )
                    print(f"  {watched.name} stopped at {watched.page.url}", file=sys.stderr)
            raise Failed(f"browser: {error}") from error
        finally:
            browser.close()


def check_import(admin: Watched, work: Path) -> None:
    """A spreadsheet of new trainees through preview, confirm, the worker, and the report."""
    rows = 40
    serial = int(time.time()) % 10_000_000 * 10
    upload = work / "trainees.xlsx"
    upload.write_bytes(
        xlsx(
            [
                ["مریم", f"بررسی {n}", "رضا", national_code(serial + n), f"0913{n:07d}", "زن"]
                + ["1372/03/10", "", "", "", "", ""]
                for n in range(rows)
            ]
        )
    )
    page = admin.page
    started = time.monotonic()
    page.goto("/admin/trainees/trainee/import/")
    centre = page.eval_on_selector(
        "#id_centre", "s => [...s.options].map(o => o.value).find(v => v)"
    )
    expect(bool(centre), "staff.isfahan is offered no centre to import into")
    page.select_option("#id_centre", centre)
    page.set_input_files("#id_file", str(upload))
    page.click("#content form [type=submit]")
    page.wait_for_selector("#import-state[data-state=previewed]")
    page.click("input[name=confirm]")
    # The confirming request only queues the task; the worker applies it and the page,
    # following the progress, shows the report.
    page.wait_for_selector("#import-state[data-state=applied]", timeout=120000)
    report = page.inner_text("#content")
    expect(str(rows) in report.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789")), report)
    admin.page.screenshot(path=str(admin.shots / "prod-check-import.png"))
    expect(not admin.problems, f"import: {admin.problems}")
    print(f"  import of {rows} rows applied by the worker in {time.monotonic() - started:.1f}s")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True)
    parser.add_argument("--work", required=True, type=Path)
    args = parser.parse_args()
    portal = Portal(args.url)
    try:
        started = time.monotonic()
        static = check_pages(portal)
        check_static(portal, static)
        print(f"  pages and static files in {time.monotonic() - started:.1f}s")
        started = time.monotonic()
        check_browser(portal.url, args.work)
        print(f"  browser and import in {time.monotonic() - started:.1f}s")
    except Failed as failure:
        print(f"prod-check: {failure}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
