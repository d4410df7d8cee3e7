"""Upload validation: a file is judged by its bytes, within limits, and nothing is written."""

import contextlib
import hashlib
import io
import re
import tracemalloc
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile
from django.urls import reverse
from django.utils import timezone

from prevent_compliance import uploads
from prevent_compliance.uploads import (
    ALLOWED_TYPES,
    MIMETYPE_MAX_BYTES,
    download_as,
    random_storage_name,
    safe_original_name,
    validate_upload,
)
from tests.prevent_compliance import samples


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        ("a.pdf", samples.pdf_bytes(), "application/pdf", ".pdf"),
        (
            "a.docx",
            samples.docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
        ),
        (
            "a.xlsx",
            samples.xlsx_bytes(),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ".xlsx",
        ),
        ("a.odt", samples.odt_bytes(), "application/vnd.oasis.opendocument.text", ".odt"),
        ("a.csv", samples.CSV, "text/csv", ".csv"),
        ("a.txt", samples.CSV, "text/plain", ".txt"),
        ("a.png", samples.png_bytes(), "image/png", ".png"),
        ("a.jpg", samples.jpeg_bytes(), "image/jpeg", ".jpg"),
        ("a.eml", samples.EML, "message/rfc822", ".eml"),
        # The browser's declared type is ignored, and an extension's case does not matter.
        ("SCAN.PDF", samples.pdf_bytes(), "application/pdf", ".pdf"),
        ("photo.jpeg", samples.jpeg_bytes(), "image/jpeg", ".jpg"),
        # Text is text: its name says whether it is a CSV or plain notes.
        ("notes.csv", samples.TXT, "text/csv", ".csv"),
    ],
)
def test_allowed_content_is_accepted(name, content, content_type, extension):
    info = validate_upload(samples.upload(name, content, content_type="application/pdf"))
    assert info.content_type == content_type
    assert info.extension == extension
    assert info.size == len(content)
    assert info.sha256 == hashlib.sha256(content).hexdigest()
    assert info.original_name == name


def test_every_allowed_type_has_a_description_and_extension():
    for content_type, (description, extension) in ALLOWED_TYPES.items():
        assert description and extension.startswith("."), content_type
    assert set(uploads._OOXML_MARKERS.values()) <= set(ALLOWED_TYPES)


def _refusal(content: bytes, name: str = "file.pdf") -> ValidationError:
    with pytest.raises(ValidationError) as error:
        validate_upload(samples.upload(name, content))
    return error.value


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"", "empty", "The selected file is empty."),
        (samples.EXE, "bad_type", "its content is application/x-dosexec"),
        (samples.HTML, "bad_type", "its content is text/html"),
        (b"<svg xmlns='http://www.w3.org/2000/svg'><script>x</script></svg>", "bad_type", "svg"),
        (b"#!/bin/sh\nrm -rf /\n", "bad_type", "its content is text/x-shellscript"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "bad_type", "not an allowed type"),
    ],
    ids=["empty", "exe", "html", "svg", "shell-script", "elf"],
)
def test_disallowed_content_is_refused_with_a_reason(content, code, message):
    error = _refusal(content)
    assert error.code == code
    assert message in " ".join(error.messages)
    if code == "bad_type":
        assert "Upload a PDF, DOCX, XLSX" in error.messages[0]


def test_size_limit_comes_from_settings(settings):
    content = samples.pdf_bytes()
    settings.UPLOAD_MAX_BYTES = len(content) - 1
    error = _refusal(content)
    assert error.code == "too_large"
    assert "must be smaller than" in error.messages[0]
    settings.UPLOAD_MAX_BYTES = len(content)
    assert validate_upload(samples.upload("a.pdf", content)).size == len(content)


def test_default_size_limit_is_25_mb(settings):
    from prevent_compliance import settings as project_settings

    assert project_settings.UPLOAD_MAX_BYTES == 25 * 1024 * 1024


def test_zip_bomb_disguised_as_word_document_is_refused():
    bomb = samples.zip_bomb_docx(expanded_mb=50)
    assert len(bomb) < 200 * 1024
    error = _refusal(bomb, "minutes.docx")
    assert "expands to far more data than a real document would" in error.messages[0]


def test_zip_expanding_past_the_absolute_cap_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED_BYTES", 1000)
    error = _refusal(samples.docx_bytes("x" * 2000), "a.docx")
    assert "expands to far more data" in error.messages[0]


