import datetime
import re

import jdatetime
import pytest
from django.core.cache import cache

from empowerment.kernel.jalali import local_today
from empowerment.kernel.sms import ConsoleSMSBackend
from programs.models import Cohort
from tests.centres.factories import CentreFactory, DistrictFactory, NeighbourhoodFactory
from tests.programs.factories import CohortFactory, ProgrammeFactory, make_call


@pytest.fixture(autouse=True)
def _empty_cache():
    # The comment rate limit counts in the cache; each test starts with no history.
    cache.clear()
    yield
    cache.clear()


# --- Residents taking part: a centre with an open call and a cohort open for registration.


MOBILE = "09121234567"


@pytest.fixture
def hesseh_centre(db):
    centre = CentreFactory(
        name="مرکز توانمندسازی حصه",
        city__name="اصفهان",
        city__province__name="اصفهان",
        neighbourhoods=[],
    )
    district = DistrictFactory(city=centre.city, number=14, name="منطقه ۱۴")
    centre.districts.add(district)
    centre.neighbourhoods.add(NeighbourhoodFactory(district=district, name="حصه"))
    return centre


@pytest.fixture
def open_call(hesseh_centre):
    return make_call(centre=hesseh_centre, title="فراخوان جذب ایده حصه")


def days_from_today(days: int) -> jdatetime.date:
    return jdatetime.date.fromgregorian(date=local_today() + datetime.timedelta(days=days))


@pytest.fixture
def planned_cohort(hesseh_centre):
    return CohortFactory(
        centre=hesseh_centre,
        programme=ProgrammeFactory(title="میناکاری مقدماتی"),
        title="میناکاری، دوره پاییز",
        status=Cohort.Status.PLANNED,
        start_date=days_from_today(20),
        end_date=days_from_today(110),
        capacity=2,
        weekly_schedule="شنبه‌ها و دوشنبه‌ها",
    )


def last_code() -> str:
    """The code of the last SMS, read from the console backend as a resident reads it."""
    return re.search(r"\d{6}", ConsoleSMSBackend.outbox[-1]["text"]).group()


@pytest.fixture
def post_and_send(client, django_capture_on_commit_callbacks):
    """POST a form and run what waits for the commit (the SMS is sent then)."""

    def post(url, data, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url, data, **kwargs)

    return post
