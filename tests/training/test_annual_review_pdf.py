"""The annual review PDF (real WeasyPrint) carries the training percentages, tagged."""

from tests.test_pdf_accessibility import _check_accessible
from tests.training.helpers import make_world
from toolkit import annual_review_report


def test_annual_review_pdf_shows_training_percentages(officer, period):
    make_world(officer)
    content = annual_review_report.annual_review_pdf(period)
    _check_accessible(
        content,
        period.label,
        [
            "Executive summary",
            "Prevent training",
            "25% of the Prevent training people need was in date (1 of 4)",
            "Senior leadership",
            "Prevent for strategic leads",
            "Sign-off",
        ],
    )
