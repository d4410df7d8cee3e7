from django.core.management.base import BaseCommand

from toolkit.auditpack import write_audit_pack

from ._period import period_for_year


class Command(BaseCommand):
    help = "Write the audit pack ZIP of a period (named by the year it starts in), streamed."

    def add_arguments(self, parser):
        parser.add_argument("--period", type=int, required=True, help="e.g. 2025 for 2025/26")
        parser.add_argument("--output", required=True, help="ZIP file to write")

    def handle(self, *args, period, output, **options):
        review = period_for_year(period)
        with open(output, "wb") as target:
            size = write_audit_pack(review, target)
        self.stdout.write(f"Wrote the audit pack for {review.label} to {output} ({size} bytes)")
