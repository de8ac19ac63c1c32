"""The summaries' refresh as a Celery task, and its beat entry (declared in code)."""

from celery import shared_task

from empowerment.celery import app

REFRESH_EVERY_SECONDS = 120  # an edit reaches the dashboards within 5 minutes

app.conf.beat_schedule.update(
    {
        "dashboards-refresh-summaries": {
            "task": "empowerment.dashboards.tasks.dashboards_refresh_summaries",
            "schedule": REFRESH_EVERY_SECONDS,
            # A refresh that could not start within the period is superseded by the next.
            "options": {"expires": REFRESH_EVERY_SECONDS},
        }
    }
)


@shared_task(acks_late=True)
def dashboards_refresh_summaries() -> int:
    """Rebuild the summary tables; running twice is harmless (each rebuild is whole and
    the state row's lock makes overlapping ones wait their turn)."""
    from .summaries import summaries_refresh

    return summaries_refresh().duration_ms
