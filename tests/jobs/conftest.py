import datetime

import pytest

from empowerment.kernel.jalali import local_today, to_jalali
from tests.centres.factories import CentreFactory
from tests.programs.factories import CohortFactory, ProgrammeFactory


@pytest.fixture
def tomorrow():
    return local_today() + datetime.timedelta(days=1)


@pytest.fixture
def centre(db):
    return CentreFactory(name="مرکز توانمندسازی حصه", address="اصفهان، خیابان حصه، کوچه ۱۲")


@pytest.fixture
def cohort(centre):
    today = local_today()
    return CohortFactory(
        centre=centre,
        programme=ProgrammeFactory(title="میناکاری"),
        start_date=to_jalali(today - datetime.timedelta(days=10)),
        end_date=to_jalali(today + datetime.timedelta(days=60)),
        capacity=10,
    )
