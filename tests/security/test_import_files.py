"""Class 7b: import files are private and broken or hostile files are clear errors.

A workbook carrying a DTD or an XXE entity, and the loser of two imports racing on the
same national codes, get a Persian message; nothing half-written and no raw database or
library text reaches the page or the import row.
"""

import datetime
import importlib
import io
import re
import threading
import time
import zipfile
from pathlib import Path

import pytest
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone

from empowerment.kernel.residents import resident_user_for_mobile
from tests.centres.factories import staff_user
from tests.trainees.spreadsheet_files import upload, xlsx_bytes
from trainees import services
from trainees.demo import national_code
from trainees.models import Enrolment, Trainee, TraineeImport

HEADERS = ["نام", "نام خانوادگی", "کد ملی", "جنسیت", "کد دوره"]
RAW_DATABASE_WORDS = (
    "duplicate key",
    "violates",
    "unique constraint",
    "trainees_trainee",
    "DETAIL",
)

XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<!DOCTYPE x [<!ENTITY leak SYSTEM "file:///etc/passwd">]>'
)
LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
    b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:8419/x.dtd">'


def _rows(n=1, start=0):
    return [
        ["مریم", f"صنعتی {i}", national_code(8100 + i), "زن", "KRJ-1"]
        for i in range(start, start + n)
    ]


def _with_prolog(content: bytes, member: str, prolog: bytes, use_entity: bool) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == member:
                data = re.sub(rb"^(<\?xml[^>]*\?>)?", prolog, data, count=1)
                if use_entity:
                    data = data.replace("صنعتی".encode(), b"&leak;", 1)
            target.writestr(name, data)
    return out.getvalue()


HOSTILE = [
    (member, name, prolog)
    for member in (
        "xl/worksheets/sheet1.xml",
        "xl/workbook.xml",
        "[Content_Types].xml",
        "docProps/app.xml",
        "_rels/.rels",
        "xl/styles.xml",
    )
    for name, prolog in (("xxe", XXE), ("laughs", LAUGHS), ("external_dtd", EXTERNAL_DTD))
]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("member", "kind", "prolog"), HOSTILE, ids=[f"{m}-{k}" for m, k, _p in HOSTILE]
)
def test_a_workbook_with_a_dtd_is_refused_with_a_message(
    client, two_centres, karaj_cohort, member, kind, prolog
):
    content = _with_prolog(xlsx_bytes(_rows(), headers=HEADERS), member, prolog, kind == "xxe")
    client.force_login(two_centres["staff_karaj"])
    response = client.post(
        reverse("admin:trainees_trainee_import"),
        {"centre": two_centres["karaj"].pk, "file": upload(content, "t.xlsx")},
    )
    assert response.status_code == 200  # the form again, with the refusal; not a 500
    refused = TraineeImport.objects.get()
    assert refused.state == TraineeImport.State.REFUSED
    assert not refused.file
    assert refused.message and refused.message in response.content.decode()
    assert refused.report == {"refusal": "workbook_dtd"}  # the portal's own, no library text
    assert not Trainee.objects.exists()


def _preview(centre, user, rows):
    return services.trainee_import_preview(
        centre=centre, uploaded_file=upload(xlsx_bytes(rows, headers=HEADERS)), by=user
    )


@pytest.mark.django_db(transaction=True)
def test_the_loser_of_two_concurrent_imports_gets_a_message_and_nothing_half_written(
    client, two_centres, karaj_cohort, monkeypatch
):
    if connection.vendor != "postgresql":
        pytest.skip("row locks and concurrent unique inserts need PostgreSQL")
    karaj, staff = two_centres["karaj"], two_centres["staff_karaj"]
    shared = _rows(3)
    first = _preview(karaj, staff, shared)
    # The second file has the same three people and two of its own.
    second = _preview(karaj, staff, shared + _rows(2, start=10))
    for trainee_import in (first, second):
        TraineeImport.objects.filter(pk=trainee_import.pk).update(state="queued")

    first_inserted = threading.Event()
    real_register = services.registry.trainees_register_many

    def register(**kwargs):
        written = real_register(**kwargs)
        if threading.current_thread().name == "first":
            first_inserted.set()
            time.sleep(1.5)  # hold the uncommitted rows while the second inserts
        return written

    monkeypatch.setattr(services.registry, "trainees_register_many", register)
    results = {}

    def apply(import_id, name):
        try:
            if name == "second":
                assert first_inserted.wait(20)
            results[name] = services.trainee_import_apply(import_id=import_id).state
        except Exception as error:  # reported by the assertion below
            results[name] = repr(error)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=apply, args=(first.pk, "first"), name="first"),
        threading.Thread(target=apply, args=(second.pk, "second"), name="second"),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert results == {"first": "applied", "second": "failed"}
    second.refresh_from_db()
    assert second.message
    for word in RAW_DATABASE_WORDS:
        assert word.lower() not in second.message.lower()
    # Nothing of the second file is written: not its own two people, not its enrolments.
    assert Trainee.objects.count() == 3
    assert Enrolment.objects.count() == 3

    client.force_login(staff)
    page = client.get(reverse("admin:trainees_trainee_import_preview", args=[second.pk]))
    assert page.status_code == 200
    assert second.message in page.content.decode()
    for word in RAW_DATABASE_WORDS:
        assert word not in page.content.decode()


