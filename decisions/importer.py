"""Reading and checking an existing decision log: JSON, CSV or XLSX (no writes here).

``read_import(content, name)`` turns the bytes of a file into records shaped like the JSON
format (see README, "Importing a decision log"), refusing files that are not what they say
or could harm the reader (programs, macros, external links, zip bombs, huge cells).
``validate_import`` checks every record and raises ImportProblems listing every fault by
row (or record), reference and column, in plain words; nothing is imported unless every row
is valid. The checked records are saved by ``decisions.services.decisions_import``.

In a CSV or XLSX file the columns are the JSON keys; an empty cell means absent; supporting
sections are numbered columns (``section_1_heading``, ``section_1_body``,
``section_1_withheld``, …) and so are links to the original documents (``link_1_title``,
``link_1_url``, ``link_1_original``). Unknown columns are listed as warnings. Formula cells
are never evaluated: an XLSX file is read with the values its author's program saved, and a
text cell starting with "=" is kept as plain text.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError

from prevent_compliance.models import validate_reference
from toolkit.models import Section, ToolkitEdition

from .models import Decision, FoiExemption

# --- Columns ----------------------------------------------------------------------------------

REQUIRED_KEYS = ("reference", "title", "decision_date", "confidentiality", "summary")
OPTIONAL_KEYS = (
    "register",
    "lead_officer",
    "decision_maker",
    "decision_maker_name",
    "forum",
    "forum_date",
    "financial_value",
    "chief_officer_approval",
    "chief_officer_approver",
    "chief_officer_approved_on",
    "chief_officer_approval_text",
    "foi_exemptions",
    "withheld_parts",
    "interests_declared",
    "signed_by",
    "signed_on",
    "status",
    "status_note",
    "status_date",
    "published_on",
    "sections",
    "links",
    "treasurer_comments",
    "chief_executive_comments",
    "toolkit_sections",
)
# Keys that need a field helper A adds to Decision; until it exists they are unknown.
MODEL_FIELD_KEYS = {
    "register": "register",
    "decision_maker": "decision_maker",
    "decision_maker_name": "decision_maker_name",
    "forum": "forum",
    "forum_date": "forum_date",
    "financial_value": "financial_value",
    "chief_officer_approval_text": "chief_officer_approval_text",
    "published_on": "published_on",
    "status_date": "status_date",
}
SECTION_KEYS = ("heading", "body", "withheld")
LINK_KEYS = ("title", "url", "original")
_NUMBERED = re.compile(r"(section|link)_([0-9]{1,3})_([a-z]+)")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_UK_DATE = re.compile(r"([0-9]{1,2})[/.]([0-9]{1,2})[/.]([0-9]{4})")
_TEXT_LIMITS = {
    "title": 300,
    "lead_officer": 200,
    "signed_by": 200,
    "chief_officer_approver": 200,
    "decision_maker_name": 200,
    "forum": 200,
    "register": 20,
    "chief_officer_approval_text": 200,
}
# Fields of one line; the others (summary, comments, section bodies) may hold line breaks.
_ONE_LINE = {
    "reference",
    "title",
    "lead_officer",
    "signed_by",
    "register",
    "decision_maker_name",
    "forum",
    "chief_officer_approver",
}
# NUL and the other control characters (PostgreSQL refuses NUL in text), except the tab and
# line breaks of multi-line text; and lone surrogates, which are not Unicode text at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"[\t\n\r]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_SECTIONS = 100
MAX_LINKS = 20
MAX_SHOWN = 40

# --- Limits on files --------------------------------------------------------------------------

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_ROWS = 20_000
MAX_COLUMNS = 400
MAX_CELL_CHARS = 100_000
# A workbook cell holds at most this many characters; openpyxl cuts longer text to it.
EXCEL_CELL_LIMIT = 32_767
# An XLSX file is a zip: its parts together may expand to this much, and no more than this
# many times its compressed size (real workbooks expand ten or twenty times).
MAX_XLSX_EXPANDED = 200 * 1024 * 1024
MAX_XLSX_RATIO = 100
MAX_XLSX_MEMBERS = 2_000
_MACRO_PARTS = ("xl/macrosheets/", "xl/dialogsheets/")
_XLSX_MARKERS = ("[Content_Types].xml", "xl/workbook.xml")
_PROGRAM_SIGNATURES = (b"MZ", b"\x7fELF", b"\xca\xfe\xba\xbe", b"\xcf\xfa\xed\xfe", b"#!")
_OTHER_BINARY = (b"%PDF", b"\xd0\xcf\x11\xe0", b"\x89PNG", b"\xff\xd8\xff", b"GIF8")


def text_problem(value: str, *, one_line: bool = False) -> str | None:
    """Why a text value cannot be stored as it is, or None."""
    if _SURROGATE.search(value):
        return "contains a lone surrogate (\\ud800-\\udfff escape), which is not valid text"
    if match := _CONTROL.search(value):
        return f"contains the control character U+{ord(match.group()):04X}, which is not allowed"
    if one_line and _BREAKS.search(value):
        return "must be on one line (no tab or line break)"
    return None


def shown(value: object) -> str:
    """A value as it may be echoed in a problem: short, and escaped if it is not plain text."""
    text = value if isinstance(value, str) else repr(value)
    if text_problem(text, one_line=True) or len(text) > MAX_SHOWN:
        return ascii(text[:MAX_SHOWN])[1:-1] + ("…" if len(text) > MAX_SHOWN else "")
    return text


# --- Results ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One fault (or warning) found in a file, where it is and why, in plain words."""

    row: int | None
    reference: str
    column: str
    message: str
    sheet: bool = False

    def __str__(self) -> str:
        if self.row is None:
            where = ""
        else:
            where = f"{'row' if self.sheet else 'record'} {self.row}"
            if self.reference:
                where += f" ({shown(self.reference)})"
        if self.column:
            label = "column" if self.sheet else "field"
            where = f"{where}, {label} '{self.column}'" if where else f"{label} '{self.column}'"
        return f"{where}: {self.message}" if where else self.message

    def as_dict(self) -> dict:
        return {
            "row": self.row,
            "reference": self.reference,
            "column": self.column,
            "message": self.message,
        }


