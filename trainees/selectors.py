"""Reads on the registry."""

from django.core.cache import cache

from .models import TraineeImport


def trainee_import_progress(*, trainee_import: TraineeImport) -> tuple[int, int]:
    """Rows processed and total. While the apply step runs its own counter sits inside an
    uncommitted transaction, so the live figure comes from the cache it writes to."""
    from .services import progress_cache_key

    if trainee_import.state == TraineeImport.State.APPLYING:
        processed = cache.get(progress_cache_key(trainee_import.pk)) or 0
    else:
        processed = trainee_import.processed
    return processed, trainee_import.valid_count
