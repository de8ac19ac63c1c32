"""Benchmark: requests per second of GET /api/v1/trainees/?page_size=50 (a cursor page of
50) beside a bare Django view answering the same 50 rows through the same JWT sign-in.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/empowerment .venv/bin/python \
        bench/api_bench.py [--trainees 100000] [--workers 2] [--port 8823] [--requests 2000]

Uses its own database `<DATABASE_URL's name>_bench` (created and migrated if missing, and
filled once with the trainees: bulk inserts, enrolments at a few centres). Serves the app
with gunicorn on 127.0.0.1 (bench/api_bench_settings.py adds the bare view; production
URLs do not have it), then sends a fixed number of requests from a pool of threads with
http.client over loopback, alternating bare and API rounds. Prints both rates and their
ratio (API / bare); the goal is at least 0.75.

Then the attendance batch: marks recorded per second through POST
/api/v1/attendance/batch/ (batches of 100 marks, --batch-clients phones at once, each mark
a new one) against a bare bulk insert of as many marks in this process (bulk_create in
batches of 100), in a fresh cohort of 100 enrolled trainees; the goal is at least 0.25.
The script exits non-zero when either ratio misses its goal.
"""

import argparse
import http.client
import os
import random
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the benchmark uses <name>_bench).")
    name = parts.path.lstrip("/")
    if not name.endswith("_bench"):
        name += "_bench"
    return urlunparse(parts._replace(path="/" + name))


def ensure_database(url: str) -> None:
    import psycopg2

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = psycopg2.connect(
        host=parts.hostname,
        port=parts.port or 5432,
        user=parts.username,
        password=parts.password,
        dbname="postgres",
    )
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if cursor.fetchone() is None:
            cursor.execute(f'CREATE DATABASE "{name}"')
            print(f"created database {name}")
    admin.close()


def load(count: int) -> str:
    """Fill the bench database once; return a JWT access token of a centre's staff."""
    import datetime

    import django

    django.setup()
    import jdatetime
    from django.db import transaction
    from rest_framework_simplejwt.tokens import AccessToken

    from centres.models import Centre, City, District, Neighbourhood, Province
    from centres.services import centre_create, staff_role_assign
    from programs.models import Cohort, Programme
    from trainees.demo import FEMALE_NAMES, LAST_NAMES, national_code
    from trainees.models import Enrolment, Trainee

    province, _ = Province.objects.get_or_create(name="استان سنجش")
    city, _ = City.objects.get_or_create(province=province, name="شهر سنجش")
    centres = []
    for n in range(1, 5):
        district, _ = District.objects.get_or_create(city=city, number=n)
        hood, _ = Neighbourhood.objects.get_or_create(district=district, name=f"محله سنجش {n}")
        centre = Centre.objects.filter(name=f"مرکز سنجش {n}").first() or centre_create(
            name=f"مرکز سنجش {n}", city=city, districts=[district], neighbourhoods=[hood]
        )
        centres.append(centre)
    programme, _ = Programme.objects.get_or_create(
        title="برنامه سنجش", defaults={"field": "handicraft", "total_hours": 10}
    )
    cohorts = []
    for i, centre in enumerate(centres):
        cohort, _ = Cohort.objects.get_or_create(
            code=f"BENCH-{i}",
            defaults={
                "programme": programme,
                "centre": centre,
                "title": f"دوره سنجش {i}",
                "start_date": jdatetime.date(1403, 1, 1),
                "end_date": jdatetime.date(1403, 6, 1),
                "capacity": 1000,
            },
        )
        cohorts.append(cohort)

    have = Trainee.objects.count()
    if have < count:
        started = time.perf_counter()
        rng = random.Random(7)
        batch = 5000
        for start in range(have, count, batch):
            rows = []
            for n in range(start, min(start + batch, count)):
                trainee = Trainee(
                    first_name=rng.choice(FEMALE_NAMES),
                    last_name=rng.choice(LAST_NAMES),
                    national_code=national_code(1_000_000 + n),
                    mobile=f"0912{n:07d}",
                    gender="female",
                    birth_date=jdatetime.date(1360 + n % 30, 1 + n % 12, 1 + n % 28),
                    registered_at=centres[n % len(centres)],
                )
                trainee.normalise()
                rows.append(trainee)
            with transaction.atomic():
                made = Trainee.objects.bulk_create(rows)
                # A third enrolled at another centre than the one that registered them,
                # so that the scope's subquery over enrolments has work to do.
                Enrolment.objects.bulk_create(
                    Enrolment(
                        trainee=t,
                        cohort=cohorts[(i + 1) % len(cohorts)],
                        enrolled_on=jdatetime.date(1403, 1, 10),
                        status="enrolled" if i % 2 else "waitlisted",
                    )
                    for i, t in enumerate(made)
                    if i % 3 == 0
                )
        print(f"loaded {count - have} trainees in {time.perf_counter() - started:.1f}s")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="bench.staff")
    staff_role_assign(user=user, role="centre_staff", scope=centres[0])
    token = AccessToken.for_user(user)
    token.set_exp(lifetime=datetime.timedelta(hours=2))
    return str(token)


