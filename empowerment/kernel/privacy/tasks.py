"""The daily retention sweep (beat entry "retention-sweep" in empowerment/celery.py)."""

from celery import shared_task

from empowerment.kernel.privacy import services


@shared_task(name="empowerment.retention_sweep", acks_late=True)
def retention_sweep() -> dict[str, int]:
    # Safe to run twice: each step is one statement over rows past their period.
    return services.retention_sweep()
