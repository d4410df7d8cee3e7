"""Every stored file goes through Django's storage API: with S3 selected, nothing touches disk.

Runs against moto's S3-compatible server on 127.0.0.1 (tests/storage/conftest.py).
"""

import io
import zipfile
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from storages.backends.s3 import S3Storage

from decisions import services as decision_services
from prevent_compliance.uploads import validate_upload
from tests.prevent_compliance import samples
from tests.toolkit.helpers import evidence_post
from toolkit import services as toolkit_services
from toolkit.models import Evidence, ExportJob
from toolkit.tasks import build_audit_pack

from .conftest import body, keys

pytestmark = pytest.mark.django_db


def _stream(response) -> bytes:
    return b"".join(response.streaming_content)


def test_default_storage_is_the_bucket(s3):
    name = default_storage.save("probe/check.txt", ContentFile(b"stored in S3"))
    assert isinstance(default_storage._wrapped, S3Storage)
    assert keys(s3) == [name]
    assert body(s3, name) == b"stored in S3"


def test_evidence_upload_is_stored_in_the_bucket_and_downloaded_with_permission(
    s3, client_for, officer, outsider, period
):
    content = samples.pdf_bytes("Board minutes held in S3")
    section = period.edition.sections.get(number=1)
    data = evidence_post(
        sections=[section],
        today=timezone.localdate(),
        upload=samples.upload("minutes.pdf", content),
    )
    response = client_for(officer).post(reverse("toolkit:evidence_create"), data)
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.file.name.startswith("evidence/")
    assert keys(s3) == [evidence.file.name]
    assert body(s3, evidence.file.name) == content

    url = reverse("toolkit:evidence_download", args=[evidence.public_id])
    response = client_for(officer).get(url)
    assert response.status_code == 200
    assert _stream(response) == content
    assert response["Cache-Control"] == "private, no-store"
    assert client_for(outsider).get(url).status_code == 403


def test_decision_appendix_is_stored_in_the_bucket(s3, client_for, officer, toolkit):
    decision = decision_services.decision_create(
        actor=officer,
        title="Prevent training contract",
        decision_date=timezone.localdate(),
        summary="Approve the contract.",
    )
    content = samples.pdf_bytes("Appendix in S3")
    upload = samples.upload("report.pdf", content)
    appendix = decision_services.appendix_add(
        actor=officer,
        decision=decision,
        title="Supporting report",
        upload=upload,
        upload_info=validate_upload(upload),
    )
    assert appendix.file.name.startswith("appendices/")
    assert keys(s3) == [appendix.file.name]
    response = client_for(officer).get(
        reverse("decisions:appendix_download", args=[decision.reference, appendix.public_id])
    )
    assert response.status_code == 200
    assert _stream(response) == content


def test_frozen_review_pdf_and_audit_pack_are_stored_in_the_bucket(
    s3, client_for, officer, commissioner, auditor, period
):
    content = samples.pdf_bytes("Signed annual review")
    upload = samples.upload("policy.pdf", samples.pdf_bytes("Evidence in the pack"))
    evidence = toolkit_services.evidence_create(
        actor=officer,
        title="Prevent policy",
        kind="policy",
        effective_date=period.start_date,
        review_by=period.start_date + timedelta(days=400),
        sections=[period.edition.sections.get(number=1)],
        upload=upload,
        upload_info=validate_upload(upload),
        periods=[period],
    )
    with transaction.atomic():
        toolkit_services.review_period_close(actor=commissioner, period=period, final_pdf=content)
    period.refresh_from_db()
    assert period.final_pdf.name.startswith("reviews/")
    assert body(s3, period.final_pdf.name) == content
    response = client_for(auditor).get(reverse("toolkit:period_pdf", args=[period.year]))
    assert response.status_code == 200
    assert _stream(response) == content

    job = ExportJob.objects.create(
        kind=ExportJob.Kind.AUDIT_PACK, period=period, requested_by=auditor
    )
    assert build_audit_pack.call(job.pk) == ExportJob.Status.READY
    job.refresh_from_db()
    assert job.file.name.startswith("exports/")
    assert set(keys(s3)) == {evidence.file.name, period.final_pdf.name, job.file.name}
    response = client_for(auditor).get(reverse("toolkit:export_download", args=[job.public_id]))
    assert response.status_code == 200
    archive = zipfile.ZipFile(io.BytesIO(_stream(response)))
    packed = b"".join(archive.read(name) for name in archive.namelist())
    assert samples.pdf_bytes("Evidence in the pack") in packed
    assert content in packed
