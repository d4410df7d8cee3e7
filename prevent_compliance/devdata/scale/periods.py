"""The ten review periods, rated and (all but the current one) signed off, through the services."""

import random
from datetime import date

from django.db import transaction

from toolkit import services as toolkit_services
from toolkit.models import Rating, ReviewPeriod, SectionAssessment, ToolkitEdition

from ..files import tiny_pdf
from .common import Progress, period_years

RATINGS = [Rating.MET, Rating.MET, Rating.PARTLY_MET, Rating.EXCEEDING, Rating.NOT_MET]


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
    for assessment in SectionAssessment.objects.filter(period=period):
        if assessment.rating == Rating.NOT_ASSESSED and not period.is_locked:
            rating = rng.choice(RATINGS)
            toolkit_services.assessment_update(
                actor=actor,
                assessment=assessment,
                rating=rating,
                narrative=f"{Rating(rating).label}: generated narrative for the scale data.",
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
