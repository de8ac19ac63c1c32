"""Build the demo portal from the real places and organisations of the source articles."""

import importlib

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction


class Command(BaseCommand):
    help = "Load the demo data (idempotent). Refuses with debug off unless --allow-production."

    def add_arguments(self, parser):
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help="Load demo data even though DJANGO_DEBUG is off.",
        )

    def handle(self, *args, **options):
        if not (settings.SEED_DEMO_ALLOWED or options["allow_production"]):
            raise CommandError(
                "Debug is off: this looks like a production database. "
                "Pass --allow-production to load demo data anyway."
            )
        with transaction.atomic():
            context: dict = {}
            for module_name in settings.DEMO_SEEDERS:
                context.update(importlib.import_module(module_name).seed(context) or {})
        self.stdout.write(
            self.style.SUCCESS(f"Demo data is ready. Accounts (password {context['password']}):")
        )
        for username, scope in context["accounts"]:
            self.stdout.write(f"  {username:<18} {scope}")
