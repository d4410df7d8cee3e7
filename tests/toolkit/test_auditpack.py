"""The audit pack: a streamed ZIP whose manifest proves every file, built as a background task."""

import csv
import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from prevent_compliance import waiting
from prevent_compliance.uploads import validate_upload
from tests.prevent_compliance.samples import pdf_bytes, upload
from toolkit import services
from toolkit.auditpack import CHUNK, stream_audit_pack
from toolkit.models import ExportJob

FAKE_FINAL_PDF = b"%PDF-1.7\n% the signed annual review\n%%EOF\n"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def _file_evidence(make_evidence, title: str, name: str, content: bytes, **overrides):
    file = upload(name, content)
    return make_evidence(title=title, upload=file, upload_info=validate_upload(file), **overrides)


@pytest.fixture
def files(make_evidence):
    """Three evidence files in the period (one larger than a chunk), a link, and one elsewhere."""
    return {
        "minutes": _file_evidence(make_evidence, "Minutes", "minutes.pdf", pdf_bytes("Minutes")),
        "letter": _file_evidence(make_evidence, "Letter", "letter.pdf", pdf_bytes("Letter")),
        "large": _file_evidence(
            make_evidence, "Large report", "report.pdf", pdf_bytes("x" * (3 * CHUNK))
        ),
        "link": make_evidence(title="Council web page", url="https://example.org/prevent"),
        "elsewhere": _file_evidence(
            make_evidence, "Not this year", "old.pdf", pdf_bytes("Old"), periods=[]
        ),
    }


@pytest.fixture
def signed(commissioner, period, files):
    """The period signed off, so the pack copies the stored review instead of rendering one."""
    services.review_period_close(actor=commissioner, period=period, final_pdf=FAKE_FINAL_PDF)
    period.refresh_from_db()
    return period


