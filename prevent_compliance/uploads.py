"""Validation and safe storage names for uploaded files (evidence, decision appendices).

A file is accepted by what its bytes are, never by its name: python-magic (libmagic) sniffs
the content, office formats are confirmed by looking inside the ZIP container, and
containers that would expand to an absurd size are refused. Nothing here writes to storage,
so a rejected file leaves no trace.
"""

import hashlib
import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass

import magic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

# Detected type -> (description for people, extension used for the stored copy).
ALLOWED_TYPES: dict[str, tuple[str, str]] = {
    "application/pdf": ("PDF", ".pdf"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (
        "Word document (DOCX)",
        ".docx",
    ),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (
        "Excel workbook (XLSX)",
        ".xlsx",
    ),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "PowerPoint presentation (PPTX)",
        ".pptx",
    ),
    "application/vnd.oasis.opendocument.text": ("OpenDocument text (ODT)", ".odt"),
    "application/vnd.oasis.opendocument.spreadsheet": ("OpenDocument spreadsheet (ODS)", ".ods"),
    "text/csv": ("CSV", ".csv"),
    "text/plain": ("plain text", ".txt"),
    "image/png": ("PNG image", ".png"),
    "image/jpeg": ("JPEG image", ".jpg"),
    "message/rfc822": ("e-mail message (EML)", ".eml"),
    "application/vnd.ms-outlook": ("Outlook message (MSG)", ".msg"),
}

ALLOWED_DESCRIPTION = "PDF, DOCX, XLSX, PPTX, ODT, ODS, CSV, TXT, PNG, JPEG, EML or MSG"

# Marker file inside a ZIP container -> the office type it proves.
_OOXML_MARKERS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
_ZIP_TYPES = {
    "application/zip",
    "application/octet-stream",
    *(t for t in ALLOWED_TYPES if "openxmlformats" in t or "opendocument" in t),
}
# A legitimate office file rarely expands more than ~20x; zip bombs expand thousands of times.
MAX_UNCOMPRESSED_RATIO = 100
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000

SNIFF_BYTES = 64 * 1024
_UNSAFE_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f\u200e\u200f\u202a-\u202e\u2066-\u2069<>:\"|?*]")


@dataclass(frozen=True)
class ValidatedUpload:
    """What we learnt about an accepted upload."""

    content_type: str
    extension: str
    size: int
    sha256: str
    original_name: str


def safe_original_name(name: str) -> str:
    """The uploaded name reduced to a harmless display name (no folders, no control chars)."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_NAME_CHARS.sub("", name).strip().lstrip(".")
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext[:20])] + ext[:20]
    return name or "upload"


def random_storage_name(prefix: str, extension: str) -> str:
    """A storage path that reveals nothing of the original name and cannot collide."""
    return f"{prefix}/{uuid.uuid4().hex}{extension}"


def _sniff(uploaded) -> str:
    uploaded.seek(0)
    head = uploaded.read(SNIFF_BYTES)
    uploaded.seek(0)
    return magic.from_buffer(head, mime=True)


def _office_type_from_zip(uploaded) -> str | None:
    """The office type proved by the container's contents, refusing zip bombs."""
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            members = archive.infolist()
            if len(members) > MAX_ZIP_MEMBERS:
                raise ValidationError("The selected file contains too many parts to be safe.")
            expanded = sum(m.file_size for m in members)
            compressed = max(1, sum(m.compress_size for m in members))
            if expanded > MAX_UNCOMPRESSED_BYTES or expanded / compressed > MAX_UNCOMPRESSED_RATIO:
                raise ValidationError(
                    "The selected file expands to far more data than a real document would, "
                    "so it was refused."
                )
            names = {m.filename for m in members}
            if "mimetype" in names:
                declared = archive.read("mimetype")[:100].decode("ascii", "replace").strip()
                return declared if declared in ALLOWED_TYPES else None
            if "[Content_Types].xml" in names:
                for marker, content_type in _OOXML_MARKERS.items():
                    if marker in names:
                        return content_type
    except zipfile.BadZipFile:
        return None
    finally:
        uploaded.seek(0)
    return None


def _digest(uploaded) -> str:
    sha = hashlib.sha256()
    uploaded.seek(0)
    for chunk in (
        uploaded.chunks()
        if hasattr(uploaded, "chunks")
        else iter(lambda: uploaded.read(1024 * 1024), b"")
    ):
        sha.update(chunk)
    uploaded.seek(0)
    return sha.hexdigest()


def validate_upload(uploaded) -> ValidatedUpload:
    """Accept an uploaded file only if its content is an allowed type within the size limit.

    Raises ValidationError with a message that names the problem.
    """
    limit = settings.UPLOAD_MAX_BYTES
    size = uploaded.size
    if not size:
        raise ValidationError("The selected file is empty.", code="empty")
    if size > limit:
        raise ValidationError(
            "The selected file must be smaller than %(limit)s (it is %(size)s).",
            code="too_large",
            params={"limit": filesizeformat(limit), "size": filesizeformat(size)},
        )
    detected = _sniff(uploaded)
    if detected in _ZIP_TYPES:
        detected = _office_type_from_zip(uploaded) or detected
    if detected not in ALLOWED_TYPES:
        raise ValidationError(
            "The selected file is not an allowed type: its content is %(detected)s. "
            "Upload a %(allowed)s file.",
            code="bad_type",
            params={"detected": detected, "allowed": ALLOWED_DESCRIPTION},
        )
    original = safe_original_name(uploaded.name)
    extension = ALLOWED_TYPES[detected][1]
    if detected in ("text/plain", "text/csv") and original.lower().endswith(".csv"):
        detected, extension = "text/csv", ".csv"
    return ValidatedUpload(
        content_type=detected,
        extension=extension,
        size=size,
        sha256=_digest(uploaded),
        original_name=original,
    )
