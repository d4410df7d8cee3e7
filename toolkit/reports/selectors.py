"""Reads of annual-review PDF jobs, for the pages, the public list and the sign-off."""

from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet

from toolkit import annual_review_report
from toolkit.models import ReviewPeriod

from .models import ReportJob


def content_key(period: ReviewPeriod, *, variant: str, final: bool) -> str:
    """The SHA-256 of the report's HTML for this version (what the job is keyed by)."""
    return annual_review_report.content_key(
        period, public=variant == ReportJob.Variant.PUBLIC, final=final
    )


def current_job(period: ReviewPeriod, *, variant: str, final: bool) -> ReportJob | None:
    """The job for the report as it now stands (renders the HTML, never the PDF)."""
    key = content_key(period, variant=variant, final=final)
    return job_for_content(period, variant=variant, final=final, key=key)


def period_of_year(year: int) -> ReviewPeriod | None:
    """The period that starts in ``year`` (how URLs name a period), or None."""
    return (
        ReviewPeriod.objects.select_related("edition")
        .filter(start_date__year=year)
        .order_by("start_date")
        .first()
    )


def job_of_period(period: ReviewPeriod, public_id: UUID | str) -> ReportJob | None:
    """The job with this id if it belongs to this period (another period's id finds nothing)."""
    return (
        ReportJob.objects.select_related("period", "requested_by")
        .filter(period=period, public_id=public_id)
        .first()
    )


def job_for_content(
    period: ReviewPeriod, *, variant: str, final: bool, key: str
) -> ReportJob | None:
    """The job for exactly this content, whatever its state."""
    return (
        ReportJob.objects.select_related("period")
        .filter(period=period, variant=variant, final=final, content_key=key)
        .first()
    )


def _public_ready() -> QuerySet[ReportJob]:
    return ReportJob.objects.filter(
        variant=ReportJob.Variant.PUBLIC, final=True, status=ReportJob.Status.READY
    )


def public_periods() -> QuerySet[ReviewPeriod]:
    """Signed-off periods, newest first, each with ``has_public_report``."""
    return (
        ReviewPeriod.objects.filter(status=ReviewPeriod.Status.SIGNED_OFF)
        .annotate(has_public_report=Exists(_public_ready().filter(period=OuterRef("pk"))))
        .order_by("-start_date")
    )


def public_report(period: ReviewPeriod) -> ReportJob | None:
    """The newest finished public version of a signed-off period; nothing for any other."""
    if period.status != ReviewPeriod.Status.SIGNED_OFF:
        return None
    return _public_ready().filter(period=period).order_by("-finished_at", "-pk").first()
