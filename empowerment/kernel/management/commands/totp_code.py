"""Print the current second-factor code of an account (the demo's authenticator app)."""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from empowerment.kernel import second_factor


class Command(BaseCommand):
    help = "Print the current TOTP code of USERNAME's authenticator (for the demo accounts)."

    def add_arguments(self, parser):
        parser.add_argument("username")

    def handle(self, *args, username, **options):
        user = get_user_model().objects.filter(username=username).first()
        device = second_factor.device_for(user) if user is not None else None
        if device is None:
            raise CommandError(f"{username} has no authenticator.")
        self.stdout.write(second_factor.current_code(device))
