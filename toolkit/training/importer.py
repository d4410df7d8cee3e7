"""Reading a learning system's CSV export of completions, checked before anything is saved.

The whole file is checked first: every problem is reported with its row, its column and the
reason, and nothing is imported unless every row is good (``services.completions_import``
saves the checked rows in one transaction). What the file may look like:

- UTF-8 (with or without the byte-order mark Excel writes) or Windows-1252; any line ends;
- a header row naming the columns, in any order and case, by the names learning systems use
  (see ``COLUMNS``): the person by employee ID, e-mail address or name (at least one), the
  course by its name as recorded here, and the date completed;
- dates as 2025-03-27, 27/03/2025 or 27-03-2025 (day first, as in the UK), optionally with
  a time after them, which is ignored.

Cells are only ever read as text and matched against the records: a cell that looks like a
spreadsheet formula is a name like any other (and matches nothing). A leading apostrophe,
which spreadsheets and our own exports put before such text, is dropped before matching.
Rows already recorded (the same person, course and date) are listed and skipped, so the
same export can be imported again after more people have completed.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from django.utils import timezone

from . import selectors
from .models import Course, Person
from .services import completion_problem

MAX_BYTES = 512 * 1024
MAX_ROWS = 2000
MAX_CELL = 300
MAX_PROBLEMS = 100
MAX_SHOWN = 40

# Our name for each column -> the header names accepted for it (compared case-folded, with
# runs of spaces, underscores and hyphens read as one space).
COLUMNS: dict[str, tuple[str, ...]] = {
    "employee_id": ("employee id", "employee number", "staff id", "staff number", "payroll id"),
    "email": ("email", "e mail", "email address", "e mail address", "learner email"),
    "name": ("name", "person", "full name", "learner", "learner name", "employee name"),
    "course": ("course", "course name", "course title", "module", "learning item", "training"),
    "completed_on": (
        "completed",
        "completed on",
        "completion date",
        "date completed",
        "date of completion",
        "completed date",
    ),
}
PERSON_KEYS = ("employee_id", "email", "name")
_SEPARATORS = re.compile(r"[\s_\-]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_UK = re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})")
_TIME = re.compile(r"[ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?( ?[AaPp][Mm])?Z?$")


class ImportRefused(Exception):
    """The file cannot be imported; ``problems`` lists every fault found (nothing saved)."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) found; nothing was imported.")
        self.problems = problems


@dataclass(frozen=True)
class CheckedRow:
    line: int
    person: Person
    course: Course
    completed_on: date


@dataclass
class CheckedImport:
    filename: str
    date_column: str
    rows: list[CheckedRow] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # rows already recorded, in words


def shown(value: str) -> str:
    """A cell as a problem may echo it: short, control characters escaped."""
    text = value if len(value) <= MAX_SHOWN else value[:MAX_SHOWN] + "…"
    return ascii(text)[1:-1] if _CONTROL.search(text) else text


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (the BOM dropped) or else Windows-1252."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            [
                "The file is not text in UTF-8 or Windows-1252 (byte "
                f"{exc.start + 1} cannot be read). Save it from the spreadsheet as CSV UTF-8."
            ]
        ) from exc


def _header_key(cell: str) -> str:
    return _SEPARATORS.sub(" ", cell.strip().lstrip("\ufeff").casefold()).strip()


def _columns(header: list[str]) -> tuple[dict[str, int], list[str]]:
    """Which cell of each row holds each of our columns; problems with the header."""
    found: dict[str, int] = {}
    problems = []
    for index, cell in enumerate(header):
        key = _header_key(cell)
        for ours, names in COLUMNS.items():
            if key in names:
                if ours in found:
                    problems.append(
                        f"Header row: the columns '{shown(header[found[ours]])}' and "
                        f"'{shown(cell)}' both give the {ours.replace('_', ' ')}; keep one"
                    )
                found[ours] = index
    if not any(key in found for key in PERSON_KEYS):
        problems.append(
            "Header row: no column names the person: "
            "add one headed 'Employee ID', 'Email' or 'Name'"
        )
    if "course" not in found:
        problems.append("Header row: no column headed 'Course' (the course name as recorded here)")
    if "completed_on" not in found:
        problems.append("Header row: no column headed 'Completed on' (the date completed)")
    return found, problems


