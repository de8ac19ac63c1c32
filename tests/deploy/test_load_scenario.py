"""The load test's scenario (bench/locustfile.py, `make bench-load`) cannot drift from the
portal: every task of every simulated person runs once against a recording client, and each
path it asked for resolves to a view of the portal. The load itself is not run here.

Locust patches the standard library with gevent when it is imported, so the scenario runs
in a child process; this process only resolves what it reports. Then the runner's fixture
builder runs on the demo data, so that what the scenario reads from the fixture is there.
"""

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest
from django.core.management import call_command
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.integration

SAMPLE = {
    "password": "x",
    "staff": [{"username": "s", "sessions": [{"id": 7, "enrolments": [1, 2]}], "trainees": [3]}],
    "council": [{"username": "c", "pages": ["overview"]}],
    "calls": [5],
    "centres": [1],
    "articles": ["خبر-نمونه"],
    "outbox_table": "x",
}

# Runs in the child: each user class's on_start and every task, on a client that records
# the requests and answers what each flow expects (a token pair, a sync page, a form with
# its CSRF token, the redirect after a form taken).
RECORDER = r"""
import http.cookiejar, json, sys
sys.path.insert(0, "bench")
import locustfile
from locust.env import Environment

locustfile.FIXTURE.update(json.loads(sys.stdin.read()))
locustfile.read_code = lambda mobile: "123456"
seen, failures = [], []

class Answer:
    def __init__(self, method, path):
        self.status_code, self.headers, self.text, self.body = 200, {}, "", {}
        if method == "GET":
            self.text = '<input name="csrfmiddlewaretoken" value="t">'
        if path.endswith("/auth/token/") or path.endswith("/token/refresh/"):
            self.body = {"access": "a", "refresh": "r"}
        elif path.endswith("/sync/"):
            self.body = {"results": [], "tombstones": [], "next_cursor": "c", "has_more": False}
        elif path.endswith("/batch/"):
            self.body = {"refused": 0, "results": []}
        elif method == "POST":
            self.status_code = 302
            after = {"/calls/": "/confirm/token/", "/confirm/": "/track/I-1404-1/"}
            where = next((v for k, v in after.items() if path.startswith(k)), "/")
            self.headers = {"Location": "https://127.0.0.1" + where}
    def json(self): return self.body
    def success(self): pass
    def failure(self, why): failures.append(why)
    def __enter__(self): return self
    def __exit__(self, *exc): return False

class Recorder:
    def __init__(self):
        self.headers, self.cookies = {}, http.cookiejar.CookieJar()
    def request(self, method, path, name=None, **kwargs):
        seen.append({"method": method, "path": path, "name": name})
        return Answer(method, path.split("?")[0])
    def mount(self, prefix, adapter): pass
    def get(self, path, **kwargs): return self.request("GET", path, **kwargs)
    def post(self, path, **kwargs): return self.request("POST", path, **kwargs)

ran = []
for cls in locustfile.USER_CLASSES:
    cls.host = "https://127.0.0.1:8804"  # as the runner sets it
    user = cls(Environment(user_classes=[cls]))
    user.client = Recorder()
    user.on_start()
    user.signed_at = -1e9  # as if the token were old: the renewal runs too
    for job in dict.fromkeys(cls.tasks):
        job(user)
        ran.append(f"{cls.__name__}.{job.__name__}")
print(json.dumps({"seen": seen, "failures": failures, "ran": ran}))
"""


@pytest.fixture(scope="module")
def recorded():
    result = subprocess.run(
        [sys.executable, "-c", RECORDER],
        cwd=ROOT,
        input=json.dumps(SAMPLE),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_every_task_ran_without_a_failure(recorded):
    assert not recorded["failures"]
    ran = {name.split(".")[0] for name in recorded["ran"]}
    assert ran == {"PhoneStaff", "AdminStaff", "CouncilMember", "Resident", "SignInRush"}


def test_every_path_the_scenario_asks_for_resolves(recorded):
    missing = []
    for request in recorded["seen"]:
        path = urlparse(request["path"]).path
        try:
            resolve(path)
        except Resolver404:
            missing.append(path)
    assert not missing
    assert len(recorded["seen"]) > 20


def test_the_requests_name_the_report_kinds(recorded):
    kinds = {request["name"].split(":")[0] for request in recorded["seen"]}
    assert kinds == {"sign-in", "api", "admin", "dashboard", "public"}


def test_the_api_requests_are_the_mobile_days(recorded):
    views = {
        resolve(urlparse(r["path"]).path).url_name
        for r in recorded["seen"]
        if r["path"].startswith("/api/")
    }
    assert {"token", "token-refresh", "session-sync", "attendance-batch"} <= views


@pytest.mark.django_db(transaction=True)
def test_the_fixture_builder_finds_what_the_scenario_reads(tmp_path, settings):
    """bench/load_bench.py's builder on the demo data: the accounts sign in and each
    simulated person has something to ask for."""
    settings.SEED_DEMO_ALLOWED = True
    call_command("seed_demo", verbosity=0)
    _load_bench().build_fixture(str(tmp_path / "fixture.json"))
    fixture = json.loads((tmp_path / "fixture.json").read_text())
    assert set(fixture) == set(SAMPLE)
    assert fixture["staff"] and fixture["council"] and fixture["calls"]
    assert all(account["sessions"] for account in fixture["staff"])
    assert all(session["enrolments"] for a in fixture["staff"] for session in a["sessions"])
    for request in (f"/calls/{fixture['calls'][0]}/", f"/centres/{fixture['centres'][0]}/"):
        resolve(request)


def _load_bench():
    spec = importlib.util.spec_from_file_location("load_bench", ROOT / "bench" / "load_bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_saturation_is_where_throughput_stops_rising_or_p95_passes_the_limit():
    saturation = _load_bench().saturation

    def steps(*figures):
        return [{"rps": rps, "others_p95": p95} for rps, p95 in figures]

    rising = steps((5, 100), (10, 150), (19, 300))
    assert saturation(rising, min_gain=0.1, p95_ms=1000) is None
    flat = steps((5, 100), (10, 150), (10.5, 300))
    assert saturation(flat, min_gain=0.1, p95_ms=1000) == 2
    slow = steps((5, 100), (10, 1200), (19, 300))
    assert saturation(slow, min_gain=0.1, p95_ms=1000) == 1


def test_the_soak_fails_on_growing_memory_or_restarted_workers(capsys):
    soak_report = _load_bench().soak_report

    def samples(sizes, pids=(1, 2)):
        return [
            {"t": t * 10, "total": size, "workers": dict.fromkeys(pids, size // 2)}
            for t, size in enumerate(sizes)
        ]

    flat = [100] * 6 + [110] * 20 + [112] * 10
    assert soak_report(samples(flat), 10) == 0
    growing = [100] * 6 + [110] * 10 + [150] * 10 + [200] * 10
    assert soak_report(samples(growing), 10) == 1
    restarted = samples(flat)
    restarted[-1]["workers"] = {3: 55, 2: 55}
    assert soak_report(restarted, 10) == 1
