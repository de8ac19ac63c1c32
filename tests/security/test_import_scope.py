"""Class 2: an import (or the admin) at one centre must not take over another centre's trainee.

Karaj's staff upload a sheet carrying an Isfahan trainee's national code with another name
and a new mobile, and without the father's name and birth date columns. The row may enrol
the person in Karaj's cohort; it must not rewrite, blank or hand over the Isfahan record,
and the owner of the new mobile must not be able to sign in as that trainee.
"""

import io
import re

import pytest
from django.urls import reverse

from empowerment.kernel.sms import ConsoleSMSBackend
from tests.centres.factories import staff_user
from tests.trainees.factories import TraineeFactory
from tests.trainees.spreadsheet_files import upload, xlsx_bytes
from trainees.demo import national_code
from trainees.models import Enrolment, PossibleDuplicate, Trainee, TraineeImport

pytestmark = pytest.mark.django_db

NEW_MOBILE = "09351234567"
# The attacker's sheet names only these columns: no father's name, no birth date.
HEADERS = ["نام", "نام خانوادگی", "کد ملی", "تلفن همراه", "جنسیت", "کد دوره"]


def _import_through_admin(client, centre, rows, capture):
    """Upload, read the preview, confirm: as a member of staff does in the admin."""
    response = client.post(
        reverse("admin:trainees_trainee_import"),
        {"centre": centre.pk, "file": upload(xlsx_bytes(rows, headers=HEADERS), "t.xlsx")},
    )
    assert response.status_code == 302, response.content[:2000]
    preview_url = response["Location"]
    preview = client.get(preview_url)
    assert preview.status_code == 200
    with capture(execute=True):
        assert client.post(preview_url, {"confirm": "1"}).status_code == 302
    return TraineeImport.objects.get(pk=int(preview_url.rstrip("/").split("/")[-1])), preview


def test_foreign_import_enrols_but_never_rewrites_the_trainee(
    client, two_centres, isfahan_trainee, karaj_cohort, django_capture_on_commit_callbacks
):
    # Every field the person's record holds; not the sync version, which an enrolment of
    # the trainee moves on purpose (the enrolling centre's phones then fetch them).
    fields = [f.attname for f in Trainee._meta.concrete_fields if f.attname != "sync_version"]
    before = Trainee.objects.values(*fields).get(pk=isfahan_trainee.pk)
    history_before = isfahan_trainee.history.count()
    client.force_login(two_centres["staff_karaj"])
    row = ["مهاجم", "ناشناس", isfahan_trainee.national_code, NEW_MOBILE, "مرد", "KRJ-1"]

    trainee_import, preview = _import_through_admin(
        client, two_centres["karaj"], [row], django_capture_on_commit_callbacks
    )

    # The preview says "registered elsewhere" and shows nothing of the Isfahan record.
    stored = trainee_import.report["rows"][0]
    assert stored["action"] == "elsewhere"
    assert (trainee_import.update_count, trainee_import.elsewhere_count) == (0, 1)
    page = preview.content.decode()
    for detail in ("09131112233", "حسین", "حصه", "1375"):
        assert detail not in page
    assert NEW_MOBILE not in str(stored["data"])

    trainee_import.refresh_from_db()
    assert trainee_import.state == TraineeImport.State.APPLIED, trainee_import.message
    # The record is exactly as Isfahan left it: name, mobile, father, birth date, centre.
    assert Trainee.objects.values(*fields).get(pk=isfahan_trainee.pk) == before
    assert isfahan_trainee.history.count() == history_before
    # One person, one national code, many centres: enrolled in Karaj's cohort.
    assert Enrolment.objects.filter(trainee=isfahan_trainee, cohort=karaj_cohort).exists()


def test_the_owner_of_the_new_mobile_cannot_sign_in_as_the_trainee(
    client,
    api_client,
    two_centres,
    isfahan_trainee,
    karaj_cohort,
    django_capture_on_commit_callbacks,
):
    client.force_login(two_centres["staff_karaj"])
    row = ["مهاجم", "ناشناس", isfahan_trainee.national_code, NEW_MOBILE, "مرد", "KRJ-1"]
    _import_through_admin(client, two_centres["karaj"], [row], django_capture_on_commit_callbacks)

    # The attacker holds NEW_MOBILE and signs in by SMS code.
    with django_capture_on_commit_callbacks(execute=True):
        asked = api_client.post(reverse("api:otp-request"), {"mobile": NEW_MOBILE}, format="json")
    assert asked.status_code == 202
    code = re.search(r"\d{6}", ConsoleSMSBackend.outbox[-1]["text"]).group()
    verified = api_client.post(
        reverse("api:otp-verify"), {"mobile": NEW_MOBILE, "code": code}, format="json"
    )
    assert verified.status_code == 200
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {verified.json()['access']}")

    isfahan_trainee.refresh_from_db()
    assert isfahan_trainee.user is None
    listed = api_client.get(reverse("api:trainee-list"))
    assert listed.status_code == 200
    assert listed.json()["results"] == []
    detail = api_client.get(reverse("api:trainee-detail", args=[isfahan_trainee.pk]))
    assert detail.status_code == 404


