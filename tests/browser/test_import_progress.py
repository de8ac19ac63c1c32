"""The trainee import in a real browser: a member of staff uploads a spreadsheet of a few
thousand rows in the admin, confirms it, watches the progress bar move, and reads the
report at the end.

The apply step must run while the browser watches. With eager Celery (the tests' default)
the confirming request would itself run the import and return only when it is done, so
the bar could never be seen moving. Here the task is handed, when the confirmation
commits, to a background thread that runs the very same Celery task (`apply`), as a worker
would; the page, the progress endpoint and the service are all the real ones. A worker
subprocess would need a database it can open, which SQLite's in-memory test database is
not; the real worker is covered by tests/jobs/test_worker_integration.py. Each chunk of
rows waits at a gate the test opens a few chunks at a time, so that the bar stops at
positions the test knows and waits to see, as a person watching it would.
"""

import threading

import pytest
from django.db import connections
from playwright.sync_api import expect

from tests.browser.conftest import admin_sign_in, non_local_requests
from tests.centres.factories import CentreFactory, staff_user
from tests.programs.factories import CohortFactory
from tests.trainees.spreadsheet_files import xlsx_bytes
from trainees import services, tasks
from trainees.demo import national_code
from trainees.models import Enrolment, Trainee, TraineeImport

pytestmark = pytest.mark.browser

ROWS = 3000
CHUNK = 100
PERSIAN_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


def persian_digits(number: int) -> str:
    return str(number).translate(PERSIAN_DIGITS)


def rows(count: int) -> list[list]:
    return [
        [
            "زهرا",
            f"آزمون {n}",
            "علی",
            national_code(400_000 + n),
            f"0912{n:07d}",
            "زن",
            "1370/01/15",
            "",
            "",
            "",
            "",
            "MNK-BR",
        ]
        for n in range(count)
    ]


@pytest.fixture
def background_worker(monkeypatch):
    """Run the confirmed import's task in a thread instead of inside the request."""
    threads: list[threading.Thread] = []

    def run(import_id):
        try:
            tasks.trainee_import_apply_task.apply(args=[import_id])
        finally:
            connections.close_all()  # this thread's own connection, like a worker's

    def apply_async(args=(), **options):
        # What the service calls (empowerment.kernel.jobs.queue, by the task's name).
        thread = threading.Thread(target=run, args=list(args), daemon=True)
        threads.append(thread)
        thread.start()

    monkeypatch.setattr(tasks.trainee_import_apply_task, "apply_async", apply_async)
    monkeypatch.setattr(services.imports, "IMPORT_CHUNK", CHUNK)
    register = services.trainees_register_many
    gate = threading.Semaphore(0)

    def gated(**kwargs):
        # A chunk is written only when the test lets it through (timeout: never hang).
        gate.acquire(timeout=60)
        return register(**kwargs)

    monkeypatch.setattr(services.registry, "trainees_register_many", gated)
    yield gate
    gate.release(ROWS)
    for thread in threads:
        thread.join(timeout=60)


def test_the_progress_bar_moves_and_the_report_follows(
    page, live_server, transactional_db, password, background_worker, screenshot, tmp_path
):
    centre = CentreFactory(name="مرکز توانمندسازی حصه")
    CohortFactory(centre=centre, code="MNK-BR", capacity=ROWS)
    staff = staff_user("staff.hesseh", "centre_staff", centre)
    upload = tmp_path / "trainees.xlsx"
    upload.write_bytes(xlsx_bytes(rows(ROWS)))

    admin_sign_in(page, live_server, staff.username, password, "/admin/trainees/trainee/")
    page.click("a[href$='/admin/trainees/trainee/import/']")
    page.select_option("#id_centre", str(centre.pk))
    page.set_input_files("#id_file", str(upload))
    page.click("input[type=submit]")
    page.wait_for_selector("#import-rows")
    assert page.get_attribute("#import-state", "data-state") == "previewed"

    page.click("input[name=confirm]")
    bar = page.locator("#import-progress")
    expect(bar).to_have_attribute("max", str(ROWS))
    # Let the rows through a few chunks at a time: the bar stops where the import stands.
    gate = background_worker
    written = 0
    for chunks in (3, 5, 4):
        gate.release(chunks)
        written += chunks * CHUNK
        # The page asks every second; a loaded machine writes a chunk in a fraction of that.
        expect(bar).to_have_js_property("value", written, timeout=30000)
        expect(page.locator("#import-processed")).to_have_text(persian_digits(written))
        if written == 800:
            screenshot("moving", clip={"x": 0, "y": 0, "width": 1366, "height": 420})
    gate.release(ROWS)
    expect(page.locator("#import-state[data-state=applied]")).to_be_visible(timeout=30000)
    report = page.inner_text("#import-state")
    assert "۳۰۰۰" in report or "3000" in report
    assert page.query_selector("#import-rows") is not None
    screenshot("report", clip={"x": 0, "y": 0, "width": 1366, "height": 420})
    assert Trainee.objects.count() == ROWS
    assert Enrolment.objects.count() == ROWS
    assert TraineeImport.objects.get().state == TraineeImport.State.APPLIED
    assert non_local_requests(page.requested_urls) == []
