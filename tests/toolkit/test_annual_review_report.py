"""The annual-review report: its content, the DRAFT mark, the frozen signed copy, the command.

A render takes a second or two, so each test renders at most once and checks everything it
needs on that one document.
"""

import hashlib
import io
import re
import shutil
import subprocess
from datetime import date, timedelta

import pypdf
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prevent_compliance.models import SecurityMarking, get_organisation
from tests.decisions.helpers import advance, complete_sections, make_draft
from tests.toolkit.helpers import rate_section
from toolkit import annual_review_report, services
from toolkit.annual_review_report import (
    annual_review_context,
    annual_review_html,
    annual_review_pdf,
)
from toolkit.models import Action, Rating, Section, SectionAssessment


def _pages(data: bytes) -> list[str]:
    """Each page's text with runs of whitespace (line breaks in table cells) made one space."""
    reader = pypdf.PdfReader(io.BytesIO(data))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


def _rate(officer, period, number: int, rating: Rating, narrative: str = "Evidence on file."):
    assessment = SectionAssessment.objects.get(period=period, section__number=number)
    rate_section(actor=officer, assessment=assessment, rating=rating, narrative=narrative)


@pytest.fixture
def last_year(officer, toolkit, period):
    return services.review_period_create(
        actor=officer,
        label=f"{period.year - 1}/{str(period.year)[-2:]}",
        start_date=date(period.year - 1, 4, 1),
        end_date=period.start_date - timedelta(days=1),
        edition=toolkit,
    )


@pytest.fixture
def report(officer, treasurer, toolkit, period, last_year, make_evidence, make_action, today):
    """A period rated against the last, with evidence in several sections and actions."""
    sections = {s.number: s for s in Section.objects.filter(edition=toolkit)}
    _rate(officer, last_year, 1, Rating.MET)
    _rate(officer, last_year, 2, Rating.NOT_MET)
    _rate(officer, last_year, 3, Rating.PARTLY_MET)
    _rate(officer, period, 1, Rating.PARTLY_MET, "Terms of reference lapsed in the summer.")
    _rate(officer, period, 3, Rating.PARTLY_MET)
    evidence = [
        make_evidence(
            title="Board minutes March",
            sections=[sections[1]],
            criteria=[sections[1].criteria.first()],
        ),
        make_evidence(
            title="Risk assessment 2026",
            sections=[sections[2], sections[3]],
            # Section 2's "must" criteria (2.2, 2.6): Met needs in-date evidence for each.
            criteria=[sections[2].criteria.get(number=2), sections[2].criteria.get(number=6)],
            url="https://example.org/risk",
        ),
        make_evidence(
            title="Channel panel letter",
            sections=[sections[5]],
            marking=SecurityMarking.OFFICIAL_SENSITIVE,
        ),
    ]
    _rate(officer, period, 2, Rating.MET)
    excluded = make_evidence(title="Superseded strategy", periods=[last_year])
    overdue = make_action(
        title="Refresh terms of reference", section=sections[1], due_date=today - timedelta(1)
    )
    make_action(title="Train new staff", section=sections[6], owner=treasurer)
    done = make_action(title="Publish the plan", section=sections[3], status=Action.Status.DONE)
    return {
        "period": period,
        "evidence": evidence,
        "excluded": excluded,
        "overdue": overdue,
        "done": done,
        "sections": [sections[n] for n in sorted(sections)],
    }


def test_report_context_compares_with_the_previous_period(report, last_year, period):
    context = annual_review_context(period)

    by_number = {r.section.number: r for r in context["sections"]}
    assert list(by_number) == list(range(1, 9))
    assert context["previous"] == last_year
    assert by_number[1].change == "Declined"
    assert by_number[2].change == "Improved"
    assert by_number[3].change == "No change"
    assert by_number[4].change == "No change"  # not assessed in either year
    assert dict(context["rating_counts"])["Partly met"] == 2
    assert dict(context["rating_counts"])["Not assessed"] == 5
    assert context["overdue_count"] == 1
    assert [a.title for a in context["next_plan"]] == [
        "Refresh terms of reference",
        "Train new staff",
    ]
    assert [a.overdue for a in context["next_plan"]] == [True, False]
    assert context["next_plan_count"] == 2
    assert context["evidence_count"] == 3
    # No key evidence chosen: the section's latest items stand in, and are counted.
    assert [e.title for e in by_number[3].key_evidence] == ["Risk assessment 2026"]
    assert by_number[3].key_evidence_chosen is False
    assert (by_number[3].evidence_count, by_number[3].further_evidence) == (1, 0)
    first = by_number[1].criterion_rows[0]
    assert [e.title for e, _late in first["evidence"]] == ["Board minutes March"]
    assert first["evidence_count"] == 1
    # Sensitive evidence makes the whole report sensitive.
    assert context["doc_marking"] == SecurityMarking.OFFICIAL_SENSITIVE
    assert context["decisions"] == []  # none recorded in this fixture
    assert context["doc_draft"] is True
    assert annual_review_context(period, final=True)["doc_draft"] is False


