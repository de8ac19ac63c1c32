"""The Celery app. Settings come from Django's, under the CELERY_ namespace."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empowerment.settings")

app = Celery("empowerment")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The dashboards live inside the empowerment package, not in an app of their own.
app.autodiscover_tasks(["empowerment.dashboards", "empowerment.privacy"])

# The beat schedule, declared in code. Crontabs are read in CELERY_TIMEZONE (Asia/Tehran),
# so the hours below are Tehran's whatever the server's clock says.
# An edit in the admin reaches the dashboards within five minutes: two for the schedule,
# the rest for the refresh itself at a million trainees.
SUMMARY_REFRESH_SECONDS = 120

app.conf.beat_schedule = {
    # --- Reminders and digests (issue 7) ---------------------------------------------------
    # Tomorrow's sessions, every hour from 09:00 to 20:00: the first run sends the day's
    # reminders, later runs only those of sessions or enrolments added since (the outbox
    # keys each reminder), and nobody is woken at night.
    "session-reminders": {
        "task": "trainees.session_reminders",
        "schedule": crontab(minute=0, hour="9-20"),
    },
    # The overdue digest at 08:00, Saturday to Thursday (not on the Friday weekend).
    "overdue-digest": {
        "task": "centres.overdue_digest",
        "schedule": crontab(minute=0, hour=8, day_of_week="sat,sun,mon,tue,wed,thu"),
    },
    # --- Retention (issue 12) ----------------------------------------------------------------
    # Access records, one-time codes and the bodies of sent SMS past their periods
    # (ACCESS_RECORD_RETENTION_DAYS, OTP_RETENTION_DAYS, SMS_BODY_RETENTION_DAYS), nightly.
    "retention-sweep": {
        "task": "empowerment.retention_sweep",
        "schedule": crontab(minute=30, hour=3),
    },
    # --- Dashboard summaries (issue 6) -----------------------------------------------------
    "dashboards-refresh-summaries": {
        "task": "empowerment.dashboards.tasks.dashboards_refresh_summaries",
        "schedule": SUMMARY_REFRESH_SECONDS,
        # A refresh that could not start within the period is superseded by the next.
        "options": {"expires": SUMMARY_REFRESH_SECONDS},
    },
}
