"""Upload validation: a file is judged by its bytes, within limits, and nothing is written."""

import hashlib
import io
import re
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import TemporaryUploadedFile

from prevent_compliance import uploads
from prevent_compliance.uploads import (
    ALLOWED_TYPES,
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
        # Names and declared types are ignored: content decides.
        ("report.pdf", samples.png_bytes(), "image/png", ".png"),
        (
            "no-extension",
            samples.docx_bytes(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            ".docx",
        ),
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
        try:
            validate_upload(samples.upload("a.pdf", content))
        except ValidationError:
            pass
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
