"""Registers of a period as CSV and XLSX: typed, frozen header, rows exactly as in the database."""

import csv
import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from tests.toolkit.helpers import rate_section
from toolkit import services
from toolkit.models import Action, Evidence, Rating, SectionAssessment

FORMULA_TITLE = '=HYPERLINK("https://attacker.example","Click")'
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _rate(officer, period, number, rating, narrative="Evidence on file."):
    assessment = SectionAssessment.objects.get(period=period, section__number=number)
    rate_section(actor=officer, assessment=assessment, rating=rating, narrative=narrative)


@pytest.fixture
def periods(officer, treasurer, period, toolkit, make_evidence, make_action, today):
    """This period with varied records, and the next one carried forward from it."""
    sections = list(toolkit.sections.order_by("number"))
    _rate(officer, period, 1, Rating.MET)
    _rate(officer, period, 2, Rating.PARTLY_MET, "Half the staff are trained.")
    make_evidence(title="Board minutes", criteria=[sections[0].criteria.first()])
    make_evidence(
        title=FORMULA_TITLE,
        url="https://example.org/formula",
        sections=[sections[2], sections[0]],
        review_by=None,
    )
    make_evidence(title="Expiring soon", review_by=period.end_date)
    make_evidence(title="Not in any period", periods=[])
    make_action(title="Overdue review", due_date=today - timedelta(days=3))
    make_action(
        title="Train staff",
        section=sections[5],
        criterion=sections[5].criteria.first(),
        owner=treasurer,
        status=Action.Status.IN_PROGRESS,
        progress_notes="Two sessions booked.",
    )
    make_action(title="Finished work", status=Action.Status.DONE)
    start = period.end_date + timedelta(days=1)
    following = services.review_period_start(
        actor=officer, label="Next", start_date=start, end_date=date(start.year + 1, 3, 31)
    )
    _rate(officer, following, 2, Rating.NOT_MET, "Training lapsed.")
    return {"this": period, "next": following}


def _person(user):
    return (user.get_full_name() or user.username) if user else ""


def _local(value: datetime | None):
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _expected(register: str, period) -> tuple[list[str], list[list]]:
    """Headings and rows read straight from the database, typed as the XLSX should hold them."""
    if register == "evidence":
        headings = [
            "Title",
            "Kind",
            "Sections",
            "Criteria",
            "Effective date",
            "Review by",
            "Security marking",
            "Source",
            "Size (bytes)",
            "SHA-256",
            "Added by",
            "Added on",
        ]
        records = Evidence.objects.filter(periods=period).order_by("effective_date", "title", "pk")
        rows = [
            [
                e.title,
                e.get_kind_display(),
                ", ".join(
                    str(n) for n in e.sections.order_by("number").values_list("number", flat=True)
                ),
                ", ".join(c.code for c in e.criteria.order_by("section__number", "number")),
                e.effective_date,
                e.review_by,
                e.marking,
                e.original_filename or e.url,
                e.file_size,
                e.sha256,
                _person(e.added_by),
                _local(e.created_at),
            ]
            for e in records
        ]
    elif register == "actions":
        headings = [
            "Title",
            "Section",
            "Criterion",
            "Owner",
            "Due date",
            "Priority",
            "Status",
            "Overdue",
            "Completion date",
            "Progress notes",
        ]
        today = timezone.localdate()
        records = Action.objects.filter(periods=period).order_by("due_date", "title", "pk")
        rows = [
            [
                a.title,
                a.section.number,
                a.criterion.code if a.criterion else "",
                _person(a.owner),
                a.due_date,
                a.get_priority_display(),
                a.get_status_display(),
                "Yes" if a.status in ("open", "in_progress") and a.due_date < today else "No",
                a.completed_on,
                a.progress_notes,
            ]
            for a in records
        ]
    else:
        headings = [
            "Section",
            "Title",
            "Rating",
            "To re-confirm",
            "Previous rating",
            "Narrative",
            "Assessed by",
            "Assessed at",
        ]
        records = SectionAssessment.objects.filter(period=period).order_by("section__number")
        rows = [
            [
                a.section.number,
                a.section.title,
                a.get_rating_display(),
                "Yes" if a.to_reconfirm else "No",
                a.carried_from.get_rating_display() if a.carried_from else "",
                a.narrative,
                _person(a.assessed_by),
                _local(a.assessed_at),
            ]
            for a in records
        ]
    for row in rows:
        # Spreadsheet formulas in text are neutralised with a leading apostrophe.
        row[:] = [f"'{v}" if isinstance(v, str) and v.startswith("=") else v for v in row]
    return headings, rows


