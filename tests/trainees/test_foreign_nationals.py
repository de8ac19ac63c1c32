"""Residents without an Iranian national code (issue 15): a foreign national is registered
with the foreign nationals' code (کد یکتای اتباع, 12 digits), a passport number, both or
neither; through the services, the admin, the importer and the API, with duplicate flags
by name, father's name, birth date and mobile, and masked as national codes are."""

import jdatetime
import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from centres.services import staff_role_assign
from tests.centres.factories import staff_user
from tests.codes import error_codes, form_codes
from tests.trainees.factories import TraineeFactory
from tests.trainees.spreadsheet_files import HEADERS, upload, xlsx_bytes
from trainees import services
from trainees.demo import national_code
from trainees.models import PossibleDuplicate, Trainee

pytestmark = pytest.mark.django_db

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
ARABIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
FIDA = "210000000123"


def register(centre, **fields):
    values = {
        "first_name": "گل‌بی‌بی",
        "last_name": "احمدی",
        "gender": "female",
        "nationality": "afghan",
        **fields,
    }
    return services.trainee_register(centre=centre, **values)


# --- The registry's rules ------------------------------------------------------------------


def test_a_foreign_national_is_registered_by_code_passport_or_nothing(isfahan):
    by_code = register(isfahan, foreign_code=FIDA.translate(PERSIAN))
    assert by_code.foreign_code == FIDA and by_code.national_code is None
    by_passport = register(
        isfahan, last_name="رحیمی", passport_number=" p ٠١٢٣٤٥٦٧", nationality="iraqi"
    )
    assert by_passport.passport_number == "P01234567"
    both = register(
        isfahan, last_name="صدیقی", foreign_code="220000000001", passport_number="R1234567"
    )
    assert (both.foreign_code, both.passport_number) == ("220000000001", "R1234567")
    # Two people with no papers at hand: NULLs, so the unique indexes leave them alone.
    register(isfahan, last_name="حیدری", mobile="09131110001")
    register(isfahan, last_name="نوری", mobile="09131110002")
    assert Trainee.objects.filter(national_code__isnull=True).count() == 5
    assert by_code.is_foreign_national and by_code.identity == ("foreign_code", FIDA)


@pytest.mark.parametrize(
    "fields, field, code",
    [
        ({"foreign_code": "21000000012"}, "foreign_code", "foreign_code_length"),
        ({"foreign_code": "2100000001234"}, "foreign_code", "foreign_code_length"),
        ({"foreign_code": "21000000012X"}, "foreign_code", "foreign_code_length"),
        ({"foreign_code": "111111111111"}, "foreign_code", "foreign_code_repeated"),
        ({"passport_number": "P123"}, "passport_number", "passport_invalid"),
        ({"passport_number": "PASSPORTONLY"}, "passport_number", "passport_invalid"),
        ({"passport_number": "P12345678901234"}, "passport_number", "passport_invalid"),
        ({"passport_number": "پ1234567"}, "passport_number", "passport_invalid"),
        (
            {"national_code": national_code(5)},
            "national_code",
            "national_code_for_foreign_national",
        ),
        (
            {"nationality": "iranian", "foreign_code": FIDA},
            "national_code",
            "national_code_required",
        ),
        (
            {
                "nationality": "iranian",
                "national_code": national_code(6),
                "passport_number": "P1234567",
            },
            "passport_number",
            "foreign_identity_for_iranian",
        ),
        ({"nationality": "martian"}, "nationality", "invalid_choice"),
    ],
)
def test_bad_identifiers_are_refused_on_their_field(isfahan, fields, field, code):
    with pytest.raises(ValidationError) as refused:
        register(isfahan, **fields)
    assert field in refused.value.error_dict
    assert code in error_codes(refused.value)
    assert not Trainee.objects.exists()


