"""The trainee import reads its file with the kernel's one reader, so the indicator
import's guards now apply to it too: a CSV saved by Excel on Persian Windows (cp1256) is
read, a file named neither .xlsx nor .csv is refused, and a file whose content is not what
its name says is refused. Driven through the admin, the way staff use it."""

import pytest
from django.urls import reverse

from tests.trainees.spreadsheet_files import HEADERS, upload
from trainees.demo import national_code
from trainees.models import TraineeImport

pytestmark = pytest.mark.django_db


def _csv_text(rows) -> str:
    lines = [",".join(HEADERS[:6])] + [",".join(row) for row in rows]
    return "\r\n".join(lines) + "\r\n"


def _post(client, staff, isfahan, content, name):
    client.force_login(staff)
    return client.post(
        reverse("admin:trainees_trainee_import"),
        {"centre": isfahan.pk, "file": upload(content, name)},
    )


def test_a_cp1256_csv_is_read(client, staff, isfahan):
    text = _csv_text(
        [
            ["مريم", "صنعتي", "احمد", national_code(7301), "09131234567", "زن"],
            ["علي", "كريمي", "حسن", national_code(7302), "", "مرد"],
        ]
    )
    # Excel on Persian Windows writes the Arabic yeh and kaf that cp1256 has (ي ك).
    text = text.replace("ی", "ي").replace("ک", "ك")
    response = _post(client, staff, isfahan, text.encode("cp1256"), "list.csv")
    assert response.status_code == 302
    trainee_import = TraineeImport.objects.get()
    assert trainee_import.state == "previewed" and trainee_import.file_type == "csv"
    assert trainee_import.create_count == 2 and trainee_import.error_count == 0
    first = trainee_import.report["rows"][0]["data"]
    # The Arabic yeh and kaf of cp1256 come out as the Persian letters.
    assert (first["first_name"], first["last_name"]) == ("مریم", "صنعتی")


@pytest.mark.parametrize(
    "name, content, code",
    [
        ("list.pdf", b"%PDF-1.4\n", "file_type"),
        ("list.xlsx", _csv_text([]).encode(), "not_xlsx"),
        ("list.csv", b"\xff\xfe" + "نام,کد ملی".encode("utf-16-le"), "not_csv"),
    ],
)
def test_a_mislabelled_file_is_refused_with_a_message(client, staff, isfahan, name, content, code):
    response = _post(client, staff, isfahan, content, name)
    assert response.status_code == 200
    refused = TraineeImport.objects.get()
    assert refused.state == "refused" and refused.report == {"refusal": code}
    assert refused.message in response.content.decode()
    assert not refused.file
