"""Incremental summary refresh against the full rebuild, on PostgreSQL: `make bench-refresh`.

Makes a dedicated database (`<DATABASE_URL's name>_refresh`, dropped and made again unless
`--reuse`), migrates it, generates the synthetic data set (`generate_synthetic`), then in
one process: a full rebuild (timed), an incremental refresh with nothing changed, and for
each kind of edit (one attendance mark, one enrolment, one trainee) the edit and the
incremental refresh after it (timed), and checks after the last one that the incremental
tables equal a full rebuild's, row for row. Prints the figures; exits non-zero when an
incremental refresh costs more than `--ratio` (1/20) of the full rebuild or the tables
differ.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/empowerment python bench/refresh_bench.py \
        --trainees 1000000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

from dashboard_bench import bench_url, recreate, run  # noqa: E402


def _snapshot(cursor, tables) -> dict[str, int]:
    """Each summary table copied aside (to compare with the next build), by row count."""
    counts = {}
    for model in tables:
        table = model._meta.db_table
        columns = ", ".join(f.column for f in model._meta.concrete_fields if f.column != "id")
        cursor.execute(f'DROP TABLE IF EXISTS "bench_{table}"')
        cursor.execute(f'CREATE TABLE "bench_{table}" AS SELECT {columns} FROM "{table}"')
        counts[table] = cursor.rowcount
    return counts


def _differences(cursor, tables) -> dict[str, int]:
    """Rows in one build and not the other (with multiplicity), per table."""
    found = {}
    for model in tables:
        table = model._meta.db_table
        columns = ", ".join(f.column for f in model._meta.concrete_fields if f.column != "id")
        cursor.execute(
            f'SELECT (SELECT count(*) FROM (SELECT {columns} FROM "bench_{table}" EXCEPT ALL '
            f'SELECT {columns} FROM "{table}") a) + (SELECT count(*) FROM (SELECT {columns} '
            f'FROM "{table}" EXCEPT ALL SELECT {columns} FROM "bench_{table}") b)'
        )
        found[table] = cursor.fetchone()[0]
        cursor.execute(f'DROP TABLE "bench_{table}"')
    return found


def measure() -> dict:
    """In a process whose DATABASE_URL is the bench database."""
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empowerment.settings")
    import django

    django.setup()
    from django.db import connection

    from empowerment.dashboards.models import SummaryChange, TrainingSummary
    from empowerment.dashboards.summaries import (
        SUMMARY_TABLES,
        summaries_rebuild,
        summaries_refresh,
    )
    from trainees.models import Attendance, Enrolment, Trainee

    def timed(function) -> float:
        started = time.monotonic()
        function()
        return time.monotonic() - started

    results = {"full": timed(summaries_rebuild), "rows": TrainingSummary.objects.count()}
    results["nothing changed"] = timed(summaries_refresh)
    # One edit each, as the admin or a service would write it (the triggers see every path).
    mark = Attendance.objects.order_by("-pk").first()
    edits = {
        "one attendance mark": lambda: Attendance.objects.filter(pk=mark.pk).update(
            status="absent" if mark.status == "present" else "present"
        ),
        "one enrolment": lambda: Enrolment.objects.filter(pk=mark.enrolment_id).update(
            attendance_percent=50
        ),
        "one trainee": lambda: Trainee.objects.filter(
            pk=Enrolment.objects.get(pk=mark.enrolment_id).trainee_id
        ).update(gender="female"),
    }
    results["edits"] = {}
    for label, edit in edits.items():
        edit()
        marks = SummaryChange.objects.count()
        results["edits"][label] = {"marks": marks, "seconds": timed(summaries_refresh)}
    with connection.cursor() as cursor:
        _snapshot(cursor, SUMMARY_TABLES)
        summaries_rebuild()
        results["differences"] = _differences(cursor, SUMMARY_TABLES)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        results["database"] = cursor.fetchone()[0]
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=1_000_000)
    parser.add_argument("--ratio", type=float, default=1 / 20)
    parser.add_argument("--reuse", action="store_true", help="keep and reuse the database")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print("RESULT " + json.dumps(measure()))
        return
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (the bench makes <name>_refresh).")
    target, admin_url, name = bench_url(url)
    name = name.removesuffix("_bench") + "_refresh"
    target = target.rsplit("/", 1)[0] + f"/{name}"
    env = {**os.environ, "DATABASE_URL": target, "DJANGO_DEBUG": "1"}
    env.pop("REDIS_URL", None)
    print(f"=== {args.trainees:,} trainees (database {name})", flush=True)
    if not args.reuse:
        recreate(admin_url, name)
    migrate = run(["manage.py", "migrate", "--noinput", "-v0"], env)
    generate = 0.0
    if not args.reuse:
        generate = run(["manage.py", "generate_synthetic", "--trainees", str(args.trainees)], env)
    output = subprocess.run(
        [sys.executable, "bench/refresh_bench.py", "--measure"],
        cwd=ROOT,
        env=env,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    result = json.loads(output.split("RESULT ", 1)[1])
    full = result["full"]
    print(
        f"migrate {migrate:.1f} s, generate {generate:.1f} s, database {result['database']}, "
        f"{result['rows']:,} training summary rows"
    )
    print(f"  full rebuild                     {full:8.2f} s")
    print(f"  incremental, nothing changed     {result['nothing changed']:8.2f} s")
    missed = []
    for label, edit in result["edits"].items():
        ratio = edit["seconds"] / full
        verdict = "ok" if ratio <= args.ratio else f"MORE THAN {args.ratio:.3f} OF FULL"
        if ratio > args.ratio:
            missed.append(label)
        print(
            f"  incremental after {label:<14} {edit['seconds']:8.2f} s  "
            f"({edit['marks']} marks, {ratio:.4f} of full, 1/{1 / ratio:.0f})  {verdict}"
        )
    differing = {table: n for table, n in result["differences"].items() if n}
    print(
        "  incremental = full rebuild, row for row"
        if not differing
        else f"  TABLES DIFFER from a full rebuild: {differing}"
    )
    if missed or differing:
        sys.exit(1)


if __name__ == "__main__":
    main()
