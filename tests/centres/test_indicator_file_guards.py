"""The indicator import reads its file with the kernel's one reader, so every guard of the
trainee import now protects it too: a zip bomb, a DTD or an XXE entity, a file whose
content is not what its name says, UTF-16 text. Each is refused on the admin's upload page
with a Persian message, and nothing is imported. Driven the way staff upload."""

import io
import re
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from centres.models import Indicator
from tests.centres.factories import HeadquartersFactory, isfahan_and_karaj, staff_user
from tests.codes import page_codes

pytestmark = pytest.mark.django_db

HEADERS = ["شهر", "منطقه", "محله", "سال", "فصل", "جمعیت"]
ROW = ["اصفهان", 14, "حصه", 1405, "", 1000]


@pytest.fixture
def secretary():
    places = isfahan_and_karaj()
    hq = HeadquartersFactory(name="قرارگاه استان اصفهان", province=places["isfahan"].province)
    return staff_user("secretary", "hq_secretary", hq)


def _workbook() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    workbook.active.append(ROW)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_prolog(member: str, prolog: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(_workbook()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name in source.namelist():
            data = source.read(name)
            if name == member:
                data = re.sub(rb"^(<\?xml[^>]*\?>)?", prolog, data, count=1)
                data = data.replace("حصه".encode(), b"&leak;", 1)
            target.writestr(name, data)
    return out.getvalue()


def _zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"0" * (50 * 1024 * 1024))
    return buffer.getvalue()


XXE = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY leak SYSTEM "file:///etc/passwd">]>'
EXTERNAL_DTD = b'<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://127.0.0.1:8419/x.dtd">'
CSV_TEXT = "،".join(HEADERS).replace("،", ",") + "\n" + ",".join(map(str, ROW)) + "\n"

HOSTILE = {
    "zip bomb": ("a.xlsx", _zip_bomb(), "workbook_too_big"),
    "xxe in the sheet": ("a.xlsx", _with_prolog("xl/worksheets/sheet1.xml", XXE), "workbook_dtd"),
    "external dtd": ("a.xlsx", _with_prolog("[Content_Types].xml", EXTERNAL_DTD), "workbook_dtd"),
    "image named xlsx": ("a.xlsx", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "not_xlsx"),
    "csv named xlsx": ("a.xlsx", CSV_TEXT.encode(), "not_xlsx"),
    "pdf named csv": ("a.csv", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "not_csv"),
    "utf-16 text": ("a.csv", b"\xff\xfe" + "شهر,سال".encode("utf-16-le"), "not_csv"),
}


@pytest.mark.parametrize("kind", HOSTILE)
def test_the_admin_upload_refuses_a_hostile_or_mislabelled_file(client, secretary, kind):
    name, content, code = HOSTILE[kind]
    client.force_login(secretary)
    response = client.post(
        reverse("admin:centres_indicator_import"), {"file": SimpleUploadedFile(name, content)}
    )
    assert response.status_code == 200  # the form again, with the refusal; not a 500
    # The portal's own refusal (a library's exception has no code), shown on the page.
    assert [error.code for error in response.context["errors"]] == [code]
    assert page_codes(response) == [code]
    assert not Indicator.objects.filter(year=1405).exists()


def test_the_admin_upload_reads_a_cp1256_csv(client, secretary):
    client.force_login(secretary)
    # Excel on Persian Windows writes the Arabic yeh and kaf that cp1256 has (ي ك); the
    # reader's normaliser reads them as the Persian letters.
    text = CSV_TEXT.replace("ی", "ي").replace("ک", "ك")
    upload = SimpleUploadedFile("a.csv", text.encode("cp1256"))
    response = client.post(reverse("admin:centres_indicator_import"), {"file": upload})
    assert response.status_code == 302
    assert Indicator.objects.get(year=1405).population == 1000
