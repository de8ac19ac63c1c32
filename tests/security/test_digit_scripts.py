"""Class 5: digits of every script are one number.

Full-width (０-９), Devanagari (०-९) and other Unicode decimal digits passed the validators
but were not normalised: the same national code stored three times, a mobile escaping its
SMS cap. Attacked through the admin, the API and the public pages.
"""

import re

import jdatetime
import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from empowerment.kernel.models import OneTimeCode
from empowerment.kernel.sms import ConsoleSMSBackend
from programs.models import Idea
from tests.programs.factories import make_call
from tests.trainees.factories import TraineeFactory
from trainees.demo import national_code
from trainees.models import Trainee

pytestmark = pytest.mark.django_db

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")
DEVANAGARI = str.maketrans("0123456789", "०१२३४५६७८९")
BENGALI = str.maketrans("0123456789", "০১২৩৪৫৬৭৮৯")
MOBILE = "09121234567"


def written(value: str, script) -> str:
    return value.translate(script)


def _trainee_form(centre, **changes):
    return {
        "first_name": "نرگس",
        "last_name": "لاجوردی",
        "father_name": "",
        "national_code": national_code(901),
        "mobile": MOBILE,
        "gender": "female",
        "birth_date": "1375/06/21",
        "registered_at": centre.pk,
        "enrolments-TOTAL_FORMS": "0",
        "enrolments-INITIAL_FORMS": "0",
        "outcomes-TOTAL_FORMS": "0",
        "outcomes-INITIAL_FORMS": "0",
        **changes,
    }


def test_admin_stores_one_national_code_however_its_digits_are_written(client, two_centres):
    client.force_login(two_centres["staff_isfahan"])
    centre = two_centres["isfahan"]
    code = national_code(901)
    first = client.post(
        reverse("admin:trainees_trainee_add"),
        _trainee_form(
            centre,
            national_code=written(code, FULL_WIDTH),
            mobile="09" + written(MOBILE[2:], DEVANAGARI),
            birth_date=written("1375/06/21", FULL_WIDTH),
        ),
    )
    assert first.status_code == 302, first.context["adminform"].form.errors
    trainee = Trainee.objects.get()
    assert trainee.national_code == code
    assert trainee.mobile == MOBILE
    assert trainee.birth_date == jdatetime.date(1375, 6, 21)
    for script in (DEVANAGARI, BENGALI):
        again = client.post(
            reverse("admin:trainees_trainee_add"),
            _trainee_form(centre, national_code=written(code, script), first_name="دیگری"),
        )
        assert again.status_code == 200
        assert "national_code" in again.context["adminform"].form.errors
    assert Trainee.objects.count() == 1


def test_api_registers_one_national_code_however_its_digits_are_written(two_centres):
    """The API's registration is the admin's service: the same normaliser, the same one
    person per code (a 409 in the API, a form error in the admin)."""
    api = APIClient()
    api.force_authenticate(two_centres["staff_isfahan"])
    code = national_code(903)
    body = {"first_name": "نرگس", "last_name": "لاجوردی", "gender": "female"}
    first = api.post(
        reverse("api:trainee-list"),
        {
            **body,
            "national_code": written(code, FULL_WIDTH),
            "mobile": "09" + written(MOBILE[2:], DEVANAGARI),
            "birth_date_jalali": written("1375-06-21", BENGALI),
        },
        format="json",
    )
    assert first.status_code == 201, first.json()
    trainee = Trainee.objects.get()
    assert (trainee.national_code, trainee.mobile) == (code, MOBILE)
    assert trainee.birth_date == jdatetime.date(1375, 6, 21)
    for script in (DEVANAGARI, BENGALI):
        again = api.post(
            reverse("api:trainee-list"),
            {**body, "national_code": written(code, script)},
            format="json",
        )
        assert again.status_code == 409 and again.json()["code"] == "national_code_registered"
    assert Trainee.objects.count() == 1


def test_api_search_finds_a_national_code_written_in_another_script(two_centres):
    trainee = TraineeFactory(registered_at=two_centres["isfahan"], national_code=national_code(902))
    api = APIClient()
    api.force_authenticate(two_centres["staff_isfahan"])
    response = api.get(
        reverse("api:trainee-list"), {"search": written(trainee.national_code, FULL_WIDTH)}
    )
    assert response.status_code == 200
    assert [row["id"] for row in response.json()["results"]] == [trainee.pk]


def test_one_mobile_in_three_scripts_shares_one_sms_cap(
    settings, django_capture_on_commit_callbacks
):
    settings.OTP_MAX_PER_MOBILE = 3
    api = APIClient()
    answers = []
    for script in (None, FULL_WIDTH, DEVANAGARI, BENGALI):
        mobile = MOBILE if script is None else "09" + written(MOBILE[2:], script)
        with django_capture_on_commit_callbacks(execute=True):
            answers.append(
                api.post(reverse("api:otp-request"), {"mobile": mobile}, format="json").status_code
            )
    assert answers == [202, 202, 202, 429]
    assert set(OneTimeCode.objects.values_list("mobile", flat=True)) == {MOBILE}
    assert {message["to"] for message in ConsoleSMSBackend.outbox} == {MOBILE}


def test_a_code_asked_in_other_digits_signs_in_the_same_resident(
    django_capture_on_commit_callbacks,
):
    api = APIClient()
    with django_capture_on_commit_callbacks(execute=True):
        asked = api.post(
            reverse("api:otp-request"),
            {"mobile": "09" + written(MOBILE[2:], DEVANAGARI)},
            format="json",
        )
    assert asked.status_code == 202
    code = re.search(r"\d{6}", ConsoleSMSBackend.outbox[-1]["text"]).group()
    verified = api.post(
        reverse("api:otp-verify"),
        {"mobile": "09" + written(MOBILE[2:], FULL_WIDTH), "code": written(code, FULL_WIDTH)},
        format="json",
    )
    assert verified.status_code == 200


def test_public_idea_form_sends_the_code_to_the_normalised_mobile(
    client, two_centres, django_capture_on_commit_callbacks
):
    call = make_call(centre=two_centres["isfahan"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("public_call_detail", args=[call.pk]),
            {
                "title": "کارگاه میناکاری خانگی",
                "summary": "تولید ظروف میناکاری",
                "team_members": "",
                "support_needed": "",
                "jobs_expected": written("4", DEVANAGARI),
                "submitter_name": "نرگس حیدری",
                "submitter_mobile": "09" + written(MOBILE[2:], FULL_WIDTH),
                "neighbourhood": "",
            },
        )
    assert response.status_code == 302
    assert ConsoleSMSBackend.outbox[-1]["to"] == MOBILE
    assert set(OneTimeCode.objects.values_list("mobile", flat=True)) == {MOBILE}
    assert not Idea.objects.exists()
