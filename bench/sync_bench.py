"""Benchmark: a mobile client's sync after one change among 100,000 rows.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/empowerment .venv/bin/python \
        bench/sync_bench.py [--rows 100000] [--repeat 20] [--max-bytes 4096] [--max-ratio 1.5]

Uses its own database `<DATABASE_URL's name>_syncbench` (created and migrated if missing,
filled once: --rows trainees registered at one centre, and --rows attendance marks of
1,000 enrolments in sessions of that centre, all bulk inserts, versioned by the triggers).
Then, as a staff member of the centre, for the trainee list and the attendance list:
takes the cursor a finished full sync hands out, changes one row (and deletes one mark),
and asks `<list>/sync/?updated_since=<cursor>` through the app (Django's test client in
this process, the user signed in without a token query). Prints, per list, the queries
of the sync, the size of its answer and its median time over --repeat requests beside the
list's one-row page (the app's fixed cost per request, on the same machine in the same
run); exits non-zero unless every sync costs 4 queries, answers in at most --max-bytes,
and takes at most --max-ratio times the one-row page.
"""

import argparse
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse, urlunparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SYNC_QUERIES = 4  # the caller's roles, the database's snapshot, the rows, the tombstones


def bench_database_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    parts = urlparse(url)
    if not parts.scheme.startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the benchmark uses <name>_syncbench).")
    name = parts.path.lstrip("/")
    if not name.endswith("_syncbench"):
        name += "_syncbench"
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