class ImportProblems(Exception):
    """The file cannot be imported; ``problems`` lists every fault found (as text) and
    ``details`` the same as Problem objects."""

    def __init__(self, problems: list, *, warnings: list[Problem] | None = None):
        self.details = [
            p if isinstance(p, Problem) else Problem(None, "", "", str(p)) for p in problems
        ]
        self.problems = [str(p) for p in self.details]
        self.warnings = warnings or []
        super().__init__(f"{len(self.problems)} problem(s) found; nothing was imported.")


@dataclass
class ImportRecord:
    """One validated record, ready to save."""

    position: int
    values: dict
    sections: list[tuple[int, str, str, bool]] = field(default_factory=list)
    toolkit_sections: list[Section] = field(default_factory=list)
    links: list[tuple[int, str, str, bool]] = field(default_factory=list)
    # Already in the log with the same content: not saved again.
    already_imported: bool = False

    @property
    def reference(self) -> str:
        return self.values["reference"]


@dataclass
class ImportFile:
    """A file read into records shaped like the JSON format, before they are checked."""

    kind: str  # "json", "csv" or "xlsx"
    records: list[tuple[int, object]]  # (row or record number, record)
    sha256: str
    notes: list[str] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def sheet(self) -> bool:
        return self.kind != "json"


# --- Reading the bytes ------------------------------------------------------------------------

NOTHING = "Nothing was imported."


def _refuse(message: str) -> ImportProblems:
    return ImportProblems([Problem(None, "", "", message)])


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def detect_kind(content: bytes, name: str) -> str:
    """ "json", "csv" or "xlsx" from the bytes (the name only breaks a tie between text
    formats); raises ImportProblems for anything else."""
    lowered = (name or "").lower()
    if lowered.endswith((".xlsm", ".xltm", ".xlsb", ".xlam")):
        raise _refuse(
            "The file is a macro-enabled workbook, which is never opened. Save it as an "
            "Excel workbook (.xlsx) without macros."
        )
    head = content[:8]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return "xlsx"
    if head.startswith(_PROGRAM_SIGNATURES):
        raise _refuse("The file is a program, not a decision log. Upload a CSV, XLSX or JSON file.")
    if head.startswith(_OTHER_BINARY) or b"\x00" in content[:4096]:
        raise _refuse("The file is not text or an Excel workbook. Upload a CSV, XLSX or JSON file.")
    text_start = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if lowered.endswith(".json") or (not lowered.endswith(".csv") and text_start in (b"[", b"{")):
        return "json"
    return "csv"


def read_import(content: bytes, name: str = "") -> ImportFile:
    """The records of a file, or ImportProblems saying why it cannot be read."""
    if not content:
        raise _refuse("The file is empty.")
    if len(content) > MAX_FILE_BYTES:
        raise _refuse(
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split the log "
            "into several files."
        )
    sha256 = hashlib.sha256(content).hexdigest()
    kind = detect_kind(content, name)
    if kind == "json":
        return ImportFile("json", _read_json(content), sha256)
    if kind == "xlsx":
        rows, notes = _read_xlsx(content)
    else:
        rows, notes = _read_csv(content)
    records, warnings = _sheet_records(rows)
    return ImportFile(kind, records, sha256, notes=notes, warnings=warnings)


def _read_json(content: bytes) -> list[tuple[int, object]]:
    try:
        data = json.loads(content.decode("utf-8-sig"), parse_constant=_refuse_constant)
    except UnicodeDecodeError as exc:
        raise _refuse(f"The file is not UTF-8 text (byte {exc.start} cannot be read).") from exc
    except json.JSONDecodeError as exc:
        raise _refuse(
            f"The file is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}."
        ) from exc
    except RecursionError as exc:
        raise _refuse("The file is nested too deeply to be a decision log.") from exc
    except ValueError as exc:  # NaN/Infinity, or an integer with thousands of digits
        raise _refuse(f"The file is not valid JSON: {exc}.") from exc
    if not isinstance(data, list):
        raise _refuse("The file must contain a JSON list of decision records.")
    if len(data) > MAX_ROWS:
        raise _refuse(f"The file lists more than {MAX_ROWS} records; split it.")
    return list(enumerate(data, start=1))


def _decode_text(content: bytes) -> tuple[str, list[str]]:
    """UTF-8 (with or without a byte order mark), else Windows-1252, which is reported."""
    try:
        return content.decode("utf-8-sig"), []
    except UnicodeDecodeError as utf8_error:
        try:
            text = content.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise _refuse(
                f"The file is not UTF-8 text (byte {utf8_error.start} cannot be read) and "
                "not Windows-1252 either. Save it as “CSV UTF-8”."
            ) from exc
        return text, [
            "The file is not UTF-8, so it was read as Windows-1252 (the older Excel "
            "encoding). Check that accented letters, dashes and £ signs look right below; "
            "saving as “CSV UTF-8” avoids the guess."
        ]


