from django.core.management.base import BaseCommand

from prevent_compliance.notifications.services import digests_send, notifications_requeue_stale


class Command(BaseCommand):
    help = (
        "Send each user who chose the daily digest one e-mail with every step queued for them, "
        "and queue again any immediate e-mail the worker has not sent. Run daily by cron; a "
        "second run on the same day sends no second digest."
    )

    def handle(self, *args, **options):
        result = digests_send()
        requeued = notifications_requeue_stale()
        self.stdout.write(
            f"Sent {result.sent} digest(s); {result.skipped} user(s) already had today's; "
            f"{result.failed} failed and kept for the next run; {requeued} e-mail(s) queued again."
        )