TRAINEE_GOAL = 0.75
ATTENDANCE_GOAL = 0.25
BATCH = 100


def attendance_setup(batches: int) -> tuple[list[int], list[int], list[int]]:
    """A fresh running cohort at the bench staff's centre with BATCH enrolled trainees and
    2 x `batches` held sessions: (enrolment ids, sessions for the API, sessions for the
    bare insert). Set up with bulk inserts: what is measured is the marks."""
    import datetime

    import jdatetime

    from centres.models import Centre
    from programs.models import Cohort, CohortSession, Programme
    from trainees.models import Enrolment, Trainee

    centre = Centre.objects.get(name="مرکز سنجش 1")
    start = jdatetime.date(1403, 1, 1)
    cohort = Cohort.objects.create(
        code=f"BENCH-ATT-{time.time_ns()}",
        programme=Programme.objects.get(title="برنامه سنجش"),
        centre=centre,
        title="دوره سنجش حضور",
        start_date=start,
        end_date=jdatetime.date(1404, 12, 29),
        capacity=1000,
        status=Cohort.Status.RUNNING,
    )
    trainees = Trainee.objects.filter(registered_at=centre).order_by("pk")[:BATCH]
    enrolments = Enrolment.objects.bulk_create(
        Enrolment(trainee=t, cohort=cohort, enrolled_on=start, status="enrolled") for t in trainees
    )
    sessions = CohortSession.objects.bulk_create(
        CohortSession(
            cohort=cohort,
            date=start + datetime.timedelta(days=n // 4),
            start_time=datetime.time(8 + n % 4, 0),
            hours=2,
        )
        for n in range(2 * batches)
    )
    ids = [s.pk for s in sessions]
    return [e.pk for e in enrolments], ids[:batches], ids[batches:]


def attendance_bare(enrolments: list[int], sessions: list[int]) -> float:
    """Marks per second of a bare bulk insert of the same marks (one process)."""
    import uuid

    from trainees.models import Attendance

    started = time.perf_counter()
    for session in sessions:
        Attendance.objects.bulk_create(
            Attendance(
                session_id=session, enrolment_id=e, status="present", client_uuid=uuid.uuid4()
            )
            for e in enrolments
        )
    return len(sessions) * len(enrolments) / (time.perf_counter() - started)


def attendance_api(
    port: int, token: str, enrolments: list[int], sessions: list[int], clients: int
) -> float:
    """Marks per second through POST /api/v1/attendance/batch/, `clients` at once."""
    import json
    import uuid

    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    shares = [sessions[n::clients] for n in range(clients)]

    def client(share):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        for session in share:
            body = json.dumps(
                {
                    "marks": [
                        {
                            "client_uuid": str(uuid.uuid4()),
                            "session": session,
                            "enrolment": e,
                            "status": "present",
                        }
                        for e in enrolments
                    ]
                }
            )
            conn.request("POST", "/api/v1/attendance/batch/", body=body, headers=headers)
            response = conn.getresponse()
            answer = response.read()
            if response.status != 200 or json.loads(answer)["created"] != len(enrolments):
                raise RuntimeError(f"attendance batch: {response.status} {answer[:300]!r}")
        conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(client, shares))
    return len(sessions) * len(enrolments) / (time.perf_counter() - started)