def _read_csv(content: bytes) -> tuple[list[tuple[int, list]], list[str]]:
    text, notes = _decode_text(content)
    sample = text[:16384]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    header_line = sample.splitlines()[0] if sample.splitlines() else ""
    if delimiter != "," and header_line.count(",") > header_line.count(delimiter):
        delimiter = ","
    if delimiter != ",":
        notes.append(f"Cells are separated by “{delimiter}”.")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    rows: list[tuple[int, list]] = []
    try:
        for cells in reader:
            if len(rows) > MAX_ROWS:
                raise _refuse(f"The file has more than {MAX_ROWS} rows; split it.")
            rows.append((reader.line_num, cells))
    except csv.Error as exc:
        line = reader.line_num
        if "field larger" in str(exc):
            raise _refuse(
                f"Line {line} has a cell longer than {MAX_CELL_CHARS:,} characters, which no "
                "decision record needs."
            ) from exc
        raise _refuse(f"Line {line} cannot be read as CSV ({exc}).") from exc
    return _numbered_by_row(rows), notes


def _numbered_by_row(rows: list[tuple[int, list]]) -> list[tuple[int, list]]:
    """Spreadsheet rows are numbered from 1 (the header); a CSV cell may span lines, so
    the number is the row's position, as a spreadsheet program shows it."""
    return [(number, cells) for number, (_line, cells) in enumerate(rows, start=1)]


def _check_xlsx_container(content: bytes) -> None:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError) as exc:
        raise _refuse("The file is not a readable Excel workbook (.xlsx).") from exc
    with archive:
        members = archive.infolist()
        if len(members) > MAX_XLSX_MEMBERS:
            raise _refuse("The workbook has too many parts to be a decision log.")
        expanded = sum(m.file_size for m in members)
        compressed = max(1, sum(m.compress_size for m in members))
        if expanded > MAX_XLSX_EXPANDED or expanded / compressed > MAX_XLSX_RATIO:
            raise _refuse(
                "The workbook would expand to far more data than a decision log holds "
                "(it looks like a zip bomb), so it was not opened."
            )
        names = {m.filename.lower() for m in members}
        if any(n.rsplit("/", 1)[-1] == "vbaproject.bin" for n in names) or any(
            n.startswith(_MACRO_PARTS) for n in names
        ):
            raise _refuse(
                "The workbook contains macros, which are never opened. Save it as an Excel "
                "workbook (.xlsx) without macros."
            )
        if any(n.startswith("xl/externallinks/") for n in names):
            raise _refuse(
                "The workbook links to other files (external links), which are never "
                "followed. Copy the values into the sheet (Paste Special → Values), remove "
                "the links and save again."
            )
        if not all(marker.lower() in names for marker in _XLSX_MARKERS):
            raise _refuse("The file is a zip archive, not an Excel workbook (.xlsx).")
        types = archive.getinfo(
            next(m.filename for m in members if m.filename.lower() == "[content_types].xml")
        )
        if types.file_size > 1024 * 1024:
            raise _refuse("The workbook's list of parts is too large to be real.")
        if b"macroenabled" in archive.read(types).lower():
            raise _refuse(
                "The workbook is macro-enabled, which is never opened. Save it as an Excel "
                "workbook (.xlsx) without macros."
            )


def _sheet_cells(number: int, values: tuple) -> list:
    """A workbook row's cells without the empty ones read-only sheets pad it with."""
    cells = list(values)
    for index, cell in enumerate(cells):
        if isinstance(cell, str) and len(cell) >= EXCEL_CELL_LIMIT:
            raise _refuse(
                f"Row {number}, column {index + 1} reaches the {EXCEL_CELL_LIMIT:,} characters "
                "a workbook cell can hold, so it may have been cut short: shorten it, or give "
                "the text in a CSV file."
            )
    while cells and cells[-1] is None:
        cells.pop()
    if len(cells) > MAX_COLUMNS:
        raise _refuse(f"The sheet has more than {MAX_COLUMNS} columns.")
    return cells


def _read_xlsx(content: bytes) -> tuple[list[tuple[int, list]], list[str]]:
    _check_xlsx_container(content)
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(
            io.BytesIO(content), read_only=True, data_only=True, keep_links=False
        )
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _refuse(f"The workbook cannot be read ({type(exc).__name__}).") from exc
    notes = []
    try:
        names = workbook.sheetnames
        sheet = workbook["Decisions"] if "Decisions" in names else workbook.worksheets[0]
        if len(names) > 1:
            notes.append(f"Only the sheet “{sheet.title}” was read.")
        rows = []
        for number, values in enumerate(
            sheet.iter_rows(max_col=MAX_COLUMNS + 1, values_only=True), start=1
        ):
            if number > MAX_ROWS + 1:
                raise _refuse(f"The sheet has more than {MAX_ROWS} rows; split it.")
            rows.append((number, _sheet_cells(number, values)))
    except ImportProblems:
        raise
    except Exception as exc:
        raise _refuse(f"The workbook cannot be read ({type(exc).__name__}).") from exc
    finally:
        workbook.close()
    return rows, notes


# --- Sheets into records ----------------------------------------------------------------------


def column_key(header: object) -> str:
    """A header as a key: "Decision date" and "decision_date" name the same column."""
    text = "" if header is None else str(header)
    return re.sub(r"[\s\-]+", "_", text.strip().lower())