def test_zip_with_too_many_parts_is_refused(monkeypatch):
    monkeypatch.setattr(uploads, "MAX_ZIP_MEMBERS", 2)
    error = _refusal(samples.docx_bytes(), "a.docx")
    assert "contains too many parts" in error.messages[0]


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "members",
    [
        {"notes.txt": b"plain zip"},
        {"[Content_Types].xml": b"<Types/>", "other/part.xml": b"<x/>"},
        {"mimetype": b"application/x-msdownload", "content.xml": b"<x/>"},
    ],
    ids=["plain-zip", "office-without-marker", "odf-with-foreign-mimetype"],
)
def test_zip_that_is_not_an_office_document_is_refused(members):
    error = _refusal(_zip(members), "a.docx")
    assert error.code == "bad_type"


def test_large_upload_spooled_to_disk_is_hashed_whole(settings):
    settings.UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    content = samples.pdf_bytes() + b"%" + b"x" * (3 * 1024 * 1024)
    upload = TemporaryUploadedFile("big.pdf", "application/pdf", len(content), None)
    upload.write(content)
    upload.seek(0)
    try:
        info = validate_upload(upload)
    finally:
        upload.close()
    assert info.sha256 == hashlib.sha256(content).hexdigest()
    assert info.size == len(content)


def test_validation_leaves_the_file_ready_to_save(settings):
    upload = samples.upload("a.docx", samples.docx_bytes())
    validate_upload(upload)
    assert upload.tell() == 0
    assert upload.read() == samples.docx_bytes()


def test_validation_writes_nothing_to_storage(settings):
    media = Path(settings.MEDIA_ROOT)
    for content in (samples.pdf_bytes(), samples.EXE, samples.zip_bomb_docx(5)):
        with contextlib.suppress(ValidationError):
            validate_upload(samples.upload("a.pdf", content))
    assert not media.exists() or not any(media.rglob("*"))


@pytest.mark.parametrize(
    ("name", "safe"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("..\\..\\Windows\\win.ini.pdf", "win.ini.pdf"),
        ("C:\\Users\\me\\Desktop\\minutes.docx", "minutes.docx"),
        ("/absolute/path/report.pdf", "report.pdf"),
        (".htaccess", "htaccess"),
        ("...", "upload"),
        ("", "upload"),
        ("in\x00voice\r\n.pdf", "invoice.pdf"),
        ("report\u202efdp.exe", "reportfdp.exe"),
        ('what"is<this>|?*.pdf', "whatisthis.pdf"),
        ("Cafe\u0301 minutes.pdf", "Caf\u00e9 minutes.pdf"),
        ("  padded name.pdf  ", "padded name.pdf"),
        # Every bidirectional control, zero-width and separator character goes.
        ("report\u061cfdp.pdf", "reportfdp.pdf"),
        ("a\u2066b\u2067c\u2068d\u2069.pdf", "abcd.pdf"),
        ("a\u200eb\u200f.pdf", "ab.pdf"),
        ("a\u202ab\u202bc\u202cd\u202d.pdf", "abcd.pdf"),
        ("zero\u200bwidth\ufeff.pdf", "zerowidth.pdf"),
        ("line\u2028para\u2029.pdf", "linepara.pdf"),
        ("c1\x85control\x9b.pdf", "c1control.pdf"),
        # Windows drops trailing dots and spaces: the name is what Windows would open.
        ("minutes.pdf. . ", "minutes.pdf"),
    ],
)
def test_safe_original_name(name, safe):
    assert safe_original_name(name) == safe


def test_safe_original_name_shortens_long_names_but_keeps_the_extension():
    name = safe_original_name("a" * 300 + ".docx")
    assert len(name) == 200
    assert name.endswith("a.docx")


def test_random_storage_name_reveals_nothing_and_does_not_repeat():
    names = {random_storage_name("evidence/2025", ".pdf") for _ in range(100)}
    assert len(names) == 100
    for name in names:
        assert re.fullmatch(r"evidence/2025/[0-9a-f]{32}\.pdf", name)


# --- The name must agree with the content ------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "found"),
    [
        ("report.pdf", samples.png_bytes(), "it ends in .pdf"),
        ("no-extension", samples.docx_bytes(), "its name has no extension"),
        # Text that starts plainly is plain text to libmagic, but an .html name would make a
        # browser or desktop open it as a web page.
        ("page.html", b"Agenda\n<b>Notes</b> <img src=x onerror=alert(1)>\n", "it ends in .html"),
        ("evil\u202efdp.exe", samples.pdf_bytes(), "it ends in .exe"),
        ("minutes.pdf.exe", samples.pdf_bytes(), "it ends in .exe"),
        ("letter.eml", samples.pdf_bytes(), "it ends in .eml"),
        ("register.xlsx", samples.CSV, "it ends in .xlsx"),
    ],
    ids=[
        "png-named-pdf",
        "no-extension",
        "text-named-html",
        "rtl-override-exe",
        "double-ext",
        "pdf-named-eml",
        "csv-named-xlsx",
    ],
)
def test_name_that_disagrees_with_the_content_is_refused(name, content, found):
    error = _refusal(content, name)
    assert error.code == "wrong_extension"
    assert found in error.messages[0]
    assert "Rename it, or choose the file you meant to upload." in error.messages[0]


