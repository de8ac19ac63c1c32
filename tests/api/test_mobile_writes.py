"""The mobile day's writes: a trainee registered and corrected (the admin's and the
importer's service), a drop-out with its reason, a commitment's milestones, and dates sent
as ISO or as Jalali in the `*_jalali` companion (never both). Attacks beside each: the
replay, the foreign centre, the forged id, the other script's digits."""

import datetime

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from centres.meetings import commitment_create, commitment_milestone_add
from centres.models import Headquarters
from empowerment.kernel.jalali import local_today
from tests.api.world import build_world
from tests.centres.factories import UserFactory
from tests.programs.factories import CohortFactory, make_idea
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from trainees.demo import national_code
from trainees.models import Enrolment, PossibleDuplicate, Trainee

pytestmark = pytest.mark.django_db

PERSIAN = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")


@pytest.fixture
def world(db):
    return build_world()


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def _new_trainee(code: str, **extra) -> dict:
    return {
        "first_name": "مريم",  # an Arabic yeh: the normaliser's to fix
        "last_name": "احمدی",
        "national_code": code,
        "gender": "female",
        **extra,
    }


# --- Registering and correcting a trainee ---------------------------------------------


def test_staff_register_a_trainee_with_persian_digits_and_a_jalali_birth_date(world):
    own = world["own"]
    staff = _client(own["users"]["centre_staff"])
    code = national_code(91_001)
    payload = _new_trainee(
        code.translate(PERSIAN),
        mobile="+98 912 000 1234".translate(PERSIAN),
        birth_date_jalali="۱۳۸۰-۱۲-۲۹",
    )
    created = staff.post(reverse("api:trainee-list"), payload, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    trainee = Trainee.objects.get(pk=body["id"])
    assert trainee.national_code == code and trainee.mobile == "09120001234"
    assert trainee.first_name == "مریم"
    assert trainee.registered_at == own["centre"]  # the caller's only centre
    assert body["national_code"] == code and body["birth_date_jalali"] == "1380-12-29"
    assert body["birth_date"] == "2002-03-20"

    # The same request again (a phone that did not hear the answer): one person, a 409.
    again = staff.post(reverse("api:trainee-list"), payload, format="json")
    assert again.status_code == 409
    assert again.json()["code"] == "national_code_registered"
    assert list(again.json()["errors"]) == ["national_code"]
    assert Trainee.objects.filter(national_code=code).count() == 1


def test_registering_checks_the_code_and_flags_a_possible_duplicate(world):
    own = world["own"]
    staff = _client(own["users"]["centre_staff"])
    url = reverse("api:trainee-list")
    bad = staff.post(url, _new_trainee("1234567890"), format="json")
    assert bad.status_code == 400 and "national_code" in bad.json()["errors"]

    first = TraineeFactory(
        registered_at=own["centre"],
        first_name="مریم",
        last_name="احمدی",
        birth_date=datetime.date(2002, 3, 20),
    )
    same_name = staff.post(
        url, _new_trainee(national_code(91_002), birth_date="2002-03-20"), format="json"
    )
    assert same_name.status_code == 201, same_name.json()
    assert PossibleDuplicate.objects.filter(trainee_id=same_name.json()["id"], other=first).exists()


def test_a_trainee_at_another_centre_cannot_be_registered_or_corrected_from_here(world):
    own, foreign = world["own"], world["foreign"]
    staff = _client(own["users"]["centre_staff"])
    elsewhere = staff.post(
        reverse("api:trainee-list"),
        _new_trainee(national_code(91_003), registered_at=foreign["centre"].pk),
        format="json",
    )
    assert elsewhere.status_code == 400 and "registered_at" in elsewhere.json()["errors"]
    assert not Trainee.objects.filter(national_code=national_code(91_003)).exists()

    foreign_url = reverse("api:trainee-detail", args=[foreign["rows"]["trainee"].pk])
    assert staff.patch(foreign_url, {"father_name": "x"}, format="json").status_code == 404

    # Registered at the foreign centre, enrolled here: seen, enrolled, not rewritten.
    guest = TraineeFactory(registered_at=foreign["centre"])
    EnrolmentFactory(trainee=guest, cohort=own["rows"]["cohort"])
    guest_url = reverse("api:trainee-detail", args=[guest.pk])
    refused = staff.patch(guest_url, {"father_name": "علی"}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "registered_elsewhere"


def test_staff_correct_their_own_trainee(world):
    own = world["own"]
    trainee = own["rows"]["trainee"]
    url = reverse("api:trainee-detail", args=[trainee.pk])
    staff = _client(own["users"]["centre_staff"])
    fixed = staff.patch(
        url, {"mobile": "۰۹۱۲۳۴۵۶۷۸۹", "birth_date_jalali": "1403-12-30"}, format="json"
    )
    assert fixed.status_code == 200, fixed.json()
    trainee.refresh_from_db()
    assert trainee.mobile == "09123456789"
    assert fixed.json()["birth_date_jalali"] == "1403-12-30"

    moved = staff.patch(url, {"registered_at": world["own"]["centre"].pk}, format="json")
    assert moved.status_code == 200
    taken = staff.patch(
        url, {"national_code": world["foreign"]["rows"]["trainee"].national_code}, format="json"
    )
    # Another person's code: the same conflict as registering them twice.
    assert taken.status_code == 409 and taken.json()["code"] == "national_code_registered"
    council = _client(own["users"]["council_member"])
    assert council.patch(url, {}, format="json").status_code == 403
    assert _client(own["users"]["resident"]).patch(url, {}, format="json").status_code == 403


# --- Dates: ISO or Jalali, never both -------------------------------------------------


@pytest.mark.parametrize(
    ("dates", "status", "field"),
    [
        ({"birth_date_jalali": "1403-12-30"}, 201, None),  # 1403 is a leap year
        ({"birth_date_jalali": "1402-12-30"}, 400, "birth_date_jalali"),  # 1402 is not
        ({"birth_date_jalali": "1403-13-01"}, 400, "birth_date_jalali"),
        ({"birth_date_jalali": "2025-03-20x"}, 400, "birth_date_jalali"),
        ({"birth_date": "۲۰۰۲-۰۳-۲۰"}, 201, None),
        ({"birth_date": "2002-03-20", "birth_date_jalali": "1380-12-29"}, 400, "birth_date_jalali"),
    ],
)
def test_a_date_in_iso_or_in_jalali(world, dates, status, field):
    staff = _client(world["own"]["users"]["centre_staff"])
    response = staff.post(
        reverse("api:trainee-list"), _new_trainee(national_code(91_010), **dates), format="json"
    )
    assert response.status_code == status, response.json()
    if field:
        assert set(response.json()["errors"]) == {field}


def test_a_required_date_is_met_by_its_jalali_companion(world):
    own = world["own"]
    staff = _client(own["users"]["centre_staff"])
    payload = {
        "trainee": own["rows"]["trainee"].pk,
        "enrolment": own["rows"]["enrolment"].pk,
        "kind": "home_business",
        "follow_up_round": 12,
    }
    url = reverse("api:outcome-list")
    missing = staff.post(url, payload, format="json")
    assert missing.status_code == 400 and set(missing.json()["errors"]) == {"date"}
    assert missing.json()["code"] == "required"
    made = staff.post(url, {**payload, "date_jalali": "۱۴۰۳-۱۲-۳۰"}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["date_jalali"] == "1403-12-30" and made.json()["date"] == "2025-03-20"
    both = staff.post(
        url, {**payload, "date": "2025-03-20", "date_jalali": "1403-12-30"}, format="json"
    )
    assert both.status_code == 400 and both.json()["code"] == "both_dates"


def test_an_outcome_with_another_trainees_enrolment_is_refused(world):
    own = world["own"]
    staff = _client(own["users"]["centre_staff"])
    other = EnrolmentFactory(
        trainee=TraineeFactory(registered_at=own["centre"]), cohort=own["rows"]["cohort"]
    )
    response = staff.post(
        reverse("api:outcome-list"),
        {
            "trainee": own["rows"]["trainee"].pk,
            "enrolment": other.pk,
            "kind": "employed",
            "date": "2025-03-20",
            "follow_up_round": 3,
        },
        format="json",
    )
    assert response.status_code == 400 and "enrolment" in response.json()["errors"]


# --- Drop-outs ------------------------------------------------------------------------


def test_a_drop_out_with_its_reason_once_and_the_waiting_list_moves_up(world):
    own = world["own"]
    staff = _client(own["users"]["centre_staff"])
    cohort = CohortFactory(centre=own["centre"], capacity=1)
    seated = EnrolmentFactory(trainee=TraineeFactory(registered_at=own["centre"]), cohort=cohort)
    waiting = EnrolmentFactory(
        trainee=TraineeFactory(registered_at=own["centre"]), cohort=cohort, status="waitlisted"
    )
    url = reverse("api:enrolment-drop-out", args=[seated.pk])
    assert staff.post(url, {"drop_reason": "  "}, format="json").status_code == 400
    dropped = staff.post(
        url, {"drop_reason": "مهاجرت", "dropped_on_jalali": "۱۴۰۳-۱۲-۳۰"}, format="json"
    )
    assert dropped.status_code == 200, dropped.json()
    assert dropped.json()["status"] == "dropped"
    assert dropped.json()["dropped_on_jalali"] == "1403-12-30"
    waiting.refresh_from_db()
    assert waiting.status == "enrolled"

    again = staff.post(url, {"drop_reason": "مهاجرت"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "not_current"
    seated.refresh_from_db()
    assert seated.drop_reason == "مهاجرت"
    assert Enrolment.objects.filter(cohort=cohort, status="dropped").count() == 1

    foreign = reverse("api:enrolment-drop-out", args=[world["foreign"]["rows"]["enrolment"].pk])
    assert staff.post(foreign, {"drop_reason": "x"}, format="json").status_code == 404
    resident = _client(own["users"]["resident"])
    mine = reverse("api:enrolment-drop-out", args=[own["rows"]["enrolment"].pk])
    assert resident.post(mine, {"drop_reason": "x"}, format="json").status_code == 403


# --- A commitment's milestones ----------------------------------------------------------


def _commitment_followed_by_hq(side):
    centre = side["centre"]
    hq = Headquarters.objects.get(city=centre.city)
    return commitment_create(
        title="پیاده‌رو",
        promised_by="شهردار منطقه",
        promiser_partner=side["partner"],
        neighbourhood=centre.neighbourhoods.get(),
        headquarters=hq,
        due_date=local_today() + datetime.timedelta(days=60),
    )


def test_the_partner_and_the_secretary_report_milestones_others_are_refused(world):
    own = world["own"]
    commitment = _commitment_followed_by_hq(own)
    partner = _client(own["users"]["partner_officer"])
    add_url = reverse("api:commitment-milestones", args=[commitment.pk])
    due = (local_today() + datetime.timedelta(days=30)).isoformat()
    first = partner.post(add_url, {"title": "کوچه اول", "due_date": due}, format="json")
    assert first.status_code == 201, first.json()
    second = _client(own["users"]["hq_secretary"]).post(
        add_url, {"title": "کوچه دوم", "due_date": due}, format="json"
    )
    assert second.status_code == 201, second.json()

    done_url = reverse("api:commitment-milestone-done", args=[commitment.pk, first.json()["id"]])
    done = partner.post(done_url, {"evidence": "عکس"}, format="json")
    assert done.status_code == 200, done.json()
    assert done.json()["progress"] == 50 and done.json()["status"] == "in_progress"
    replay = partner.post(done_url, {"evidence": "عکس"}, format="json")
    assert replay.status_code == 409 and replay.json()["code"] == "milestone_done"

    future = (local_today() + datetime.timedelta(days=2)).isoformat()
    other_url = reverse("api:commitment-milestone-done", args=[commitment.pk, second.json()["id"]])
    assert partner.post(other_url, {"completed_on": future}, format="json").status_code == 400

    staff = _client(own["users"]["centre_staff"])
    assert staff.post(other_url, {}, format="json").status_code == 403
    assert staff.post(add_url, {"title": "x", "due_date": due}, format="json").status_code == 403

    # A milestone of another commitment under this one's URL: not found.
    foreign_commitment = _commitment_followed_by_hq(world["foreign"])
    alien = commitment_milestone_add(
        commitment=foreign_commitment, title="کوچه", due_date=foreign_commitment.due_date
    )
    forged = reverse("api:commitment-milestone-done", args=[commitment.pk, alien.pk])
    assert partner.post(forged, {}, format="json").status_code == 404
    foreign_add = reverse("api:commitment-milestones", args=[foreign_commitment.pk])
    assert (
        partner.post(foreign_add, {"title": "x", "due_date": due}, format="json").status_code == 404
    )


# --- A resident follows their own ideas only ---------------------------------------------


def test_a_resident_follows_the_status_of_their_own_ideas_only(world):
    own = world["own"]
    call = own["rows"]["idea-call"]
    neighbour = UserFactory(username="09121110009")
    theirs = make_idea(call, submitter=neighbour, submitter_mobile="09121110009")
    resident = _client(own["users"]["resident"])
    listed = resident.get(reverse("api:idea-list"), {"call": call.pk})
    assert [row["id"] for row in listed.json()["results"]] == [own["rows"]["idea"].pk]
    assert resident.get(reverse("api:idea-detail", args=[theirs.pk])).status_code == 404
    mine = resident.get(reverse("api:idea-detail", args=[own["rows"]["idea"].pk]))
    assert mine.status_code == 200 and mine.json()["status"] == "under_review"
    # A forged call id: not a call that exists.
    forged = resident.post(
        reverse("api:idea-list"),
        {"call": 2_000_000, "title": "x", "summary": "y", "submitter_name": "z"},
        format="json",
    )
    assert forged.status_code == 400 and "call" in forged.json()["errors"]
