"""The ten review periods, rated and (all but the current one) signed off, through the services."""

import random
from datetime import date

from django.db import transaction

from toolkit import services as toolkit_services
from toolkit.models import (
    CriterionAssessment,
    Rating,
    ReviewPeriod,
    SectionAssessment,
    ToolkitEdition,
)

from ..files import tiny_pdf
from .common import Progress, period_years

CRITERION_RATINGS = [Rating.MET, Rating.MET, Rating.MET, Rating.PARTLY_MET, Rating.NOT_MET]


def _open_periods(actor) -> list[ReviewPeriod]:
    edition = ToolkitEdition.objects.order_by("-code").first()
    periods = []
    for year in period_years():
        start, end = date(year, 4, 1), date(year + 1, 3, 31)
        period = ReviewPeriod.objects.filter(start_date=start).first()
        if period is None:
            period = toolkit_services.review_period_create(
                actor=actor,
                label=f"{year}/{str(year + 1)[-2:]}",
                start_date=start,
                end_date=end,
                edition=edition,
            )
        periods.append(period)
    return periods


def _rate(actor, period: ReviewPeriod, rng: random.Random) -> None:
    """Each criterion rated at random; the section takes the rating its criteria propose."""
    rows = CriterionAssessment.objects.filter(period=period).select_related("criterion")
    by_section: dict[int, dict[int, toolkit_services.CriterionInput]] = {}
    for row in rows:
        rating = rng.choice(CRITERION_RATINGS)
        by_section.setdefault(row.criterion.section_id, {})[row.criterion_id] = (
            toolkit_services.CriterionInput(rating=rating)
        )
    for assessment in SectionAssessment.objects.filter(period=period):
        if assessment.rating == Rating.NOT_ASSESSED and not period.is_locked:
            toolkit_services.assessment_update(
                actor=actor,
                assessment=assessment,
                rating=None,
                narrative="Generated narrative for the scale data: rated from the criteria.",
                criteria=by_section.get(assessment.section_id, {}),
            )


def ensure_periods(actor, progress: Progress, *, signer) -> list[ReviewPeriod]:
    """Open, rate and sign off the periods that are missing; returns all ten, oldest first.

    ``actor`` (an officer) opens and rates them; ``signer`` (the Commissioner, who signs
    the annual review decision) signs them off.
    """
    periods = _open_periods(actor)
    rng = random.Random(0)  # noqa: S311 (not security)
    for period in periods:
        _rate(actor, period, rng)
        progress.step(f"review period {period.label}")
    # Every period but the current one is signed off with its frozen PDF (stored via storage).
    for period in periods[:-1]:
        if not period.is_locked:
            with transaction.atomic():
                toolkit_services.review_period_close(
                    actor=signer, period=period, final_pdf=tiny_pdf(f"Annual review {period}")
                )
    return [ReviewPeriod.objects.get(pk=p.pk) for p in periods]


def existing_periods() -> list[ReviewPeriod]:
    """The ten periods a first unit made, oldest first (for the units after it)."""
    return list(
        ReviewPeriod.objects.filter(
            start_date__in=[date(y, 4, 1) for y in period_years()]
        ).order_by("start_date")
    )
