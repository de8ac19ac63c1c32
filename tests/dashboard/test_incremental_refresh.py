"""Refresh by what changed (issue 18): every write path that feeds a summary (admin forms,
admin bulk actions, the API, the spreadsheet import and its Celery task, bulk `update()`
and `bulk_create`, a deletion) leaves change marks through the triggers, and the
incremental refresh then gives the tables a full rebuild gives, row for row. PostgreSQL
only: the marks are written by its triggers (on SQLite the refresh is always whole)."""

import datetime

import jdatetime
import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.urls import reverse
from rest_framework.test import APIClient

from empowerment.dashboards.models import SummaryChange
from empowerment.dashboards.summaries import (
    SUMMARY_TABLES,
    summaries_rebuild,
    summaries_refresh,
)
from empowerment.kernel.jalali import local_today
from programs.models import Cohort, CohortSession
from tests.centres.factories import CentreFactory, NeighbourhoodFactory, staff_user
from tests.programs.factories import CohortFactory, CohortSessionFactory, make_call, make_idea
from tests.trainees.factories import EnrolmentFactory, TraineeFactory
from tests.trainees.spreadsheet_files import upload, xlsx_bytes
from trainees import services as trainee_services
from trainees.demo import national_code
from trainees.models import Attendance, Enrolment, Outcome, Trainee

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the change marks are PostgreSQL triggers"
    ),
]


def snapshot() -> dict[str, list]:
    """Every summary table's rows (without ids), sorted."""
    rows = {}
    with connection.cursor() as cursor:
        for model in SUMMARY_TABLES:
            columns = [f.column for f in model._meta.concrete_fields if f.column != "id"]
            cursor.execute(f'SELECT {", ".join(columns)} FROM "{model._meta.db_table}"')
            rows[model.__name__] = sorted(map(repr, cursor.fetchall()))
    return rows


@pytest.fixture
def world(db):
    today = local_today()
    centre = CentreFactory(name="مرکز حصه")
    hood = centre.neighbourhoods.first()
    NeighbourhoodFactory(district=hood.district, name="حصه")
    other = CentreFactory(name="مرکز دیگر")
    start = today - datetime.timedelta(days=70)
    cohort = CohortFactory(
        centre=centre,
        code="MNK-9",
        capacity=50,
        start_date=start,
        end_date=today + datetime.timedelta(days=40),
    )
    sessions = [
        CohortSessionFactory(cohort=cohort, date=start + datetime.timedelta(days=7 * k))
        for k in range(1, 8)
    ]
    enrolments = [
        EnrolmentFactory(
            cohort=cohort,
            enrolled_on=start - datetime.timedelta(days=3),
            trainee=TraineeFactory(registered_at=centre, neighbourhood=hood),
        )
        for _ in range(4)
    ]
    Attendance.objects.bulk_create(
        Attendance(session=s, enrolment=e, status="present")
        for s in sessions[:3]
        for e in enrolments
    )
    done = CohortFactory(
        centre=other,
        start_date=jdatetime.date(1402, 7, 1),
        end_date=jdatetime.date(1402, 9, 1),
        status=Cohort.Status.RUNNING,
    )
    CohortSessionFactory(cohort=done, date=jdatetime.date(1402, 8, 1))
    finished = [
        EnrolmentFactory(cohort=done, enrolled_on=jdatetime.date(1402, 6, 20)) for _ in range(2)
    ]
    admin = get_user_model().objects.create_superuser("admin.refresh", password="x-pass-1403")
    summaries_rebuild()
    return {
        "centre": centre,
        "cohort": cohort,
        "sessions": sessions,
        "enrolments": enrolments,
        "done": done,
        "finished": finished,
        "admin": admin,
        "hood": hood,
    }


def admin_form(client, world):
    """The admin's add form: a session of the cohort."""
    client.force_login(world["admin"])
    day = world["sessions"][-1].date + datetime.timedelta(days=1)
    response = client.post(
        reverse("admin:programs_cohortsession_add"),
        {
            "cohort": world["cohort"].pk,
            "date": str(jdatetime.date.fromgregorian(date=day)),
            "start_time": "09:00",
            "hours": "3",
            "topic": "جلسه",
        },
    )
    assert response.status_code == 302, response.content[:2000]


def admin_cancel_sessions(client, world):
    """A bulk action of the admin: cancel the selected sessions."""
    client.force_login(world["admin"])
    response = client.post(
        reverse("admin:programs_cohortsession_changelist"),
        {"action": "cancel_sessions", "_selected_action": [world["sessions"][1].pk]},
    )
    assert response.status_code == 302
    assert CohortSession.objects.get(pk=world["sessions"][1].pk).cancelled_at is not None


def admin_complete_cohort(client, world):
    """The bulk action that completes cohorts and issues certificates."""
    client.force_login(world["admin"])
    response = client.post(
        reverse("admin:programs_cohort_changelist"),
        {"action": "complete", "_selected_action": [world["done"].pk]},
    )
    assert response.status_code == 200  # the confirmation page lists who gets a certificate
    response = client.post(
        reverse("admin:programs_cohort_changelist"),
        {"action": "complete", "_selected_action": [world["done"].pk], "confirm": "1"},
    )
    assert response.status_code == 302
    assert Enrolment.objects.filter(cohort=world["done"], status="enrolled").count() == 0


