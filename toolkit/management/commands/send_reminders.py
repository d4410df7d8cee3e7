from django.core.management.base import BaseCommand
from django.utils import timezone

from toolkit.reminders import send_reminders


class Command(BaseCommand):
    help = (
        "Send each user one digest e-mail of what needs their attention today. Run daily by "
        "cron; a second run on the same day sends nothing."
    )

    def handle(self, *args, **options):
        sent, skipped = send_reminders(timezone.localdate())
        self.stdout.write(f"Sent {sent} digest(s); {skipped} user(s) already had today's.")
