"""Registering a trainee: normalised input, refused codes and dates, duplicates flagged."""

import jdatetime
import pytest
from django.core.exceptions import ValidationError

from trainees import services
from trainees.demo import national_code
from trainees.models import PossibleDuplicate, Trainee

pytestmark = pytest.mark.django_db

VALID = national_code(1)


def register(centre, **overrides):
    fields = {
        "centre": centre,
        "first_name": "فاطمه",
        "last_name": "مینایی",
        "national_code": VALID,
        "gender": "female",
        "birth_date": jdatetime.date(1370, 3, 4),
    }
    fields.update(overrides)
    return services.trainee_register(**fields)


def persian(code: str) -> str:
    return code.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))


def test_input_is_normalised_before_validation(isfahan):
    trainee = register(
        isfahan,
        first_name="  علي  ",
        last_name="كاشاني",
        national_code=persian(VALID),
        mobile="+98 912 345 6789",
    )
    trainee.refresh_from_db()
    assert trainee.first_name == "علی"
    assert trainee.last_name == "کاشانی"
    assert trainee.national_code == VALID
    assert trainee.mobile == "09123456789"
    other = register(isfahan, national_code=national_code(2), mobile="00989123456780")
    assert other.mobile == "09123456780"


@pytest.mark.parametrize(
    "code, error_code",
    [
        (VALID[:9] + str((int(VALID[9]) + 1) % 10), "national_code_checksum"),
        ("1111111111", "national_code_repeated"),
        (VALID[:9], "national_code_length"),
    ],
)
def test_bad_national_codes_are_refused_on_the_field(isfahan, code, error_code):
    with pytest.raises(ValidationError) as error:
        register(isfahan, national_code=code)
    assert [e.code for e in error.value.error_dict["national_code"]] == [error_code]
    assert not Trainee.objects.exists()


def test_bad_mobile_is_refused(isfahan):
    with pytest.raises(ValidationError) as error:
        register(isfahan, mobile="0212345678")
    assert [e.code for e in error.value.error_dict["mobile"]] == ["mobile_invalid"]


def test_national_code_is_unique(isfahan, karaj):
    register(isfahan)
    with pytest.raises(ValidationError) as error:
        register(karaj, first_name="سارا")
    assert "national_code" in error.value.message_dict
    assert Trainee.objects.count() == 1


def test_same_name_and_birth_date_under_another_code_is_flagged_not_merged(isfahan):
    first = register(isfahan, first_name="زهرا", last_name="نیک‌سرشت")
    # The same name typed without the ZWNJ and with an Arabic yeh.
    second = register(
        isfahan, first_name="زهرا", last_name="نيک سرشت", national_code=national_code(2)
    )
    assert Trainee.objects.count() == 2
    flag = PossibleDuplicate.objects.get()
    assert (flag.trainee, flag.other) == (second, first)
    assert flag.status == PossibleDuplicate.Status.OPEN
    # Another birth date: no flag.
    register(isfahan, first_name="زهرا", last_name="نیک‌سرشت", national_code=national_code(3),
             birth_date=jdatetime.date(1371, 1, 1))  # fmt: skip
    assert PossibleDuplicate.objects.count() == 1


def test_reviewing_a_duplicate_records_who_decided(isfahan, staff):
    a = register(isfahan, last_name="تابان")
    b = register(isfahan, last_name="تابان", national_code=national_code(2))
    flag = PossibleDuplicate.objects.get(trainee=b, other=a)
    services.possible_duplicate_resolve(
        flag=flag, status=PossibleDuplicate.Status.DIFFERENT, by=staff
    )
    flag.refresh_from_db()
    assert flag.reviewed_by == staff and flag.reviewed_at is not None
    assert flag.history.count() == 2


def test_trainee_changes_are_audited(isfahan):
    trainee = register(isfahan)
    services.trainee_update(trainee=trainee, mobile="09130000000")
    assert [h.mobile for h in trainee.history.order_by("history_id")] == ["", "09130000000"]