def _cell_text(value: object) -> object:
    """A cell as the JSON format would hold it: text, a date, a number; None when empty."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date() if value.time() == datetime.min.time() else value
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int | float):
        return str(value)
    text = str(value)
    return None if not text.strip() else text


def _sheet_records(
    rows: list[tuple[int, list]],
) -> tuple[list[tuple[int, object]], list[Problem]]:
    while rows and not any(_cell_text(v) is not None for v in rows[0][1]):
        rows = rows[1:]
    if not rows:
        raise _refuse("The file lists no decision records (not even a header row).")
    _header_number, header = rows[0]
    if len(header) > MAX_COLUMNS:
        raise _refuse(f"The sheet has more than {MAX_COLUMNS} columns.")
    keys = [column_key(h) for h in header]
    problems, warnings = _header_problems(keys)
    records = []
    for number, cells in rows[1:]:
        values = [_cell_text(v) for v in cells]
        if any(v is not None for v in values):  # else a blank line between records
            records.append((number, _row_record(number, values, keys, problems)))
    if problems:
        raise ImportProblems(problems, warnings=warnings)
    return records, warnings


_UNKNOWN_COLUMN = (
    "is not a column of the decision log format, so its cells are not imported; rename it "
    "if it holds one of the documented columns"
)


def _header_problems(keys: list[str]) -> tuple[list[Problem], list[Problem]]:
    """Repeated headings are problems; unknown ones are warnings (their cells are not read)."""
    problems: list[Problem] = []
    warnings: list[Problem] = []
    known = set(REQUIRED_KEYS) | set(OPTIONAL_KEYS) - {"sections", "links"}
    seen: dict[str, int] = {}
    for index, key in enumerate(keys, start=1):
        if not key:
            continue
        if key in seen:
            message = f"is used for columns {seen[key]} and {index}"
            problems.append(Problem(1, "", key, message, sheet=True))
        seen.setdefault(key, index)
        numbered = _NUMBERED.fullmatch(key)
        if numbered and numbered.group(3) in (
            SECTION_KEYS if numbered.group(1) == "section" else LINK_KEYS
        ):
            continue
        if _model_field_missing(key):
            message = "is not stored by this version of the service, so its cells are not imported"
            warnings.append(Problem(None, "", key, message, sheet=True))
        elif key not in known:
            warnings.append(Problem(None, "", shown(key), _UNKNOWN_COLUMN, sheet=True))
    return problems, warnings


def _row_record(number: int, values: list, keys: list[str], problems: list[Problem]) -> dict:
    """One row as a record keyed by column; an empty cell is left out (absent)."""
    record: dict = {}
    for index, value in enumerate(values):
        key = keys[index] if index < len(keys) else ""
        if value is None:
            continue
        if isinstance(value, str) and len(value) > MAX_CELL_CHARS:
            message = f"is longer than {MAX_CELL_CHARS:,} characters"
            problems.append(Problem(number, "", key or f"column {index + 1}", message, sheet=True))
        elif not key:
            message = "holds a value but the column has no heading"
            problems.append(Problem(number, "", f"column {index + 1}", message, sheet=True))
        else:
            record.setdefault(key, value)
    return record


def _model_field_missing(key: str) -> bool:
    name = MODEL_FIELD_KEYS.get(key)
    return bool(name) and name not in _decision_fields()


def _decision_fields() -> set[str]:
    return {f.name for f in Decision._meta.get_fields()}


# --- Checking records -------------------------------------------------------------------------

_TRUE = {"yes", "y", "true", "1", "x", "✓", "withheld", "original"}
_FALSE = {"no", "n", "false", "0", "", "-"}


def _words(value: str) -> str:
    value = value.lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", value).split())


# The decision maker as logs write it -> the stored code.
DECISION_MAKER_WORDS = {
    "pcc": "pcc",
    "police and crime commissioner": "pcc",
    "police fire and crime commissioner": "pcc",
    "commissioner": "pcc",
    "the commissioner": "pcc",
    "pfcc": "pcc",
    "deputy pcc": "deputy_pcc",
    "dpcc": "deputy_pcc",
    "deputy police and crime commissioner": "deputy_pcc",
    "deputy commissioner": "deputy_pcc",
    "officer delegated": "officer_delegated",
    "officer under delegation": "officer_delegated",
    "delegated officer": "officer_delegated",
    "officer with delegated authority": "officer_delegated",
    "delegated": "officer_delegated",
    "pcc and chief constable": "pcc_and_chief_constable",
    "pcc and cc": "pcc_and_chief_constable",
    "joint": "pcc_and_chief_constable",
    "jointly with the chief constable": "pcc_and_chief_constable",
    "police and crime commissioner and chief constable": "pcc_and_chief_constable",
}

STATUS_WORDS = {
    "published": "published",
    "withheld": "withheld",
    "confidential": "withheld",
    "deferred": "deferred",
    "withdrawn": "withdrawn",
    "not published": "not_published",
    "unpublished": "not_published",
}


def _choice_codes(name: str) -> dict[str, str]:
    """{words: code} for a choice field's codes and labels, if the field exists."""
    try:
        model_field = Decision._meta.get_field(name)
    except Exception:  # the field is added by another part of the work
        return {}
    return {
        **{_words(str(code)): str(code) for code, _label in model_field.choices or []},
        **{_words(str(label)): str(code) for code, label in model_field.choices or []},
    }