def test_refusal_names_the_extensions_the_content_allows():
    png = _refusal(samples.png_bytes(), "photo.pdf").messages[0]
    assert png.startswith("The name of the selected file must end in .png to match its content")
    assert "(PNG image)" in png
    text = _refusal(samples.TXT, "notes.html").messages[0]
    assert "must end in .txt or .csv" in text
    jpeg = _refusal(samples.jpeg_bytes(), "photo.png").messages[0]
    assert "must end in .jpg or .jpeg" in jpeg


def test_accepted_name_keeps_no_bidirectional_controls():
    info = validate_upload(samples.upload("evil\u202egpj.pdf", samples.pdf_bytes()))
    assert info.original_name == "evilgpj.pdf"


# --- ZIP containers: only real OpenDocument types, bounded reads, no macros ----------------------


def _deflated_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


ODT_CONTENT = {"content.xml": b'<?xml version="1.0"?><office:document-content/>'}


@pytest.mark.parametrize(
    ("name", "mimetype", "detected"),
    [
        ("notes.txt", b"text/plain", "application/zip"),
        ("report.pdf", b"application/pdf", "application/zip"),
        ("page.html", b"text/html", "application/zip"),
        ("slides.odp", b"application/vnd.oasis.opendocument.presentation", "presentation"),
    ],
    ids=["claims-text", "claims-pdf", "claims-html", "odp-not-on-the-list"],
)
def test_zip_whose_mimetype_member_is_not_an_allowed_opendocument_type_is_refused(
    name, mimetype, detected
):
    error = _refusal(_zip({"mimetype": mimetype, **ODT_CONTENT}), name)
    assert error.code == "bad_type"
    assert detected in error.messages[0]


def test_mimetype_member_padded_past_its_size_is_refused_without_reading_it():
    padded = b"application/vnd.oasis.opendocument.text" + b" " * MIMETYPE_MAX_BYTES
    error = _refusal(_zip({"mimetype": padded, **ODT_CONTENT}), "plan.odt")
    assert error.code == "bad_type"


def test_huge_mimetype_member_is_never_read_whole(monkeypatch):
    """A mimetype member padded to tens of megabytes costs no memory to check.

    Padding that compresses about 19 times passes the expansion-ratio guard within the upload
    limit (480 MB in a 25 MB file); that guard is switched off here so that the read itself is
    what is tested.
    """
    monkeypatch.setattr(uploads, "MAX_UNCOMPRESSED_RATIO", 10**9)
    padded_mb = 32
    value = b"application/vnd.oasis.opendocument.text" + b" " * (padded_mb * 1024 * 1024)
    content = _deflated_zip({"mimetype": value, **ODT_CONTENT})
    del value
    assert len(content) < 1024 * 1024
    tracemalloc.start()
    try:
        with pytest.raises(ValidationError) as error:
            validate_upload(samples.upload("plan.odt", content))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert error.value.code == "bad_type"
    assert peak < 2 * 1024 * 1024, f"validation held {peak} bytes at once"


def test_parts_read_from_a_container_are_bounded(monkeypatch):
    """Whatever the container holds, no single read from inside it asks for more than 1 MB."""
    reads = []
    original_read = zipfile.ZipExtFile.read

    def counting_read(self, n=-1):
        data = original_read(self, n)
        reads.append((n, len(data)))
        return data

    monkeypatch.setattr(zipfile.ZipExtFile, "read", counting_read)
    for name, content in [
        ("plan.odt", samples.odt_bytes()),
        ("terms.docx", samples.docx_bytes()),
        ("budget.xlsx", samples.xlsx_bytes()),
    ]:
        validate_upload(samples.upload(name, content))
    assert reads, "the containers' parts were never looked at"
    assert all(0 <= n <= uploads.CONTENT_TYPES_MAX_BYTES for n, _ in reads), reads
    assert all(size <= uploads.CONTENT_TYPES_MAX_BYTES for _, size in reads), reads


def _docx_with(extra: dict[str, bytes] | None = None, *, macro_content_type: bool = False):
    source = zipfile.ZipFile(io.BytesIO(samples.docx_bytes()))
    members = {info.filename: source.read(info) for info in source.infolist()}
    if macro_content_type:
        members["[Content_Types].xml"] = members["[Content_Types].xml"].replace(
            b"wordprocessingml.document.main+xml", b"ms-word.document.macroEnabled.main+xml"
        )
    return _deflated_zip({**members, **(extra or {})})


