"""The beat schedule is declared in code: which tasks, when, in Tehran time."""

import datetime
from zoneinfo import ZoneInfo

from celery.schedules import crontab

from empowerment.celery import app

TEHRAN = ZoneInfo("Asia/Tehran")


def test_schedule_entries_name_registered_tasks():
    schedule = app.conf.beat_schedule
    assert schedule["session-reminders"]["task"] == "trainees.session_reminders"
    assert schedule["overdue-digest"]["task"] == "centres.overdue_digest"
    app.loader.import_default_modules()
    for entry in ("session-reminders", "overdue-digest"):
        assert schedule[entry]["task"] in app.tasks


def test_the_schedule_runs_in_tehran_time():
    assert app.conf.timezone == "Asia/Tehran"
    assert app.conf.beat_schedule_filename.endswith("celerybeat-schedule")


def test_digest_at_eight_every_day_but_friday():
    digest = app.conf.beat_schedule["overdue-digest"]["schedule"]
    assert isinstance(digest, crontab)
    assert digest.minute == {0} and digest.hour == {8}
    # Celery counts weekdays from Sunday (0); Friday is 5.
    assert digest.day_of_week == {6, 0, 1, 2, 3, 4}


def _next_run(schedule: crontab, last_run: datetime.datetime) -> datetime.datetime:
    schedule = crontab(
        minute=schedule._orig_minute,
        hour=schedule._orig_hour,
        day_of_week=schedule._orig_day_of_week,
        app=app,
    )
    return last_run + schedule.remaining_delta(last_run, tz=TEHRAN)[1]


def test_after_thursdays_digest_the_next_is_saturday_morning():
    digest = app.conf.beat_schedule["overdue-digest"]["schedule"]
    # Thursday 1403/01/16 (2024-04-04) 08:00 Tehran.
    thursday = datetime.datetime(2024, 4, 4, 8, 0, tzinfo=TEHRAN)
    following = _next_run(digest, thursday)
    assert following == datetime.datetime(2024, 4, 6, 8, 0, tzinfo=TEHRAN)
    assert following.strftime("%A") == "Saturday"


def test_reminders_hourly_in_the_day_only():
    reminders = app.conf.beat_schedule["session-reminders"]["schedule"]
    assert reminders.minute == {0} and reminders.hour == set(range(9, 21))
    evening = datetime.datetime(2024, 4, 4, 20, 0, tzinfo=TEHRAN)
    assert _next_run(reminders, evening) == datetime.datetime(2024, 4, 5, 9, 0, tzinfo=TEHRAN)
