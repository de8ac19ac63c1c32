"""The summaries' refresh as a Celery task; its beat entry is in empowerment/celery.py."""

from celery import shared_task


@shared_task(acks_late=True)
def dashboards_refresh_summaries() -> int:
    """Rebuild the summary tables; running twice is harmless (each rebuild is whole and
    the state row's lock makes overlapping ones wait their turn)."""
    from .summaries import summaries_refresh

    return summaries_refresh().duration_ms
