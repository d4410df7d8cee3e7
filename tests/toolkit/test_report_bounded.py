"""The annual review's length depends on its sections and criteria, never on the volume of
evidence and actions; and its layout keeps headings with what follows, repeats table
headers and leaves no page holding a single line. Real data, real WeasyPrint."""

import io
import re
import shutil
import subprocess
from datetime import timedelta

import pypdf
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from prevent_compliance.models import get_organisation
from toolkit import annual_review_report
from toolkit.annual_review_report import annual_review_html, annual_review_pdf
from toolkit.models import Action, Evidence, Section

PDFTOTEXT = shutil.which("pdftotext")


def _add(officer, period, toolkit, today, *, evidence: int, actions: int, start: int = 0):
    """Many records at once, linked like the service links them (bulk: 900 service calls
    would take minutes and test nothing more here)."""
    sections = list(Section.objects.filter(edition=toolkit).prefetch_related("criteria"))
    items = Evidence.objects.bulk_create(
        Evidence(
            title=f"Evidence item {n}",
            kind="minutes",
            url=f"https://example.org/{n}",
            effective_date=today - timedelta(days=30 + n % 300),
            review_by=today + timedelta(days=(n % 40) - 20),
            added_by=officer,
        )
        for n in range(start, start + evidence)
    )
    links_s, links_c, links_p = [], [], []
    for n, item in enumerate(items):
        section = sections[n % len(sections)]
        criterion = list(section.criteria.all())[n % section.criteria.count()]
        links_s.append(Evidence.sections.through(evidence_id=item.pk, section_id=section.pk))
        links_c.append(Evidence.criteria.through(evidence_id=item.pk, criterion_id=criterion.pk))
        links_p.append(Evidence.periods.through(evidence_id=item.pk, reviewperiod_id=period.pk))
    Evidence.sections.through.objects.bulk_create(links_s)
    Evidence.criteria.through.objects.bulk_create(links_c)
    Evidence.periods.through.objects.bulk_create(links_p)
    made = Action.objects.bulk_create(
        Action(
            period=period,
            title=f"Action number {n}",
            section=sections[n % len(sections)],
            owner=officer,
            created_by=officer,
            due_date=today + timedelta(days=(n % 60) - 30),
            priority=("high", "medium", "low")[n % 3],
        )
        for n in range(start, start + actions)
    )
    Action.periods.through.objects.bulk_create(
        Action.periods.through(action_id=a.pk, reviewperiod_id=period.pk) for a in made
    )


def _page_count(data: bytes) -> int:
    return len(pypdf.PdfReader(io.BytesIO(data)).pages)


def test_page_count_does_not_grow_with_evidence_and_actions(officer, toolkit, period, today):
    _add(officer, period, toolkit, today, evidence=3, actions=3)
    few = _page_count(annual_review_pdf(period))
    _add(officer, period, toolkit, today, evidence=297, actions=197, start=3)
    many = annual_review_pdf(period)
    _add(officer, period, toolkit, today, evidence=600, actions=400, start=300)
    more = annual_review_pdf(period)

    # Past the limits (10 open actions, 3 key items per section, 25 in the plan) the
    # length is fixed: 900 items print on exactly as many pages as 300.
    assert _page_count(many) == _page_count(more)
    # Filling the cut lists (8 sections x 10 actions, 25 in the plan) adds a fixed number
    # of pages to what 3 items take, whatever the volume beyond them.
    assert _page_count(many) <= few + 12, (few, _page_count(many))
    text = " ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(more)).pages)
    text = " ".join(text.split())
    assert "Evidence item 899" not in text or "further item" in text
    assert re.search(r"And \d+ further items of evidence for this section", text)
    assert re.search(r"And \d+ more open actions for this section", text)
    assert "1000 open or in-progress actions" not in text  # only the live ones are counted
    assert "the rest are in the audit pack's action register" in text
    assert "CSV and XLSX" in text


def test_report_queries_do_not_grow_with_records(officer, toolkit, period, today):
    get_organisation()  # made on first use: not a query of the report
    counts = []
    for evidence, actions, start in ((2, 2, 0), (60, 40, 2)):
        _add(officer, period, toolkit, today, evidence=evidence, actions=actions, start=start)
        with CaptureQueriesContext(connection) as queries:
            annual_review_html(period)
            annual_review_html(period, public=True)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 2 * 30, counts


def test_template_does_no_per_row_membership_tests():
    """Flags are worked out in Python: no `{% if x in list %}` in the report's templates."""
    from django.template.loader import get_template

    source = get_template(annual_review_report.TEMPLATE).template.source
    assert not re.search(r"{%\s*if\s+\S+\s+in\s+", source)


def _layout_pages(data: bytes, tmp_path) -> list[list[str]]:
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    out = subprocess.run(  # noqa: S603 (a fixed system tool reading our own file)
        [PDFTOTEXT, "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout
    pages = []
    for page in out.split("\f")[:-1]:
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        # The running header and footer (organisation, marking, reference, draft, page).
        lines = [
            line
            for line in lines
            if not re.search(r"Page \d+ of \d+$", line)
            and not line.startswith("Office of the Police and Crime Commissioner")
            and line not in ("DRAFT", "D", "R", "A", "F", "T")
            and not re.fullmatch(r"[DRAFT ]{1,8}", line)
        ]
        pages.append(lines)
    return pages


@pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is missing")
def test_layout_keeps_headings_with_content_and_repeats_table_headers(
    officer, toolkit, period, today, tmp_path
):
    _add(officer, period, toolkit, today, evidence=400, actions=300)
    html = annual_review_html(period)
    headings = {
        re.sub(r"<[^>]+>", "", h).strip()
        for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", html, re.S)
    }
    pages = _layout_pages(annual_review_pdf(period), tmp_path)

    assert len(pages) <= 40
    for number, lines in enumerate(pages[:-1], 1):
        assert lines, f"page {number} is empty"
        # No heading alone at the foot of a page.
        assert lines[-1] not in headings, (number, lines[-3:])
        # No page (but the cover and the last) holding a line or two.
        if number > 1:
            assert len(lines) >= 5, (number, lines)
    for number, lines in enumerate(pages, 1):
        # A page with criteria rows starts its table with the header (repeated thead).
        rows = [i for i, line in enumerate(lines) if re.match(r"\d\.\d+\s", line)]
        if rows:
            header = [i for i, line in enumerate(lines) if line.startswith("Number ")]
            assert header and header[0] < rows[0], (number, lines[:5])
