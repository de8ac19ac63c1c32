"""Programmes, cohorts and sessions through the services and the admin."""

import datetime

import jdatetime
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from programs.models import Cohort, CohortSession, Programme
from programs.models.training import TARGET_GROUPS
from programs.services import training as services
from tests.centres.factories import staff_user
from tests.programs.factories import CohortFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db


def test_programme_refuses_unknown_target_groups():
    with pytest.raises(ValidationError):
        services.programme_create(
            title="میناکاری", field="handicraft", total_hours=120, target_groups=["aliens"]
        )
    programme = services.programme_create(
        title="میناکاری", field="handicraft", total_hours=120, target_groups=["women", "youth"]
    )
    assert programme.target_groups == ["women", "youth"]
    labels = dict(TARGET_GROUPS)  # shown by their labels, in order
    assert programme.get_target_groups_display() == f"{labels['women']}، {labels['youth']}"


def test_cohort_dates_and_sessions(two_centres):
    programme = ProgrammeFactory()
    with pytest.raises(ValidationError) as error:
        services.cohort_create(
            programme=programme,
            centre=two_centres["isfahan"],
            code="X-1",
            title="دوره",
            start_date=jdatetime.date(1403, 5, 1),
            end_date=jdatetime.date(1403, 4, 1),
            capacity=10,
        )
    assert "end_date" in error.value.message_dict
    cohort = services.cohort_create(
        programme=programme,
        centre=two_centres["isfahan"],
        code="X-1",
        title="دوره",
        start_date=jdatetime.date(1403, 5, 1),
        end_date=jdatetime.date(1403, 6, 31),
        capacity=10,
    )
    with pytest.raises(ValidationError):
        services.cohort_session_create(
            cohort=cohort, date=jdatetime.date(1403, 7, 1), start_time=datetime.time(9), hours=2
        )
    created = services.cohort_sessions_schedule(
        cohort=cohort, weekdays=[0, 2], start_time=datetime.time(9), hours=3, count=6
    )
    assert len(created) == 6
    assert all(s.date.weekday() in (0, 2) for s in created)
    # Running it again creates nothing more.
    assert (
        services.cohort_sessions_schedule(
            cohort=cohort, weekdays=[0, 2], start_time=datetime.time(9), hours=3, count=6
        )
        == []
    )
    assert CohortSession.objects.filter(cohort=cohort).count() == 6


def test_staff_see_their_centres_cohorts_and_every_programme(client, two_centres):
    own = CohortFactory(centre=two_centres["isfahan"], title="دوره اصفهان")
    CohortFactory(centre=two_centres["karaj"], title="دوره کرج")
    client.force_login(two_centres["staff_isfahan"])
    cohorts = client.get(reverse("admin:programs_cohort_changelist"))
    assert [c.pk for c in cohorts.context["cl"].result_list] == [own.pk]
    programmes = client.get(reverse("admin:programs_programme_changelist"))
    assert programmes.context["cl"].result_count == Programme.objects.count() == 2
    # Staff read programmes but only managers add them.
    assert client.get(reverse("admin:programs_programme_add")).status_code == 403


def test_manager_adds_a_programme_with_target_groups_in_the_admin(client, two_centres):
    manager = staff_user("manager.a", "centre_manager", two_centres["isfahan"])
    client.force_login(manager)
    response = client.post(
        reverse("admin:programs_programme_add"),
        {
            "title": "هوش مصنوعی برای کودکان",
            "field": "digital",
            "target_groups": ["children"],
            "total_hours": "30",
            "description": "",
            "is_active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Programme.objects.get().target_groups == ["children"]


def test_manager_adds_a_cohort_with_jalali_dates_and_sessions(client, two_centres):
    manager = staff_user("manager.a", "centre_manager", two_centres["isfahan"])
    programme = ProgrammeFactory()
    client.force_login(manager)
    response = client.post(
        reverse("admin:programs_cohort_add"),
        {
            "programme": programme.pk,
            "centre": two_centres["isfahan"].pk,
            "code": "MNK-1403-2",
            "title": "میناکاری دوم",
            "instructor": "",
            "start_date": "1403-07-01",
            "end_date": "1403-09-30",
            "weekly_schedule": "",
            "capacity": "25",
            "min_attendance_percent": "75",
            "status": "planned",
            "sessions-TOTAL_FORMS": "1",
            "sessions-INITIAL_FORMS": "0",
            "sessions-0-date": "1403-07-07",
            "sessions-0-start_time": "09:00",
            "sessions-0-hours": "3",
            "sessions-0-topic": "",
            "enrolments-TOTAL_FORMS": "0",
            "enrolments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    cohort = Cohort.objects.get(code="MNK-1403-2")
    assert cohort.sessions.get().date == jdatetime.date(1403, 7, 7)
