"""Benchmark: a 10,000-row trainee spreadsheet through preview and apply, on the
configured database (DATABASE_URL), through the same services the admin uses.

    DATABASE_URL=postgres://... .venv/bin/python bench/import_10k.py [--rows N] [--keep]

Prints the file size, then wall time and peak memory of each step: Python allocations
traced with tracemalloc (a separate, untraced run of the step gives the wall time, as
tracing slows Python down) and the process's peak resident size (getrusage maxrss).
Without --keep everything runs in one transaction that is rolled back at the end, so the
database is left as it was.
"""

import argparse
import os
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empowerment.settings")

import django

django.setup()

import jdatetime  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from centres.models import Centre, City, District, Neighbourhood, Province  # noqa: E402
from centres.services import centre_create  # noqa: E402
from programs.models import Cohort, Programme  # noqa: E402
from programs.services.training import cohort_create, programme_create  # noqa: E402
from tests.trainees.spreadsheet_files import xlsx_bytes  # noqa: E402
from trainees import services  # noqa: E402
from trainees.demo import FEMALE_NAMES, LAST_NAMES, national_code  # noqa: E402
from trainees.models import Trainee, TraineeImport  # noqa: E402


class Rollback(Exception):
    pass


def maxrss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def setup():
    province, _ = Province.objects.get_or_create(name="استان سنجش")
    city, _ = City.objects.get_or_create(province=province, name="شهر سنجش")
    district, _ = District.objects.get_or_create(city=city, number=1)
    hood, _ = Neighbourhood.objects.get_or_create(district=district, name="محله سنجش")
    centre = Centre.objects.filter(name="مرکز سنجش").first() or centre_create(
        name="مرکز سنجش", city=city, districts=[district], neighbourhoods=[hood]
    )
    programme = Programme.objects.filter(title="برنامه سنجش").first() or programme_create(
        title="برنامه سنجش", field="handicraft", total_hours=10
    )
    cohort = Cohort.objects.filter(code="BENCH-1").first() or cohort_create(
        programme=programme,
        centre=centre,
        code="BENCH-1",
        title="دوره سنجش",
        start_date=jdatetime.date(1404, 1, 1),
        end_date=jdatetime.date(1404, 6, 1),
        capacity=5000,  # half the rows go to the waiting list
        status="running",
    )
    return centre, cohort


def rows(n: int, cohort_code: str):
    for i in range(n):
        yield [
            FEMALE_NAMES[i % len(FEMALE_NAMES)],
            f"{LAST_NAMES[i % len(LAST_NAMES)]} {i}",
            "احمد",
            national_code(1_000_000 + i),
            f"0913{i:07d}",
            "زن",
            f"{1350 + i % 40}/{1 + i % 12:02d}/{1 + i % 28:02d}",
            "محله سنجش",
            "دیپلم",
            "بیکار",
            "مسجد",
            cohort_code,
        ]


def timed(label, func, *, traced: bool):
    if traced:
        tracemalloc.start()
    started = time.perf_counter()
    result = func()
    elapsed = time.perf_counter() - started
    peak = None
    if traced:
        _size, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return result, elapsed, peak


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--keep", action="store_true", help="commit the imported rows")
    args = parser.parse_args()

    print(f"database: {connection.vendor} {connection.settings_dict['NAME']}")
    try:
        with transaction.atomic():
            centre, cohort = setup()
            content = xlsx_bytes(rows(args.rows, cohort.code))
            print(f"file: {args.rows} rows, {len(content) / 1024:.0f} KiB xlsx")
            before = Trainee.objects.count()

            def preview():
                return services.trainee_import_preview(
                    centre=centre,
                    uploaded_file=SimpleUploadedFile("bench.xlsx", content),
                    by=None,
                )

            # Preview twice: traced for memory, untraced for time (it writes no trainee).
            _imp, _t, preview_peak = timed("preview", preview, traced=True)
            trainee_import, preview_time, _p = timed("preview", preview, traced=False)
            assert trainee_import.state == "previewed", trainee_import.message
            assert trainee_import.create_count == args.rows, trainee_import.report["errors"][:3]
            print(
                f"preview: {preview_time:.2f} s, peak traced {preview_peak / 2**20:.1f} MiB, "
                f"{trainee_import.create_count} to create, {trainee_import.error_count} refused"
            )

            TraineeImport.objects.filter(pk=trainee_import.pk).update(state="queued")
            rss_before = maxrss_mb()
            applied, apply_time, _p = timed(
                "apply",
                lambda: services.trainee_import_apply(import_id=trainee_import.pk),
                traced=False,
            )
            assert applied.state == "applied", applied.message
            created = Trainee.objects.count() - before
            print(
                f"apply: {apply_time:.2f} s for {created} trainees and their enrolments "
                f"({args.rows / apply_time:.0f} rows/s); process maxrss {rss_before:.0f} -> "
                f"{maxrss_mb():.0f} MiB"
            )
            print(f"closing note: {applied.message}")

            # The same file again: every row is an unchanged update, nothing is written.
            again, again_preview_time, _p = timed("preview", preview, traced=False)
            TraineeImport.objects.filter(pk=again.pk).update(state="queued")
            reapplied, again_time, _p = timed(
                "apply", lambda: services.trainee_import_apply(import_id=again.pk), traced=False
            )
            assert Trainee.objects.count() - before == created, "re-import created duplicates"
            print(
                f"re-import: preview {again_preview_time:.2f} s ({again.update_count} as "
                f"updates), apply {again_time:.2f} s; trainees still {created}; "
                f"{reapplied.message}"
            )
            if not args.keep:
                raise Rollback
    except Rollback:
        print("rolled back (pass --keep to commit)")


if __name__ == "__main__":
    main()