class _Checker:
    """Collects the problems of one record, naming its position, reference and column."""

    def __init__(self, position: int, record: dict, problems: list[Problem], *, sheet: bool):
        self.position, self.record, self.problems, self.sheet = position, record, problems, sheet
        reference = record.get("reference") if isinstance(record, dict) else None
        self.reference = reference if isinstance(reference, str) else ""
        self._before = len(problems)

    @property
    def problems_for_record(self) -> int:
        return len(self.problems) - self._before

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.position, self.reference, key, message, self.sheet))

    def section_key(self, kind: str, number: int, part: str | None = None) -> str:
        if self.sheet:
            return f"{kind}_{number}_{part or 'heading'}"
        name = "sections" if kind == "section" else "links"
        return f"{name}[{number}]" + (f".{part}" if part else "")

    def text(self, key: str, *, required: bool = False, value: object = None) -> str:
        value = self.record.get(key) if value is None else value
        if value is None:
            if required:
                self.problem(key, "is required")
            return ""
        if not isinstance(value, str):
            self.problem(key, "must be text")
            return ""
        if fault := text_problem(value, one_line=key in _ONE_LINE):
            self.problem(key, fault)
            return ""
        if required and not value.strip():
            self.problem(key, "must not be empty")
        limit = _TEXT_LIMITS.get(key)
        if limit and len(value) > limit:
            self.problem(key, f"must be at most {limit} characters")
        return value

    def listed(self, key: str, *, separators: str = r"[,;\s]+") -> list | None:
        """A list value (absent or null: empty); None, with no problem yet, for anything
        else. In a sheet the cell is split at commas, semicolons and spaces."""
        value = self.record.get(key)
        if value is None:
            return []
        if self.sheet and isinstance(value, str):
            return [part for part in re.split(separators, value.strip()) if part]
        return value if isinstance(value, list) else None

    def boolean(self, key: str, *, value: object = None, default: bool = False) -> bool:
        value = self.record.get(key, default) if value is None else value
        if self.sheet and isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        if not isinstance(value, bool):
            self.problem(key, "must be yes or no" if self.sheet else "must be true or false")
            return False
        return value

    def date(self, key: str, *, required: bool = False, value: object = None) -> date | None:
        value = self.record.get(key) if value is None else value
        if value is None:
            if required:
                self.problem(key, "is required")
            return None
        if isinstance(value, datetime) and self.sheet:
            self.problem(key, "must be a date without a time of day")
            return None
        if isinstance(value, date):
            return value
        if self.sheet and isinstance(value, str):
            value = value.strip()
            if match := _UK_DATE.fullmatch(value):
                day, month, year = (int(g) for g in match.groups())
                try:
                    return date(year, month, day)
                except ValueError:
                    self.problem(key, f"{value} is not a real date")
                    return None
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            wanted = "YYYY-MM-DD or DD/MM/YYYY" if self.sheet else "YYYY-MM-DD"
            self.problem(key, f"must be a date written {wanted}")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problem(key, f"{value} is not a real date")
            return None

    def choice(self, key: str, words: dict[str, str], *, what: str) -> str:
        value = self.record.get(key)
        if value is None:
            return ""
        code = words.get(_words(value)) if isinstance(value, str) else None
        if code is None:
            codes = sorted(set(words.values()))
            self.problem(key, f"must be one of {', '.join(codes)} ({what})")
            return ""
        return code


_REGISTER = re.compile(r"([0-9]{4})(?:-([0-9]{2}))?")


def _check_register(check: _Checker) -> str:
    """ "" (the whole log), a year ("2013") or a financial year ("2013-14" or "2013/14")."""
    register = check.text("register").strip()
    if check.sheet and isinstance(check.record.get("register"), str):
        register = register.replace("/", "-")
    if not register:
        return ""
    match = _REGISTER.fullmatch(register)
    if not match or (match.group(2) and int(match.group(2)) != (int(match.group(1)) + 1) % 100):
        check.problem(
            "register",
            "must be a year such as 2013 or a financial year such as 2013-14 (or empty for "
            "a log numbered without restarting)",
        )
        return ""
    return register


def _check_reference(check: _Checker, register: str) -> str:
    reference = check.text("reference", required=True)
    if not reference:
        return ""
    validate = _reference_validator()
    try:
        validate(reference, register)
    except ValidationError as exc:
        check.problem("reference", " ".join(exc.messages))
    return reference


def _reference_validator():
    """The reference check of decisions/references.py (references as offices number them,
    within their register) when it exists, else the model's own."""
    from . import references

    for name in ("validate_reference_in_register", "validate_register_reference"):
        if hasattr(references, name):
            return getattr(references, name)

    def check(reference: str, register: str) -> None:
        validate_reference(reference)

    return check


def _approval(kind: str, approver: str = "", approved_on=None, text: str = "") -> dict:
    return {
        "chief_officer_approval": kind,
        "chief_officer_approver": approver,
        "chief_officer_approved_on": approved_on,
        "chief_officer_approval_text": text,
    }


def _sheet_approver(check: _Checker, words: str, verbatim: str) -> dict:
    name = check.text("chief_officer_approver", value=check.record.get("chief_officer_approver"))
    if not name.strip():
        check.problem(
            "chief_officer_approver",
            "must name who approved (or leave chief_officer_approval empty and write the "
            "published words in chief_officer_approval_text)",
        )
    if words == "not required":
        check.problem(
            "chief_officer_approval",
            "says not required, but an approver is given: leave one of them empty",
        )
    approved_on = check.date("chief_officer_approved_on")
    return _approval(Decision.ChiefOfficerApproval.REQUIRED, name, approved_on, verbatim)


def _json_approver(check: _Checker, value: dict, verbatim: str) -> dict:
    approval = Decision.ChiefOfficerApproval
    if set(value) - {"by", "date"} or "by" not in value:
        check.problem(
            "chief_officer_approval",
            'must be "not required" or {"by": "Chief Constable", "date": "YYYY-MM-DD"}',
        )
        return _approval(approval.NOT_STATED)
    approver = value["by"] if isinstance(value["by"], str) else ""
    if fault := text_problem(approver, one_line=True):
        check.problem("chief_officer_approval", f"'by' {fault}")
        approver = ""
    elif len(approver) > 200:
        check.problem("chief_officer_approval", "'by' must be at most 200 characters")
    if not approver.strip():
        check.problem("chief_officer_approval", "'by' must name who approved")
    approved_on = (
        check.date("chief_officer_approval", value=value["date"])
        if value.get("date") is not None
        else None
    )
    return _approval(approval.REQUIRED, approver, approved_on, verbatim)


