"""The summaries' refresh as a Celery task; its beat entry is in empowerment/celery.py, by this
task's name (explicit, as every task's: queued messages and beat entries name it)."""

from celery import shared_task

from empowerment.dashboards.summaries import summaries_refresh


@shared_task(name="empowerment.dashboards.tasks.dashboards_refresh_summaries", acks_late=True)
def dashboards_refresh_summaries() -> int:
    """Rebuild the summary tables; running twice is harmless (each rebuild is whole and
    the state row's lock makes overlapping ones wait their turn)."""
    return summaries_refresh().duration_ms