def test_report_lists_the_decisions_taken_in_the_period(personas, period, toolkit):
    section = Section.objects.get(edition=toolkit, number=2)

    def decision(title, decision_date, to):
        draft = make_draft(
            personas, title=title, decision_date=decision_date, toolkit_sections=[section]
        )
        complete_sections(draft, actor=personas["officer"])
        return advance(draft, personas, to)

    taken = decision("Adopt the local risk assessment", period.start_date + timedelta(30), "signed")
    decision("Still a draft", period.start_date + timedelta(40), "draft")
    decision("Taken last year", period.start_date - timedelta(1), "signed")

    context = annual_review_context(period)

    assert [d.reference for d in context["decisions"]] == [taken.reference]
    assert context["decisions"][0].status == "Signed"
    by_number = {r.section.number: r for r in context["sections"]}
    assert [d.reference for d in by_number[2].decisions] == [taken.reference]
    assert by_number[1].decisions == []
    html = annual_review_html(period)
    assert f"{taken.reference}: Adopt the local risk assessment" in html
    assert "Still a draft" not in html
    assert "Taken last year" not in html


def test_decisions_reach_the_report_only_through_the_registered_provider(
    personas, period, toolkit, monkeypatch
):
    section = Section.objects.get(edition=toolkit, number=2)
    draft = make_draft(personas, decision_date=period.start_date, toolkit_sections=[section])
    complete_sections(draft, actor=personas["officer"])
    advance(draft, personas, "signed")
    assert len(annual_review_context(period)["decisions"]) == 1

    monkeypatch.setattr(annual_review_report, "DECISION_PROVIDERS", [])
    context = annual_review_context(period)
    assert context["decisions"] == [] and context["sign_off"] is None
    assert all(r.decisions == [] for r in context["sections"])


def test_report_html_queries_do_not_grow_with_records(
    officer, toolkit, period, last_year, make_evidence, make_action
):
    get_organisation()
    sections = list(Section.objects.filter(edition=toolkit).order_by("number"))

    def add(count: int, start: int):
        for n in range(start, start + count):
            section = sections[n % 8]
            make_evidence(
                title=f"Evidence {n}",
                url=f"https://example.org/{n}",
                sections=[section, sections[0]],
                criteria=[section.criteria.first()],
            )
            make_action(title=f"Action {n}", section=section, criterion=section.criteria.first())

    counts = []
    for count, start in ((2, 0), (12, 2)):
        add(count, start)
        with CaptureQueriesContext(connection) as queries:
            html = annual_review_html(period)
        counts.append(len(queries))
    assert "Evidence 13" in html
    assert counts[0] == counts[1], counts


