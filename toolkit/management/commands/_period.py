"""Shared by the commands that take --period: a period is named by the year it starts in."""

from django.core.management.base import CommandError

from toolkit.models import ReviewPeriod


def period_for_year(year: int) -> ReviewPeriod:
    period = ReviewPeriod.objects.filter(start_date__year=year).order_by("start_date").first()
    if period is None:
        known = ", ".join(
            str(y) for y in ReviewPeriod.objects.values_list("start_date__year", flat=True)
        )
        raise CommandError(
            f"No review period starts in {year}. Periods start in: {known or 'none yet'}."
        )
    return period
