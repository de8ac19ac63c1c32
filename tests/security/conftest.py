import pytest
from rest_framework.test import APIClient

from tests.centres.factories import NeighbourhoodFactory
from tests.programs.factories import CohortFactory
from tests.trainees.factories import TraineeFactory


@pytest.fixture
def api_client():
    return APIClient()


@pytest.fixture
def isfahan_trainee(two_centres):
    """An Isfahan resident with the details only Isfahan recorded."""
    hood = NeighbourhoodFactory(name="حصه", district__city=two_centres["isfahan"].city)
    return TraineeFactory(
        first_name="زهرا",
        last_name="جلوانی",
        father_name="حسین",
        mobile="09131112233",
        neighbourhood=hood,
        registered_at=two_centres["isfahan"],
    )


@pytest.fixture
def karaj_cohort(two_centres):
    return CohortFactory(centre=two_centres["karaj"], code="KRJ-1", capacity=20)
