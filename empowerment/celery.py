"""The Celery app. Settings come from Django's, under the CELERY_ namespace."""

import logging.config
import os

from celery import Celery, signals
from celery.schedules import crontab
from django.conf import settings

from empowerment.kernel.heartbeats import WorkerHeartbeat
from empowerment.kernel.logs import request_id_var, valid_request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "empowerment.settings")

app = Celery("empowerment")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Every app's AppConfig.ready imports its tasks, so a worker (which sets Django up) and a web
# process know the same tasks, by their explicit names.
# The worker writes its own heartbeat for /readyz (beat's is its scheduler, in settings).
app.steps["worker"].add(WorkerHeartbeat)


# --- Logging and the request id (empowerment/kernel/logs.py) --------------------------------------
# Connecting setup_logging tells Celery to leave logging alone: the worker and beat log
# through Django's LOGGING (same format, request id, scrubbing, JSON switch) instead.
@signals.setup_logging.connect
def _configure_logging(**kwargs):
    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _send_request_id(headers=None, **kwargs):
    # A task queued during a request carries the request's id in its headers (one string:
    # cheap), so the worker's lines for it can be found with the request's.
    request_id = request_id_var.get()
    if request_id and headers is not None and "request_id" not in headers:
        headers["request_id"] = request_id


@signals.task_prerun.connect
def _receive_request_id(task=None, **kwargs):
    if task is None or task.request.is_eager:
        return  # eager: the request's own id is already set in this thread
    incoming = valid_request_id(getattr(task.request, "request_id", None))
    # Without a request (beat, another task) the task's own id names its lines.
    task.request._request_id_token = request_id_var.set(incoming or task.request.id)


@signals.task_postrun.connect
def _forget_request_id(task=None, **kwargs):
    token = getattr(task.request, "_request_id_token", None) if task is not None else None
    if token is not None:
        request_id_var.reset(token)
        task.request._request_id_token = None


# The beat schedule, declared in code. Crontabs are read in CELERY_TIMEZONE (Asia/Tehran),
# so the hours below are Tehran's whatever the server's clock says.
# An edit in the admin reaches the dashboards within five minutes: two for the schedule,
# the rest for the refresh, which redoes only the centres and months changed since the last
# one (issue 18); the full rebuild is the weekly safety net.
SUMMARY_REFRESH_SECONDS = 120
# The outbox sweep's period; the broker-outage integration test shortens it.
OUTBOX_SWEEP_SECONDS = int(os.environ.get("OUTBOX_SWEEP_SECONDS", "60"))

app.conf.beat_schedule = {
    # --- Reminders and digests (issue 7) ---------------------------------------------------
    # Tomorrow's sessions, every hour from 09:00 to 20:00: the first run sends the day's
    # reminders, later runs only those of sessions or enrolments added since (the outbox
    # keys each reminder), and nobody is woken at night.
    "session-reminders": {
        "task": "trainees.session_reminders",
        "schedule": crontab(minute=0, hour="9-20"),
    },
    # Tomorrow's counselling bookings, hourly from 09:00 to 20:00 like the sessions': a
    # booking made later in the day still gets its reminder; the outbox keys each one.
    "counselling-reminders": {
        "task": "trainees.counselling_reminders",
        "schedule": crontab(minute=5, hour="9-20"),
    },
    # The overdue digest at 08:00, Saturday to Thursday (not on the Friday weekend).
    "overdue-digest": {
        "task": "centres.overdue_digest",
        "schedule": crontab(minute=0, hour=8, day_of_week="sat,sun,mon,tue,wed,thu"),
    },
    # --- Outbox (issue 13): messages whose dispatch to the broker was lost (the broker was
    # down when their transaction committed) are dispatched again; sending stays once-only.
    "outbox-sweep": {
        "task": "empowerment.outbox_sweep",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS},
    },
    # Confirmed imports whose dispatch was lost the same way, on the same cadence.
    "trainee-imports-sweep": {
        "task": "trainees.import_sweep",
        "schedule": OUTBOX_SWEEP_SECONDS,
        "options": {"expires": OUTBOX_SWEEP_SECONDS},
    },
    # --- Private import files (issue 12) ---------------------------------------------------
    # Uploaded spreadsheets (national codes, mobiles) are deleted once past
    # IMPORT_FILE_RETENTION_DAYS; once a night is enough for a retention counted in days.
    "import-files-purge": {
        "task": "trainees.import_files_purge",
        "schedule": crontab(minute=30, hour=3),
    },
    # --- Refresh tokens (issue 12): expired rows of the blacklist tables, nightly at 03:30.
    "tokens-flush-expired": {
        "task": "empowerment.tokens_flush_expired",
        "schedule": crontab(minute=30, hour=3),
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
    # The whole rebuild, weekly (Friday 04:00, the quietest hour of the weekend): a safety
    # net under the incremental refresh, whatever a trigger could have missed.
    "dashboards-rebuild-summaries": {
        "task": "empowerment.dashboards.tasks.dashboards_rebuild_summaries",
        "schedule": crontab(minute=0, hour=4, day_of_week="fri"),
    },
}
