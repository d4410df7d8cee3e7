"""Import of an existing decision log (``manage.py import_decisions FILE.json``).

The whole file is checked here first; every problem is reported with the record's position
and the field at fault, and nothing is imported unless every record is valid. The checked
records are then saved by ``decisions.services.decisions_import``. Imported records
keep their references exactly as published, arrive signed (with the recorded signature) or
as historic records whose signature was not recorded, are hashed like a signed record, and
are published or withheld according to their confidentiality.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from django.core.exceptions import ValidationError

from prevent_compliance.models import validate_reference
from toolkit.models import Section, ToolkitEdition

from .models import Decision, FoiExemption

REQUIRED_KEYS = ("reference", "title", "decision_date", "confidentiality", "summary")
OPTIONAL_KEYS = (
    "lead_officer",
    "chief_officer_approval",
    "foi_exemptions",
    "withheld_parts",
    "interests_declared",
    "signed_by",
    "signed_on",
    "sections",
    "treasurer_comments",
    "chief_executive_comments",
    "toolkit_sections",
)
SECTION_KEYS = ("heading", "body", "withheld")
_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_TEXT_LIMITS = {"title": 300, "lead_officer": 200, "signed_by": 200}
# Fields of one line; the others (summary, comments, section bodies) may hold line breaks.
_ONE_LINE = {"reference", "title", "lead_officer", "signed_by"}
# NUL and the other control characters (PostgreSQL refuses NUL in text), except the tab and
# line breaks of multi-line text; and lone surrogates, which are not Unicode text at all.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_BREAKS = re.compile(r"[\t\n\r]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
MAX_SECTIONS = 100
MAX_SHOWN = 40


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


@dataclass
class ImportRecord:
    """One validated record, ready to save."""

    position: int
    values: dict
    sections: list[tuple[int, str, str, bool]] = field(default_factory=list)
    toolkit_sections: list[Section] = field(default_factory=list)


class ImportProblems(Exception):
    """The file cannot be imported; ``problems`` lists every fault found."""

    def __init__(self, problems: list[str]):
        super().__init__(f"{len(problems)} problem(s) found; nothing was imported.")
        self.problems = problems


class _Checker:
    """Collects the problems of one record, naming its position and the field."""

    def __init__(self, position: int, record: dict, problems: list[str]):
        self.position, self.record, self.problems = position, record, problems
        reference = record.get("reference") if isinstance(record, dict) else None
        self.where = f"record {position}" + (
            f" ({shown(reference)})" if isinstance(reference, str) and reference else ""
        )

    def problem(self, key: str, message: str) -> None:
        self.problems.append(f"{self.where}, field '{key}': {message}")

    def text(self, key: str, *, required: bool = False) -> str:
        value = self.record.get(key)
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

    def listed(self, key: str) -> list | None:
        """A list value (absent or null: empty); None, with a problem, for anything else."""
        value = self.record.get(key)
        if value is None:
            return []
        return value if isinstance(value, list) else None

    def date(self, key: str, *, required: bool = False, value: object = None) -> date | None:
        value = self.record.get(key) if value is None else value
        if value is None:
            if required:
                self.problem(key, "is required")
            return None
        if not isinstance(value, str) or not _ISO_DATE.fullmatch(value):
            self.problem(key, "must be a date written YYYY-MM-DD")
            return None
        try:
            return date.fromisoformat(value)
        except ValueError:
            self.problem(key, f"{value} is not a real date")
            return None


def _check_approval(check: _Checker) -> dict:
    value = check.record.get("chief_officer_approval")
    not_required = {
        "chief_officer_approval": Decision.ChiefOfficerApproval.NOT_REQUIRED,
        "chief_officer_approver": "",
        "chief_officer_approved_on": None,
    }
    if value is None or (isinstance(value, str) and value.strip().lower() == "not required"):
        return not_required
    if not isinstance(value, dict) or set(value) != {"by", "date"}:
        check.problem(
            "chief_officer_approval",
            'must be "not required" or {"by": "Chief Constable", "date": "YYYY-MM-DD"}',
        )
        return not_required
    approver = value["by"] if isinstance(value["by"], str) else ""
    if fault := text_problem(approver, one_line=True):
        check.problem("chief_officer_approval", f"'by' {fault}")
        approver = ""
    elif len(approver) > 200:
        check.problem("chief_officer_approval", "'by' must be at most 200 characters")
    if not approver.strip():
        check.problem("chief_officer_approval", "'by' must name who approved")
    approved_on = check.date("chief_officer_approval", value=value["date"])
    return {
        "chief_officer_approval": Decision.ChiefOfficerApproval.REQUIRED,
        "chief_officer_approver": approver,
        "chief_officer_approved_on": approved_on,
    }


def _check_exemptions(check: _Checker, confidentiality: str) -> list[str]:
    codes = check.listed("foi_exemptions")
    if codes is None or not all(isinstance(c, str) for c in codes):
        check.problem("foi_exemptions", 'must be a list of codes such as "s31"')
        return []
    unknown = [shown(c) for c in codes if c not in FoiExemption.values]
    if unknown:
        check.problem(
            "foi_exemptions",
            f"unknown code(s) {', '.join(unknown)}; use {', '.join(FoiExemption.values)}",
        )
    if confidentiality == Decision.Confidentiality.NON_CONFIDENTIAL and codes:
        check.problem("foi_exemptions", "a non-confidential record relies on no exemption")
    if (
        confidentiality
        in (
            Decision.Confidentiality.PARTLY_CONFIDENTIAL,
            Decision.Confidentiality.CONFIDENTIAL,
        )
        and not codes
    ):
        check.problem("foi_exemptions", f"a {confidentiality} record must name its exemption")
    return list(dict.fromkeys(codes))


def _check_sections(check: _Checker) -> list[tuple[int, str, str, bool]]:
    sections = check.listed("sections")
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
    key = f"sections[{number}]"
    if not isinstance(section, dict):
        check.problem(key, "must be an object with heading and body")
        return None
    extra = set(section) - set(SECTION_KEYS)
    if extra:
        check.problem(key, f"unknown key(s) {', '.join(shown(k) for k in sorted(extra))}")
    heading, body = section.get("heading"), section.get("body", "")
    withheld = section.get("withheld", False)
    if not isinstance(heading, str) or not heading.strip() or len(heading) > 200:
        check.problem(f"{key}.heading", "is required (text of at most 200 characters)")
    elif fault := text_problem(heading, one_line=True):
        check.problem(f"{key}.heading", fault)
    if not isinstance(body, str):
        check.problem(f"{key}.body", "must be text")
    elif fault := text_problem(body):
        check.problem(f"{key}.body", fault)
    if not isinstance(withheld, bool):
        check.problem(f"{key}.withheld", "must be true or false")
    # Any problem above stops the import, so the placeholders are never saved.
    return (
        number,
        heading if isinstance(heading, str) else "",
        body if isinstance(body, str) else "",
        withheld is True,
    )


def _check_toolkit_sections(check: _Checker, by_number: dict[int, Section]) -> list[Section]:
    numbers = check.listed("toolkit_sections")
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


def _check_record(check: _Checker, by_number: dict[int, Section]) -> ImportRecord:
    record = check.record
    unknown = set(record) - set(REQUIRED_KEYS) - set(OPTIONAL_KEYS)
    if unknown:
        check.problem(
            ", ".join(shown(k) for k in sorted(unknown)), "unknown key; see the documented format"
        )
    reference = check.text("reference", required=True)
    if reference:
        try:
            validate_reference(reference)
        except ValidationError as exc:
            check.problem("reference", " ".join(exc.messages))
    confidentiality = record.get("confidentiality")
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
    interests = record.get("interests_declared", False)
    if not isinstance(interests, bool):
        check.problem("interests_declared", "must be true or false")
    values = {
        "reference": reference,
        "title": check.text("title", required=True),
        "lead_officer": check.text("lead_officer"),
        "decision_date": check.date("decision_date", required=True),
        "confidentiality": confidentiality,
        "foi_exemptions": _check_exemptions(check, confidentiality),
        "withheld_parts": check.text("withheld_parts"),
        "summary": check.text("summary", required=True),
        "interests_declared": interests is True,
        "signatory_name": signed_by.strip(),
        "signed_on": signed_on,
        "treasurer_comments": check.text("treasurer_comments"),
        "chief_executive_comments": check.text("chief_executive_comments"),
        **_check_approval(check),
    }
    return ImportRecord(
        position=check.position,
        values=values,
        sections=_check_sections(check),
        toolkit_sections=_check_toolkit_sections(check, by_number),
    )


def validate_import(data: object) -> list[ImportRecord]:
    """Check a parsed import file; raises ImportProblems listing every fault."""
    if not isinstance(data, list):
        raise ImportProblems(["The file must contain a JSON list of decision records."])
    if not data:
        raise ImportProblems(["The file lists no decision records."])
    edition = ToolkitEdition.objects.order_by("-code").first()
    by_number = {s.number: s for s in edition.sections.all()} if edition else {}
    problems: list[str] = []
    records: list[ImportRecord] = []
    seen: dict[str, int] = {}
    for position, record in enumerate(data, start=1):
        if not isinstance(record, dict):
            problems.append(f"record {position}: must be a JSON object")
            continue
        check = _Checker(position, record, problems)
        checked = _check_record(check, by_number)
        reference = checked.values["reference"]
        if reference:
            if reference in seen:
                check.problem("reference", f"repeats record {seen[reference]}")
            seen.setdefault(reference, position)
        records.append(checked)
    taken = set(
        Decision.objects.filter(reference__in=list(seen)).values_list("reference", flat=True)
    )
    for reference in sorted(taken, key=lambda taken_reference: seen[taken_reference]):
        problems.append(
            f"record {seen[reference]} ({reference}), field 'reference': already exists"
        )
    if problems:
        raise ImportProblems(problems)
    return records
