from pathlib import Path

from django.core.management.base import BaseCommand

from toolkit.annual_review_report import annual_review_pdf

from ._period import period_for_year


class Command(BaseCommand):
    help = (
        "Write the annual-review PDF of a period (named by the year it starts in): the signed "
        "copy exactly as stored once signed off, otherwise a fresh DRAFT."
    )

    def add_arguments(self, parser):
        parser.add_argument("--period", type=int, required=True, help="e.g. 2025 for 2025/26")
        parser.add_argument("--output", required=True, help="file to write")

    def handle(self, *args, period, output, **options):
        review = period_for_year(period)
        if review.final_pdf:
            with review.final_pdf.open("rb") as handle:
                data = handle.read()
            state = "signed"
        else:
            data = annual_review_pdf(review)
            state = "DRAFT"
        Path(output).write_bytes(data)
        self.stdout.write(
            f"Wrote {state} annual review {review.label} to {output} ({len(data)} bytes)"
        )