def _check_approval(check: _Checker) -> dict:
    """Structured approval ({"by", "date"} in JSON; approver and date columns in a sheet),
    "not required", the published words kept verbatim (chief_officer_approval_text), or, when
    the original says nothing, "not stated"."""
    approval = Decision.ChiefOfficerApproval
    record = check.record
    value = record.get("chief_officer_approval")
    verbatim = check.text("chief_officer_approval_text")
    words = _words(value) if isinstance(value, str) else ""
    if check.sheet and (record.get("chief_officer_approver") is not None or words == "required"):
        return _sheet_approver(check, words, verbatim)
    if check.sheet and record.get("chief_officer_approved_on") is not None:
        check.problem("chief_officer_approved_on", "is given without chief_officer_approver")
    if isinstance(value, dict) and not check.sheet:
        return _json_approver(check, value, verbatim)
    if value is None or words in ("not stated", "not given"):
        if verbatim.strip():
            return _approval(approval.AS_PUBLISHED, text=verbatim)
        return _approval(approval.NOT_STATED)
    if words == "not required":
        return _approval(approval.NOT_REQUIRED, text=verbatim)
    hint = (
        'must be "not required" or "required" (with chief_officer_approver)'
        if check.sheet
        else 'must be "not required" or {"by": "Chief Constable", "date": "YYYY-MM-DD"}'
    )
    check.problem(
        "chief_officer_approval",
        f"{hint}; put other published wording, such as “PCC & CC”, in chief_officer_approval_text",
    )
    return _approval(approval.NOT_STATED)


NOT_STATED = "not_stated"


def _check_exemptions(check: _Checker, confidentiality: str) -> list[str]:
    codes = check.listed("foi_exemptions")
    if codes is None or not all(isinstance(c, str) for c in codes):
        check.problem("foi_exemptions", 'must be a list of codes such as "s31"')
        return []
    codes = [c.strip().lower() if check.sheet else c for c in codes]
    if check.sheet:  # "Section 31", "s.31" and "31" name the same exemption
        codes = [re.sub(r"^(section|s\.?)?\s*([0-9]{2})$", r"s\2", c) for c in codes]
    unknown = [shown(c) for c in codes if c not in FoiExemption.values]
    if unknown:
        check.problem(
            "foi_exemptions",
            f"unknown code(s) {', '.join(unknown)}; use {', '.join(FoiExemption.values)}",
        )
    withheld = confidentiality in (
        Decision.Confidentiality.PARTLY_CONFIDENTIAL,
        Decision.Confidentiality.CONFIDENTIAL,
    )
    if confidentiality == Decision.Confidentiality.NON_CONFIDENTIAL and codes:
        check.problem("foi_exemptions", "a non-confidential record relies on no exemption")
    if withheld and not codes:
        if NOT_STATED in FoiExemption.values:
            return [NOT_STATED]  # the office never named one: shown as "not stated"
        check.problem("foi_exemptions", f"a {confidentiality} record must name its exemption")
    return list(dict.fromkeys(codes))


def _numbered(check: _Checker, kind: str, keys: tuple[str, ...]) -> list | None:
    """The numbered sections (or links) of a record as a list of dicts (None: not a list)."""
    if not check.sheet:
        return check.listed("sections" if kind == "section" else "links")
    found: dict[int, dict] = {}
    for key, value in check.record.items():
        match = _NUMBERED.fullmatch(key)
        if match and match.group(1) == kind and match.group(3) in keys:
            found.setdefault(int(match.group(2)), {})[match.group(3)] = value
    if not found:
        return []
    numbers = sorted(found)
    if numbers != list(range(1, len(numbers) + 1)):
        missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
        check.problem(
            check.section_key(kind, missing[0]),
            f"is empty, but {kind} {numbers[-1]} is given: number them without gaps",
        )
    return [found[n] for n in numbers]


def _check_sections(check: _Checker) -> list[tuple[int, str, str, bool]]:
    sections = _numbered(check, "section", SECTION_KEYS)
    if sections is None:
        check.problem("sections", 'must be a list of {"heading", "body", "withheld"}')
        return []
    if len(sections) > MAX_SECTIONS:
        check.problem("sections", f"at most {MAX_SECTIONS} sections")
        return []
    result = []
    for number, section in enumerate(sections, start=1):
        checked = _check_section(check, number, section)
        if checked is not None:
            result.append(checked)
    return result


def _check_section(
    check: _Checker, number: int, section: object
) -> tuple[int, str, str, bool] | None:
    key = check.section_key("section", number)
    if not isinstance(section, dict):
        check.problem(key, "must be an object with heading and body")
        return None
    extra = set(section) - set(SECTION_KEYS)
    if extra:
        check.problem(key, f"unknown key(s) {', '.join(shown(k) for k in sorted(extra))}")
    heading, body = section.get("heading"), section.get("body", "")
    heading_key = check.section_key("section", number, "heading")
    if not isinstance(heading, str) or not heading.strip() or len(heading) > 200:
        check.problem(heading_key, "is required (text of at most 200 characters)")
    elif fault := text_problem(heading, one_line=True):
        check.problem(heading_key, fault)
    body_key = check.section_key("section", number, "body")
    if not isinstance(body, str):
        check.problem(body_key, "must be text")
    elif fault := text_problem(body):
        check.problem(body_key, fault)
    withheld = check.boolean(
        check.section_key("section", number, "withheld"), value=section.get("withheld", False)
    )
    # Any problem above stops the import, so the placeholders are never saved.
    return (
        number,
        heading if isinstance(heading, str) else "",
        body if isinstance(body, str) else "",
        withheld,
    )


_URL = re.compile(r"https?://[^\s<>\"']+", re.IGNORECASE)