def _csv_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _url(period, register, fmt):
    return reverse("toolkit:period_export", args=[period.year, register, fmt])


REGISTERS = ["evidence", "actions", "assessments"]


def test_the_fixture_has_rows_in_every_register(periods):
    """The comparisons below must compare something, including the edge cases."""
    for key in ("this", "next"):
        for register in REGISTERS:
            assert _expected(register, periods[key])[1], (key, register)
    evidence = _expected("evidence", periods["this"])[1]
    assert any(row[5] is None for row in evidence)  # no review-by date
    assert any(row[8] is None for row in evidence)  # a link has no size
    assessments = _expected("assessments", periods["next"])[1]
    assert any(row[3] == "Yes" and row[4] for row in assessments)
    assert any(row[7] is not None for row in assessments)


def _check_xlsx(client, period, register):
    response = client.get(_url(period, register, "xlsx"))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert f'filename="{register}-{period.year}.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows())
    headings, expected = _expected(register, period)
    assert [c.value for c in rows[0]] == headings
    assert all(c.font.b for c in rows[0])
    assert len(rows) - 1 == len(expected)
    for cells, wanted in zip(rows[1:], expected, strict=True):
        for cell, value in zip(cells, wanted, strict=True):
            if isinstance(value, datetime):
                assert cell.is_date, (cell.coordinate, cell.value)
                assert abs(cell.value - value) < timedelta(seconds=1), cell.coordinate
            elif isinstance(value, date):
                # Spreadsheets hold dates as date-times at midnight, formatted as dates.
                assert cell.is_date, (cell.coordinate, cell.value)
                assert cell.value == datetime.combine(value, datetime.min.time()), cell.coordinate
            elif value in ("", None):
                assert cell.value is None, (cell.coordinate, cell.value)
            else:
                assert (cell.value, type(cell.value)) == (value, type(value)), cell.coordinate


def _check_csv(client, period, register):
    response = client.get(_url(period, register, "csv"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert f'filename="{register}-{period.year}.csv"' in response["Content-Disposition"]
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # so Excel reads it as UTF-8
    rows = list(csv.reader(io.StringIO(body.removeprefix("\ufeff"))))
    headings, expected = _expected(register, period)
    assert rows[0] == headings
    assert rows[1:] == [[_csv_text(v) for v in row] for row in expected]


@pytest.mark.parametrize("register", REGISTERS)
def test_register_matches_the_database_in_xlsx_and_csv(client_for, auditor, periods, register):
    """Both formats, for this period and for the next one carried forward from it."""
    client = client_for(auditor)
    for period in periods.values():
        _check_xlsx(client, period, register)
        _check_csv(client, period, register)


def test_formula_in_a_title_is_neutralised(client_for, auditor, periods):
    client = client_for(auditor)
    period = periods["this"]
    body = b"".join(client.get(_url(period, "evidence", "csv")).streaming_content).decode()
    titles = [row[0] for row in csv.reader(io.StringIO(body.removeprefix("\ufeff")))]
    assert f"'{FORMULA_TITLE}" in titles
    assert FORMULA_TITLE not in titles

    response = client.get(_url(period, "evidence", "xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = [row[0] for row in sheet.iter_rows(min_row=2)]
    formula = next(c for c in cells if "HYPERLINK" in str(c.value))
    assert formula.data_type == "s"
    assert formula.value == f"'{FORMULA_TITLE}"


@pytest.mark.parametrize(
    ("register", "fmt"),
    [("bogus", "csv"), ("bogus", "xlsx"), ("evidence", "pdf"), ("actions", "json")],
)
def test_unknown_register_or_format_is_not_found(client_for, auditor, period, register, fmt):
    assert client_for(auditor).get(_url(period, register, fmt)).status_code == 404


def test_unknown_year_is_not_found(client_for, auditor, period):
    url = _url(period, "evidence", "csv").replace(str(period.year), "1999")
    assert client_for(auditor).get(url).status_code == 404


def test_exports_refuse_people_without_a_role(client_for, outsider, period):
    url = _url(period, "evidence", "xlsx")
    assert client_for(outsider).get(url).status_code == 403
    response = client_for(None).get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={url}"
