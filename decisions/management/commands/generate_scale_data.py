"""Fill the database with realistic volume for performance work.

The generator is development data (``prevent_compliance/devdata/scale/``), which the wheel
does not ship: the command imports it only when it runs.
"""

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prevent_compliance.management.devdata import import_devdata


class Command(BaseCommand):
    help = (
        "Generate scale data: factor 1 is ten years of one OPCC (10 review periods, ~2,000 "
        "evidence items, ~1,000 actions, ~800 decisions, 30 users and their history). A higher "
        "factor adds to what is there; the same factor again is refused. Refuses with DEBUG "
        "off unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument("--factor", type=int, default=1, help="How many OPCC decades.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with DEBUG off (adds made-up records and users with a known password).",
        )

    def handle(self, *args, factor=1, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "Refusing to generate scale data with DEBUG off: it adds thousands of made-up "
                "records and users with a known password. Use --force only on a system that is "
                "not in production."
            )
        if factor < 1:
            raise CommandError("--factor must be 1 or more.")
        scale = import_devdata("scale", command="generate_scale_data")
        started = time.monotonic()
        try:
            counts = scale.generate(factor, stream=self.stderr._out)
        except scale.AlreadyGenerated as exc:
            raise CommandError(str(exc)) from exc
        elapsed = time.monotonic() - started
        self.stdout.write(f"Scale data at factor {factor} in {elapsed:.1f} s:")
        for name, count in counts.items():
            self.stdout.write(f"  {name:<20} {count}")