def _check_links(check: _Checker) -> list[tuple[int, str, str, bool]]:
    links = _numbered(check, "link", LINK_KEYS)
    if links is None:
        check.problem("links", 'must be a list of {"title", "url", "original"}')
        return []
    if len(links) > MAX_LINKS:
        check.problem("links", f"at most {MAX_LINKS} links")
        return []
    result = []
    for number, link in enumerate(links, start=1):
        if not isinstance(link, dict):
            check.problem(check.section_key("link", number), "must be an object with title and url")
            continue
        title = check.text(check.section_key("link", number, "title"), value=link.get("title"))
        url = link.get("url")
        url_key = check.section_key("link", number, "url")
        if not isinstance(url, str) or not _URL.fullmatch(url.strip()) or len(url) > 500:
            check.problem(url_key, "must be a web address starting https:// or http://")
            url = ""
        if not title.strip():
            check.problem(check.section_key("link", number, "title"), "is required")
        original = check.boolean(
            check.section_key("link", number, "original"), value=link.get("original", False)
        )
        result.append((number, title, url.strip(), original))
    if sum(1 for link in result if link[3]) > 1:
        check.problem(check.section_key("link", 1, "original"), "only one link is the original")
    return result


def _check_toolkit_sections(check: _Checker, by_number: dict[int, Section]) -> list[Section]:
    numbers = check.listed("toolkit_sections")
    if check.sheet and numbers:
        numbers = [int(n) if n.isdigit() else n for n in numbers]
    if numbers is None or not all(isinstance(n, int) and not isinstance(n, bool) for n in numbers):
        check.problem("toolkit_sections", "must be a list of section numbers 1 to 8")
        return []
    missing = [shown(n) for n in numbers if n not in by_number]
    if missing:
        check.problem(
            "toolkit_sections",
            f"no toolkit section numbered {', '.join(missing)} "
            "(load the toolkit with manage.py seed_toolkit)",
        )
    return [by_number[n] for n in dict.fromkeys(numbers) if n in by_number]


def _check_money(check: _Checker) -> Decimal | None:
    value = check.record.get("financial_value")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        check.problem("financial_value", "must be an amount in pounds, such as 12500.00")
        return None
    text = re.sub(r"[£,\s]", "", str(value))
    try:
        amount = Decimal(text)
    except InvalidOperation:
        check.problem("financial_value", "must be an amount in pounds, such as 12500.00")
        return None
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12"):
        check.problem("financial_value", "must be an amount from £0 to under £1 trillion")
        return None
    if amount != amount.quantize(Decimal("0.01")):
        check.problem("financial_value", "has more than two decimal places (pence)")
        return None
    return amount.quantize(Decimal("0.01"))


def _check_status(check: _Checker, confidentiality: str) -> tuple[str, str]:
    """The state the record arrives in, and its reason (deferred, withdrawn, not published)."""
    words = {**STATUS_WORDS, **_choice_codes("status")}
    allowed = {"published", "withheld", "deferred", "withdrawn", "not_published"}
    allowed &= set(Decision.Status.values)
    words = {w: c for w, c in words.items() if c in allowed}
    status = check.choice("status", words, what="the state the log shows")
    note = check.text("status_note")
    confidential = confidentiality == Decision.Confidentiality.CONFIDENTIAL
    if not status:
        status = Decision.Status.WITHHELD if confidential else Decision.Status.PUBLISHED
    elif status == Decision.Status.PUBLISHED and confidential:
        check.problem(
            "status",
            "a confidential record cannot be published: it is withheld (or leave status empty)",
        )
    elif status == Decision.Status.WITHHELD and confidentiality and not confidential:
        check.problem(
            "status", f"only a confidential record is withheld; this one is {confidentiality}"
        )
    return status, note


def _check_record(check: _Checker, by_number: dict[int, Section]) -> ImportRecord:
    record = check.record
    if not check.sheet:
        unknown = set(record) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS)
        unknown |= {k for k in record if _model_field_missing(k)}
        if unknown:
            check.problem(
                ", ".join(shown(k) for k in sorted(unknown)),
                "unknown key; see the documented format",
            )
    register = _check_register(check)
    reference = _check_reference(check, register)
    confidentiality = record.get("confidentiality")
    if check.sheet and isinstance(confidentiality, str):
        confidentiality = _words(confidentiality).replace(" ", "-")
    if not isinstance(confidentiality, str) or (
        confidentiality not in Decision.Confidentiality.values
    ):
        check.problem(
            "confidentiality", f"must be one of {', '.join(Decision.Confidentiality.values)}"
        )
        confidentiality = ""
    signed_by, signed_on = check.text("signed_by"), check.date("signed_on")
    if signed_by and not signed_by.strip():
        check.problem("signed_by", "must name who signed (leave it out if nobody is recorded)")
    elif bool(record.get("signed_by")) != bool(record.get("signed_on")):
        check.problem("signed_by", "give both signed_by and signed_on, or neither")
    status, status_note = _check_status(check, confidentiality)
    values = {
        "reference": reference,
        "title": check.text("title", required=True),
        "lead_officer": check.text("lead_officer"),
        "decision_date": check.date("decision_date", required=True),
        "confidentiality": confidentiality,
        "foi_exemptions": _check_exemptions(check, confidentiality),
        "withheld_parts": check.text("withheld_parts"),
        "summary": check.text("summary", required=True),
        "interests_declared": check.boolean("interests_declared"),
        "signatory_name": signed_by.strip(),
        "signed_on": signed_on,
        "treasurer_comments": check.text("treasurer_comments"),
        "chief_executive_comments": check.text("chief_executive_comments"),
        "status": status,
        "status_note": status_note,
        "register": register,
        "decision_maker": check.choice(
            "decision_maker",
            {**DECISION_MAKER_WORDS, **_choice_codes("decision_maker")},
            what="who made the decision",
        ),
        "decision_maker_name": check.text("decision_maker_name"),
        "forum": check.text("forum"),
        "forum_date": check.date("forum_date"),
        "financial_value": _check_money(check),
        "published_on": check.date("published_on"),
        "status_date": check.date("status_date"),
        **_check_approval(check),
    }
    if values["forum_date"] and not values["forum"]:
        check.problem("forum_date", "is given without the forum (the meeting) it dates")
    fields = _decision_fields()
    values = {k: v for k, v in values.items() if k in fields}
    if not check.problems_for_record:
        _check_with_the_model(check, values)
    return ImportRecord(
        position=check.position,
        values=values,
        sections=_check_sections(check),
        toolkit_sections=_check_toolkit_sections(check, by_number),
        links=_check_links(check),
    )