# --- Private storage, scoped download, retention ---------------------------------------


def _upload_through_admin(client, centre, content):
    response = client.post(
        reverse("admin:trainees_trainee_import"),
        {"centre": centre.pk, "file": upload(content, "t.xlsx")},
    )
    assert response.status_code == 302
    return TraineeImport.objects.latest("pk")


def _files_under(root) -> list:
    root = Path(root)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def outsiders(two_centres):
    """Everyone who must not read a Karaj import file, by role and scope."""
    isfahan, karaj = two_centres["isfahan"], two_centres["karaj"]
    return {
        "isfahan staff": two_centres["staff_isfahan"],
        "isfahan manager": staff_user("manager.isf", "centre_manager", isfahan),
        "karaj reviewer": staff_user("reviewer.krj", "reviewer", karaj),
        "karaj council": staff_user("council.krj", "council_member", karaj.city),
        "resident": resident_user_for_mobile(mobile="09351112233"),
    }


@pytest.mark.django_db
def test_an_import_file_is_private_and_served_only_within_scope(
    client, settings, two_centres, karaj_cohort, outsiders
):
    content = xlsx_bytes(_rows(2), headers=HEADERS)
    client.force_login(two_centres["staff_karaj"])
    trainee_import = _upload_through_admin(client, two_centres["karaj"], content)
    assert trainee_import.file

    # Not under the public media root, which the reverse proxy serves; in the private one.
    assert _files_under(settings.MEDIA_ROOT) == []
    stored = _files_under(settings.PRIVATE_MEDIA_ROOT)
    assert [path.read_bytes() for path in stored] == [content]
    assert client.get(settings.MEDIA_URL + trainee_import.file.name).status_code == 404

    url = reverse("admin:trainees_trainee_import_file", args=[trainee_import.pk])
    preview = client.get(reverse("admin:trainees_trainee_import_preview", args=[trainee_import.pk]))
    assert url in preview.content.decode()
    own = client.get(url)
    assert own.status_code == 200
    assert b"".join(own.streaming_content) == content
    assert own["Content-Disposition"].startswith("attachment")
    assert "no-store" in own["Cache-Control"]

    for who, user in outsiders.items():
        client.force_login(user)
        assert client.get(url).status_code in (302, 403, 404), who
    client.logout()
    assert client.get(url).status_code == 302  # to the sign-in page


@pytest.mark.django_db
def test_import_files_are_deleted_after_the_retention_period_by_the_beat_task(
    client, settings, two_centres, karaj_cohort, django_capture_on_commit_callbacks
):
    from empowerment.celery import app

    settings.IMPORT_FILE_RETENTION_DAYS = 10
    client.force_login(two_centres["staff_karaj"])
    old = _upload_through_admin(client, two_centres["karaj"], xlsx_bytes(_rows(1), HEADERS))
    recent = _upload_through_admin(client, two_centres["karaj"], xlsx_bytes(_rows(1, 5), HEADERS))
    TraineeImport.objects.filter(pk=old.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=11)
    )
    old_path, recent_path = Path(old.file.path), Path(recent.file.path)

    entry = app.conf.beat_schedule["import-files-purge"]
    app.loader.import_default_modules()
    with django_capture_on_commit_callbacks(execute=True):
        assert app.tasks[entry["task"]].apply().get() == 1

    old.refresh_from_db()
    recent.refresh_from_db()
    assert not old_path.exists() and not old.file and old.report == {}
    assert old.state == TraineeImport.State.FAILED  # an expired preview cannot be applied
    assert recent_path.exists() and recent.file and recent.report["rows"]
    url = reverse("admin:trainees_trainee_import_file", args=[old.pk])
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_the_migration_moves_existing_uploads_out_of_media(settings, two_centres):
    from django.apps import apps
    from django.core.files.base import ContentFile
    from django.core.files.storage import storages

    migration = importlib.import_module("trainees.migrations.0005_import_files_private")
    name = f"imports/trainees/{two_centres['karaj'].pk}/{'a' * 32}.xlsx"
    storages["default"].save(name, ContentFile(b"PK old upload"))
    trainee_import = TraineeImport.objects.create(
        centre=two_centres["karaj"], original_name="old.xlsx", file_type="xlsx", state="applied"
    )
    TraineeImport.objects.filter(pk=trainee_import.pk).update(file=name)

    migration.to_private(apps, None)

    assert _files_under(settings.MEDIA_ROOT) == []
    trainee_import.refresh_from_db()
    with trainee_import.file.open("rb") as handle:
        assert handle.read() == b"PK old upload"
