"""Validation, safe names and download names for uploaded files (evidence, decision appendices).

A file is accepted only if its bytes are one of the allowed evidence types AND its name ends
in that type's extension: python-magic (libmagic) sniffs the content, office formats are
confirmed by looking inside the ZIP container (reading only small, bounded parts of it), and
containers that would expand to an absurd size or carry macros are refused. Nothing here
writes to storage, so a rejected file leaves no trace.
"""

import hashlib
import os
import re
import unicodedata
import uuid
import zipfile
import zlib
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

# The endings a name may have for each type; the stored copy always takes the first.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    content_type: (extension,) for content_type, (_, extension) in ALLOWED_TYPES.items()
}
EXTENSIONS["image/jpeg"] = (".jpg", ".jpeg")
# Text is text: the name says whether it is a CSV or plain notes (and nothing else may).
_TEXT_BY_EXTENSION = {".txt": "text/plain", ".csv": "text/csv"}
MACRO_EXTENSIONS = frozenset(
    {".docm", ".dotm", ".xlsm", ".xltm", ".xlam", ".xlsb", ".pptm", ".potm", ".ppsm", ".ppam"}
)

# Marker file inside a ZIP container -> the office type it proves.
_OOXML_MARKERS = {
    "word/document.xml": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xl/workbook.xml": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    ),
}
# The only values an OpenDocument ``mimetype`` member may name (the allow-list decides later).
OPENDOCUMENT_TYPES = frozenset(
    {
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
_ZIP_TYPES = {
    "application/zip",
    "application/octet-stream",
    *(t for t in ALLOWED_TYPES if "openxmlformats" in t or "opendocument" in t),
    *OPENDOCUMENT_TYPES,
}
# A legitimate office file rarely expands more than ~20x; zip bombs expand thousands of times.
MAX_UNCOMPRESSED_RATIO = 100
MAX_UNCOMPRESSED_BYTES = 500 * 1024 * 1024
MAX_ZIP_MEMBERS = 10_000
# Parts read from inside a container, and no more than this of each.
MIMETYPE_MAX_BYTES = 100
CONTENT_TYPES_MAX_BYTES = 1024 * 1024
# Parts that hold macros: VBA projects (OOXML), Excel 4 macro sheets, ODF Basic and scripts.
_MACRO_FOLDERS = ("xl/macrosheets/", "basic/", "scripts/")
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)

SNIFF_BYTES = 64 * 1024
# Control and format characters (bidirectional overrides and isolates U+202A-U+202E and
# U+2066-U+2069, the marks U+200E, U+200F and U+061C, zero-width characters) and line or
# paragraph separators make a name display as something it is not, so they are removed.
_STRIPPED_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Zl", "Zp"})
_UNSAFE_NAME_CHARS = re.compile(r'[<>:"|?*]')


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
    name = "".join(ch for ch in name if unicodedata.category(ch) not in _STRIPPED_CATEGORIES)
    # Windows drops trailing dots and spaces, so "report.pdf. " would open as "report.pdf".
    name = _UNSAFE_NAME_CHARS.sub("", name).strip(" .")
    if len(name) > 200:
        stem, ext = os.path.splitext(name)
        name = stem[: 200 - len(ext[:20])] + ext[:20]
    return name or "upload"


def download_as(original_name: str, content_type: str, *, fallback: str) -> tuple[str, str]:
    """The (file name, content type) a stored file is sent with.

    The name is made harmless again (rows stored before a rule was added are not trusted)
    and always ends in an extension of the detected type, so a browser or desktop never
    opens the file as something else; a type outside the allow-list is sent as bytes.
    """
    name = safe_original_name(original_name or fallback)
    if content_type not in ALLOWED_TYPES:
        content_type = "application/octet-stream"
    extensions = EXTENSIONS.get(content_type, (".bin",))
    if os.path.splitext(name)[1].lower() not in extensions:
        name += extensions[0]
    return name, content_type


def random_storage_name(prefix: str, extension: str) -> str:
    """A storage path that reveals nothing of the original name and cannot collide."""
    return f"{prefix}/{uuid.uuid4().hex}{extension}"


def _sniff(uploaded) -> str:
    uploaded.seek(0)
    head = uploaded.read(SNIFF_BYTES)
    uploaded.seek(0)
    return magic.from_buffer(head, mime=True)


def _macro_refusal() -> ValidationError:
    return ValidationError(
        "The selected file contains macros, which are not accepted. Save it without "
        "macros (for example as DOCX, XLSX or PPTX) and upload that.",
        code="macros",
    )


def _read_part(archive: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes | None:
    """A small part's bytes, or None if it says it is bigger than ``limit`` (never read)."""
    if info.file_size > limit or info.compress_size > limit + 1024:
        return None
    with archive.open(info) as part:
        return part.read(limit)


def _refuse_bombs(members: list[zipfile.ZipInfo]) -> None:
    if len(members) > MAX_ZIP_MEMBERS:
        raise ValidationError("The selected file contains too many parts to be safe.")
    expanded = sum(m.file_size for m in members)
    compressed = max(1, sum(m.compress_size for m in members))
    if expanded > MAX_UNCOMPRESSED_BYTES or expanded / compressed > MAX_UNCOMPRESSED_RATIO:
        raise ValidationError(
            "The selected file expands to far more data than a real document would, "
            "so it was refused."
        )


def _refuse_macro_parts(members: list[zipfile.ZipInfo]) -> None:
    """Refuse a container holding macro code, whatever the file is called."""
    for member in members:
        name = member.filename.lower()
        if name.rsplit("/", 1)[-1] == "vbaproject.bin" or name.startswith(_MACRO_FOLDERS):
            raise _macro_refusal()


def _office_type_from_zip(uploaded) -> str | None:
    """The office type proved by the container's contents, refusing bombs and macros.

    Only two small parts are ever read, each at most a few bytes past what a real one holds,
    and only after the directory says they are that small.
    """
    uploaded.seek(0)
    try:
        with zipfile.ZipFile(uploaded) as archive:
            members = archive.infolist()
            _refuse_bombs(members)
            _refuse_macro_parts(members)
            names = {m.filename for m in members}
            if "[Content_Types].xml" in names:
                declared = _read_part(
                    archive, archive.getinfo("[Content_Types].xml"), CONTENT_TYPES_MAX_BYTES
                )
                if declared is None:
                    return None
                if b"macroenabled" in declared.lower():
                    raise _macro_refusal()
            if "mimetype" in names:
                declared = _read_part(archive, archive.getinfo("mimetype"), MIMETYPE_MAX_BYTES)
                declared_type = (declared or b"").decode("ascii", "replace").strip()
                return declared_type if declared_type in OPENDOCUMENT_TYPES else None
            if "[Content_Types].xml" in names:
                for marker, content_type in _OOXML_MARKERS.items():
                    if marker in names:
                        return content_type
    except _ZIP_ERRORS:
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


def _type_for_name(detected: str, name: str) -> str:
    """The detected type, if the name ends in one of its extensions; else a clear refusal."""
    extension = os.path.splitext(name)[1].lower()
    if extension in MACRO_EXTENSIONS:
        raise _macro_refusal()
    if detected in _TEXT_BY_EXTENSION.values() and extension in _TEXT_BY_EXTENSION:
        return _TEXT_BY_EXTENSION[extension]
    expected = EXTENSIONS[detected]
    if extension in expected:
        return detected
    raise ValidationError(
        "The name of the selected file must end in %(expected)s to match its content "
        "(%(description)s); %(found)s. Rename it, or choose the file you meant to upload.",
        code="wrong_extension",
        params={
            "description": ALLOWED_TYPES[detected][0],
            "expected": " or ".join(
                _TEXT_BY_EXTENSION if detected in _TEXT_BY_EXTENSION.values() else expected
            ),
            "found": f"it ends in {extension}" if extension else "its name has no extension",
        },
    )


def validate_upload(uploaded) -> ValidatedUpload:
    """Accept an uploaded file only if its content is an allowed type within the size limit
    and its name ends in that type's extension.

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
        # libmagic's guess from the first bytes is not proof: the container's parts decide.
        office_type = _office_type_from_zip(uploaded)
        if office_type is None and detected != "application/octet-stream":
            detected = "application/zip"
        detected = office_type or detected
    if detected not in ALLOWED_TYPES:
        raise ValidationError(
            "The selected file is not an allowed type: its content is %(detected)s. "
            "Upload a %(allowed)s file.",
            code="bad_type",
            params={"detected": detected, "allowed": ALLOWED_DESCRIPTION},
        )
    original = safe_original_name(uploaded.name)
    detected = _type_for_name(detected, original)
    return ValidatedUpload(
        content_type=detected,
        extension=EXTENSIONS[detected][0],
        size=size,
        sha256=_digest(uploaded),
        original_name=original,
    )