def wait_for(port: int, seconds: float = 30) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/schema/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.3)
    sys.exit("gunicorn did not start")


def run_round(port: int, path: str, token: str, requests: int, concurrency: int) -> float:
    headers = {"Authorization": f"Bearer {token}"}
    per_thread = requests // concurrency

    def worker(_):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        for _i in range(per_thread):
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            body = response.read()
            if response.status != 200:
                raise RuntimeError(f"{path}: {response.status} {body[:200]!r}")
            if response.getheader("Connection", "").lower() == "close":
                conn.close()
        conn.close()

    started = time.perf_counter()
    with ThreadPoolExecutor(concurrency) as pool:
        list(pool.map(worker, range(concurrency)))
    return per_thread * concurrency / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=100_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8823)
    parser.add_argument("--requests", type=int, default=2000, help="per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument(
        "--no-throttles", action="store_true", help="show the API's cost without its throttles"
    )
    parser.add_argument("--batch-clients", type=int, default=8)
    parser.add_argument("--batches", type=int, default=48, help="batches of 100 marks")
    args = parser.parse_args()

    url = bench_database_url()
    ensure_database(url)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "empowerment.settings"}
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    os.environ.update(env)
    token = load(args.trainees)
    enrolments, api_sessions, bare_sessions = attendance_setup(args.batches)

    gunicorn = Path(python).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "empowerment.wsgi:application",
            f"--workers={args.workers}",
            f"--bind=127.0.0.1:{args.port}",
            "--log-level=warning",
        ],
        cwd=ROOT,
        env={
            **env,
            "DJANGO_SETTINGS_MODULE": "bench.api_bench_settings",
            "BENCH_THROTTLES": "off" if args.no_throttles else "on",
        },
    )
    try:
        wait_for(args.port)
        api = "/api/v1/trainees/?page_size=50"
        bare = "/bench/bare-trainees/"
        for path in (bare, api):  # warm-up: connections, imports, caches
            run_round(args.port, path, token, 200, args.concurrency)
        rates: dict[str, list[float]] = {bare: [], api: []}
        for _round in range(args.rounds):
            for path in (bare, api):
                rates[path].append(
                    run_round(args.port, path, token, args.requests, args.concurrency)
                )
        marks_api = attendance_api(args.port, token, enrolments, api_sessions, args.batch_clients)
        marks_bare = attendance_bare(enrolments, bare_sessions)
    finally:
        server.terminate()
        server.wait(timeout=30)

    bare_rate, api_rate = statistics.median(rates[bare]), statistics.median(rates[api])
    print(
        f"trainees in the database: {args.trainees}; gunicorn workers: {args.workers}; "
        f"client threads: {args.concurrency}; {args.requests} requests per round, "
        f"{args.rounds} rounds (median); throttles {'off' if args.no_throttles else 'on'}"
    )
    print("bare Django view:      " + ", ".join(f"{r:.1f}" for r in rates[bare]) + " req/s")
    print("API /trainees/ (DRF):  " + ", ".join(f"{r:.1f}" for r in rates[api]) + " req/s")
    trainee_ratio = api_rate / bare_rate
    print(f"bare {bare_rate:.1f} req/s, API {api_rate:.1f} req/s, ratio {trainee_ratio:.2f}")
    attendance_ratio = marks_api / marks_bare
    print(
        f"attendance: {args.batches} batches of {BATCH} marks from {args.batch_clients} "
        f"clients at once: API {marks_api:.0f} marks/s, bare bulk insert {marks_bare:.0f} "
        f"marks/s, ratio {attendance_ratio:.2f}"
    )
    missed = []
    if trainee_ratio < TRAINEE_GOAL:
        missed.append(f"trainee list ratio {trainee_ratio:.2f} < {TRAINEE_GOAL}")
    if attendance_ratio < ATTENDANCE_GOAL:
        missed.append(f"attendance batch ratio {attendance_ratio:.2f} < {ATTENDANCE_GOAL}")
    if missed:
        sys.exit("goal missed: " + "; ".join(missed))
    print(f"goals met: trainee list >= {TRAINEE_GOAL}, attendance batch >= {ATTENDANCE_GOAL}")


if __name__ == "__main__":
    main()