def test_own_trainee_is_updated_but_a_missing_column_blanks_nothing(
    client, two_centres, karaj_cohort, django_capture_on_commit_callbacks
):
    own = TraineeFactory(father_name="رضا", registered_at=two_centres["karaj"])
    born = own.birth_date
    client.force_login(two_centres["staff_karaj"])
    row = [own.first_name, own.last_name, own.national_code, NEW_MOBILE, "زن", "KRJ-1"]
    trainee_import, _preview = _import_through_admin(
        client, two_centres["karaj"], [row], django_capture_on_commit_callbacks
    )
    trainee_import.refresh_from_db()
    assert trainee_import.state == TraineeImport.State.APPLIED, trainee_import.message
    own.refresh_from_db()
    assert own.mobile == NEW_MOBILE  # its own centre's correction is taken
    assert (own.father_name, own.birth_date) == ("رضا", born)  # absent columns kept


def test_admin_cannot_change_a_trainee_registered_elsewhere(
    client, two_centres, isfahan_trainee, karaj_cohort
):
    # Enrolled in Karaj, so Karaj's staff reach the record; they still may not change it.
    Enrolment.objects.create(
        trainee=isfahan_trainee, cohort=karaj_cohort, enrolled_on=karaj_cohort.start_date
    )
    client.force_login(two_centres["staff_karaj"])
    url = reverse("admin:trainees_trainee_change", args=[isfahan_trainee.pk])
    response = client.post(
        url,
        {
            "first_name": "مهاجم",
            "last_name": "ناشناس",
            "national_code": isfahan_trainee.national_code,
            "mobile": NEW_MOBILE,
            "gender": "male",
            "registered_at": two_centres["karaj"].pk,
            "enrolments-TOTAL_FORMS": "0",
            "enrolments-INITIAL_FORMS": "0",
            "outcomes-TOTAL_FORMS": "0",
            "outcomes-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code in (302, 403)
    isfahan_trainee.refresh_from_db()
    assert isfahan_trainee.mobile == "09131112233"
    assert isfahan_trainee.registered_at == two_centres["isfahan"]


def test_the_registry_service_refuses_a_foreign_change(two_centres, isfahan_trainee):
    from trainees import services

    with pytest.raises(services.TraineeRegisteredElsewhere):
        services.trainee_update(
            trainee=isfahan_trainee, by=two_centres["staff_karaj"], mobile=NEW_MOBILE
        )
    with pytest.raises(services.TraineeRegisteredElsewhere):
        services.trainee_update(
            trainee=isfahan_trainee, centre=two_centres["karaj"], mobile=NEW_MOBILE
        )


# --- The "registered elsewhere" view and the person's consent ---------------------------

HOME_DETAILS_SHOWN = ("09131112233", "حسین", "حصه", "1375")


@pytest.fixture
def enrolled_in_karaj(
    client, two_centres, isfahan_trainee, karaj_cohort, django_capture_on_commit_callbacks
):
    """The Isfahan trainee, enrolled in Karaj's cohort by Karaj's import."""
    client.force_login(two_centres["staff_karaj"])
    row = ["مهاجم", "ناشناس", isfahan_trainee.national_code, NEW_MOBILE, "مرد", "KRJ-1"]
    _import_through_admin(client, two_centres["karaj"], [row], django_capture_on_commit_callbacks)
    assert Enrolment.objects.filter(trainee=isfahan_trainee, cohort=karaj_cohort).exists()
    return isfahan_trainee


def _karaj_sees(client, api_client, two_centres, trainee) -> dict:
    """Everything Karaj's staff can read about the trainee: API, admin list, form, export."""
    staff = two_centres["staff_karaj"]
    api_client.force_authenticate(staff)
    client.force_login(staff)
    listed = api_client.get(reverse("api:trainee-list"))
    assert listed.status_code == 200
    (row,) = [r for r in listed.json()["results"] if r["id"] == trainee.pk]
    detail = api_client.get(reverse("api:trainee-detail", args=[trainee.pk]))
    assert detail.status_code == 200
    changelist = client.get(reverse("admin:trainees_trainee_changelist"))
    form = client.get(reverse("admin:trainees_trainee_change", args=[trainee.pk]))
    export = client.post(
        reverse("admin:trainees_trainee_changelist"),
        {"action": "export_xlsx", "_selected_action": [trainee.pk]},
    )
    found = client.get(reverse("admin:trainees_trainee_changelist"), {"q": "09131112233"})
    history = client.get(reverse("admin:trainees_trainee_history", args=[trainee.pk]))
    assert {changelist.status_code, form.status_code, export.status_code} == {200}
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(export.content)).active
    return {
        "api_list": row,
        "api_detail": detail.json(),
        "admin_pages": changelist.content.decode() + form.content.decode(),
        "export": " ".join(str(c.value) for r in sheet.iter_rows() for c in r),
        "found_by_mobile": trainee.full_name in found.content.decode(),
        "history_status": history.status_code,
    }


def test_a_centre_that_only_enrols_sees_the_name_not_the_other_centres_details(
    client, api_client, two_centres, enrolled_in_karaj
):
    seen = _karaj_sees(client, api_client, two_centres, enrolled_in_karaj)
    for view in ("api_list", "api_detail"):
        assert seen[view]["full_name"] == enrolled_in_karaj.full_name
        assert seen[view]["mobile"] in ("", None)
        assert seen[view]["father_name"] in ("", None)
        assert seen[view]["birth_date"] is None and seen[view]["neighbourhood"] is None
        assert seen[view]["national_code"] != enrolled_in_karaj.national_code
    assert enrolled_in_karaj.full_name in seen["admin_pages"]
    for detail in HOME_DETAILS_SHOWN + (enrolled_in_karaj.national_code,):
        assert detail not in seen["admin_pages"]
        assert detail not in seen["export"]
    assert not seen["found_by_mobile"]
    assert seen["history_status"] == 404


def test_the_person_agrees_by_a_code_sent_to_their_registered_mobile(
    client, api_client, two_centres, enrolled_in_karaj, django_capture_on_commit_callbacks
):
    karaj = two_centres["karaj"]
    client.force_login(two_centres["staff_karaj"])
    sharing = reverse("admin:trainees_trainee_sharing", args=[enrolled_in_karaj.pk, "request"])
    confirm = reverse("admin:trainees_trainee_sharing", args=[enrolled_in_karaj.pk, "confirm"])

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(sharing, {"centre": karaj.pk}).status_code == 302
    sms = ConsoleSMSBackend.outbox[-1]
    # To the mobile Isfahan holds: never the one Karaj's sheet carried.
    assert sms["to"] == "09131112233"
    code = re.search(r"\d{6}", sms["text"]).group()

    wrong = "000000" if code != "000000" else "111111"
    client.post(confirm, {"centre": karaj.pk, "code": wrong})
    seen = _karaj_sees(client, api_client, two_centres, enrolled_in_karaj)
    assert seen["api_detail"]["mobile"] in ("", None)  # a wrong code opens nothing

    client.post(confirm, {"centre": karaj.pk, "code": code})
    seen = _karaj_sees(client, api_client, two_centres, enrolled_in_karaj)
    assert seen["api_detail"]["mobile"] == "09131112233"
    assert seen["api_detail"]["national_code"] == enrolled_in_karaj.national_code
    assert "حسین" in seen["admin_pages"]
    assert seen["history_status"] == 200
    # Sharing opens reading, not writing: the record is still Isfahan's to change.
    enrolled_in_karaj.refresh_from_db()
    assert enrolled_in_karaj.mobile == "09131112233"
    form = client.get(reverse("admin:trainees_trainee_change", args=[enrolled_in_karaj.pk]))
    assert 'name="mobile"' not in form.content.decode()


def test_a_sharing_code_cannot_be_asked_for_a_person_out_of_scope(
    client, two_centres, isfahan_trainee, karaj_cohort
):
    # Not enrolled in Karaj: Karaj's staff cannot reach the person, nor text them.
    client.force_login(two_centres["staff_karaj"])
    url = reverse("admin:trainees_trainee_sharing", args=[isfahan_trainee.pk, "request"])
    assert client.post(url, {"centre": two_centres["karaj"].pk}).status_code == 404
    assert ConsoleSMSBackend.outbox == []


def test_enrolment_search_and_export_do_not_leak_the_other_centres_details(
    client, two_centres, enrolled_in_karaj, karaj_cohort
):
    from openpyxl import load_workbook

    client.force_login(two_centres["staff_karaj"])
    enrolment = Enrolment.objects.get(trainee=enrolled_in_karaj, cohort=karaj_cohort)
    listing = reverse("admin:trainees_enrolment_changelist")
    by_mobile = client.get(listing, {"q": "09131112233"})
    assert by_mobile.status_code == 200
    assert enrolled_in_karaj.full_name not in by_mobile.content.decode()
    by_name = client.get(listing, {"q": enrolled_in_karaj.last_name})
    assert enrolled_in_karaj.full_name in by_name.content.decode()  # still found by name
    export = client.post(listing, {"action": "export_xlsx", "_selected_action": [enrolment.pk]})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    cells = " ".join(str(c.value) for r in sheet.iter_rows() for c in r)
    assert enrolled_in_karaj.full_name.split()[0] in cells
    assert enrolled_in_karaj.national_code not in cells


def test_search_and_filters_do_not_reveal_the_other_centres_details(
    client, api_client, two_centres, enrolled_in_karaj
):
    trainee = enrolled_in_karaj
    api_client.force_authenticate(two_centres["staff_karaj"])
    client.force_login(two_centres["staff_karaj"])

    def api_finds(**params):
        response = api_client.get(reverse("api:trainee-list"), params)
        assert response.status_code == 200
        return trainee.pk in [row["id"] for row in response.json()["results"]]

    def admin_finds(**params):
        response = client.get(reverse("admin:trainees_trainee_changelist"), params)
        assert response.status_code == 200
        return trainee.full_name in response.content.decode()

    # Found by name and whole national code, as staff who enrolled the person know them.
    assert api_finds(search=trainee.last_name)
    assert api_finds(search=trainee.national_code)
    # Not by what only Isfahan knows, nor by guessing it a digit at a time.
    assert not api_finds(search="09131112233")
    assert not api_finds(search=trainee.national_code[:5])
    assert not api_finds(neighbourhood=trainee.neighbourhood_id)
    assert not admin_finds(q="09131112233")
    assert not admin_finds(q="حسین")
    assert not admin_finds(neighbourhood=trainee.neighbourhood_id)
    assert not admin_finds(age="youth") and not admin_finds(age="adult")
    assert admin_finds()


def test_a_manager_cannot_delete_a_trainee_registered_elsewhere(
    client, two_centres, enrolled_in_karaj
):
    """Hardening: the enrolment's PROTECT already stopped the delete; now the cross-centre
    rule refuses it first, so it holds even for a person with no enrolment left."""
    manager = staff_user("manager.krj", "centre_manager", two_centres["karaj"])
    client.force_login(manager)
    one = client.post(
        reverse("admin:trainees_trainee_delete", args=[enrolled_in_karaj.pk]), {"post": "yes"}
    )
    assert one.status_code == 403
    bulk = client.post(
        reverse("admin:trainees_trainee_changelist"),
        {"action": "delete_selected", "_selected_action": [enrolled_in_karaj.pk], "post": "yes"},
    )
    # Refused by the rule, or (enrolments protect the trainee) by the protection page.
    assert bulk.status_code in (200, 403)
    assert Trainee.objects.filter(pk=enrolled_in_karaj.pk).exists()
    # Their own registrations they still may delete.
    own = TraineeFactory(registered_at=two_centres["karaj"])
    client.post(reverse("admin:trainees_trainee_delete", args=[own.pk]), {"post": "yes"})
    assert not Trainee.objects.filter(pk=own.pk).exists()


def test_a_possible_duplicate_does_not_show_the_other_centres_national_code(
    client, two_centres, isfahan_trainee, karaj_cohort, django_capture_on_commit_callbacks
):
    # Karaj imports someone with the Isfahan trainee's name and birth date, another code.
    client.force_login(two_centres["staff_karaj"])
    headers = ["نام", "نام خانوادگی", "کد ملی", "جنسیت", "تاریخ تولد"]
    row = [
        isfahan_trainee.first_name,
        isfahan_trainee.last_name,
        national_code(4242),
        "زن",
        "1375/06/21",
    ]
    response = client.post(
        reverse("admin:trainees_trainee_import"),
        {"centre": two_centres["karaj"].pk, "file": upload(xlsx_bytes([row], headers), "t.xlsx")},
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"], {"confirm": "1"})
    assert PossibleDuplicate.objects.filter(other=isfahan_trainee).exists()

    listing = reverse("admin:trainees_possibleduplicate_changelist")
    page = client.get(listing).content.decode()
    assert national_code(4242) in page  # Karaj's own registration
    assert isfahan_trainee.national_code not in page
    by_prefix = client.get(listing, {"q": isfahan_trainee.national_code[:6]}).content.decode()
    assert isfahan_trainee.full_name not in by_prefix
