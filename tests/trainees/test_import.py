"""Spreadsheet import: preview with refused rows, nothing written until confirmed, one
transaction, idempotent re-import, file checks; driven through the services and the admin."""

import io
import zipfile

import jdatetime
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from tests.centres.factories import NeighbourhoodFactory, staff_user
from tests.trainees.factories import TraineeFactory
from tests.trainees.spreadsheet_files import csv_bytes, upload, xlsx_bytes
from trainees import selectors, services, spreadsheets
from trainees.demo import national_code
from trainees.models import Enrolment, PossibleDuplicate, Trainee, TraineeImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def hesseh(isfahan):
    return NeighbourhoodFactory(name="حصه", district__city=isfahan.city)


def good_row(n, cohort_code="MNK-1", **overrides):
    row = {
        "first": "مریم",
        "last": f"صنعتی {n}",
        "father": "احمد",
        "code": national_code(7000 + n),
        "mobile": f"۰۹۱۳{n:07d}",
        "gender": "زن",
        "birth": "1375/06/21",
        "hood": "حصه",
        "edu": "دیپلم",
        "job": "خانه‌دار",
        "heard": "مسجد",
        "cohort": cohort_code,
    }
    row.update(overrides)
    return list(row.values())


def bad_rows():
    return [
        good_row(10, code=national_code(7010)[:9] + str((int(national_code(7010)[9]) + 1) % 10)),
        good_row(11, code="2222222222"),
        good_row(12, code=national_code(7012)[:9]),
        good_row(13, birth="1402/12/30"),
        good_row(14, birth="1403/13/01"),
        good_row(15, gender="نامعلوم"),
        good_row(16, cohort="NOPE-1"),
    ]


def preview(centre, user, content, name="t.xlsx"):
    return services.trainee_import_preview(
        centre=centre, uploaded_file=upload(content, name), by=user
    )


def test_preview_reports_every_row_and_writes_nothing(isfahan, staff, cohort, hesseh):
    existing = TraineeFactory(national_code=national_code(7002), registered_at=isfahan)
    content = xlsx_bytes([good_row(1), good_row(2), *bad_rows()])
    trainee_import = preview(isfahan, staff, content)

    assert trainee_import.state == "previewed"
    assert (trainee_import.total_rows, trainee_import.create_count) == (9, 1)
    assert (trainee_import.update_count, trainee_import.error_count) == (1, 7)
    actions = {r["row"]: r["action"] for r in trainee_import.report["rows"]}
    assert actions == {2: "create", 3: "update"}
    errors = {(e["row"], e["field"]): e["message"] for e in trainee_import.report["errors"]}
    assert set(errors) == {
        (4, "national_code"),  # check digit
        (5, "national_code"),  # one digit repeated
        (6, "national_code"),  # not 10 digits
        (7, "birth_date"),  # 30 Esfand of a common year
        (8, "birth_date"),  # month 13
        (9, "gender"),
        (10, "cohort"),
    }
    assert "NOPE-1" in errors[(10, "cohort")]  # the cohort code as written
    # Nothing written yet.
    assert list(Trainee.objects.all()) == [existing]
    assert not Enrolment.objects.exists()


