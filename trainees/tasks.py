"""Thin Celery tasks over the registry's services."""

from celery import shared_task


@shared_task(name="trainees.import_apply")
def trainee_import_apply_task(import_id: int) -> str:
    """Apply a confirmed spreadsheet import. Safe to run twice: the service claims the
    import with a conditional UPDATE and returns early when it is no longer queued."""
    from .services import trainee_import_apply

    return trainee_import_apply(import_id=import_id).state
