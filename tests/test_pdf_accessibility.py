"""Every PDF the app produces is tagged, has a title and a language, and reads in order.

The PDFs: the decision notice (staff and public, and the public one of a partly
confidential decision) and the annual review (the draft anyone may download, and the final
one stored at sign-off). All come from prevent_compliance.pdf.render_pdf.
"""

import io
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from pypdf import PdfReader

from decisions.models import Decision
from tests.decisions.helpers import advance, complete_sections, make_draft
from tests.reports.helpers import download_report
from toolkit import annual_review_report

PDFINFO = shutil.which("pdfinfo")
NOTICE_HEADINGS = [
    "Decision summary",
    "Supporting information",
    "1. Background information",
    "2.",
    "Comments from the Treasurer",
    "Comments from the Chief Executive and Monitoring Officer",
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def decision(personas):
    draft = make_draft(personas, title="Prevent training for OPCC staff")
    complete_sections(draft, actor=personas["officer"])
    return advance(draft, personas, "public")


@pytest.fixture
def partly_confidential(personas):
    draft = make_draft(
        personas,
        title="Channel panel funding",
        confidentiality=Decision.Confidentiality.PARTLY_CONFIDENTIAL,
        withheld_parts="Section 5 (costs), under section 43.",
        foi_exemptions=["s43"],
    )
    complete_sections(draft, actor=personas["officer"], withheld=5)
    return advance(draft, personas, "public")


def _text(reader: PdfReader) -> str:
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _check_accessible(content: bytes, title_words: str, headings: list[str]) -> None:
    assert content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(content))
    catalog = reader.trailer["/Root"]
    assert str(catalog.get("/Lang", "")).lower().startswith("en"), "no document language"
    assert bool(catalog.get("/MarkInfo", {}).get("/Marked")), "not marked as tagged"
    assert "/StructTreeRoot" in catalog, "no structure tree"
    assert title_words in (reader.metadata.title or ""), reader.metadata.title
    # Reading order: each heading is found after the one before it.
    text, position = _text(reader), 0
    for heading in headings:
        found = text.find(heading, position)
        assert found >= 0, f"{heading!r} missing or out of order in: {text[:2000]}"
        position = found + len(heading)
    if PDFINFO is None:
        pytest.skip(
            "pdfinfo (poppler-utils) is not installed: the checks above passed, "
            "pdfinfo's 'Tagged: yes' was not checked"
        )
    info = subprocess.run(  # noqa: S603 (a fixed system tool reading our own bytes)
        [PDFINFO, "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    assert re.search(r"^Tagged:\s+yes$", info, re.M), info
    assert re.search(rf"^Title:\s+.*{re.escape(title_words)}", info, re.M), info


def test_staff_decision_notice_is_accessible(client, auditor, decision):
    client.force_login(auditor)
    response = client.get(reverse("decisions:pdf", args=[decision.reference]))
    assert response["Content-Type"] == "application/pdf"
    _check_accessible(response.content, decision.reference, [decision.title, *NOTICE_HEADINGS])


def test_public_decision_notice_is_accessible(client, decision):
    response = client.get(reverse("decisions:public_pdf", args=[decision.reference]))
    _check_accessible(response.content, decision.reference, [decision.title, *NOTICE_HEADINGS])


def test_public_notice_of_a_partly_confidential_decision_is_accessible(client, partly_confidential):
    response = client.get(reverse("decisions:public_pdf", args=[partly_confidential.reference]))
    _check_accessible(
        response.content,
        partly_confidential.reference,
        [partly_confidential.title, "Decision summary", "Supporting information", "5. Withheld"],
    )


ANNUAL_HEADINGS = [
    "Contents",
    "Executive summary",
    "Ratings by section",
    "Section 1:",
    "Rating and narrative",
    "Evidence register",
    "Section 2:",
    "Action plan for the next period",
    "Sign-off",
]


def test_draft_annual_review_is_accessible(
    client, auditor, period, django_capture_on_commit_callbacks
):
    client.force_login(auditor)
    content = download_report(client, period, django_capture_on_commit_callbacks)
    _check_accessible(
        content,
        period.label,
        [f"Annual Prevent duty review {period.label}", *ANNUAL_HEADINGS],
    )


def test_final_annual_review_is_accessible(period):
    content = annual_review_report.annual_review_pdf(period, final=True)
    _check_accessible(
        content, period.label, [f"Annual Prevent duty review {period.label}", *ANNUAL_HEADINGS]
    )
