"""The summaries' refresh as Celery tasks; their beat entries are in empowerment/celery.py, by
these tasks' names (explicit, as every task's: queued messages and beat entries name them)."""

from celery import shared_task

from empowerment.dashboards.summaries import summaries_rebuild, summaries_refresh


@shared_task(name="empowerment.dashboards.tasks.dashboards_refresh_summaries", acks_late=True)
def dashboards_refresh_summaries() -> int:
    """Bring the summary tables up to date by what changed (every two minutes); running
    twice is harmless (the marks taken by one are gone for the other, and the state row's
    lock makes overlapping ones wait their turn)."""
    return summaries_refresh().duration_ms


@shared_task(name="empowerment.dashboards.tasks.dashboards_rebuild_summaries", acks_late=True)
def dashboards_rebuild_summaries() -> int:
    """Rebuild the summary tables whole (weekly): the safety net of the incremental one."""
    return summaries_rebuild().duration_ms
