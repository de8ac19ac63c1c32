"""Export to .xlsx: Jalali dates, and names that cannot run as formulas."""

import io

import jdatetime
import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees.spreadsheets import column_title

pytestmark = pytest.mark.django_db


def test_admin_exports_trainees_with_jalali_dates_and_escaped_cells(client, staff, isfahan):
    evil = TraineeFactory(
        registered_at=isfahan, first_name="=HYPERLINK(A)", birth_date=jdatetime.date(1370, 1, 2)
    )
    TraineeFactory(registered_at=isfahan)
    client.force_login(staff)
    response = client.post(
        reverse("admin:trainees_trainee_changelist"),
        {"action": "export_xlsx", "_selected_action": [evil.pk]},
    )
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    with translation.override("fa"):  # the import's column titles, in Persian
        assert rows[0][:4] == tuple(
            column_title(name)
            for name in ("first_name", "last_name", "father_name", "national_code")
        )
    assert len(rows) == 2
    assert rows[1][0] == "'=HYPERLINK(A)"
    assert rows[1][6] == "1370/01/02"
    assert all(cell.data_type != "f" for cell in sheet[2])


def test_admin_exports_enrolments(client, staff, cohort):
    enrolment = EnrolmentFactory(cohort=cohort, enrolled_on=jdatetime.date(1403, 1, 5))
    client.force_login(staff)
    response = client.post(
        reverse("admin:trainees_enrolment_changelist"),
        {"action": "export_xlsx", "_selected_action": [enrolment.pk]},
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[1][3] == cohort.code
    assert rows[1][6] == "1403/01/05"
