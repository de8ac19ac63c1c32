"""Factories for the registry. National codes are valid: generated with their check digit."""

import factory
import jdatetime

from tests.centres.factories import CentreFactory
from tests.programs.factories import CohortFactory
from trainees.demo import national_code
from trainees.models import Enrolment, Trainee


class TraineeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Trainee

    first_name = "مریم"
    last_name = factory.Sequence(lambda n: f"آزمون‌نژاد {n}")
    national_code = factory.Sequence(lambda n: national_code(50_000 + n))
    mobile = factory.Sequence(lambda n: f"0912{n:07d}")
    gender = Trainee.Gender.FEMALE
    birth_date = jdatetime.date(1375, 6, 21)
    registered_at = factory.SubFactory(CentreFactory)


class EnrolmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enrolment

    trainee = factory.SubFactory(TraineeFactory)
    cohort = factory.SubFactory(CohortFactory)
    enrolled_on = jdatetime.date(1403, 1, 10)
    status = Enrolment.Status.ENROLLED
