"""Factories for programmes, cohorts and sessions."""

import datetime
from decimal import Decimal

import factory
import jdatetime

from programs.models import Cohort, CohortSession, Programme
from tests.centres.factories import CentreFactory


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    title = factory.Sequence(lambda n: f"برنامه {n}")
    field = Programme.Field.HANDICRAFT
    total_hours = 60
    target_groups = factory.LazyFunction(lambda: ["women"])


class CohortFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cohort

    programme = factory.SubFactory(ProgrammeFactory)
    centre = factory.SubFactory(CentreFactory)
    code = factory.Sequence(lambda n: f"C-{n}")
    title = factory.Sequence(lambda n: f"دوره {n}")
    start_date = jdatetime.date(1403, 1, 15)
    end_date = jdatetime.date(1403, 6, 30)
    capacity = 20
    min_attendance_percent = 75
    status = Cohort.Status.RUNNING


class CohortSessionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CohortSession

    cohort = factory.SubFactory(CohortFactory)
    date = factory.Sequence(lambda n: jdatetime.date(1403, 2, 1) + datetime.timedelta(days=n % 60))
    start_time = factory.Sequence(lambda n: datetime.time(8 + n % 10))
    hours = Decimal("3")
