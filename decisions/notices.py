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
from decimal import Decimal

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
    link: str = ""  # a document the office published elsewhere, instead of a file
    original_notice: bool = False

    @property
    def href(self) -> str:
        return self.link or self.download_url


# The parts of a record whose lines a notice prints only when the record has them
# (Decision.has_section): an imported original may never have had a Treasurer's comment.
NOTICE_PARTS = (
    "lead_officer",
    "chief_officer_approval",
    "summary",
    "declaration",
    "signature",
    "treasurer_comments",
    "chief_executive_comments",
)


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
    imported: bool = False
    url_key: str = ""  # the record's part of page addresses: {% url '…' notice.url_key %}
    register_label: str = ""
    decision_maker: str = ""
    forum: str = ""
    forum_date: date | None = None
    financial_value: Decimal | None = None
    published_on: date | None = None
    # (label, reason, date) of a record listed as not published, withdrawn or deferred.
    status_line: tuple | None = None
    exemption_rows: list[tuple[str, str]] = field(default_factory=list)
    has: dict[str, bool] = field(default_factory=lambda: dict.fromkeys(NOTICE_PARTS, True))
    original_notice: NoticeAppendix | None = None

    @property
    def confidential(self) -> bool:
        return self.confidentiality == Decision.Confidentiality.CONFIDENTIAL

    @property
    def partly_confidential(self) -> bool:
        return self.confidentiality == Decision.Confidentiality.PARTLY_CONFIDENTIAL


def _base(decision: Decision, *, public: bool) -> Notice:
    imported = decision.source == Decision.Source.IMPORTED
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
        imported=imported,
        url_key=decision.url_key,
        register_label=decision.register_label,
        decision_maker=decision.decision_maker_line(),
        published_on=decision.publication_date,
        status_line=decision.public_status_line,
        exemption_rows=decision.exemption_rows(),
        has={name: decision.has_section(name) for name in NOTICE_PARTS},
    )


def _appendix(decision: Decision, a, *, public: bool) -> NoticeAppendix:
    route = "decisions:public_appendix_download" if public else "decisions:appendix_download"
    download = (
        ""
        if a.url
        else reverse(route, kwargs={"reference": decision.url_key, "public_id": a.public_id})
    )
    return NoticeAppendix(
        a.position,
        a.title,
        a.original_filename,
        a.file_size,
        download,
        False if public else a.withheld,
        link=a.url,
        original_notice=a.is_original_notice,
    )


def _fill(notice: Notice, decision: Decision, *, brief: bool = False) -> None:
    notice.lead_officer = decision.lead_officer
    notice.chief_officer_approval = decision.chief_officer_approval_line()
    notice.forum = decision.forum
    notice.forum_date = decision.forum_date
    notice.financial_value = decision.financial_value
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
    appendices = [_appendix(decision, a, public=False) for a in decision.appendices.all()]
    notice.original_notice = next((a for a in appendices if a.original_notice), None)
    notice.appendices = [a for a in appendices if not a.original_notice]
    return notice


def public_notice(decision: Decision, *, brief: bool = False) -> Notice:
    """Only what may be published. Call only for records on the public log.

    A brief notice (for lists) has the header and summary but no sections or appendices.
    """
    if not decision.is_public:
        raise ValueError("Only records on the public log have a public notice.")
    notice = _base(decision, public=True)
    if decision.is_confidential or decision.status == Decision.Status.NOT_PUBLISHED:
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
    appendices = [
        NoticeAppendix(a.position, withheld=True)
        if a.withheld
        else _appendix(decision, a, public=True)
        for a in decision.appendices.all()
    ]
    notice.original_notice = next((a for a in appendices if a.original_notice), None)
    notice.appendices = [a for a in appendices if not a.original_notice]
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
    pdf = reverse("decisions:public_pdf", kwargs={"reference": decision.url_key})
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