def parse_date(value: str) -> date | None:
    """A date written 2025-03-27 or 27/03/2025 (a time after it ignored), or None."""
    text = _TIME.sub("", value.strip())
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _UK.fullmatch(text):
        day, month, year = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _cell(row: list[str], index: int | None) -> str:
    if index is None or index >= len(row):
        return ""
    value = row[index].strip()
    # A spreadsheet's (or our export's) apostrophe before text that starts like a formula.
    if value.startswith("'") and value[1:2] in ("=", "+", "-", "@"):
        value = value[1:]
    return value


class _Rows:
    """Checks the rows one by one, collecting every problem."""

    def __init__(self, header: list[str], columns: dict[str, int]):
        self.header, self.columns = header, columns
        self.people = selectors.match_index()
        self.courses = selectors.course_index()
        self.today = timezone.localdate()
        self.problems: list[str] = []

    def column(self, key: str) -> str:
        return shown(self.header[self.columns[key]].strip().lstrip("\ufeff"))

    def problem(self, line: int, key: str | None, message: str) -> None:
        where = f"Row {line}" + (f", column '{self.column(key)}'" if key else "")
        self.problems.append(f"{where}: {message}")

    def person(self, line: int, row: list[str]) -> Person | None:
        given = [(key, _cell(row, self.columns.get(key))) for key in PERSON_KEYS]
        given = [(key, value) for key, value in given if value]
        if not given:
            self.problem(line, None, "no employee ID, e-mail address or name to find the person")
            return None
        key, value = given[0]  # the most exact identifier the row gives
        matches = self.people[key].get(value.casefold(), [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            self.problem(
                line,
                key,
                f"{len(matches)} people are called “{shown(value)}”: use an employee ID or "
                "e-mail column to tell them apart",
            )
        else:
            self.problem(line, key, f"no person is recorded with “{shown(value)}”")
        return None

    def course(self, line: int, row: list[str]) -> Course | None:
        value = _cell(row, self.columns["course"])
        if not value:
            self.problem(line, "course", "the course is empty")
            return None
        course = self.courses.get(value.casefold())
        if course is None:
            self.problem(line, "course", f"no course is recorded called “{shown(value)}”")
        return course

    def completed_on(self, line: int, row: list[str]) -> date | None:
        value = _cell(row, self.columns["completed_on"])
        if not value:
            self.problem(line, "completed_on", "the date completed is empty")
            return None
        parsed = parse_date(value)
        if parsed is None:
            self.problem(
                line,
                "completed_on",
                f"“{shown(value)}” is not a date: write it as 27/03/2025 or 2025-03-27",
            )
        return parsed

    def check(self, line: int, row: list[str]) -> CheckedRow | None:
        if any(_CONTROL.search(cell) for cell in row):
            self.problem(line, None, "contains a control character, which is not allowed")
            return None
        if any(len(cell) > MAX_CELL for cell in row):
            self.problem(line, None, f"a cell is longer than {MAX_CELL} characters")
            return None
        person, course = self.person(line, row), self.course(line, row)
        completed_on = self.completed_on(line, row)
        if person is None or course is None or completed_on is None:
            return None
        if problem := completion_problem(person, completed_on, self.today):
            self.problem(line, "completed_on", problem)
            return None
        return CheckedRow(line, person, course, completed_on)


def _read_rows(data: bytes) -> tuple[list[list[str]], int]:
    """The file's rows as text, and the index of its header (the first row not blank)."""
    if not data.strip():
        raise ImportRefused(["The file is empty."])
    if len(data) > MAX_BYTES:
        raise ImportRefused([f"The file is larger than {MAX_BYTES // 1024} KB: split it up."])
    if b"\x00" in data:
        raise ImportRefused(["The file is not a CSV file (it holds binary data)."])
    text = decode(data)
    try:
        rows = list(csv.reader(io.StringIO(text, newline="")))
    except csv.Error as exc:
        raise ImportRefused([f"The file cannot be read as CSV: {exc}."]) from exc
    filled = [index for index, row in enumerate(rows) if any(cell.strip() for cell in row)]
    if not filled:
        raise ImportRefused(["The file is empty."])
    if len(filled) > MAX_ROWS + 1:
        raise ImportRefused([f"The file has more than {MAX_ROWS} rows: split it up."])
    return rows, filled[0]


def _refuse_if_any(problems: list[str]) -> None:
    if not problems:
        return
    extra = len(problems) - MAX_PROBLEMS
    listed = problems[:MAX_PROBLEMS]
    if extra > 0:
        listed.append(f"… and {extra} more problem{'s' if extra != 1 else ''}.")
    raise ImportRefused(listed)


def _skip_recorded(checked: CheckedImport) -> None:
    """Leave out the rows whose completion is already recorded, saying so."""
    recorded = selectors.recorded_completions({row.person.pk for row in checked.rows})
    kept = []
    for row in checked.rows:
        if (row.person.pk, row.course.pk, row.completed_on) in recorded:
            checked.skipped.append(
                f"Row {row.line}: {row.person.name} completing {row.course.name} on "
                f"{row.completed_on:%-d %B %Y} is already recorded"
            )
        else:
            kept.append(row)
    checked.rows = kept


def check_csv(data: bytes, *, filename: str) -> CheckedImport:
    """Every row of the file checked; raises ImportRefused listing every problem."""
    rows, header_at = _read_rows(data)
    header, body = rows[header_at], rows[header_at + 1 :]
    columns, problems = _columns(header)
    _refuse_if_any(problems)
    checker = _Rows(header, columns)
    checked = CheckedImport(filename=filename, date_column=checker.column("completed_on"))
    seen: dict[tuple[int, int, date], int] = {}
    for line, row in enumerate(body, start=header_at + 2):
        found = checker.check(line, row) if any(cell.strip() for cell in row) else None
        if found is None:
            continue
        key = (found.person.pk, found.course.pk, found.completed_on)
        if key in seen:
            checked.skipped.append(f"Row {line}: the same completion as row {seen[key]}")
        else:
            seen[key] = line
            checked.rows.append(found)
    if not checked.rows and not checked.skipped and not checker.problems:
        checker.problems.append("The file has a header row but no completions.")
    _refuse_if_any(checker.problems)
    _skip_recorded(checked)
    return checked


def to_session(checked: CheckedImport) -> dict:
    """The checked rows in a few bytes each, kept in the session between preview and confirm."""
    return {
        "filename": checked.filename,
        "date_column": checked.date_column,
        "rows": [
            [row.line, row.person.pk, row.course.pk, row.completed_on.isoformat()]
            for row in checked.rows
        ],
        "skipped": len(checked.skipped),
    }


def from_session(stored: dict) -> CheckedImport:
    """The rows kept by ``to_session``, with their records read again (two queries)."""
    rows = stored["rows"]
    people = Person.objects.in_bulk({row[1] for row in rows})
    courses = Course.objects.in_bulk({row[2] for row in rows})
    checked = CheckedImport(filename=stored["filename"], date_column=stored["date_column"])
    problems = []
    for line, person_pk, course_pk, day in rows:
        person, course = people.get(person_pk), courses.get(course_pk)
        if person is None or course is None:
            problems.append(f"Row {line}: the person or course is no longer recorded")
            continue
        checked.rows.append(CheckedRow(line, person, course, date.fromisoformat(day)))
    _refuse_if_any(problems)
    return checked
