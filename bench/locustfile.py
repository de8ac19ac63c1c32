"""The load test's scenario (issue 18, "many at once"): who uses the portal and how.

Run by bench/load_bench.py (`make bench-load`), which builds the data and writes the JSON
named by BENCH_LOAD_FIXTURE: the accounts and password, each staff member's sessions with
their enrolments and some trainees, each council member's dashboard pages, the open calls,
centres and news. It also works with the `locust` command against a kept bench database:

    BENCH_LOAD_FIXTURE=fixture.json locust -f bench/locustfile.py --host https://127.0.0.1:8804

(https: see _PlainBehindTheProxy; gunicorn listens on plain HTTP at that port.)

Every simulated person comes through the one trusted proxy (X-Forwarded-Proto: https and
X-Forwarded-For) from an address of its own. Request names are "kind: what", and the
kinds are those of the report: sign-in, api, admin, dashboard, public.

tests/deploy/test_load_scenario.py runs every task here against a recording client and
resolves each path it asked for, so that the scenario cannot drift from the URLs.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import time
import uuid
from urllib.parse import urlparse

from locust import HttpUser, between, task
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

FIXTURE: dict = {}
if os.environ.get("BENCH_LOAD_FIXTURE"):
    with open(os.environ["BENCH_LOAD_FIXTURE"], encoding="utf-8") as _file:
        FIXTURE.update(json.load(_file))

_addresses = itertools.count(1)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
ERRORS = re.compile(r'<ul class="errorlist[^"]*"[^>]*>\s*<li>(.*?)</li>', re.S)
CODE = re.compile(r"(?<![0-9])[0-9]{6}(?![0-9])")
NAMES = ["زهرا", "فاطمه", "مریم", "سارا", "نرگس", "علی", "محمد", "حسین", "رضا"]
TOKEN_SECONDS = 240  # access tokens live 5 minutes: renewed before that


class _PlainBehindTheProxy(HTTPAdapter):
    """The simulated browser speaks HTTPS to the proxy, which ends TLS and passes plain HTTP
    on to gunicorn with X-Forwarded-Proto: https. Here the proxy is this adapter: the URL
    stays https:// for the cookie jar (the portal's cookies are Secure with debug off, and
    come back only over HTTPS) and goes out as http://. A request on a kept-alive
    connection that the server closed meanwhile is sent again once, as browsers do (a
    POST only when it never reached the server)."""

    def __init__(self):
        super().__init__(max_retries=Retry(total=1, status=0, raise_on_status=False))

    def send(self, request, **kwargs):
        plain = request.copy()
        plain.url = "http://" + request.url.removeprefix("https://")
        return super().send(plain, **kwargs)


def read_code(mobile: str) -> str:
    """The SMS code sent to `mobile`, from the outbox (no worker sends it in the bench)."""
    import psycopg2

    connection = psycopg2.connect(os.environ["DATABASE_URL"])
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                f'SELECT text FROM "{FIXTURE["outbox_table"]}" '
                "WHERE recipient = %s ORDER BY id DESC LIMIT 1",
                [mobile],
            )
            row = cursor.fetchone()
    finally:
        connection.close()
    found = CODE.search(row[0]) if row else None
    return found.group(0) if found else ""


class Person(HttpUser):
    """Anyone: through the proxy, from an address of its own, in Persian."""

    abstract = True

    def on_start(self) -> None:
        number = next(_addresses)
        self.address = f"10.{(number >> 16) & 255}.{(number >> 8) & 255}.{number & 255}"
        self.origin = "https://" + urlparse(self.host).netloc
        self.client.headers.update(
            {
                "X-Forwarded-For": self.address,
                "X-Forwarded-Proto": "https",
                "Accept-Language": "fa",
            }
        )
        self.client.mount("https://", _PlainBehindTheProxy())

    def form_post(self, path: str, data: dict, *, name: str) -> str | None:
        """A form as a browser sends it: the page first (its CSRF token), then the POST
        with the Origin. Success is the redirect that follows a form taken; returns where
        it leads, or None (a failure, with the form's errors)."""
        with self.client.get(path, name=name + " (form)", catch_response=True) as page:
            token = CSRF.search(page.text)
            if token is None:
                page.failure(f"{page.status_code}: no CSRF token on the page")
                return None
        with self.client.post(
            path,
            data={"csrfmiddlewaretoken": token.group(1), **data},
            headers={"Origin": self.origin, "Referer": self.origin + path},
            name=name,
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                errors = " ".join(ERRORS.findall(response.text))
                response.failure(f"{response.status_code}, not a redirect: {errors[:200]}")
                return None
            return urlparse(response.headers["Location"]).path


class ApiSignIn:
    """The phone's JWT pair: signed in with the password, renewed before it expires."""

    def sign_in(self) -> None:
        self.client.headers.pop("Authorization", None)
        with self.client.post(
            "/api/v1/auth/token/",
            json={"username": self.account["username"], "password": FIXTURE["password"]},
            name="sign-in: API token",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"sign-in: {response.status_code} {response.text[:200]}")
                return
            pair = response.json()
        self.refresh = pair["refresh"]
        self.client.headers["Authorization"] = f"Bearer {pair['access']}"
        self.signed_at = time.monotonic()

    def fresh_token(self) -> None:
        if time.monotonic() - self.signed_at < TOKEN_SECONDS:
            return
        with self.client.post(
            "/api/v1/auth/token/refresh/",
            json={"refresh": self.refresh},
            name="api: token refresh",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"refresh: {response.status_code}")
                return
            pair = response.json()
        self.refresh = pair.get("refresh", self.refresh)
        self.client.headers["Authorization"] = f"Bearer {pair['access']}"
        self.signed_at = time.monotonic()


class PhoneStaff(ApiSignIn, Person):
    """Centre staff on phones at nine in the morning: sign in, sync the sessions, send the
    marks of a session as a batch (taken offline), sync again."""

    weight = 4
    wait_time = between(2, 6)

    def on_start(self) -> None:
        super().on_start()
        self.account = random.choice(FIXTURE["staff"])
        self.cursor = None
        self.sign_in()
        self.sync_sessions()

    @task(3)
    def sync_sessions(self) -> None:
        self.fresh_token()
        full = self.cursor is None
        for _ in range(50):
            params = {} if self.cursor is None else {"updated_since": self.cursor}
            response = self.client.get(
                "/api/v1/sessions/sync/",
                params=params,
                name="api: sessions sync" + (" (first)" if full else ""),
            )
            if response.status_code != 200:
                return
            body = response.json()
            self.cursor = body["next_cursor"]
            if not body["has_more"]:
                return

    @task(1)
    def session_detail(self) -> None:
        self.fresh_token()
        session = random.choice(self.account["sessions"])
        self.client.get(f"/api/v1/sessions/{session['id']}/", name="api: session")

    @task(2)
    def attendance_batch(self) -> None:
        self.fresh_token()
        session = random.choice(self.account["sessions"])
        marks = [
            {
                "client_uuid": str(uuid.uuid4()),
                "session": session["id"],
                "enrolment": enrolment,
                "status": random.choice(["present", "present", "present", "absent"]),
            }
            for enrolment in session["enrolments"]
        ]
        with self.client.post(
            "/api/v1/attendance/batch/",
            json={"marks": marks},
            name="api: attendance batch",
            catch_response=True,
        ) as response:
            if response.status_code == 200 and response.json().get("refused"):
                refused = [r for r in response.json()["results"] if r["result"] == "refused"]
                response.failure(f"marks refused: {refused[0]['message'][:150]}")


class AdminStaff(Person):
    """Centre staff at a desk, in the admin: the trainee list, a search, a trainee's page,
    the cohorts."""

    weight = 2
    wait_time = between(3, 8)

    def on_start(self) -> None:
        super().on_start()
        self.account = random.choice(FIXTURE["staff"])
        self.form_post(
            "/admin/login/?next=/admin/",
            {"username": self.account["username"], "password": FIXTURE["password"]},
            name="sign-in: admin",
        )

    @task(3)
    def trainee_list(self) -> None:
        self.client.get("/admin/trainees/trainee/", name="admin: trainee list")

    @task(2)
    def trainee_search(self) -> None:
        query = random.choice(NAMES)
        self.client.get(f"/admin/trainees/trainee/?q={query}", name="admin: trainee search")

    @task(3)
    def trainee_change(self) -> None:
        trainee = random.choice(self.account["trainees"])
        self.client.get(f"/admin/trainees/trainee/{trainee}/change/", name="admin: trainee page")

    @task(1)
    def cohort_list(self) -> None:
        self.client.get("/admin/programs/cohort/", name="admin: cohort list")


class CouncilMember(Person):
    """A council member reading the dashboards of their city."""

    weight = 1
    wait_time = between(4, 10)

    def on_start(self) -> None:
        super().on_start()
        self.account = random.choice(FIXTURE["council"])
        self.form_post(
            "/dashboard/login/",
            {"username": self.account["username"], "password": FIXTURE["password"]},
            name="sign-in: dashboard",
        )

    @task(1)
    def index(self) -> None:
        self.client.get("/dashboard/", name="dashboard: index")

    @task(4)
    def page(self) -> None:
        slug = random.choice(self.account["pages"])
        self.client.get(f"/dashboard/{slug}/", name="dashboard: page")


class Resident(Person):
    """A resident on the public pages; now and then sends an idea to an open call and
    confirms it with the code the SMS brought."""

    weight = 4
    wait_time = between(3, 8)

    @task(3)
    def home(self) -> None:
        self.client.get("/", name="public: home")

    @task(2)
    def calls(self) -> None:
        self.client.get("/calls/", name="public: calls")
        call = random.choice(FIXTURE["calls"])
        self.client.get(f"/calls/{call}/", name="public: call")

    @task(1)
    def news(self) -> None:
        self.client.get("/news/", name="public: news")
        if FIXTURE["articles"]:
            slug = random.choice(FIXTURE["articles"])
            self.client.get(f"/news/{slug}/", name="public: article")

    @task(2)
    def centre(self) -> None:
        centre = random.choice(FIXTURE["centres"])
        self.client.get(f"/centres/{centre}/", name="public: centre")
        self.client.get(f"/centres/{centre}/promises/", name="public: promises")

    @task(1)
    def send_an_idea(self) -> None:
        call = random.choice(FIXTURE["calls"])
        mobile = "0912" + "".join(random.choices("0123456789", k=7))
        confirm = self.form_post(
            f"/calls/{call}/",
            {
                "title": f"کارگاه {random.choice(NAMES)} {random.randint(1, 10**6)}",
                "summary": "تولید و فروش صنایع دستی محله با آموزش جوانان و زنان سرپرست خانوار.",
                "team_members": "",
                "support_needed": "آموزش و غرفه فروش",
                "jobs_expected": str(random.randint(1, 12)),
                "neighbourhood": "",
                "submitter_name": f"{random.choice(NAMES)} {random.choice(NAMES)}",
                "submitter_mobile": mobile,
            },
            name="public: send idea",
        )
        if confirm is None:
            return
        tracked = self.form_post(confirm, {"code": read_code(mobile)}, name="public: confirm idea")
        if tracked is not None:
            self.client.get(tracked, name="public: tracked idea")


class SignInRush(ApiSignIn, Person):
    """Staff arriving all through the morning: a sign-in every little while from each
    phone (under the sign-in limit of one address), then a first sync."""

    weight = 1
    wait_time = between(8, 15)

    def on_start(self) -> None:
        super().on_start()
        self.account = random.choice(FIXTURE["staff"])

    @task
    def arrive(self) -> None:
        self.sign_in()
        self.client.get("/api/v1/me/", name="api: me")


USER_CLASSES = [PhoneStaff, AdminStaff, CouncilMember, Resident, SignInRush]
