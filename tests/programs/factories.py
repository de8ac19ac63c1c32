"""Factories and builders for the programs app: programmes, cohorts and sessions; calls for
ideas and ideas, built through the services like the admin does."""

import datetime
from decimal import Decimal

import factory
import jdatetime

from empowerment.kernel.jalali import local_today
from programs.models import Cohort, CohortSession, Programme
from programs.services.ideas import idea_advance, idea_call_create, idea_submit
from tests.centres.factories import CentreFactory, UserFactory, staff_user


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


# Calls for ideas and ideas.

CRITERIA = [("نوآوری", 3), ("امکان‌پذیری", 2), ("اشتغال محلی", 4), ("مهارت‌های محلی", 1)]


def make_call(*, centre=None, open_days=(-10, 10), reviewers=(), criteria=CRITERIA, title=None):
    """A call around today: by default it opened 10 days ago and closes in 10 days."""
    centre = centre or CentreFactory()
    today = local_today()
    return idea_call_create(
        centre=centre,
        title=title or f"فراخوان {centre.name}",
        opens_on=today + datetime.timedelta(days=open_days[0]),
        closes_on=today + datetime.timedelta(days=open_days[1]),
        criteria=criteria,
        reviewers=reviewers,
    )


def make_idea(call, *, submitter=None, title="کارگاه میناکاری خانگی", **kwargs):
    return idea_submit(
        call=call,
        title=title,
        summary=kwargs.pop("summary", "تولید ظروف میناکاری با برند حصه"),
        submitter=submitter,
        submitter_name=kwargs.pop("submitter_name", "نرگس حیدری"),
        submitter_mobile=kwargs.pop("submitter_mobile", "09121234567"),
        jobs_expected=kwargs.pop("jobs_expected", 4),
        **kwargs,
    )


def to_review(idea, staff):
    idea_advance(idea=idea, user=staff, to_status="screening")
    return idea_advance(idea=idea, user=staff, to_status="under_review")


def close_call(call, *, days_ago=1):
    """Move the call's window into the past (the clock cannot be moved by hand)."""
    today = local_today()
    call.opens_on = today - datetime.timedelta(days=days_ago + 20)
    call.closes_on = today - datetime.timedelta(days=days_ago)
    call.save(update_fields=["opens_on", "closes_on"])
    return call


def resident(username="resident"):
    return UserFactory(username=username)


def reviewer_of(centre, username):
    return staff_user(username, "reviewer", centre)
