"""Background work (django-tasks; the database backend's worker is `manage.py db_worker`).

Jobs are queued by services (``toolkit.services.audit_pack_request``), never by views.
"""

import hashlib
import logging
import tempfile

from django.core.files import File
from django.utils import timezone
from django_tasks import task

from prevent_compliance.uploads import random_storage_name

from .auditpack import pack_filename, write_audit_pack
from .models import ExportJob

logger = logging.getLogger(__name__)


@task()
def build_audit_pack(job_id: int) -> str:
    """Build an audit pack into storage and mark its job ready (or failed, with the reason)."""
    job = ExportJob.objects.select_related("period", "requested_by").get(pk=job_id)
    job.status = ExportJob.Status.RUNNING
    job.save(update_fields=["status"])
    try:
        with tempfile.TemporaryFile() as spool:
            size = write_audit_pack(job.period, spool, requested_by=job.requested_by)
            spool.seek(0)
            digest = hashlib.sha256()
            while chunk := spool.read(1024 * 1024):
                digest.update(chunk)
            spool.seek(0)
            job.filename = pack_filename(job.period)
            job.file.save(
                random_storage_name(f"exports/{job.period.year}", ".zip"), File(spool), save=False
            )
        job.file_size, job.sha256 = size, digest.hexdigest()
        job.status = ExportJob.Status.READY
    except Exception as exc:  # the page must say it failed rather than spin forever
        logger.exception("Audit pack %s failed", job.public_id)
        job.status, job.error = ExportJob.Status.FAILED, f"{type(exc).__name__}: {exc}"[:500]
    job.finished_at = timezone.now()
    job.save()
    return job.status