def load(count: int):
    """Fill the bench database once; return the centre's staff member."""
    import datetime
    import uuid

    import jdatetime
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection, transaction

    from centres.models import Centre, City, District, Neighbourhood, Province
    from centres.services import centre_create, staff_role_assign
    from programs.models import Cohort, CohortSession, Programme
    from trainees.demo import FEMALE_NAMES, LAST_NAMES, national_code
    from trainees.models import Attendance, Enrolment, Trainee

    call_command("migrate", verbosity=0)
    province, _ = Province.objects.get_or_create(name="استان همگام‌سازی")
    city, _ = City.objects.get_or_create(province=province, name="شهر همگام‌سازی")
    district, _ = District.objects.get_or_create(city=city, number=1)
    hood, _ = Neighbourhood.objects.get_or_create(district=district, name="محله همگام‌سازی")
    centre = Centre.objects.filter(name="مرکز همگام‌سازی").first() or centre_create(
        name="مرکز همگام‌سازی", city=city, districts=[district], neighbourhoods=[hood]
    )
    user, made = get_user_model().objects.get_or_create(username="sync.bench")
    if made:
        staff_role_assign(user=user, role="centre_staff", scope=centre)

    have = Trainee.objects.filter(registered_at=centre).count()
    if have < count:
        started = time.perf_counter()
        with transaction.atomic():
            batch = []
            for i in range(have, count):
                trainee = Trainee(
                    first_name=FEMALE_NAMES[i % len(FEMALE_NAMES)],
                    last_name=LAST_NAMES[(i // 7) % len(LAST_NAMES)],
                    national_code=national_code(9_000_000 + i),
                    mobile=f"0913{i:07d}",
                    gender="female",
                    birth_date=jdatetime.date(1360 + i % 30, 1 + i % 12, 1 + i % 28),
                    registered_at=centre,
                )
                trainee.normalise()
                batch.append(trainee)
                if len(batch) == 5000:
                    Trainee.objects.bulk_create(batch)
                    batch = []
            Trainee.objects.bulk_create(batch)
        print(f"loaded {count - have} trainees in {time.perf_counter() - started:.1f}s")

    marks_have = Attendance.objects.filter(session__cohort__centre=centre).count()
    # Each run deletes one mark (its tombstone is measured): reload only when far short.
    if marks_have < count * 0.99:
        started = time.perf_counter()
        with transaction.atomic():
            programme, _ = Programme.objects.get_or_create(
                title="برنامه همگام‌سازی", defaults={"field": "handicraft", "total_hours": 100}
            )
            start = jdatetime.date(1403, 1, 1)
            cohort, _ = Cohort.objects.get_or_create(
                code="SYNC-BENCH",
                defaults=dict(
                    programme=programme,
                    centre=centre,
                    title="دوره همگام‌سازی",
                    start_date=start,
                    end_date=start + datetime.timedelta(days=400),
                    capacity=1000,
                ),
            )
            people = list(Trainee.objects.filter(registered_at=centre).order_by("pk")[:1000])
            Enrolment.objects.bulk_create(
                [Enrolment(trainee=t, cohort=cohort, enrolled_on=start) for t in people],
                ignore_conflicts=True,
            )
            enrolments = list(Enrolment.objects.filter(cohort=cohort).order_by("pk"))
            sessions_needed = -(-count // len(enrolments))
            CohortSession.objects.bulk_create(
                [
                    CohortSession(
                        cohort=cohort,
                        date=start + datetime.timedelta(days=i),
                        start_time="09:00",
                        hours=2,
                    )
                    for i in range(sessions_needed)
                ],
                ignore_conflicts=True,
            )
            sessions = list(CohortSession.objects.filter(cohort=cohort).order_by("pk"))
            Attendance.objects.filter(session__cohort=cohort).delete()
            for session in sessions[:sessions_needed]:
                Attendance.objects.bulk_create(
                    [
                        Attendance(
                            session=session, enrolment=e, status="present", client_uuid=uuid.uuid4()
                        )
                        for e in enrolments
                    ]
                )
        print(f"loaded {count} attendance marks in {time.perf_counter() - started:.1f}s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return user


def measure(client, endpoint: str, params: dict, repeat: int, action: str = "sync"):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from centres.scope import forget_scope

    url = reverse(f"api:{endpoint}-{action}")
    times, sizes, queries, body = [], set(), set(), None
    for _ in range(repeat):
        forget_scope(client.handler._force_user)
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            response = client.get(url, params)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.content[:500]
        sizes.add(len(response.content))
        queries.add(len(captured))
        body = response.json()
    return statistics.median(times), max(sizes), max(queries), body


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--max-bytes", type=int, default=4096)
    parser.add_argument(
        "--max-ratio",
        type=float,
        default=1.5,
        help="the sync's median time over the list's one-row page's, at most",
    )
    args = parser.parse_args()

    url = bench_database_url()
    ensure_database(url)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empowerment.settings")
    os.environ.setdefault("DJANGO_DEBUG", "1")
    import django

    django.setup()
    from django.test.utils import setup_test_environment
    from rest_framework.test import APIClient

    from centres import sync
    from centres.api.base.sync import dump_cursor
    from trainees.models import Attendance, Trainee

    setup_test_environment()  # the test client's ALLOWED_HOSTS, the response's content
    logging.disable(logging.INFO)  # one request log line per request would bury the figures
    user = load(args.rows)
    client = APIClient()
    client.force_authenticate(user)

    failures = []
    for endpoint, model, basename in (
        ("trainee", Trainee, "trainee"),
        ("attendance", Attendance, "attendance"),
    ):
        total = model.objects.visible_to(user).count()
        # The cursor a finished full sync hands out: the snapshot of now.
        cursor = dump_cursor(sync.Window(since=sync.current_snapshot()), basename)
        since = {"updated_since": cursor}
        quiet_ms, quiet_bytes, quiet_queries, _ = measure(client, endpoint, since, args.repeat)
        # The yardstick: the list's smallest page (one row) through the same app.
        page_ms, _size, _queries, _body = measure(
            client, endpoint, {"page_size": 1}, args.repeat, action="list"
        )
        changed = model.objects.visible_to(user).order_by("?").first()
        if model is Trainee:
            changed.father_name = "علی"
            changed.save()
        else:
            model.objects.filter(pk=changed.pk).update(status="absent")
            model.objects.visible_to(user).exclude(pk=changed.pk).order_by("?").first().delete()
        ms, size, queries, body = measure(client, endpoint, since, args.repeat)
        got = [row["id"] for row in body["results"]], [row["id"] for row in body["tombstones"]]
        print(
            f"{endpoint}: {total:,} rows in scope; sync after one change: {queries} queries, "
            f"{size:,} bytes, {ms:.1f} ms median of {args.repeat} "
            f"(results {got[0]}, tombstones {got[1]}); "
            f"with no change: {quiet_queries} queries, {quiet_bytes} bytes, {quiet_ms:.1f} ms; "
            f"the list's one-row page: {page_ms:.1f} ms (ratio {ms / page_ms:.2f})"
        )
        if changed.pk not in got[0]:
            failures.append(f"{endpoint}: the changed row is missing")
        if queries != SYNC_QUERIES or quiet_queries != SYNC_QUERIES:
            failures.append(f"{endpoint}: {queries} queries, goal {SYNC_QUERIES}")
        if size > args.max_bytes:
            failures.append(f"{endpoint}: {size} bytes, goal at most {args.max_bytes}")
        if ms > args.max_ratio * page_ms:
            failures.append(
                f"{endpoint}: {ms:.1f} ms, goal at most {args.max_ratio} x the one-row page"
            )
    if failures:
        print("MISSED: " + "; ".join(failures))
        sys.exit(1)
    print("goal met: constant queries, a few kilobytes")


if __name__ == "__main__":
    main()
