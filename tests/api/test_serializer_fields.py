"""The serializer pieces: dates in ISO or Jalali with Persian digits, masked numbers."""

import datetime

import jdatetime
import pytest
from rest_framework import serializers
from rest_framework.test import APIRequestFactory

from centres.api.base.serializers import IsoDateField, MaskedField, Serializer
from empowerment.kernel.masking import mask
from tests.centres.factories import UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "given, expected",
    [
        ("2025-03-17", datetime.date(2025, 3, 17)),
        ("1403-12-27", datetime.date(2025, 3, 17)),
        ("۱۴۰۳/۱۲/۲۷", datetime.date(2025, 3, 17)),
        ("۲۰۲۵-۰۳-۱۷", datetime.date(2025, 3, 17)),
    ],
)
def test_a_date_is_read_in_iso_or_jalali_with_any_digits(given, expected):
    assert IsoDateField().to_internal_value(given) == expected


@pytest.mark.parametrize(
    "given", ["1403-12-31", "2025-02-30", "17/03/2025", "tomorrow", "0002-01-01", "0621-01-01"]
)
def test_an_impossible_date_is_refused(given):
    with pytest.raises(serializers.ValidationError):
        IsoDateField().to_internal_value(given)


def test_a_jalali_date_is_written_in_iso():
    assert IsoDateField().to_representation(jdatetime.date(1403, 12, 27)) == "2025-03-17"


class _PersonSerializer(serializers.Serializer):
    national_code = MaskedField()
    mobile = MaskedField(keep_start=4)


def _as(user):
    request = APIRequestFactory().get("/")
    request.user = user
    return _PersonSerializer(
        {"national_code": "0012345679", "mobile": "09121234567"}, context={"request": request}
    ).data


def test_council_members_and_viewers_get_masked_numbers(demo_centres):
    masked = {"national_code": "********79", "mobile": "0912*****67"}
    assert _as(demo_centres["council_isfahan"]) == masked
    viewer = staff_user("viewer.one", "viewer", demo_centres["isfahan"])
    assert _as(viewer) == masked


def test_staff_and_administrators_get_the_numbers(demo_centres):
    plain = {"national_code": "0012345679", "mobile": "09121234567"}
    assert _as(demo_centres["staff_isfahan"]) == plain
    assert _as(UserFactory(username="root", is_superuser=True)) == plain


def test_mask_keeps_nothing_of_a_short_value():
    assert mask("12", keep_start=1, keep_end=1) == "**"


class _Report(Serializer):
    on = IsoDateField()
    until = IsoDateField(required=False, allow_null=True)

    class Meta:
        jalali_fields = ["on", "until"]


@pytest.mark.parametrize(
    "data, valid, expected",
    [
        ({"on": "2025-03-20"}, True, datetime.date(2025, 3, 20)),
        ({"on_jalali": "1403-12-30"}, True, datetime.date(2025, 3, 20)),  # a leap year
        ({"on_jalali": "۱۴۰۳-۱۲-۳۰"}, True, datetime.date(2025, 3, 20)),
        ({"on_jalali": "1402-12-30"}, False, "on_jalali"),  # not a leap year
        ({"on_jalali": "0000-01-01"}, False, "on_jalali"),
        ({"on_jalali": "1403-1-5x"}, False, "on_jalali"),
        ({"on_jalali": 14031230}, False, "on_jalali"),
        ({"on": "2025-03-20", "on_jalali": "1403-12-30"}, False, "on_jalali"),
        ({}, False, "on"),  # required: by either
    ],
)
def test_a_writable_date_takes_iso_or_its_jalali_companion_never_both(data, valid, expected):
    serializer = _Report(data=data)
    assert serializer.is_valid() is valid, serializer.errors
    if valid:
        assert serializer.validated_data["on"] == expected
    else:
        assert set(serializer.errors) == {expected}


def test_a_companion_is_read_only_beside_a_read_only_date():
    class Shown(Serializer):
        on = IsoDateField(read_only=True)

        class Meta:
            jalali_fields = ["on"]

    assert Shown(data={"on_jalali": "1403-12-30"}).fields["on_jalali"].read_only
    assert Shown({"on": datetime.date(2025, 3, 20)}).data == {
        "on": "2025-03-20",
        "on_jalali": "1403-12-30",
    }
