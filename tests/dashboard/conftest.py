import pytest

from tests.centres.factories import isfahan_and_karaj, staff_user


@pytest.fixture
def places(db):
    return isfahan_and_karaj()


@pytest.fixture
def council_member(places):
    """A member of Isfahan's city council: sees Isfahan, not Karaj."""
    return staff_user("council.isfahan", "council_member", places["isfahan"])


@pytest.fixture
def centre_staff(places):
    return staff_user("staff.centre", "centre_staff", places["centre"])


@pytest.fixture
def council_client(client, council_member):
    client.force_login(council_member)
    return client