@pytest.mark.parametrize(
    "field, value, code",
    [
        ("foreign_code", FIDA, "foreign_code_registered"),
        ("passport_number", "P01234567", "passport_number_registered"),
    ],
)
def test_one_identifier_one_person(isfahan, karaj, field, value, code):
    register(isfahan, **{field: value})
    with pytest.raises(services.ForeignIdentityRegistered) as refused:
        # Typed another way, at another centre: the same person.
        register(karaj, last_name="دیگری", **{field: value.lower().translate(ARABIC)})
    assert refused.value.code == code
    assert list(refused.value.error_dict) == [field]


def test_the_database_holds_the_identity_rule(isfahan):
    """Below the services (a raw save, a bulk insert), the check constraint still holds."""
    for fields in (
        {"nationality": "iranian", "national_code": None},
        {"nationality": "afghan", "national_code": national_code(8)},
        {"nationality": "iranian", "national_code": national_code(9), "foreign_code": FIDA},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Trainee.objects.bulk_create(
                [
                    Trainee(
                        registered_at=isfahan,
                        first_name="الف",
                        last_name="ب",
                        gender="female",
                        **fields,
                    )
                ]
            )


# --- Possible duplicates without a national code ------------------------------------------


def test_same_name_fathers_name_and_birth_date_flag_a_possible_duplicate(isfahan, karaj):
    born = jdatetime.date(1370, 5, 1)
    first = register(isfahan, father_name="نورمحمد", birth_date=born)
    # Another centre, an Arabic yeh, the card's code this time: perhaps the same woman.
    second = register(
        karaj, first_name="گل‌بي‌بي", father_name="نور محمد", birth_date=born, foreign_code=FIDA
    )
    assert PossibleDuplicate.objects.filter(trainee=second, other=first).exists()
    # Another father: two people.
    third = register(isfahan, father_name="عبدالله", birth_date=born, passport_number="P7654321")
    assert not PossibleDuplicate.objects.filter(trainee=third).exists()


def test_same_name_and_mobile_flag_a_possible_duplicate(isfahan):
    first = register(isfahan, mobile="09131234567")
    second = register(isfahan, mobile="۰۹۱۳۱۲۳۴۵۶۷", passport_number="P1234567")
    assert PossibleDuplicate.objects.filter(trainee=second, other=first).exists()
    other_name = register(isfahan, first_name="شکریه", mobile="09131234567")
    assert not PossibleDuplicate.objects.filter(trainee=other_name).exists()


def test_an_iranian_keeps_the_national_code_rule(isfahan):
    """With a national code, the rule is unchanged: same name and birth date, other code
    (a shared family mobile alone flags nothing)."""
    born = jdatetime.date(1370, 5, 1)
    TraineeFactory(
        registered_at=isfahan, first_name="مریم", last_name="احمدی", mobile="09131234567"
    )
    iranian = services.trainee_register(
        centre=isfahan,
        first_name="مریم",
        last_name="احمدی",
        gender="female",
        national_code=national_code(11),
        mobile="09131234567",
    )
    assert not PossibleDuplicate.objects.filter(trainee=iranian).exists()
    foreign = register(isfahan, first_name="مریم", birth_date=born)
    later = services.trainee_register(
        centre=isfahan,
        first_name="مریم",
        last_name="احمدی",
        gender="female",
        national_code=national_code(12),
        birth_date=born,
    )
    assert PossibleDuplicate.objects.filter(trainee=later, other=foreign).exists()


# --- The admin -------------------------------------------------------------------------------


def form_data(centre, **overrides):
    data = {
        "first_name": "زرغونه",
        "last_name": "صدیقی",
        "father_name": "محمدنبی",
        "nationality": "afghan",
        "national_code": "",
        "foreign_code": "",
        "passport_number": "",
        "mobile": "۰۹۱۳۱۲۳۴۵۶۷",
        "gender": "female",
        "birth_date": "۱۳۷۵/۰۶/۲۱",
        "registered_at": centre.pk,
        "enrolments-TOTAL_FORMS": "0",
        "enrolments-INITIAL_FORMS": "0",
        "outcomes-TOTAL_FORMS": "0",
        "outcomes-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "fields, stored",
    [
        ({"foreign_code": "۲۱۰۰ ۰۰۰۰ ۰۱۲۳"}, {"foreign_code": FIDA}),
        ({"passport_number": "p۰۱۲۳۴۵۶۷"}, {"passport_number": "P01234567"}),
        ({}, {"foreign_code": None, "passport_number": None}),
        (
            {"nationality": "iranian", "national_code": national_code(900).translate(PERSIAN)},
            {"national_code": national_code(900)},
        ),
    ],
)
def test_admin_adds_and_changes_each_kind(client, staff, isfahan, fields, stored):
    client.force_login(staff)
    response = client.post(reverse("admin:trainees_trainee_add"), form_data(isfahan, **fields))
    assert response.status_code == 302, form_codes(response.context["adminform"].form)
    trainee = Trainee.objects.get()
    for name, value in stored.items():
        assert getattr(trainee, name) == value
    url = reverse("admin:trainees_trainee_change", args=[trainee.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert 'name="foreign_code"' in page.content.decode()
    # A correction: the card issued later.
    if trainee.is_foreign_national:
        changed = client.post(url, form_data(isfahan, **{**fields, "foreign_code": "220000000555"}))
        assert changed.status_code == 302
        trainee.refresh_from_db()
        assert trainee.foreign_code == "220000000555"
        assert trainee.history.count() == 2


@pytest.mark.parametrize(
    "fields, field, code",
    [
        ({"foreign_code": "۲۱۰۰۰"}, "foreign_code", "foreign_code_length"),
        ({"passport_number": "12"}, "passport_number", "passport_invalid"),
        (
            {"national_code": national_code(901)},
            "national_code",
            "national_code_for_foreign_national",
        ),
        ({"nationality": "iranian"}, "national_code", "national_code_required"),
    ],
)
def test_admin_refuses_bad_identifiers_with_a_code(client, staff, isfahan, fields, field, code):
    client.force_login(staff)
    response = client.post(reverse("admin:trainees_trainee_add"), form_data(isfahan, **fields))
    assert response.status_code == 200
    assert code in form_codes(response.context["adminform"].form).get(field, [])
    assert not Trainee.objects.exists()


def test_admin_refuses_a_registered_foreign_code(client, staff, isfahan):
    register(isfahan, foreign_code=FIDA)
    client.force_login(staff)
    response = client.post(
        reverse("admin:trainees_trainee_add"), form_data(isfahan, foreign_code=FIDA)
    )
    assert response.status_code == 200
    assert form_codes(response.context["adminform"].form)["foreign_code"] == ["unique"]


# --- Masking ------------------------------------------------------------------------------


@pytest.fixture
def masked(isfahan):
    council_staff = staff_user("council.staff", "centre_staff", isfahan)
    staff_role_assign(user=council_staff, role="council_member", scope=isfahan.city)
    return council_staff


def _admin_ids(client, term):
    response = client.get(reverse("admin:trainees_trainee_changelist"), {"q": term})
    assert response.status_code == 200
    return [row.pk for row in response.context["cl"].result_list], response.content.decode()


def test_admin_masked_reader_finds_by_the_whole_identifier_only(client, staff, masked, isfahan):
    by_code = register(isfahan, first_name="الف", last_name="ب", foreign_code=FIDA)
    by_passport = register(isfahan, first_name="پ", last_name="ت", passport_number="P01234567")
    partial = [FIDA[:4], FIDA[:11], FIDA[-5:], "P0123", "p012345"]
    client.force_login(staff)
    for term in partial[:3]:
        assert by_code.pk in _admin_ids(client, term)[0], term
    assert by_passport.pk in _admin_ids(client, "P0123")[0]
    client.force_login(masked)
    for term in partial:
        ids, _page = _admin_ids(client, term)
        assert by_code.pk not in ids and by_passport.pk not in ids, term
    ids, page = _admin_ids(client, FIDA.translate(PERSIAN))
    assert ids == [by_code.pk]
    assert FIDA not in page and "**" in page
    ids, page = _admin_ids(client, "p01234567")
    assert ids == [by_passport.pk]
    assert "P01234567" not in page
    # Not sortable or filterable by them either.
    url = reverse("admin:trainees_trainee_changelist")
    response = client.get(url, {"foreign_code__startswith": "21"})
    assert response.status_code == 400 or by_code.pk not in [
        r.pk for r in response.context["cl"].result_list
    ]
    change = client.get(reverse("admin:trainees_trainee_change", args=[by_code.pk]))
    assert change.status_code == 200 and FIDA not in change.content.decode()


def test_possible_duplicates_show_foreign_identifiers_masked(client, staff, masked, isfahan):
    first = register(isfahan, mobile="09131234567", foreign_code=FIDA)
    register(isfahan, mobile="09131234567", passport_number="P01234567")
    assert PossibleDuplicate.objects.count() == 1
    url = reverse("admin:trainees_possibleduplicate_changelist")
    client.force_login(staff)
    page = client.get(url).content.decode()
    assert FIDA in page and "P01234567" in page
    client.force_login(masked)
    page = client.get(url).content.decode()
    assert FIDA not in page and "P01234567" not in page and FIDA[-2:] in page
    assert client.get(url, {"q": FIDA[:6]}).context["cl"].result_count == 0
    assert client.get(url, {"q": FIDA}).context["cl"].result_count == 1
    assert first.pk


def test_registered_elsewhere_hides_the_foreign_identifiers(client, staff, isfahan, karaj):
    """A person registered at Karaj and enrolled here shows their name only."""
    from tests.programs.factories import CohortFactory
    from tests.trainees.factories import EnrolmentFactory

    person = register(karaj, foreign_code=FIDA, passport_number="P01234567")
    EnrolmentFactory(trainee=person, cohort=CohortFactory(centre=isfahan))
    client.force_login(staff)
    page = client.get(reverse("admin:trainees_trainee_change", args=[person.pk]))
    assert page.status_code == 200
    assert FIDA not in page.content.decode() and "P01234567" not in page.content.decode()
    ids, page = _admin_ids(client, FIDA[:6])
    assert person.pk not in ids
    assert _admin_ids(client, FIDA)[0] == [person.pk]


# --- The importer ----------------------------------------------------------------------------

FOREIGN_HEADERS = [*HEADERS, "ملیت", "کد یکتای اتباع", "شماره گذرنامه"]


def row(n, nationality="افغانستانی", code="", foreign="", passport="", **overrides):
    values = {
        "first": "شکریه",
        "last": f"رحیمی {n}",
        "father": "عبدالله",
        "code": code,
        "mobile": "",
        "gender": "زن",
        "birth": "1370/01/01",
        "hood": "",
        "edu": "",
        "job": "",
        "heard": "",
        "cohort": "",
        "nationality": nationality,
        "foreign": foreign,
        "passport": passport,
    }
    values.update(overrides)
    return list(values.values())


def preview(centre, user, rows, headers=FOREIGN_HEADERS):
    return services.trainee_import_preview(
        centre=centre, uploaded_file=upload(xlsx_bytes(rows, headers)), by=user
    )


def apply(trainee_import, user):
    services.trainee_import_confirm(trainee_import=trainee_import, by=user)
    services.trainee_import_apply(import_id=trainee_import.pk)
    trainee_import.refresh_from_db()
    assert trainee_import.state == "applied", trainee_import.message


def test_import_rows_of_each_kind(isfahan, staff):
    rows = [
        row(1, foreign="۲۱۰۰۰۰۰۰۰۱۲۳"),
        row(2, passport="p٠١٢٣٤٥٦٧", nationality="عراقی"),
        row(3),  # a foreign national with no papers at hand
        row(4, nationality="ایرانی", code=national_code(4001)),
        row(5, nationality="", code=national_code(4002)),  # no nationality: Iranian
    ]
    trainee_import = preview(isfahan, staff, rows)
    assert trainee_import.error_count == 0, trainee_import.report
    assert trainee_import.create_count == 5
    apply(trainee_import, staff)
    by_last = {t.last_name: t for t in Trainee.objects.all()}
    assert by_last["رحیمی ۱"].foreign_code == FIDA
    assert by_last["رحیمی ۱"].nationality == "afghan"
    assert by_last["رحیمی ۲"].passport_number == "P01234567"
    assert by_last["رحیمی ۲"].nationality == "iraqi"
    assert by_last["رحیمی ۳"].identity is None
    assert by_last["رحیمی ۴"].national_code == national_code(4001)
    assert by_last["رحیمی ۵"].nationality == "iranian"
    # Imported again: the identified rows update (nothing to change), the unidentified one
    # is someone new each time, and flagged as a possible duplicate of the first.
    again = preview(isfahan, staff, rows)
    assert (again.create_count, again.update_count) == (1, 4)
    apply(again, staff)
    newest = Trainee.objects.filter(last_name="رحیمی ۳").order_by("-pk").first()
    assert PossibleDuplicate.objects.filter(trainee=newest, other=by_last["رحیمی ۳"]).exists()


def test_import_corrects_a_foreign_national_found_by_code(isfahan, staff):
    person = register(isfahan, last_name="رحیمی 1", foreign_code=FIDA)
    trainee_import = preview(isfahan, staff, [row(1, foreign=FIDA, mobile="09131112233")])
    assert trainee_import.update_count == 1
    apply(trainee_import, staff)
    person.refresh_from_db()
    assert person.mobile == "09131112233"


@pytest.mark.parametrize(
    "bad, field",
    [
        ({"foreign": "21000"}, "foreign_code"),
        ({"passport": "P1"}, "passport_number"),
        ({"code": national_code(4003)}, "national_code"),  # a foreign national's
        ({"nationality": "ایرانی", "foreign": FIDA}, "national_code"),
        ({"nationality": "مریخی"}, "nationality"),
    ],
)
def test_import_refuses_bad_identifiers(isfahan, staff, bad, field):
    trainee_import = preview(isfahan, staff, [row(1, **bad)])
    assert trainee_import.error_count == 1
    assert field in {e["field"] for e in trainee_import.report["errors"]}


def test_import_refuses_the_same_foreign_code_twice_in_a_file(isfahan, staff):
    trainee_import = preview(isfahan, staff, [row(1, foreign=FIDA), row(2, foreign=FIDA)])
    assert trainee_import.error_count == 1
    assert trainee_import.report["errors"][0]["field"] == "foreign_code"


def test_a_sheet_of_foreign_nationals_needs_no_national_code_column(isfahan, staff):
    headers = [h for h in FOREIGN_HEADERS if h != "کد ملی"]
    rows = [[cell for i, cell in enumerate(row(1, foreign=FIDA)) if i != 3]]
    trainee_import = preview(isfahan, staff, rows, headers)
    assert (trainee_import.create_count, trainee_import.error_count) == (1, 0)


def test_a_person_registered_elsewhere_by_passport_is_only_enrolled(isfahan, karaj, staff):
    register(karaj, last_name="رحیمی 1", passport_number="P01234567")
    trainee_import = preview(isfahan, staff, [row(1, passport="P01234567")])
    assert trainee_import.elsewhere_count == 1
    (reported,) = trainee_import.report["rows"]
    assert set(reported["data"]) <= {"passport_number", "first_name", "last_name", "cohort"}


def test_the_template_offers_the_nationality_and_identifier_columns(client, staff, isfahan):
    import io

    from openpyxl import load_workbook

    from trainees import spreadsheets

    client.force_login(staff)
    response = client.get(reverse("admin:trainees_trainee_import_template"))
    assert response.status_code == 200
    sheet, lists = load_workbook(io.BytesIO(response.content)).worksheets
    header = [cell.value for cell in sheet[1]]
    for name in ("nationality", "foreign_code", "passport_number"):
        assert spreadsheets.column_title(name) in header
    listed = {
        column[0].value: [c.value for c in column[1:] if c.value] for column in lists.iter_cols()
    }
    assert listed["ملیت"][:2] == ["ایرانی", "افغانستانی"]


# --- The API ------------------------------------------------------------------------------


def _api(user):
    api = APIClient()
    api.force_authenticate(user)
    return api


@pytest.mark.parametrize(
    "fields, stored",
    [
        ({"foreign_code": FIDA.translate(PERSIAN)}, {"foreign_code": FIDA}),
        (
            {"passport_number": "p01234567", "nationality": "pakistani"},
            {"passport_number": "P01234567"},
        ),
        ({}, {"foreign_code": None, "passport_number": None}),
        (
            {"nationality": "iranian", "national_code": national_code(91)},
            {"national_code": national_code(91)},
        ),
    ],
)
def test_api_creates_each_kind(staff, isfahan, fields, stored):
    payload = {
        "first_name": "زرغونه",
        "last_name": "صدیقی",
        "gender": "female",
        "nationality": "afghan",
    }
    created = _api(staff).post(reverse("api:trainee-list"), {**payload, **fields}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    for name, value in stored.items():
        assert body[name] == value
    assert body["nationality"] == fields.get("nationality", "afghan")
    again = _api(staff).post(reverse("api:trainee-list"), {**payload, **fields}, format="json")
    if stored.get("foreign_code"):
        assert again.status_code == 409 and again.json()["code"] == "foreign_code_registered"
    elif stored.get("passport_number"):
        assert again.status_code == 409 and again.json()["code"] == "passport_number_registered"


@pytest.mark.parametrize(
    "fields, field",
    [
        ({"foreign_code": "123"}, "foreign_code"),
        ({"passport_number": "**"}, "passport_number"),
        ({"national_code": national_code(92)}, "national_code"),
        ({"nationality": "iranian"}, "national_code"),
    ],
)
def test_api_refuses_bad_identifiers(staff, isfahan, fields, field):
    payload = {
        "first_name": "زرغونه",
        "last_name": "صدیقی",
        "gender": "female",
        "nationality": "afghan",
    }
    refused = _api(staff).post(reverse("api:trainee-list"), {**payload, **fields}, format="json")
    assert refused.status_code == 400
    assert field in refused.json()["errors"]
    assert not Trainee.objects.exists()


def test_api_masks_the_identifiers_and_finds_them_only_whole(staff, masked, isfahan):
    person = register(
        isfahan, first_name="الف", last_name="ب", foreign_code=FIDA, passport_number="P01234567"
    )
    url = reverse("api:trainee-list")

    def ids(user, term):
        response = _api(user).get(url, {"search": term})
        assert response.status_code == 200
        return [r["id"] for r in response.json()["results"]], response.json()

    for term in (FIDA[:5], "P0123"):
        assert ids(staff, term)[0] == [person.pk], term
        assert ids(masked, term)[0] == [], term
    found, body = ids(masked, FIDA.translate(PERSIAN))
    assert found == [person.pk]
    (answer,) = body["results"]
    assert answer["foreign_code"] == "*" * 10 + FIDA[-2:]
    assert answer["passport_number"] == "*******67"
    assert answer["national_code"] is None
    assert ids(masked, "p01234567")[0] == [person.pk]


def test_a_masked_readers_export_holds_no_whole_identifier(client, staff, masked, isfahan):
    """The export masks what the list masks (national codes and mobiles were exported
    whole to a council member before: the same gap, closed for every identifier)."""
    import io

    from openpyxl import load_workbook

    person = register(isfahan, foreign_code=FIDA, passport_number="P01234567")
    iranian = TraineeFactory(registered_at=isfahan)
    for user, whole in ((staff, True), (masked, False)):
        client.force_login(user)
        response = client.post(
            reverse("admin:trainees_trainee_changelist"),
            {"action": "export_xlsx", "_selected_action": [person.pk, iranian.pk]},
        )
        if response.status_code != 200 or "attachment" not in response.get(
            "Content-Disposition", ""
        ):
            assert not whole  # the masked reader may not export at all
            continue
        sheet = load_workbook(io.BytesIO(response.content)).active
        cells = {str(c) for row in sheet.iter_rows(values_only=True) for c in row if c}
        for value in (FIDA, "P01234567", iranian.national_code, iranian.mobile):
            assert (value in cells) is whole, (user, value)
        # A council member reads figures: the numbers' last digits, no father or birth date.
        assert ("*" * 10 + FIDA[-2:] in cells) is not whole