@pytest.fixture
def on_commit(django_capture_on_commit_callbacks):
    """Run the callbacks queued with transaction.on_commit (the test's transaction never
    commits), as the eager Celery task would in development."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_confirm_writes_valid_rows_and_reimport_creates_no_duplicates(
    isfahan, staff, cohort, hesseh, on_commit
):
    cohort.capacity = 50
    cohort.save()
    content = xlsx_bytes([good_row(n) for n in range(1, 6)] + bad_rows())
    first = preview(isfahan, staff, content)
    with on_commit():
        services.trainee_import_confirm(trainee_import=first, by=staff)
    first.refresh_from_db()
    assert first.state == "applied", first.message
    assert Trainee.objects.count() == 5
    assert Enrolment.objects.filter(cohort=cohort).count() == 5
    trainee = Trainee.objects.get(national_code=national_code(7001))
    assert trainee.mobile == "09130000001"
    assert trainee.neighbourhood == hesseh and trainee.education == "diploma"
    assert str(trainee.birth_date) == "1375-06-21"

    again = preview(isfahan, staff, content)
    assert (again.create_count, again.update_count) == (0, 5)
    with on_commit():
        services.trainee_import_confirm(trainee_import=again, by=staff)
    again.refresh_from_db()
    assert again.state == "applied"
    assert Trainee.objects.count() == 5
    assert Enrolment.objects.count() == 5
    # An unchanged row writes no new history.
    assert trainee.history.count() == 1


def test_a_failure_midway_leaves_nothing_half_imported(
    isfahan, staff, cohort, hesseh, monkeypatch, on_commit
):
    cohort.capacity = 50
    cohort.save()
    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(n) for n in range(1, 6)]))
    # Batches of two rows: the first batch is written, the second fails while enrolling.
    monkeypatch.setattr(services.imports, "IMPORT_CHUNK", 2)
    real_enrol = services.enrolments_create_many
    calls = []

    def failing_enrol(**kwargs):
        calls.append(1)
        if len(calls) == 2:
            assert Trainee.objects.count() == 4  # two batches of trainees written so far
            raise RuntimeError("disk full")
        return real_enrol(**kwargs)

    monkeypatch.setattr(services.enrolment, "enrolments_create_many", failing_enrol)
    with pytest.raises(RuntimeError), on_commit():
        services.trainee_import_confirm(trainee_import=trainee_import, by=staff)
    trainee_import.refresh_from_db()
    assert trainee_import.state == "failed" and trainee_import.message
    assert not Trainee.objects.exists()
    assert not Enrolment.objects.exists()


def test_import_fills_seats_then_the_waiting_list_and_flags_duplicates(
    isfahan, staff, cohort, hesseh, on_commit
):
    services.trainee_register(
        centre=isfahan,
        first_name="مریم",
        last_name="صنعتی 1",
        national_code=national_code(9999),
        gender="female",
        birth_date=jdatetime.date(1375, 6, 21),
    )
    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(n) for n in range(1, 6)]))
    with on_commit():
        services.trainee_import_confirm(trainee_import=trainee_import, by=staff)
    statuses = list(
        Enrolment.objects.filter(cohort=cohort).order_by("pk").values_list("status", flat=True)
    )
    assert statuses == ["enrolled"] * 3 + ["waitlisted"] * 2  # capacity 3
    flag = PossibleDuplicate.objects.get()
    assert flag.trainee.national_code == national_code(7001)
    assert flag.other.national_code == national_code(9999)
    assert (
        Trainee.objects.get(national_code=national_code(7001)).history.get().history_user == staff
    )


def test_confirm_twice_queues_once(isfahan, staff, cohort, hesseh):
    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(1)]))
    services.trainee_import_confirm(trainee_import=trainee_import, by=staff)
    with pytest.raises(ValidationError):
        services.trainee_import_confirm(trainee_import=trainee_import, by=staff)
    assert services.trainee_import_apply(import_id=trainee_import.pk).state == "applied"
    assert Trainee.objects.count() == 1


def test_csv_with_bom_and_persian_headers_is_read(isfahan, staff, cohort, hesseh):
    trainee_import = preview(isfahan, staff, csv_bytes([good_row(1), good_row(2)]), "t.csv")
    assert trainee_import.file_type == "csv"
    assert trainee_import.create_count == 2


def test_numeric_national_code_cell_gets_a_hint(isfahan, staff, cohort, hesseh):
    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(1, code=12345678)]))
    [error] = trainee_import.report["errors"]
    assert error["field"] == "national_code" and error["message"]


def test_repeated_national_code_in_the_file_is_refused(isfahan, staff, cohort, hesseh):
    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(1), good_row(1)]))
    assert trainee_import.create_count == 1
    assert trainee_import.report["errors"][0]["row"] == 3


@pytest.mark.parametrize(
    "content, name, code",
    [
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "photo.xlsx", "not_xlsx"),
        (b"PK\x03\x04not really a zip", "t.xlsx", "not_xlsx"),
        (b"\xff\xfe\x00b\x00a\x00d", "t.csv", "not_csv"),
        (b"", "t.csv", "file_empty"),
    ],
)
def test_files_that_are_not_spreadsheets_are_refused(isfahan, staff, content, name, code):
    trainee_import = preview(isfahan, staff, content, name)
    assert trainee_import.state == "refused"
    assert trainee_import.report == {"refusal": code} and trainee_import.message
    assert not trainee_import.file


def test_a_plain_zip_is_not_a_workbook(isfahan, staff):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "hello")
    trainee_import = preview(isfahan, staff, buffer.getvalue())
    assert trainee_import.state == "refused"


def test_a_zip_bomb_is_refused(isfahan, staff):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    trainee_import = preview(isfahan, staff, buffer.getvalue())
    assert trainee_import.state == "refused"
    assert trainee_import.report == {"refusal": "workbook_too_big"}


def test_a_file_too_large_is_refused(isfahan, staff, monkeypatch):
    monkeypatch.setattr(spreadsheets, "MAX_UPLOAD_BYTES", 1000)
    trainee_import = preview(isfahan, staff, csv_bytes([good_row(n) for n in range(40)]), "t.csv")
    assert trainee_import.state == "refused"
    assert trainee_import.report == {"refusal": "file_too_large"}


def test_missing_required_columns_are_named(isfahan, staff):
    trainee_import = preview(isfahan, staff, xlsx_bytes([["مریم"]], headers=["نام"]))
    assert trainee_import.state == "refused"
    assert trainee_import.report == {"refusal": "columns_missing"}


# --- Through the admin -------------------------------------------------------------------


def test_admin_upload_preview_and_confirm(client, staff, isfahan, cohort, hesseh, on_commit):
    client.force_login(staff)
    changelist = client.get(reverse("admin:trainees_trainee_changelist"))
    assert reverse("admin:trainees_trainee_import") in changelist.content.decode()
    content = xlsx_bytes([good_row(1), good_row(2), *bad_rows()])
    response = client.post(
        reverse("admin:trainees_trainee_import"),
        {"centre": isfahan.pk, "file": upload(content, "لیست.xlsx")},
    )
    assert response.status_code == 302
    trainee_import = TraineeImport.objects.get()
    page = client.get(response.url)
    body = page.content.decode()
    assert page.status_code == 200
    for error in trainee_import.report["errors"]:  # every refused row, on the page
        assert error["message"] in body
    assert national_code(7001) in body
    assert not Trainee.objects.exists()

    with on_commit():
        confirmed = client.post(response.url, follow=True)
    assert confirmed.status_code == 200
    trainee_import.refresh_from_db()
    assert trainee_import.state == "applied"
    assert Trainee.objects.count() == 2
    assert Trainee.objects.first().history.latest().history_type == "+"


def test_admin_refuses_a_renamed_image_with_a_clear_message(client, staff, isfahan):
    client.force_login(staff)
    response = client.post(
        reverse("admin:trainees_trainee_import"),
        {"centre": isfahan.pk, "file": upload(b"\x89PNG\r\n\x1a\n\x00\x00", "list.xlsx")},
    )
    assert response.status_code == 200
    assert TraineeImport.objects.get().report == {"refusal": "not_xlsx"}
    assert TraineeImport.objects.get().message in response.content.decode()
    assert not Trainee.objects.exists()


def test_only_staff_with_the_import_permission_may_import(client, isfahan):
    council = staff_user("council.a", "council_member", isfahan.city)
    council.is_staff = True
    council.save()
    client.force_login(council)
    assert client.get(reverse("admin:trainees_trainee_import")).status_code == 403
    with pytest.raises(PermissionDenied):
        preview(isfahan, council, xlsx_bytes([good_row(1)]))


def test_another_centres_import_preview_is_not_found(client, two_centres, cohort, hesseh):
    trainee_import = preview(
        two_centres["isfahan"], two_centres["staff_isfahan"], xlsx_bytes([good_row(1)])
    )
    client.force_login(two_centres["staff_karaj"])
    url = reverse("admin:trainees_trainee_import_preview", args=[trainee_import.pk])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    trainee_import.refresh_from_db()
    assert trainee_import.state == "previewed"


def test_progress_is_read_from_the_cache_while_applying(isfahan, staff, cohort, hesseh):
    from django.core.cache import cache

    from trainees.selectors import trainee_import_progress

    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(1), good_row(2)]))
    assert trainee_import_progress(trainee_import=trainee_import) == (0, 2)
    trainee_import.state = "applying"
    cache.set(selectors.progress_cache_key(trainee_import.pk), 1)
    assert trainee_import_progress(trainee_import=trainee_import) == (1, 2)


def test_a_confirmation_while_the_broker_is_down_is_applied_by_the_sweep(
    client, isfahan, staff, cohort, hesseh, django_capture_on_commit_callbacks, monkeypatch
):
    """Redis unreachable when the confirmation commits: the page answers (no 500), the import
    stays queued, and the beat's sweep dispatches it once the broker is back."""
    import datetime

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from trainees import tasks

    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(1), good_row(2)]))
    client.force_login(staff)
    url = reverse("admin:trainees_trainee_import_preview", args=[trainee_import.pk])

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as down:
        down.setattr(tasks.trainee_import_apply_task, "apply_async", broker_down)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(url)
    assert response.status_code == 302
    trainee_import.refresh_from_db()
    assert trainee_import.state == "queued"
    assert not Trainee.objects.exists()
    # Too soon: a dispatch may still be on its way.
    assert services.trainee_import_sweep() == []
    TraineeImport.objects.filter(pk=trainee_import.pk).update(
        updated_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    # The broker is back (eager in the tests): the sweep takes it once, the apply runs.
    assert services.trainee_import_sweep() == [trainee_import.pk]
    assert services.trainee_import_sweep() == []
    trainee_import.refresh_from_db()
    assert trainee_import.state == "applied"
    assert Trainee.objects.count() == 2
