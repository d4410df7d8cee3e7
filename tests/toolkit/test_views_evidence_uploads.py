"""Uploading evidence files: accepted by content, refused with a clear message, nothing stored."""

import hashlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from tests.prevent_compliance import samples
from tests.toolkit.helpers import error_summary, evidence_post, multipart_body, stored_files
from toolkit.models import Evidence

CREATE_URL = reverse("toolkit:evidence_create")


def _post_file(client, section, today, name, content):
    data = evidence_post(sections=[section], today=today, upload=samples.upload(name, content))
    return client.post(CREATE_URL, data)


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("minutes.pdf", samples.pdf_bytes(), "application/pdf", ".pdf"),
        (
            "terms.docx",
            samples.docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
        ),
        (
            "training.xlsx",
            samples.xlsx_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".xlsx",
        ),
        ("plan.odt", samples.odt_bytes(), "application/vnd.oasis.opendocument.text", ".odt"),
        ("register.csv", samples.CSV, "text/csv", ".csv"),
        ("notes.txt", samples.TXT, "text/plain", ".txt"),
        ("poster.png", samples.png_bytes(), "image/png", ".png"),
        ("photo.jpeg", samples.jpeg_bytes(), "image/jpeg", ".jpg"),
        ("attendance.eml", samples.EML, "message/rfc822", ".eml"),
    ],
    ids=["pdf", "docx", "xlsx", "odt", "csv", "txt", "png", "jpeg", "eml"],
)
def test_allowed_file_is_stored_by_its_content(
    client_for, officer, section, today, name, content, content_type, extension
):
    response = _post_file(client_for(officer), section, today, name, content)

    assert response.status_code == 302, error_summary(response)
    evidence = Evidence.objects.get()
    assert evidence.content_type == content_type
    assert evidence.original_filename == name
    assert evidence.file_size == len(content)
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    assert re.fullmatch(rf"evidence/\d{{4}}/[0-9a-f]{{32}}\{extension}", evidence.file.name)
    assert stored_files() == [Path(evidence.file.path)]


def test_two_uploads_of_the_same_name_get_different_stored_names(
    client_for, officer, section, today
):
    client = client_for(officer)
    for _ in range(2):
        _post_file(client, section, today, "minutes.pdf", samples.pdf_bytes())
    names = set(Evidence.objects.values_list("file", flat=True))
    assert len(names) == 2
    assert len(stored_files()) == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "policy.pdf",
            samples.EXE,
            "The selected file is not an allowed type: its content is application/x-dosexec.",
        ),
        (
            "policy.pdf",
            samples.HTML,
            "The selected file is not an allowed type: its content is text/html.",
        ),
        (
            "minutes.docx",
            samples.zip_bomb_docx(),
            "The selected file expands to far more data than a real document would",
        ),
        ("archive.zip", samples.odt_bytes()[:40] + b"\x00" * 200, "not an allowed type"),
        ("empty.pdf", b"", "The submitted file is empty."),
        # The content decides the type, and the name must agree with it.
        (
            "looks-like-text.txt",
            samples.pdf_bytes(),
            "The name of the selected file must end in .pdf to match its content (PDF)",
        ),
        ("minutes.docm", samples.docx_bytes(), "The selected file contains macros"),
    ],
    ids=[
        "exe-renamed-pdf",
        "html-renamed-pdf",
        "zip-bomb-docx",
        "broken-zip",
        "empty",
        "pdf-named-txt",
        "docm",
    ],
)
def test_refused_upload_names_the_problem_and_stores_nothing(
    client_for, officer, section, today, name, content, message
):
    response = _post_file(client_for(officer), section, today, name, content)

    assert response.status_code == 200
    summary = error_summary(response)
    assert summary.startswith("There is a problem")
    assert message in summary
    assert Evidence.objects.count() == 0
    assert Evidence.history.count() == 0
    assert stored_files() == []


def test_oversize_file_is_refused_and_stores_nothing(settings, client_for, officer, section, today):
    settings.UPLOAD_MAX_BYTES = 1024
    content = samples.pdf_bytes("x" * 2000)
    assert len(content) > 2048

    response = _post_file(client_for(officer), section, today, "big.pdf", content)

    assert response.status_code == 200
    assert "The selected file must be smaller than 1.0 KB" in error_summary(response)
    assert Evidence.objects.count() == 0
    assert stored_files() == []


def test_file_exactly_at_the_limit_is_accepted(settings, client_for, officer, section, today):
    content = samples.pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(content)
    response = _post_file(client_for(officer), section, today, "limit.pdf", content)
    assert response.status_code == 302
    assert Evidence.objects.get().file_size == len(content)


def test_refused_file_on_edit_keeps_the_previous_file(
    client_for, officer, evidence, section, today
):
    before = (evidence.file.name, evidence.sha256, stored_files())
    data = evidence_post(
        sections=[section], today=today, upload=samples.upload("minutes.pdf", samples.EXE)
    )

    response = client_for(officer).post(
        reverse("toolkit:evidence_edit", kwargs={"public_id": evidence.public_id}), data
    )

    assert response.status_code == 200
    assert "not an allowed type" in error_summary(response)
    evidence.refresh_from_db()
    assert (evidence.file.name, evidence.sha256, stored_files()) == before


@pytest.mark.parametrize(
    ("sent_name", "shown_name"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\system32\\passwd.pdf", "passwd.pdf"),
        ("/etc/passwd.pdf", "passwd.pdf"),
    ],
)
def test_path_in_the_file_name_is_dropped(
    client_for, officer, section, today, sent_name, shown_name
):
    content = samples.pdf_bytes()
    body, content_type = multipart_body(
        evidence_post(sections=[section], today=today),
        field="upload",
        filename=sent_name,
        content=content,
    )

    response = client_for(officer).generic("POST", CREATE_URL, body, content_type=content_type)

    assert response.status_code == 302, error_summary(response)
    evidence = Evidence.objects.get()
    assert evidence.original_filename == shown_name
    stored = Path(evidence.file.path).resolve()
    assert stored.is_relative_to(Path(settings.MEDIA_ROOT).resolve())
    assert "passwd" not in evidence.file.name
    assert stored_files() == [Path(evidence.file.path)]
    assert stored.read_bytes() == content