@pytest.mark.skipif(shutil.which("pdfinfo") is None, reason="pdfinfo (poppler-utils) is missing")
def test_draft_pdf_has_every_section_and_evidence_title_and_draft_on_every_page(
    report, period, tmp_path
):
    data = annual_review_pdf(period)
    pages = _pages(data)
    text = " ".join(pages)
    assert len(pages) >= 8
    assert [n for n, page in enumerate(pages, 1) if "DRAFT" not in page] == []
    for section in report["sections"]:
        assert f"Section {section.number}: {section.title}" in text
    for item in report["evidence"]:
        assert item.title in text
    assert report["excluded"].title not in text
    assert "Refresh terms of reference" in text
    assert "OFFICIAL-SENSITIVE" in pages[0]
    # Last year's rating is written in words beside this year's.
    ratings_page = next(page for page in pages if "Each section's rating in" in page)
    assert re.search(
        r"Partly met \d+ of \d+ met, 1 partly met Partly met No change", ratings_page
    ), ratings_page
    assert re.search(r"Met \d+ of \d+ met Not met Improved", ratings_page), ratings_page
    # Tagged PDF (PDF/UA): pdfinfo reads the document's MarkInfo.
    path = tmp_path / "draft.pdf"
    path.write_bytes(data)
    info = subprocess.run(  # noqa: S603
        ["pdfinfo", str(path)],  # noqa: S607
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(rf"^Pages:\s+{len(pages)}$", info, re.M), info


def test_signed_pdf_is_stored_and_served_unchanged_without_the_draft_mark(
    client_for, commissioner, auditor, report, period, tmp_path
):
    final = annual_review_pdf(period, final=True)
    services.review_period_close(actor=commissioner, period=period, final_pdf=final)
    period.refresh_from_db()
    url = reverse("toolkit:period_pdf", args=[period.year])
    client = client_for(auditor)

    first, second = client.get(url), client.get(url)

    downloads = [b"".join(r.streaming_content) for r in (first, second)]
    assert downloads[0] == downloads[1] == final
    assert hashlib.sha256(downloads[0]).hexdigest() == period.final_pdf_sha256
    assert first["X-Content-SHA256"] == period.final_pdf_sha256
    assert f'filename="annual-review-{period.year}.pdf"' in first["Content-Disposition"]
    pages = _pages(downloads[0])
    assert [n for n, page in enumerate(pages, 1) if "DRAFT" in page] == []
    text = " ".join(pages)
    for section in report["sections"]:
        assert f"Section {section.number}: {section.title}" in text
    for item in report["evidence"]:
        assert item.title in text
    assert "Signed off" in pages[0]
    # The command hands out the same stored bytes rather than rendering again.
    output = tmp_path / "signed.pdf"
    stdout = io.StringIO()
    call_command("annual_review_pdf", period=period.year, output=str(output), stdout=stdout)
    assert output.read_bytes() == final
    assert "Wrote signed annual review" in stdout.getvalue()
    # And the period page offers the signed copy with its hash.
    page = client.get(reverse("toolkit:period_detail", args=[period.year])).content.decode()
    assert "(signed)" in page
    assert period.final_pdf_sha256 in page


def test_annual_review_pdf_command_writes_a_draft(period, tmp_path):
    output = tmp_path / "review.pdf"
    stdout = io.StringIO()

    call_command(
        "annual_review_pdf", "--period", str(period.year), "--output", str(output), stdout=stdout
    )

    pages = _pages(output.read_bytes())
    assert pages and all("DRAFT" in page for page in pages)
    assert f"Annual Prevent duty review {period.label}" in pages[0]
    assert f"Wrote DRAFT annual review {period.label}" in stdout.getvalue()


@pytest.mark.parametrize("command", ["annual_review_pdf", "export_audit_pack"])
def test_commands_name_the_known_years_for_an_unknown_period(command, period, last_year, tmp_path):
    output = tmp_path / "out"
    with pytest.raises(CommandError) as raised:
        call_command(command, period=1999, output=str(output))
    message = str(raised.value)
    assert "No review period starts in 1999" in message
    assert str(period.year) in message
    assert str(last_year.year) in message
    assert not output.exists()


def test_pdf_download_refuses_people_without_a_role_and_unknown_years(
    client_for, outsider, auditor, period
):
    url = reverse("toolkit:period_pdf", args=[period.year])
    assert client_for(outsider).get(url).status_code == 403
    anonymous = client_for(None).get(url)
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/accounts/login/")
    missing = reverse("toolkit:period_pdf", args=[period.year + 5])
    assert client_for(auditor).get(missing).status_code == 404
    assert client_for(auditor).post(url).status_code == 405


def test_report_shows_each_criterion_with_its_status_and_overdue_evidence(
    officer, period, toolkit, make_evidence, today
):
    section = Section.objects.get(edition=toolkit, number=2)
    must = section.criteria.get(number=2)
    make_evidence(
        title="CTLP briefing record",
        sections=[section],
        criteria=[must],
        effective_date=today - timedelta(days=60),
        review_by=today - timedelta(days=1),
    )
    assessment = SectionAssessment.objects.get(period=period, section=section)
    rate_section(
        actor=officer,
        assessment=assessment,
        rating=Rating.NOT_MET,
        narrative="The profile briefing is out of date.",
        override_justification="The board has not met since the profile changed.",
        criteria={
            row.criterion_id: services.CriterionInput(
                rating="met" if row.criterion == must else "partly_met", note="See minutes"
            )
            for row in assessment.period.criterion_assessments.filter(
                criterion__section=section
            ).select_related("criterion")
        },
    )

    context = annual_review_context(period)
    report = next(r for r in context["sections"] if r.section.number == 2)
    row = next(r for r in report.criterion_rows if r["criterion"] == must)
    assert row["rating"] == "Met" and row["note"] == "See minutes"
    assert [(e.title, late) for e, late in row["evidence"]] == [("CTLP briefing record", True)]
    assert report.criteria_summary == "1 of 7 met, 6 partly met"
    assert report.proposed == "Partly met"
    html = annual_review_html(period)
    yesterday = today - timedelta(days=1)
    assert f"CTLP briefing record (OVERDUE for review since {yesterday:%-d %b %Y})" in html
    assert "The board has not met since the profile changed." in html
    assert "(overrides the proposed Partly met)" in html
