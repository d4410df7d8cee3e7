"""The decision notice (PDF) and the open-data log (CSV, JSON).

Everything shown to the public is built by ``public_notice``, which copies only what may be
published: a confidential record keeps its reference, title, date and exemption; a partly
confidential one loses its withheld sections and appendices. Public pages, PDFs and feeds
never read the record directly, so a withheld text cannot leak through a template.
"""

import csv
import io
from dataclasses import dataclass, field
from datetime import date

from django.urls import reverse

from prevent_compliance.models import SecurityMarking, get_organisation
from prevent_compliance.pdf import render_pdf
from prevent_compliance.web import csv_safe

from .models import DECLARATION, Decision


@dataclass
class NoticeSection:
    number: int
    heading: str = ""
    body: str = ""
    withheld: bool = False


@dataclass
class NoticeAppendix:
    number: int
    title: str = ""
    filename: str = ""
    size: int = 0
    download_url: str = ""
    withheld: bool = False


@dataclass
class Notice:
    """What a decision notice says, for one audience."""

    reference: str
    title: str
    decision_date: date
    confidentiality: str
    confidentiality_label: str
    withheld_statement: str
    public: bool
    status_label: str = ""
    lead_officer: str = ""
    chief_officer_approval: str = ""
    exemptions: list[str] = field(default_factory=list)
    withheld_parts: str = ""
    summary: str = ""
    interests_declared: bool = False
    declaration: str = DECLARATION
    signatory_name: str = ""
    signed_on: date | None = None
    sections: list[NoticeSection] = field(default_factory=list)
    appendices: list[NoticeAppendix] = field(default_factory=list)
    treasurer_comments: str = ""
    chief_executive_comments: str = ""
    toolkit_sections: list[str] = field(default_factory=list)
    final: bool = True

    @property
    def confidential(self) -> bool:
        return self.confidentiality == Decision.Confidentiality.CONFIDENTIAL

    @property
    def partly_confidential(self) -> bool:
        return self.confidentiality == Decision.Confidentiality.PARTLY_CONFIDENTIAL


def _base(decision: Decision, *, public: bool) -> Notice:
    return Notice(
        reference=decision.reference,
        title=decision.title,
        decision_date=decision.decision_date,
        confidentiality=decision.confidentiality,
        confidentiality_label=decision.get_confidentiality_display(),
        withheld_statement=decision.withheld_statement(),
        public=public,
        status_label=decision.get_status_display(),
        final=decision.is_sealed,
    )


def _fill(notice: Notice, decision: Decision, *, brief: bool = False) -> None:
    notice.lead_officer = decision.lead_officer
    notice.chief_officer_approval = decision.chief_officer_approval_text()
    notice.exemptions = decision.exemption_labels()
    notice.withheld_parts = decision.withheld_parts
    notice.summary = decision.summary
    notice.interests_declared = decision.interests_declared
    notice.signatory_name = decision.signatory_name
    notice.signed_on = decision.signed_on
    notice.treasurer_comments = decision.treasurer_comments
    notice.chief_executive_comments = decision.chief_executive_comments
    if not brief:
        notice.toolkit_sections = [str(s) for s in decision.sections.all()]


def staff_notice(decision: Decision) -> Notice:
    """The whole record, withheld parts included and marked (for the OPCC and audit)."""
    notice = _base(decision, public=False)
    _fill(notice, decision)
    notice.sections = [
        NoticeSection(s.position, s.heading, s.body, s.withheld)
        for s in decision.supporting_sections.all()
    ]
    notice.appendices = [
        NoticeAppendix(
            a.position,
            a.title,
            a.original_filename,
            a.file_size,
            reverse(
                "decisions:appendix_download",
                kwargs={"reference": decision.reference, "public_id": a.public_id},
            ),
            a.withheld,
        )
        for a in decision.appendices.all()
    ]
    return notice


def public_notice(decision: Decision, *, brief: bool = False) -> Notice:
    """Only what may be published. Call only for records on the public log.

    A brief notice (for lists) has the header and summary but no sections or appendices.
    """
    if not decision.is_public:
        raise ValueError("Only published or withheld records have a public notice.")
    notice = _base(decision, public=True)
    if decision.is_confidential:
        return notice
    _fill(notice, decision, brief=brief)
    if brief:
        return notice
    notice.sections = [
        NoticeSection(s.position, withheld=True)
        if s.withheld
        else NoticeSection(s.position, s.heading, s.body)
        for s in decision.supporting_sections.all()
    ]
    notice.appendices = [
        NoticeAppendix(a.position, withheld=True)
        if a.withheld
        else NoticeAppendix(
            a.position,
            a.title,
            a.original_filename,
            a.file_size,
            reverse(
                "decisions:public_appendix_download",
                kwargs={"reference": decision.reference, "public_id": a.public_id},
            ),
        )
        for a in decision.appendices.all()
    ]
    return notice


def notice_pdf(notice: Notice) -> bytes:
    organisation = get_organisation()
    marking = organisation.default_marking
    if not notice.public and notice.confidentiality != Decision.Confidentiality.NON_CONFIDENTIAL:
        marking = SecurityMarking.OFFICIAL_SENSITIVE
    return render_pdf(
        "decisions/pdf/notice.html",
        {
            "organisation": organisation,
            "notice": notice,
            "doc_reference": notice.reference,
            "doc_marking": marking,
        },
    )


def pdf_filename(reference: str) -> str:
    return reference.replace("/", "-").replace(" ", "-") + ".pdf"


# --- Open data ------------------------------------------------------------------------------

FEED_FIELDS = [
    "reference",
    "title",
    "decision_date",
    "status",
    "confidentiality",
    "foi_exemptions",
    "withheld_statement",
    "lead_officer",
    "summary",
    "signed_by",
    "signed_on",
    "url",
    "pdf_url",
]


def feed_row(decision: Decision, *, base_url: str) -> dict:
    """One record of the open-data log; a confidential record keeps only what is public."""
    confidential = decision.is_confidential
    published = decision.status == Decision.Status.PUBLISHED
    pdf = reverse("decisions:public_pdf", kwargs={"reference": decision.reference})
    return {
        "reference": decision.reference,
        "title": decision.title,
        "decision_date": decision.decision_date.isoformat(),
        "status": decision.status,
        "confidentiality": decision.confidentiality,
        "foi_exemptions": list(decision.foi_exemptions),
        "withheld_statement": decision.withheld_statement() if decision.foi_exemptions else "",
        "lead_officer": "" if confidential else decision.lead_officer,
        "summary": "" if confidential else decision.summary,
        "signed_by": "" if confidential else decision.signatory_name,
        "signed_on": decision.signed_on.isoformat()
        if decision.signed_on and not confidential
        else "",
        "url": base_url + decision.get_public_url(),
        "pdf_url": base_url + pdf if published else "",
    }


def feed_csv(rows) -> str:
    """The open-data log as CSV text, its cells made safe for spreadsheets."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=FEED_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_safe(row[key]) for key in FEED_FIELDS})
    return out.getvalue()
