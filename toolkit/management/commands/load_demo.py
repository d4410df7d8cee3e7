from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from prevent_compliance.management.devdata import import_devdata
from toolkit.models import ToolkitEdition


class Command(BaseCommand):
    help = "Create demonstration users and records (idempotent). Refuses to run with DEBUG off."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (gives every demo user a known password).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to load demo data with DEBUG off: every demo user would get a known "
                "password. Use --force only on a system that is not in production."
            )
        toolkit_demo = import_devdata("toolkit_demo", command="load_demo")
        if not ToolkitEdition.objects.exists():
            call_command("seed_toolkit", stdout=self.stdout)
        with transaction.atomic():
            users = toolkit_demo.load(settings.DEMO_PASSWORD)
            for loader in self._app_loaders():
                loader(users)
        self.stdout.write("Demo data ready. Sign in at http://127.0.0.1:8000/ as:")
        for username, *_, role in toolkit_demo.DEMO_USERS:
            self.stdout.write(f"  {username:<16} {role.value}")
        self.stdout.write(f"  password for all: {settings.DEMO_PASSWORD}")

    def _app_loaders(self):
        """Demo loaders of apps that build on the toolkit (each takes the users dict)."""
        if not apps.is_installed("decisions"):
            return []
        return [
            # The Commissioner's register of interests first: signing needs it confirmed.
            import_devdata("interests_demo", command="load_demo").load,
            import_devdata("decisions_demo", command="load_demo").load,
            # Boards, meetings and the forward plan, linked to the decisions above.
            import_devdata("meetings_demo", command="load_demo").load,
        ]