VBA = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("minutes.docm", samples.docx_bytes()),
        ("budget.xlsm", samples.xlsx_bytes()),
        ("slides.pptm", samples.docx_bytes()),
        ("minutes.docx", _docx_with({"word/vbaProject.bin": VBA})),
        ("minutes.docx", _docx_with(macro_content_type=True)),
        ("minutes.pdf", _docx_with({"word/vbaProject.bin": VBA})),
        ("budget.xlsx", _docx_with({"xl/macrosheets/sheet1.xml": b"<xm:macrosheet/>"})),
        (
            "plan.odt",
            _zip(
                {
                    "mimetype": b"application/vnd.oasis.opendocument.text",
                    **ODT_CONTENT,
                    "Basic/Standard/Module1.xml": b"<script:module/>",
                }
            ),
        ),
    ],
    ids=[
        "docm",
        "xlsm",
        "pptm",
        "vba-project-in-docx",
        "macro-content-type",
        "vba-named-pdf",
        "excel4-macro-sheet",
        "odt-basic-macros",
    ],
)
def test_macro_enabled_office_file_is_refused_whatever_its_name(name, content):
    error = _refusal(content, name)
    assert error.code == "macros"
    assert error.messages[0].startswith(
        "The selected file contains macros, which are not accepted."
    )


# --- Downloads end in the extension of what the file is -----------------------------------------


@pytest.mark.parametrize(
    ("stored_name", "content_type", "name", "sent_type"),
    [
        ("minutes.pdf", "application/pdf", "minutes.pdf", "application/pdf"),
        ("SCAN.PDF", "application/pdf", "SCAN.PDF", "application/pdf"),
        ("photo.jpeg", "image/jpeg", "photo.jpeg", "image/jpeg"),
        ("register.csv", "text/csv", "register.csv", "text/csv"),
        # Rows stored before the name had to agree with the content.
        ("evil.html", "text/plain", "evil.html.txt", "text/plain"),
        ("report\u202efdp.exe", "application/pdf", "reportfdp.exe.pdf", "application/pdf"),
        ("notes", "text/plain", "notes.txt", "text/plain"),
        ("", "application/pdf", "evidence.pdf", "application/pdf"),
        ("drawing.svg", "image/svg+xml", "drawing.svg.bin", "application/octet-stream"),
    ],
)
def test_download_name_ends_in_the_detected_types_extension(
    stored_name, content_type, name, sent_type
):
    assert download_as(stored_name, content_type, fallback="evidence") == (name, sent_type)


def _disposition_name(response) -> str:
    match = re.search(r'filename="([^"]+)"', response["Content-Disposition"])
    return match.group(1) if match else response["Content-Disposition"]


@pytest.fixture
def legacy_evidence(officer, period):
    """Evidence stored before names had to agree with content: plain text called .html."""
    from toolkit import services
    from toolkit.models import Evidence

    today = timezone.localdate()
    file = samples.upload("notes.txt", samples.TXT)
    evidence = services.evidence_create(
        actor=officer,
        title="Briefing notes",
        kind="report",
        effective_date=today - timedelta(days=3),
        sections=list(period.edition.sections.all()[:1]),
        upload=file,
        upload_info=validate_upload(file),
    )
    Evidence.objects.filter(pk=evidence.pk).update(original_filename="notes\u202elmth.html")
    evidence.refresh_from_db()
    return evidence


def test_evidence_download_of_an_old_row_ends_in_the_detected_extension(
    client, officer, legacy_evidence
):
    client.force_login(officer)
    response = client.get(reverse("toolkit:evidence_download", args=[legacy_evidence.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain"
    assert _disposition_name(response) == "noteslmth.html.txt"
    assert b"".join(response.streaming_content) == samples.TXT


def test_audit_pack_names_evidence_by_its_detected_extension(legacy_evidence, period):
    from toolkit.auditpack import evidence_files

    paths = [f.path for f in evidence_files(period)]
    assert paths == [f"evidence/{legacy_evidence.public_id}/noteslmth.html.txt"]


def test_appendix_download_of_an_old_row_ends_in_the_detected_extension(client, personas):
    from decisions import services
    from decisions.models import Appendix
    from tests.decisions.helpers import make_draft, pdf_upload

    decision = make_draft(personas)
    upload, info = pdf_upload("terms.pdf")
    appendix = services.appendix_add(
        actor=personas["officer"],
        decision=decision,
        title="Terms",
        upload=upload,
        upload_info=info,
    )
    Appendix.objects.filter(pk=appendix.pk).update(original_filename="terms.exe")
    client.force_login(personas["officer"])
    url = reverse("decisions:appendix_download", args=[decision.reference, appendix.public_id])
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert _disposition_name(response) == "terms.exe.pdf"
