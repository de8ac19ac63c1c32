"""The files around an import, through the admin: the template to fill (columns, an example
row that is never imported, drop-down lists of the importer's words and the person's own
neighbourhoods and open cohorts), the refused rows with their reasons, the count of refused
rows (rows, not reasons), the page's title after applying, and "export all that the filters
match" on the trainee and enrolment lists. Each attacked from a foreign centre, a role
without the right, and a forged import id."""

import io

import pytest
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from empowerment.kernel.models import AccessRecord
from tests.centres.factories import NeighbourhoodFactory, staff_user
from tests.programs.factories import CohortFactory
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from tests.trainees.spreadsheet_files import upload, xlsx_bytes
from tests.trainees.test_import import bad_rows, good_row
from trainees import services, spreadsheets
from trainees.models import Trainee, TraineeImport

pytestmark = pytest.mark.django_db


@pytest.fixture
def hesseh(isfahan):
    return NeighbourhoodFactory(name="حصه", district__city=isfahan.city)


def preview(centre, user, content):
    return services.trainee_import_preview(
        centre=centre, uploaded_file=upload(content, "t.xlsx"), by=user
    )


# --- Counting rows, not reasons ----------------------------------------------------------


def test_a_row_refused_for_two_reasons_counts_once(isfahan, staff, cohort, hesseh):
    twice_wrong = good_row(20, code="2222222222", gender="نامعلوم", birth="1403/13/01")
    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(1), twice_wrong]))
    assert len(trainee_import.report["errors"]) == 3
    assert trainee_import.error_count == 1
    assert (trainee_import.total_rows, trainee_import.valid_count) == (2, 1)


# --- The template ------------------------------------------------------------------------


def template(client, user):
    client.force_login(user)
    return client.get(reverse("admin:trainees_trainee_import_template"))


def test_the_template_has_the_columns_an_example_and_the_lists(
    client, staff, isfahan, karaj, cohort, hesseh
):
    NeighbourhoodFactory(name="گلشهر", district__city=karaj.city)
    CohortFactory(centre=karaj, code="KRJ-1")
    CohortFactory(centre=isfahan, code="OLD-1", status="completed")
    response = template(client, staff)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    sheet, lists = workbook.worksheets
    header = [cell.value for cell in sheet[1]]
    assert header[: len(spreadsheets.REQUIRED)] == [
        spreadsheets.column_title(name) for name in spreadsheets.REQUIRED
    ]
    assert set(header) == {spreadsheets.column_title(name) for name in spreadsheets.COLUMNS}
    example = dict(zip(header, (cell.value for cell in sheet[2]), strict=True))
    assert example[spreadsheets.column_title("national_code")] == "0010000003"
    assert sheet.max_row == 2
    assert lists.sheet_state == "hidden"
    listed = {
        column[0].value: [cell.value for cell in column[1:] if cell.value]
        for column in lists.iter_cols()
    }
    neighbourhoods = listed[spreadsheets.column_title("neighbourhood")]
    assert "حصه" in neighbourhoods and "گلشهر" not in neighbourhoods  # not Karaj's
    assert listed[spreadsheets.column_title("cohort")] == ["MNK-1"]  # open, own centre
    assert listed[spreadsheets.column_title("gender")] == ["زن", "مرد"]
    # A drop-down on every column with fixed choices, over the rows staff fill.
    ruled = {}
    for rule in sheet.data_validations.dataValidation:
        column = str(rule.sqref).split(":")[0].rstrip("0123456789")
        ruled[header[ord(column) - ord("A")]] = rule
    assert set(ruled) == {
        spreadsheets.column_title(name)
        for name in ("gender", "education", "employment_status", "referral_source")
    } | {
        spreadsheets.column_title("neighbourhood"),
        spreadsheets.column_title("cohort"),
        spreadsheets.column_title("nationality"),
    }
    assert all(rule.type == "list" for rule in ruled.values())


def test_the_filled_template_imports_without_its_example(client, staff, isfahan, cohort, hesseh):
    workbook = load_workbook(io.BytesIO(template(client, staff).content))
    sheet = workbook.active
    header = [cell.value for cell in sheet[1]]
    # An Iranian resident: no foreign national's code, no passport number.
    person = dict(zip(spreadsheets.COLUMNS, [*good_row(1), "ایرانی", "", ""], strict=True))
    sheet.append([person[name] for name in _names(header)])
    buffer = io.BytesIO()
    workbook.save(buffer)

    trainee_import = preview(isfahan, staff, buffer.getvalue())
    assert trainee_import.state == TraineeImport.State.PREVIEWED
    assert (trainee_import.total_rows, trainee_import.create_count) == (1, 1)
    assert trainee_import.error_count == 0
    codes = [row["data"]["national_code"] for row in trainee_import.report["rows"]]
    assert codes == [person["national_code"]]


def _names(header):
    by_title = {spreadsheets.column_title(name): name for name in spreadsheets.COLUMNS}
    return [by_title[title] for title in header]


def test_the_template_is_refused_without_the_import_right(client, isfahan):
    reader = staff_user("reviewer.a", "reviewer", isfahan)
    assert template(client, reader).status_code == 403


# --- The refused rows --------------------------------------------------------------------


def refused(client, user, trainee_import):
    client.force_login(user)
    return client.get(reverse("admin:trainees_trainee_import_refused", args=[trainee_import.pk]))


