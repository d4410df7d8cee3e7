"""The decision notice PDF of WPCC4-0028: every heading and value, tagged, safe fetcher."""

import io
import re

from django.urls import reverse
from pypdf import PdfReader

from prevent_compliance.devdata.wpcc4_0028 import WPCC4_0028


def _text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _norm(text: str) -> str:
    return " ".join(text.split())


def test_notice_holds_every_heading_and_value_of_wpcc4_0028(wpcc4_0028, client_for):
    response = client_for(None).get(reverse("decisions:public_pdf", args=["WPCC4-0028"]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    record = WPCC4_0028
    expected = [
        "WPCC4-0028 – OPCC Prevent Duty Standards Operating Procedure",
        "Decision Reference Number: WPCC4-0028",
        "Lead Officer: Richard Long",
        "Chief Officer approval: Not required",
        "Date: 11th October 2024",
        "Status: Non-confidential",
        "Decision summary:",
        record["summary"],
        "I confirm that my register of interests declaration is up to date and that none of my "
        "interests preclude me from making this decision.",
        "Signature: P. Seccombe",
        "Date: 18 October 2024",
        "Supporting information",
        "Comments from the Treasurer",
        record["treasurer_comments"],
        "Comments from the Chief Executive and Monitoring Officer",
        record["chief_executive_comments"],
    ]
    for number, section in enumerate(record["sections"], start=1):
        expected.append(f"{number}. {section['heading']}")
        expected.extend(section["body"].split("\n\n"))
    missing = [value for value in expected if _norm(value) not in text]
    assert missing == []


def test_notice_has_running_header_page_numbers_and_tags(wpcc4_0028, personas, client_for):
    response = client_for(personas["auditor"]).get(reverse("decisions:pdf", args=["WPCC4-0028"]))
    reader = PdfReader(io.BytesIO(response.content))
    first = reader.pages[0].extract_text()
    assert "OFFICIAL" in first and "WPCC4-0028" in first
    assert re.search(r"Page 1 of \d", first)
    assert "/StructTreeRoot" in reader.trailer["/Root"]
    assert reader.trailer["/Root"]["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == "WPCC4-0028 – OPCC Prevent Duty Standards Operating Procedure"


def test_notice_for_a_partly_confidential_record_is_marked_sensitive_for_staff(
    make_decision, personas, client_for
):
    decision = make_decision(
        "public",
        confidentiality="partly-confidential",
        foi_exemptions=["s31"],
        withheld=3,
        secret="HIDDEN-PART",
    )
    staff = client_for(personas["auditor"]).get(reverse("decisions:pdf", args=[decision.reference]))
    text = _text(staff.content)
    assert "OFFICIAL-SENSITIVE" in text and "HIDDEN-PART" in text
    assert "Withheld from publication." in text
    public = client_for(None).get(reverse("decisions:public_pdf", args=[decision.reference]))
    text = _text(public.content)
    assert "HIDDEN-PART" not in text and "3. Withheld" in text
    assert "section 31 (law enforcement)" in text