def api_attendance(client, world):
    """Offline marks sent by a phone through the API."""
    api = APIClient()
    api.force_authenticate(staff_user("staff.api", "centre_staff", world["centre"]))
    session = world["sessions"][4]
    marks = [
        {
            "client_uuid": f"00000000-0000-4000-8000-00000000000{n}",
            "session": session.pk,
            "enrolment": e.pk,
            "status": "absent" if n % 2 else "present",
        }
        for n, e in enumerate(world["enrolments"])
    ]
    response = api.post(reverse("api:attendance-batch"), {"marks": marks}, format="json")
    assert response.status_code == 200, response.content


def spreadsheet_import(client, world, django_capture_on_commit_callbacks):
    """The spreadsheet import, applied by its Celery task (eager here) after confirmation."""
    staff = staff_user("staff.import", "centre_staff", world["centre"])
    rows = [
        [
            "مریم",
            f"صنعتی {n}",
            "احمد",
            national_code(7100 + n),
            f"0913{n:07d}",
            "زن",
            "1375/06/21",
            "حصه",
            "دیپلم",
            "خانه‌دار",
            "مسجد",
            "MNK-9",
        ]
        for n in range(3)
    ]
    preview = trainee_services.trainee_import_preview(
        centre=world["centre"], uploaded_file=upload(xlsx_bytes(rows), "t.xlsx"), by=staff
    )
    assert preview.create_count == 3, preview.report
    with django_capture_on_commit_callbacks(execute=True):
        trainee_services.trainee_import_confirm(trainee_import=preview, by=staff)
    preview.refresh_from_db()
    assert preview.state == "applied", preview.message


def bulk_update(client, world):
    """`update()` and `bulk_create`, which send no signals: a trainee moves, one drops out,
    an outcome is recorded."""
    first, second = world["enrolments"][:2]
    Trainee.objects.filter(pk=first.trainee_id).update(
        gender="male", birth_date=datetime.date(1960, 1, 1)
    )
    Enrolment.objects.filter(pk=second.pk).update(
        status="dropped", dropped_on=world["sessions"][2].date, drop_reason="کار"
    )
    Outcome.objects.bulk_create(
        [
            Outcome(
                trainee_id=first.trainee_id,
                enrolment=first,
                kind="employed",
                date=local_today(),
                follow_up_round=3,
            )
        ]
    )


def deletion(client, world):
    """Deleting rows: a session with its marks, then a whole enrolment."""
    world["sessions"][0].delete()
    Enrolment.objects.filter(pk=world["enrolments"][3].pk).delete()


def move_cohort(client, world):
    """A cohort moved to another centre and other dates: both centres' months change."""
    Cohort.objects.filter(pk=world["cohort"].pk).update(
        centre=world["done"].centre_id,
        start_date=world["cohort"].start_date - datetime.timedelta(days=40),
    )


def ideas_and_meetings(client, world):
    make_idea(make_call(centre=world["centre"]), neighbourhood=world["hood"])


PATHS = [
    admin_form,
    admin_cancel_sessions,
    admin_complete_cohort,
    api_attendance,
    spreadsheet_import,
    bulk_update,
    deletion,
    move_cohort,
    ideas_and_meetings,
]


@pytest.mark.parametrize("write", PATHS, ids=[p.__name__ for p in PATHS])
def test_the_incremental_refresh_equals_a_full_rebuild(
    client, world, write, django_capture_on_commit_callbacks
):
    before = snapshot()
    assert not SummaryChange.objects.exists()
    if write is spreadsheet_import:
        write(client, world, django_capture_on_commit_callbacks)
    else:
        write(client, world)
    assert SummaryChange.objects.exists()  # the triggers saw the write
    state = summaries_refresh()
    assert state.full is False
    assert not SummaryChange.objects.exists()
    incremental = snapshot()
    assert incremental != before  # the write fed a summary
    summaries_rebuild()
    assert incremental == snapshot()


def test_a_change_of_geography_rebuilds_whole(world):
    city = world["centre"].city
    CentreFactory(name="مرکز سوم")  # a new place marks nothing
    assert not SummaryChange.objects.exists()
    world["centre"].__class__.objects.filter(pk=world["centre"].pk).update(
        city=CentreFactory(name="مرکز چهارم").city
    )
    assert SummaryChange.objects.filter(kind="all").exists()
    assert summaries_refresh().full is True
    assert city is not None


def test_sessions_becoming_past_are_counted_on_the_next_day(world):
    """A session dated today or later is not yet held; when the day comes the refresh
    counts it without any row having changed."""
    cohort = world["cohort"]
    ahead = CohortSessionFactory(cohort=cohort, date=local_today() + datetime.timedelta(days=2))
    summaries_refresh()
    later = local_today() + datetime.timedelta(days=3)
    summaries_refresh(today=later)
    incremental = snapshot()
    summaries_rebuild(today=later)
    assert incremental == snapshot()
    assert ahead.pk
