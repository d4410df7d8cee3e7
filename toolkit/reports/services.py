"""Asking for the annual-review PDF: one job per content, built by the worker after commit.

No web request renders a PDF here: the content key is the SHA-256 of the report's HTML
(bounded, quick to render), and the PDF is made by ``tasks.build_report``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from prevent_compliance.rules import require
from toolkit.models import ReviewPeriod

from . import selectors
from .models import ReportJob
from .tasks import build_report

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

SIGNED_COPY_STORED = (
    "This review period is signed off: its signed annual review is stored and is downloaded "
    "as it was signed."
)


def report_request(*, actor: User, period: ReviewPeriod, variant: str) -> ReportJob:
    """The job for the period's report as it now stands: the one already made or under
    way for this content, or a new one queued for the worker after this transaction.

    A failed or stopped job for the same content is queued again. The internal version of
    a signed-off period is its stored signed copy, so it is never made again.
    """
    require(actor, "toolkit.export_period", period)
    if variant not in ReportJob.Variant.values:
        raise ValidationError("There is no such version of the annual review.")
    if variant == ReportJob.Variant.INTERNAL and period.final_pdf:
        raise ValidationError(SIGNED_COPY_STORED, code="signed")
    final = variant == ReportJob.Variant.PUBLIC and period.is_locked
    key = selectors.content_key(period, variant=variant, final=final)
    return _job_for_content(period=period, variant=variant, final=final, key=key, actor=actor)


def report_queue_public(*, period: ReviewPeriod) -> ReportJob:
    """Queue the public version of a signed-off period (the service asks, not a person)."""
    period.refresh_from_db()
    if not period.is_locked:
        raise ValidationError("Only a signed-off period has a final public version.")
    variant = ReportJob.Variant.PUBLIC
    key = selectors.content_key(period, variant=variant, final=True)
    return _job_for_content(period=period, variant=variant, final=True, key=key, actor=None)


def report_queue_public_after_sign_off(period_id: int) -> None:
    """For ``transaction.on_commit(..., robust=True)`` at sign-off: the signing has been
    saved whatever happens here; a failure is logged, and the period page's "public
    version" button asks again."""
    report_queue_public(period=ReviewPeriod.objects.get(pk=period_id))


def _job_for_content(
    *, period: ReviewPeriod, variant: str, final: bool, key: str, actor: User | None
) -> ReportJob:
    with transaction.atomic():
        # get_or_create creates in a savepoint and, when another request has just made the
        # same row (IntegrityError on the unique constraint), reads that one instead.
        job, created = ReportJob.objects.get_or_create(
            period=period,
            variant=variant,
            final=final,
            content_key=key,
            defaults={"requested_by": actor},
        )
        if not created:
            job = ReportJob.objects.select_for_update().get(pk=job.pk)
            job.period = period
            if not job.is_failed:
                return job
            _reset(job, actor=actor)
        transaction.on_commit(lambda: build_report.enqueue(job.pk))
    logger.info("Annual-review PDF %s queued (%s)", job.public_id, "new" if created else "again")
    return job


def _reset(job: ReportJob, *, actor: User | None) -> None:
    """A failed or stopped job, waiting again (a job that did not finish has no file)."""
    job.status = ReportJob.Status.QUEUED
    job.file = ""
    job.file_size = job.started_at = job.finished_at = None
    job.sha256 = job.error = ""
    job.queued_at = timezone.now()
    job.requested_by = actor or job.requested_by
    job.full_clean()
    job.save()
