"""Class 7b: import files are private and broken or hostile files are clear errors.

A workbook carrying a DTD or an XXE entity, and the loser of two imports racing on the
same national codes, get a Persian message; nothing half-written and no raw database or
library text reaches the page or the import row.
"""

import io
import re
import threading
import time
import zipfile

import pytest
from django.db import connection, connections
from django.urls import reverse

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
    assert not re.search(r"[A-Za-z]{4,}", refused.message)  # Persian, no library text
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
