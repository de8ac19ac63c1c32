"""Dashboard pages at 10,000 and 1,000,000 trainees, on PostgreSQL: `make bench-dashboard`.

For each size it creates a dedicated database (`<DATABASE_URL's name>_bench`, dropped and
made again), migrates it, generates the synthetic data set (`generate_synthetic`), rebuilds
the summary tables, and renders each dashboard through Django's test client as an
administrator (the whole country), a provincial council member and a city council member:
several runs each, printing the median server time and the query count. It ends by
dropping the database. Not part of `make test`.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/empowerment python bench/dashboard_bench.py
    ... --sizes 10000,1000000 --runs 7 --keep
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[1]
PAGES = ["overview", "ideas", "headquarters", "neighbourhoods"]


def bench_url(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    name = parts.path.lstrip("/") + "_bench"
    admin = urlunsplit(parts._replace(path="/postgres"))
    return urlunsplit(parts._replace(path=f"/{name}")), admin, name


def recreate(admin_url: str, name: str, *, drop_only: bool = False) -> None:
    import psycopg2

    connection = psycopg2.connect(admin_url)
    connection.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if not drop_only:
            cursor.execute(f'CREATE DATABASE "{name}"')
    connection.close()


def run(args: list[str], env: dict) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, *args], cwd=ROOT, env=env, check=True)
    return time.monotonic() - started


def measure(runs: int) -> dict:
    """In a process whose DATABASE_URL is the bench database: time each page."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empowerment.settings")
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment

    from centres import services
    from centres.models import City, Province
    from empowerment.dashboards.models import TrainingSummary
    from empowerment.dashboards.summaries import summaries_refresh

    setup_test_environment()
    started = time.monotonic()
    summaries_refresh()
    refresh_seconds = time.monotonic() - started
    User = get_user_model()
    admin = User.objects.create_superuser("bench.admin", password="bench-pass-1403")
    province = Province.objects.order_by("pk").first()
    city = City.objects.filter(province=province).order_by("pk").first()
    members = {"administrator (country)": admin}
    for label, username, scope in (
        ("council member (province)", "bench.province", province),
        ("council member (city)", "bench.city", city),
    ):
        user = User.objects.create_user(username, password="bench-pass-1403")
        services.staff_role_assign(user=user, role="council_member", scope=scope)
        members[label] = user
    results = {
        "refresh_seconds": refresh_seconds,
        "summary_rows": TrainingSummary.objects.count(),
        "pages": [],
    }
    for label, user in members.items():
        client = Client()
        client.force_login(user)
        for page in PAGES:
            url = f"/dashboard/{page}/"
            client.get(url)  # warm: templates, translations, the planner's caches
            times = []
            for _ in range(runs):
                with CaptureQueriesContext(connection) as queries:
                    started = time.perf_counter()
                    response = client.get(url)
                    times.append(time.perf_counter() - started)
                assert response.status_code == 200, (page, response.status_code)
            results["pages"].append(
                {
                    "user": label,
                    "page": page,
                    "median_ms": statistics.median(times) * 1000,
                    "queries": len(queries),
                }
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,1000000")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keep", action="store_true", help="keep the bench database")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print("RESULT " + json.dumps(measure(args.runs)))
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the bench makes <name>_bench).")
    target, admin_url, name = bench_url(url)
    env = {**os.environ, "DATABASE_URL": target, "DJANGO_DEBUG": "1"}
    env.pop("REDIS_URL", None)  # pages rebuild nothing: the bench refreshes once, up front
    env["DASHBOARD_BENCH"] = "1"
    report = []
    total_started = time.monotonic()
    try:
        for size in (int(s) for s in args.sizes.split(",")):
            print(f"\n=== {size:,} trainees (database {name})", flush=True)
            recreate(admin_url, name)
            migrate = run(["manage.py", "migrate", "--noinput", "-v0"], env)
            generate = run(["manage.py", "generate_synthetic", "--trainees", str(size)], env)
            output = subprocess.run(
                [sys.executable, "bench/dashboard_bench.py", "--measure", "--runs", str(args.runs)],
                cwd=ROOT,
                env=env,
                check=True,
                stdout=subprocess.PIPE,
                text=True,
            ).stdout
            result = json.loads(output.split("RESULT ", 1)[1])
            result.update(size=size, migrate=migrate, generate=generate)
            report.append(result)
            print(
                f"migrate {migrate:.1f} s, generate {generate:.1f} s, summary refresh "
                f"{result['refresh_seconds']:.1f} s ({result['summary_rows']:,} training "
                "summary rows)"
            )
            for row in result["pages"]:
                print(
                    f"  {row['user']:<27} {row['page']:<15} {row['median_ms']:8.1f} ms "
                    f"{row['queries']:>4} queries"
                )
    finally:
        if not args.keep:
            recreate(admin_url, name, drop_only=True)
    if len(report) >= 2:
        small, large = report[0], report[-1]
        print(f"\nmedian page time, {large['size']:,} vs {small['size']:,} trainees:")
        for a, b in zip(small["pages"], large["pages"], strict=True):
            ratio = b["median_ms"] / a["median_ms"]
            verdict = "ok" if ratio <= 2 else "SLOWER THAN 2x"
            print(
                f"  {a['user']:<27} {a['page']:<15} {a['median_ms']:7.1f} -> "
                f"{b['median_ms']:7.1f} ms  x{ratio:.2f}  {verdict}"
            )
    print(f"\nwhole benchmark: {time.monotonic() - total_started:.0f} s")


if __name__ == "__main__":
    main()
