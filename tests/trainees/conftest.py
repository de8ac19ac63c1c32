import pytest

from tests.centres.factories import staff_user
from tests.programs.factories import CohortFactory


@pytest.fixture
def isfahan(two_centres):
    return two_centres["isfahan"]


@pytest.fixture
def karaj(two_centres):
    return two_centres["karaj"]


@pytest.fixture
def staff(two_centres):
    return two_centres["staff_isfahan"]


@pytest.fixture
def manager(isfahan):
    return staff_user("manager.a", "centre_manager", isfahan)


@pytest.fixture
def cohort(isfahan):
    return CohortFactory(centre=isfahan, code="MNK-1", capacity=3)