def _manifest(archive: zipfile.ZipFile) -> list[dict]:
    text = archive.read("manifest.csv").decode("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


# Members beside the period's own files: what the pack is, the registers, the audit trail,
# the web addresses (tests/toolkit/test_auditpack_contents.py checks what they hold).
PACK_PARTS = ("README.txt", "registers/", "audit-trail-", "links.csv")


def _files(by_path: dict) -> set[str]:
    """The manifest's paths of the period's own documents (review, notices, evidence)."""
    return {path for path in by_path if not path.startswith(PACK_PARTS)}


def _check_manifest(archive: zipfile.ZipFile) -> dict[str, dict]:
    """Every file but the manifest and its hash is listed once, with its real SHA-256 and
    size; manifest.sha256 holds the manifest's own."""
    assert archive.testzip() is None
    rows = _manifest(archive)
    assert list(rows[0]) == ["path", "sha256", "size", "record"]
    by_path = {row["path"]: row for row in rows}
    assert len(by_path) == len(rows)
    assert set(by_path) == set(archive.namelist()) - {"manifest.csv", "manifest.sha256"}
    manifest_hash = hashlib.sha256(archive.read("manifest.csv")).hexdigest()
    assert archive.read("manifest.sha256").decode() == f"{manifest_hash}  manifest.csv\n"
    for path, row in by_path.items():
        content = archive.read(path)
        assert row["sha256"] == hashlib.sha256(content).hexdigest(), path
        assert int(row["size"]) == len(content), path
        assert row["record"], path
    return by_path


def test_manifest_lists_the_draft_review_and_every_evidence_file(period, files):
    data = b"".join(stream_audit_pack(period))

    archive = zipfile.ZipFile(io.BytesIO(data))
    by_path = _check_manifest(archive)
    review = f"annual-review-{period.year}-DRAFT.pdf"
    assert archive.read(review).startswith(b"%PDF")
    assert by_path[review]["record"] == f"Annual review {period.label} (draft)"
    for key in ("minutes", "letter", "large"):
        evidence = files[key]
        path = f"evidence/{evidence.public_id}/{evidence.original_filename}"
        with evidence.file.open("rb") as handle:
            assert archive.read(path) == handle.read()
        assert by_path[path]["sha256"] == evidence.sha256
        assert by_path[path]["record"] == f"Evidence: {evidence.title}"
    # The review and three files: the link is in links.csv, nothing from elsewhere.
    assert len(_files(by_path)) == 4


def test_signed_period_pack_holds_the_stored_review_unchanged(signed):
    archive = zipfile.ZipFile(io.BytesIO(b"".join(stream_audit_pack(signed))))

    by_path = _check_manifest(archive)
    review = f"annual-review-{signed.year}.pdf"
    assert archive.read(review) == FAKE_FINAL_PDF
    assert by_path[review]["sha256"] == signed.final_pdf_sha256
    assert not any("DRAFT" in path for path in by_path)


def test_pack_is_streamed_in_many_chunks(signed, files):
    chunks = [chunk for chunk in stream_audit_pack(signed) if chunk]

    total = sum(len(chunk) for chunk in chunks)
    largest = files["large"].file_size
    assert largest > 2 * CHUNK
    # At least one chunk per file, and never the whole pack (or the largest file) at once.
    assert len(chunks) > 4
    assert max(len(chunk) for chunk in chunks) < total / 2
    assert zipfile.ZipFile(io.BytesIO(b"".join(chunks))).testzip() is None


def test_export_audit_pack_command_writes_a_valid_pack(signed, tmp_path):
    from django.core.management import call_command

    output = tmp_path / "pack.zip"
    stdout = io.StringIO()
    call_command("export_audit_pack", period=signed.year, output=str(output), stdout=stdout)

    archive = zipfile.ZipFile(output)
    assert len(_files(_check_manifest(archive))) == 4
    assert f"({output.stat().st_size} bytes)" in stdout.getvalue()


# --- The web flow ---------------------------------------------------------------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


def _request_pack(client, period, capture):
    with capture(execute=True) as callbacks:
        response = client.post(reverse("toolkit:audit_pack", args=[period.year]))
    return response, callbacks


def test_auditor_builds_and_downloads_an_audit_pack(
    client_for, auditor, signed, immediate_tasks, django_capture_on_commit_callbacks
):
    client = client_for(auditor)

    response, callbacks = _request_pack(client, signed, django_capture_on_commit_callbacks)

    job = ExportJob.objects.get()
    # Built after the request's transaction, not inside it (beside it: the "waiting for you"
    # panels renewed on commit, prevent_compliance/waiting.py).
    assert len([c for c in callbacks if c is not waiting._new_version]) == 1
    assert response.status_code == 302
    assert response["Location"] == job.get_absolute_url()
    assert (job.requested_by, job.period, job.kind) == (auditor, signed, ExportJob.Kind.AUDIT_PACK)
    assert job.status == ExportJob.Status.READY
    assert job.finished_at is not None
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Ready to download" in page
    assert job.sha256 in page
    download = client.get(reverse("toolkit:export_download", args=[job.public_id]))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert job.filename in download["Content-Disposition"]
    data = b"".join(download.streaming_content)
    assert len(data) == job.file_size
    assert hashlib.sha256(data).hexdigest() == job.sha256
    assert len(_files(_check_manifest(zipfile.ZipFile(io.BytesIO(data))))) == 4
    # The period page lists the requester's own pack.
    period_page = client.get(signed.get_absolute_url()).content.decode()
    assert job.get_absolute_url() in period_page


def test_pack_waits_for_the_worker_until_the_transaction_commits(
    client_for, auditor, signed, immediate_tasks, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client_for(auditor).post(reverse("toolkit:audit_pack", args=[signed.year]))
    job = ExportJob.objects.get()
    assert len([c for c in callbacks if c is not waiting._new_version]) == 1
    assert job.status == ExportJob.Status.QUEUED
    page = client_for(auditor).get(job.get_absolute_url()).content.decode()
    assert "Waiting to start" in page
    assert (
        client_for(auditor)
        .get(reverse("toolkit:export_download", args=[job.public_id]))
        .status_code
        == 404
    )


def test_someone_else_cannot_see_or_download_a_pack(
    client_for,
    auditor,
    officer,
    outsider,
    signed,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    _request_pack(client_for(auditor), signed, django_capture_on_commit_callbacks)
    job = ExportJob.objects.get()
    detail = reverse("toolkit:export_detail", args=[job.public_id])
    download = reverse("toolkit:export_download", args=[job.public_id])

    officer_client = client_for(officer)
    assert officer_client.get(detail).status_code == 404
    assert officer_client.get(download).status_code == 404
    assert (
        job.get_absolute_url() not in officer_client.get(signed.get_absolute_url()).content.decode()
    )
    outsider_client = client_for(outsider)
    assert outsider_client.get(detail).status_code == 403
    assert outsider_client.get(download).status_code == 403
    assert client_for(None).get(download).status_code == 302


def test_a_failed_build_says_so(
    client_for, auditor, signed, files, immediate_tasks, django_capture_on_commit_callbacks
):
    files["letter"].file.storage.delete(files["letter"].file.name)

    _request_pack(client_for(auditor), signed, django_capture_on_commit_callbacks)

    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.FAILED
    assert "FileNotFoundError" in job.error
    assert not job.file
    page = client_for(auditor).get(job.get_absolute_url()).content.decode()
    assert "could not be built" in page


def test_building_a_pack_needs_post_and_a_role(client_for, auditor, outsider, signed):
    url = reverse("toolkit:audit_pack", args=[signed.year])
    assert client_for(auditor).get(url).status_code == 405
    assert client_for(outsider).post(url).status_code == 403
    assert client_for(None).post(url).status_code == 302
    assert not ExportJob.objects.exists()


# --- audit_pack_request is a service: it checks its own permission -------------------------


@pytest.mark.parametrize("who", ["outsider", "superuser"])
def test_audit_pack_request_refuses_a_user_without_export_rights(who, request, period):
    with pytest.raises(PermissionDenied):
        services.audit_pack_request(actor=request.getfixturevalue(who), period=period)
    assert not ExportJob.objects.exists()


def test_audit_pack_request_queues_one_job_for_the_requester(auditor, period):
    job = services.audit_pack_request(actor=auditor, period=period)
    job.refresh_from_db()
    assert (job.requested_by, job.period, job.status) == (auditor, period, ExportJob.Status.QUEUED)
