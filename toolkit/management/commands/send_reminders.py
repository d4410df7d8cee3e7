from django.core.management.base import BaseCommand
from django.utils import timezone

from toolkit.services import reminders_send


class Command(BaseCommand):
    help = (
        "Send each user one digest e-mail of what needs their attention today. Run daily by "
        "cron; a second run on the same day sends nothing."
    )

    def handle(self, *args, **options):
        sent, skipped = reminders_send(today=timezone.localdate())
        self.stdout.write(f"Sent {sent} digest(s); {skipped} user(s) already had today's.")
