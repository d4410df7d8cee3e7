"""Registers of a review period as CSV and XLSX, for auditors and the audit pack.

Each register is a list of columns (heading, type, how to read the value) and a queryset;
the same definition drives both formats, so they always agree with each other and with
the database. Other apps add registers with ``register`` (decisions adds its log) so this
module never imports them.
"""

import csv
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from prevent_compliance.web import csv_safe

from .models import Action, CriterionAssessment, Evidence, ReviewPeriod, SectionAssessment


@dataclass(frozen=True)
class Column:
    heading: str
    value: Callable[[object], object]
    kind: str = "text"  # text, date, datetime, integer
    width: int = 20


@dataclass(frozen=True)
class Register:
    slug: str
    title: str
    columns: list[Column]
    rows: Callable[[ReviewPeriod], Iterable]


def _person(user) -> str:
    return (user.get_full_name() or user.username) if user else ""


def _evidence_rows(period):
    return (
        Evidence.objects.filter(periods=period)
        .select_related("added_by")
        .prefetch_related("sections", "criteria__section")
        .order_by("effective_date", "title", "pk")
    )


def _action_rows(period):
    return (
        Action.objects.filter(periods=period)
        .select_related("owner", "section", "criterion__section")
        .order_by("due_date", "title", "pk")
    )


def _criterion_rows(period):
    return (
        CriterionAssessment.objects.filter(period=period)
        .select_related("criterion__section", "assessed_by", "carried_from")
        .order_by("criterion__section__number", "criterion__number", "pk")
    )


def _assessment_rows(period):
    return (
        SectionAssessment.objects.filter(period=period)
        .select_related("section", "assessed_by", "carried_from")
        .order_by("section__number")
    )


REGISTERS: dict[str, Register] = {}


def register(item: Register) -> None:
    """Add a register (used by apps that build on the toolkit)."""
    REGISTERS[item.slug] = item


register(
    Register(
        slug="evidence",
        title="Evidence register",
        columns=[
            Column("Title", lambda e: e.title, width=40),
            Column("Kind", lambda e: e.get_kind_display()),
            Column("Sections", lambda e: ", ".join(str(s.number) for s in e.sections.all())),
            Column("Criteria", lambda e: ", ".join(c.code for c in e.criteria.all())),
            Column("Effective date", lambda e: e.effective_date, "date", 14),
            Column("Review by", lambda e: e.review_by, "date", 14),
            Column("Security marking", lambda e: e.marking, width=20),
            Column("Source", lambda e: e.original_filename or e.url, width=40),
            Column("Size (bytes)", lambda e: e.file_size, "integer", 14),
            Column("SHA-256", lambda e: e.sha256, width=66),
            Column("Added by", lambda e: _person(e.added_by)),
            Column("Added on", lambda e: e.created_at, "datetime", 18),
        ],
        rows=_evidence_rows,
    )
)
register(
    Register(
        slug="actions",
        title="Action plan",
        columns=[
            Column("Title", lambda a: a.title, width=40),
            Column("Section", lambda a: a.section.number, "integer", 10),
            Column("Criterion", lambda a: a.criterion.code if a.criterion else ""),
            Column("Owner", lambda a: _person(a.owner)),
            Column("Due date", lambda a: a.due_date, "date", 14),
            Column("Priority", lambda a: a.get_priority_display(), width=10),
            Column("Status", lambda a: a.get_status_display(), width=12),
            Column("Overdue", lambda a: "Yes" if a.is_overdue() else "No", width=10),
            Column("Completion date", lambda a: a.completed_on, "date", 14),
            Column("Progress notes", lambda a: a.progress_notes, width=50),
        ],
        rows=_action_rows,
    )
)
register(
    Register(
        slug="assessments",
        title="Assessments",
        columns=[
            Column("Section", lambda a: a.section.number, "integer", 10),
            Column("Title", lambda a: a.section.title, width=36),
            Column("Rating", lambda a: a.get_rating_display(), width=16),
            Column("To re-confirm", lambda a: "Yes" if a.to_reconfirm else "No", width=14),
            Column(
                "Previous rating",
                lambda a: a.carried_from.get_rating_display() if a.carried_from else "",
                width=16,
            ),
            Column("Narrative", lambda a: a.narrative, width=60),
            Column("Assessed by", lambda a: _person(a.assessed_by)),
            Column("Assessed at", lambda a: a.assessed_at, "datetime", 18),
        ],
        rows=_assessment_rows,
    )
)

register(
    Register(
        slug="criteria",
        title="Criterion ratings",
        columns=[
            Column("Section", lambda c: c.criterion.section.number, "integer", 10),
            Column("Criterion", lambda c: c.criterion.code, width=12),
            Column("Text", lambda c: c.criterion.text, width=60),
            Column("Level", lambda c: c.criterion.get_level_display(), width=10),
            Column("Rating", lambda c: c.get_rating_display(), width=16),
            Column("To re-confirm", lambda c: "Yes" if c.to_reconfirm else "No", width=14),
            Column(
                "Previous rating",
                lambda c: c.carried_from.get_rating_display() if c.carried_from else "",
                width=16,
            ),
            Column("Why it does not apply", lambda c: c.reason, width=40),
            Column("Note", lambda c: c.note, width=50),
            Column("Assessed by", lambda c: _person(c.assessed_by)),
            Column("Assessed at", lambda c: c.assessed_at, "datetime", 18),
        ],
        rows=_criterion_rows,
    )
)


def _cell(column: Column, record) -> object:
    value = column.value(record)
    if value is None:
        return None
    if column.kind == "datetime" and isinstance(value, datetime):
        # Spreadsheets have no time zones: give local time without one.
        return timezone.localtime(value).replace(tzinfo=None)
    return value


class _Echo:
    def write(self, value):
        return value


def csv_rows(item: Register, period: ReviewPeriod) -> Iterator[str]:
    """The register as CSV lines, one at a time (for a streaming response)."""
    writer = csv.writer(_Echo())
    yield "\ufeff" + writer.writerow([c.heading for c in item.columns])
    for record in item.rows(period).iterator(chunk_size=500):
        yield writer.writerow([csv_safe(_cell(c, record)) for c in item.columns])


def xlsx_bytes(item: Register, period: ReviewPeriod) -> bytes:
    """The register as an XLSX workbook with typed cells and a frozen header row.

    openpyxl gives date and datetime values their own number formats, so they open as dates.
    """
    buffer = io.BytesIO()
    xlsx_write(item, period, buffer)
    return buffer.getvalue()


def xlsx_write(item: Register, period: ReviewPeriod, target) -> None:
    """The workbook written to a binary file (the audit pack spools it to a temporary file).

    Text that a spreadsheet would run as a formula (=, +, -, @) starts with an apostrophe,
    as in the CSV, and no cell is ever a formula.
    """
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=item.title[:31])
    sheet.freeze_panes = "A2"
    for index, column in enumerate(item.columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = column.width
    bold = Font(bold=True)
    header = []
    for column in item.columns:
        cell = WriteOnlyCell(sheet, value=column.heading)
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for record in item.rows(period).iterator(chunk_size=500):
        row = []
        for column in item.columns:
            value = _cell(column, record)
            if isinstance(value, str):
                # XLSX cannot hold most control characters (openpyxl would refuse the cell);
                # they go first, so that what is left is what the formula check sees.
                value = csv_safe(ILLEGAL_CHARACTERS_RE.sub("", value))
            row.append(value)
        sheet.append(row)
    workbook.save(target)
