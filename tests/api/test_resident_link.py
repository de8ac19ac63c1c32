"""A resident's first sign-in by SMS links their account to the trainee with that mobile."""

import pytest

from empowerment.kernel.residents import resident_user_for_mobile
from tests.trainees.factories import TraineeFactory

pytestmark = pytest.mark.django_db


def test_the_one_trainee_with_the_mobile_is_linked():
    trainee = TraineeFactory(mobile="09121234567")
    user = resident_user_for_mobile(mobile="۰۹۱۲۱۲۳۴۵۶۷")
    trainee.refresh_from_db()
    assert trainee.user == user


def test_a_shared_number_links_nobody():
    first, second = TraineeFactory(mobile="09121234567"), TraineeFactory(mobile="09121234567")
    resident_user_for_mobile(mobile="09121234567")
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.user is None and second.user is None


def test_a_trainee_already_linked_keeps_their_account():
    other = resident_user_for_mobile(mobile="09350000000")
    trainee = TraineeFactory(mobile="09121234567", user=other)
    resident_user_for_mobile(mobile="09121234567")
    trainee.refresh_from_db()
    assert trainee.user == other


def test_signing_in_again_changes_nothing():
    trainee = TraineeFactory(mobile="09121234567")
    user = resident_user_for_mobile(mobile="09121234567")
    assert resident_user_for_mobile(mobile="09121234567") == user
    trainee.refresh_from_db()
    assert trainee.user == user
