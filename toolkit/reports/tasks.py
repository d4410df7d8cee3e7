"""The worker's part: make one annual-review PDF and store it (django-tasks, like audit packs).

Jobs are queued by ``services.report_request``, never by views. A job is claimed by moving it
from queued to running in one UPDATE, so a job queued twice is built once; and the result is
saved only while the job is still the run that claimed it (``started_at`` unchanged), so a
run that was given up as stopped and queued again cannot overwrite the newer one.
"""

import hashlib
import logging

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone
from django_tasks import task

from prevent_compliance.uploads import random_storage_name
from toolkit import annual_review_report

from .models import ReportJob

logger = logging.getLogger(__name__)

CONTENT_CHANGED = (
    "The period’s records changed after the PDF was asked for, so this copy was not made. "
    "Ask for it again to get the report as it stands now."
)
BUILD_FAILED = (
    "The PDF could not be made because of a problem in the service. Try again; if it fails "
    "again, tell an administrator (quote the reference on this page)."
)


@task()
def build_report(job_id: int) -> str:
    """Make the job's PDF into storage and mark it ready, or failed with a reason in words."""
    started = timezone.now()
    claimed = ReportJob.objects.filter(pk=job_id, status=ReportJob.Status.QUEUED).update(
        status=ReportJob.Status.RUNNING, started_at=started
    )
    if not claimed:  # made already, or being made by another worker
        return "skipped"
    job = ReportJob.objects.select_related("period").get(pk=job_id)
    this_run = ReportJob.objects.filter(
        pk=job_id, status=ReportJob.Status.RUNNING, started_at=started
    )
    try:
        public = job.variant == ReportJob.Variant.PUBLIC
        key = annual_review_report.content_key(job.period, public=public, final=job.final)
        if key != job.content_key:
            this_run.update(
                status=ReportJob.Status.FAILED, error=CONTENT_CHANGED, finished_at=timezone.now()
            )
            return ReportJob.Status.FAILED
        pdf = annual_review_report.annual_review_pdf(job.period, final=job.final, public=public)
        name = default_storage.save(
            random_storage_name(f"reports/{job.period.year}", ".pdf"), ContentFile(pdf)
        )
    except Exception:  # the page must say it failed rather than wait for ever
        logger.exception("Annual-review PDF %s failed", job.public_id)
        this_run.update(
            status=ReportJob.Status.FAILED, error=BUILD_FAILED, finished_at=timezone.now()
        )
        return ReportJob.Status.FAILED
    saved = this_run.update(
        status=ReportJob.Status.READY,
        file=name,
        file_size=len(pdf),
        sha256=hashlib.sha256(pdf).hexdigest(),
        error="",
        finished_at=timezone.now(),
    )
    if not saved:  # given up as stopped and queued again meanwhile: the newer run wins
        default_storage.delete(name)
        return "superseded"
    return ReportJob.Status.READY