def test_the_refused_rows_come_back_as_they_were_with_their_reasons(
    client, staff, isfahan, cohort, hesseh
):
    rows = [good_row(1), *bad_rows(), good_row(2)]
    trainee_import = preview(isfahan, staff, xlsx_bytes(rows))
    response = refused(client, staff, trainee_import)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    got = list(sheet.iter_rows(values_only=True))
    assert len(got) == 1 + len(bad_rows()) == 1 + trainee_import.error_count
    # The file's own cells, then the row number in the file and the reasons.
    assert [list(row[:-2]) for row in got[1:]] == [
        [str(value) for value in row] for row in bad_rows()
    ]
    assert [row[-2] for row in got[1:]] == list(range(3, 3 + len(bad_rows())))
    messages = {(e["row"], e["column"]): e["message"] for e in trainee_import.report["errors"]}
    for row in got[1:]:
        for (number, column), message in messages.items():
            if number == row[-2]:
                assert f"{column}: {message}" in row[-1]
    record = AccessRecord.objects.get(action=AccessRecord.Action.EXPORT)
    assert record.count == trainee_import.error_count


def test_refused_rows_are_kept_from_other_centres_and_roles(
    client, staff, isfahan, two_centres, cohort, hesseh
):
    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(1), *bad_rows()]))
    assert refused(client, two_centres["staff_karaj"], trainee_import).status_code == 404
    reader = staff_user("reviewer.a", "reviewer", isfahan)
    assert refused(client, reader, trainee_import).status_code == 403
    client.force_login(staff)
    forged = reverse("admin:trainees_trainee_import_refused", args=[trainee_import.pk + 999])
    assert client.get(forged).status_code == 404
    clean = preview(isfahan, staff, xlsx_bytes([good_row(1)]))
    assert refused(client, staff, clean).status_code == 404  # nothing was refused
    assert not AccessRecord.objects.filter(action=AccessRecord.Action.EXPORT).exists()


def test_refused_rows_of_a_purged_file_are_gone_not_an_error(
    client, staff, isfahan, cohort, hesseh
):
    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(1), *bad_rows()]))
    trainee_import.file.storage.delete(trainee_import.file.name)
    assert refused(client, staff, trainee_import).status_code == 404


# --- The page's title after applying -------------------------------------------------------


def test_the_page_is_no_preview_once_applied(
    client, staff, isfahan, cohort, hesseh, django_capture_on_commit_callbacks
):
    trainee_import = preview(isfahan, staff, xlsx_bytes([good_row(1)]))
    url = reverse("admin:trainees_trainee_import_preview", args=[trainee_import.pk])
    client.force_login(staff)
    name = {"name": trainee_import.original_name}
    assert client.get(url).context["title"] == gettext("Import preview: %(name)s") % name
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"confirm": "1"})
    trainee_import.refresh_from_db()
    assert trainee_import.state == TraineeImport.State.APPLIED
    response = client.get(url)
    assert response.context["title"] == gettext("Import done: %(name)s") % name
    assert Trainee.objects.count() == 1


# --- Export all that the filters match ------------------------------------------------------


def export_all(client, user, name, query=""):
    client.force_login(user)
    return client.get(reverse(f"admin:trainees_{name}_export") + query)


def sheet_rows(response):
    return list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))


def test_export_all_gives_every_row_the_filters_match_not_the_page(client, staff, isfahan, karaj):
    TraineeFactory.create_batch(55, registered_at=isfahan, gender="female")
    TraineeFactory.create_batch(3, registered_at=isfahan, gender="male")
    TraineeFactory.create_batch(4, registered_at=karaj, gender="female")
    response = export_all(client, staff, "trainee", "?gender__exact=female")
    assert response.status_code == 200
    rows = sheet_rows(response)
    assert len(rows) == 1 + 55  # all pages, no Karaj row, no man
    codes = {row[3] for row in rows[1:]}
    assert codes == set(
        Trainee.objects.filter(registered_at=isfahan, gender="female").values_list(
            "national_code", flat=True
        )
    )
    record = AccessRecord.objects.get(action=AccessRecord.Action.EXPORT)
    assert record.filters  # the filters the export used are kept with it

    # The list links the export with the filters on screen.
    page = client.get(reverse("admin:trainees_trainee_changelist") + "?gender__exact=female")
    assert page.context["export_all_url"].endswith("/export/?gender__exact=female")


def test_export_all_of_enrolments_and_its_refusals(client, staff, isfahan, karaj, cohort):
    cohort.capacity = 100
    cohort.save()
    EnrolmentFactory.create_batch(52, cohort=cohort)
    EnrolmentFactory.create_batch(2, cohort=CohortFactory(centre=karaj))
    assert len(sheet_rows(export_all(client, staff, "enrolment"))) == 1 + 52
    # A lookup the list does not offer, or a value it cannot read, is refused the way the
    # list refuses it, and exports nothing.
    changelist = reverse("admin:trainees_enrolment_changelist")
    for query in ("?trainee__national_code__startswith=1", "?over_capacity__exact=maybe"):
        bad = export_all(client, staff, "enrolment", query)
        assert bad.status_code in (302, 400)
        assert bad.status_code == client.get(changelist + query).status_code
        assert "attachment" not in bad.get("Content-Disposition", "")
    outsider = staff_user("nobody", "reviewer", karaj)
    assert export_all(client, outsider, "trainee").status_code == 403
