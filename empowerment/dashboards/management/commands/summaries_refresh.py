"""Bring the dashboards' summary tables up to date: `manage.py summaries_refresh [--full]`.

By default by what changed since the last refresh (the change marks of the triggers), as
the beat entry does every two minutes; `--full` rebuilds every table whole (the weekly
safety net, and after restoring a backup or loading data with the triggers off).
"""

from django.core.management.base import BaseCommand

from empowerment.dashboards.summaries import summaries_rebuild, summaries_refresh


class Command(BaseCommand):
    help = "Refresh the dashboards' summary tables (--full: rebuild them whole)."

    def add_arguments(self, parser):
        parser.add_argument("--full", action="store_true", help="rebuild every table whole")

    def handle(self, *args, full: bool, **options):
        state = summaries_rebuild() if full else summaries_refresh()
        kind = "full rebuild" if state.full else "incremental refresh"
        self.stdout.write(self.style.SUCCESS(f"Summaries: {kind} in {state.duration_ms} ms."))
