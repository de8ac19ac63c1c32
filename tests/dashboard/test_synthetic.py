"""The synthetic generator behind `make bench-dashboard`, on an empty database (in a module
of its own: the summary pages' module keeps the demo for all its tests)."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.models import Sum

from centres.models import Indicator
from empowerment.dashboards.models import JalaliDay, TrainingSummary
from empowerment.dashboards.summaries import calendar_ensure, summaries_refresh
from trainees.models import Enrolment

pytestmark = pytest.mark.django_db


def test_synthetic_data_on_postgresql(db):

    if connection.vendor != "postgresql":
        pytest.skip("generate_synthetic needs PostgreSQL")
    call_command("generate_synthetic", trainees=2000, stdout=open("/dev/null", "w"))
    summaries_refresh()
    assert TrainingSummary.objects.aggregate(n=Sum("enrolled"))["n"] == (
        Enrolment.objects.exclude(status="waitlisted").count()
    )
    assert Enrolment.objects.count() == 2400
    certified = Enrolment.objects.filter(status="certified").count()
    assert TrainingSummary.objects.aggregate(n=Sum("certified"))["n"] == certified > 0
    # Every synthetic neighbourhood has a yearly indicator for each of the five years, valid
    # under the model's own rules.

    synthetic = Indicator.objects.filter(source="synthetic")
    assert synthetic.values("year").distinct().count() == 5
    assert synthetic.count() == 5 * synthetic.values("neighbourhood").distinct().count()
    synthetic.first().full_clean()


def test_calendar_statistics_follow_its_fill(db):
    """A calendar table vacuumed while empty keeps its pages and tells the planner "no
    rows"; filled again without statistics, the rebuild's joins to it ran for tens of
    minutes. Filling it analyzes it."""

    if connection.vendor != "postgresql":
        pytest.skip("planner statistics are PostgreSQL's")
    JalaliDay.objects.all().delete()
    filled = calendar_ensure()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [JalaliDay._meta.db_table]
        )
        (estimate,) = cursor.fetchone()
    assert filled > 40000
    assert abs(estimate - filled) < filled * 0.05