# Model field -> the column that fills it, where the names differ.
_COLUMN_OF = {"signatory_name": "signed_by", "chief_officer_approver": "chief_officer_approver"}


def _check_with_the_model(check: _Checker, values: dict) -> None:
    """The model's own rules (lengths, dates in order, approval, exemptions…), reported by
    column: whatever the model refuses is a problem here, never a failed save later."""
    decision = Decision(**values, source=Decision.Source.IMPORTED)
    errors: dict[str, list[str]] = {}
    for run in (
        lambda: decision.clean_fields(exclude=["content_hash", "seal_key_version"]),
        decision.clean,
    ):
        try:
            run()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    for name, messages in errors.items():
        column = _COLUMN_OF.get(name, name)
        for message in dict.fromkeys(messages):
            check.problem(column, message[0].lower() + message[1:] if message else message)


def validate_import(data: object, *, sheet: bool = False) -> list[ImportRecord]:
    """Check parsed records; raises ImportProblems listing every fault.

    ``data`` is an ImportFile (from ``read_import``) or a parsed JSON value (a list).
    Records already in the log with the same content come back marked ``already_imported``.
    """
    warnings: list[Problem] = []
    if isinstance(data, ImportFile):
        numbered, sheet, warnings = data.records, data.sheet, data.warnings
    elif isinstance(data, list):
        numbered = list(enumerate(data, start=1))
    else:
        raise _refuse("The file must contain a JSON list of decision records.")
    if not numbered:
        raise ImportProblems(
            [Problem(None, "", "", "The file lists no decision records.")], warnings=warnings
        )
    edition = ToolkitEdition.objects.order_by("-code").first()
    by_number = {s.number: s for s in edition.sections.all()} if edition else {}
    problems: list[Problem] = []
    records: list[ImportRecord] = []
    seen: dict[tuple[str, str], int] = {}
    for position, record in numbered:
        if not isinstance(record, dict):
            problems.append(Problem(position, "", "", "must be a JSON object"))
            continue
        check = _Checker(position, record, problems, sheet=sheet)
        checked = _check_record(check, by_number)
        key = (checked.values.get("register", ""), checked.values["reference"])
        if key[1]:
            if key in seen:
                where = f"in register {key[0]} " if key[0] else ""
                label = "row" if sheet else "record"
                check.problem("reference", f"repeats {label} {seen[key]} {where}".strip())
            seen.setdefault(key, position)
        records.append(checked)
    if not problems:
        _compare_with_the_log(records, problems, sheet=sheet)
    if problems:
        raise ImportProblems(problems, warnings=warnings)
    return records


def link_rows(record: ImportRecord) -> list[tuple]:
    """The record's links as the seal sees appendices (integrity.APPENDIX_FIELDS order)."""
    return [
        (number, title, "", 0, "", False, "", "", url, original)
        for number, title, url, original in record.links
    ]


# What the seal covers that says when, not what: left out when a file is compared with the log.
_VOLATILE = ("published_at", "signed_at", "version")


def _compare_with_the_log(records: list[ImportRecord], problems: list[Problem], *, sheet: bool):
    """A reference already in its register is refused, unless the record there says exactly
    what the file says: then the row is already imported and is not saved again."""
    from . import integrity

    wanted = {(r.values.get("register", ""), r.reference): r for r in records}
    existing = Decision.objects.filter(reference__in={ref for _reg, ref in wanted})
    found = [d for d in existing if (getattr(d, "register", ""), d.reference) in wanted]
    if not found:
        return
    given = integrity.related_rows(found)
    for decision in found:
        key = (getattr(decision, "register", ""), decision.reference)
        record = wanted[key]
        stored = integrity.sealed_payload(decision, **given[decision.pk])
        incoming = integrity.sealed_payload(
            _unsaved(record),
            sections=record.sections,
            appendices=link_rows(record),
            toolkit_numbers=[s.number for s in record.toolkit_sections],
            signer=given[decision.pk]["signer"],
        )
        for name in _VOLATILE:
            stored.pop(name, None)
            incoming.pop(name, None)
        if stored == incoming:
            record.already_imported = True
            continue
        where = f" in register {key[0]}" if key[0] else ""
        problems.append(
            Problem(
                record.position,
                record.reference,
                "reference",
                f"already exists{where} with different content",
                sheet,
            )
        )


def _unsaved(record: ImportRecord) -> Decision:
    return Decision(**record.values, source=Decision.Source.IMPORTED)


def preview_rows(records: list[ImportRecord]) -> list[dict]:
    """What the preview table shows of each record (plain values, stored as JSON)."""
    rows = []
    for record in records:
        values = record.values
        decision = _unsaved(record)
        rows.append(
            {
                "row": record.position,
                "reference": record.reference,
                "register": values.get("register", ""),
                "title": values["title"],
                "decision_date": values["decision_date"].isoformat(),
                "status": decision.get_status_display(),
                "confidentiality": decision.get_confidentiality_display(),
                "decision_maker": (
                    decision.get_decision_maker_display()  # type: ignore[attr-defined]
                    if values.get("decision_maker")
                    else ""
                ),
                "sections": len(record.sections),
                "links": len(record.links),
                "signed": bool(values.get("signed_on")),
                "action": "already imported" if record.already_imported else "create",
            }
        )
    return rows
