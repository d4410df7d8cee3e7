"""Demonstration decision records, loaded by ``manage.py load_demo`` (idempotent).

WPCC4-0028 is the real published record, word for word, linked to the Commissioner demo user
but keeping the signature as it was recorded ("P. Seccombe"). The other records are made up
and go through the same services as real ones, so each sits in a different workflow state.
"""

from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from decisions import services
from decisions.importer import validate_import
from decisions.models import DEFAULT_SECTIONS, Decision
from prevent_compliance.uploads import validate_upload
from toolkit.models import Section, ToolkitEdition

from .wpcc4_0028 import WPCC4_0028

Confidentiality = Decision.Confidentiality
Status = Decision.Status


def section_bodies(topic: str) -> list[services.SectionInput]:
    """The nine default sections, each with a short made-up text about the topic."""
    texts = [
        f"This decision concerns {topic}. It follows the annual review of the OPCC's "
        "Prevent arrangements against the eight sections of the Home Office toolkit.",
        "None.",
        f"Clear, recorded arrangements for {topic}, which the partnership can check.",
        "The OPCC could not show that it meets the benchmark concerned.",
        "Met from the existing OPCC budget; no additional cost.",
        "An equality impact assessment found no adverse impact on any protected group.",
        "The arrangements help the Commissioner meet the Prevent duty under section 26 of "
        "the Counter-Terrorism and Security Act 2015.",
        "None identified.",
        DEFAULT_SECTIONS[8][1],
    ]
    return [
        services.SectionInput(heading=heading, body=text)
        for (heading, _default), text in zip(DEFAULT_SECTIONS, texts, strict=True)
    ]


DEMO_DECISIONS = [
    # title, target state, confidentiality, exemptions, toolkit sections, withheld section
    (
        "Prevent due diligence for OPCC grants",
        Status.PUBLISHED,
        Confidentiality.NON_CONFIDENTIAL,
        [],
        [7],
        None,
    ),
    (
        "Venue hire and external speakers policy for OPCC events",
        Status.PUBLISHED,
        Confidentiality.PARTLY_CONFIDENTIAL,
        ["s40"],
        [7, 8],
        5,
    ),
    (
        "Counter-Terrorism Local Profile briefing arrangements",
        Status.WITHHELD,
        Confidentiality.CONFIDENTIAL,
        ["s24", "s31"],
        [2],
        None,
    ),
    (
        "Prevent training for OPCC staff 2025/26",
        Status.AWAITING_SIGNATURE,
        Confidentiality.NON_CONFIDENTIAL,
        [],
        [6],
        None,
    ),
    (
        "Community engagement fund for Prevent",
        Status.CONSULTATION,
        Confidentiality.NON_CONFIDENTIAL,
        [],
        [8],
        None,
    ),
    (
        "Channel panel attendance assurance",
        Status.DRAFT,
        Confidentiality.NON_CONFIDENTIAL,
        [],
        [5],
        None,
    ),
    (
        "Prevent communications campaign 2025",
        Status.WITHDRAWN,
        Confidentiality.NON_CONFIDENTIAL,
        [],
        [8],
        None,
    ),
]


def _sections_by_number() -> dict[int, Section]:
    edition = ToolkitEdition.objects.order_by("-code").first()
    return {s.number: s for s in edition.sections.all()} if edition else {}


def _load_reference_record(users) -> None:
    if Decision.objects.filter(reference=WPCC4_0028["reference"]).exists():
        return
    # Signed by the Commissioner: the decision maker the log lists it under.
    records = validate_import([{**WPCC4_0028, "decision_maker": "pcc"}])
    services.decisions_import(records=records, signed_by_user=users["commissioner"])


def _consult(decision: Decision, users) -> None:
    services.decision_submit(actor=users["officer"], decision=decision)
    services.decision_comment_treasurer(
        actor=users["treasurer"],
        decision=decision,
        comments="There are no direct financial implications beyond the existing budget.",
    )


def _approve(decision: Decision, users) -> None:
    ce = users["chief.executive"]
    services.decision_comment_chief_executive(
        actor=ce,
        decision=decision,
        comments="The proposal supports good governance of the OPCC's Prevent duty.",
    )
    services.decision_approve(actor=ce, decision=decision)


def _sign_and_release(decision: Decision, target: str, users) -> None:
    try:
        services.decision_sign(
            actor=users["commissioner"],
            decision=decision,
            declaration_confirmed=True,
            password=settings.DEMO_PASSWORD,
        )
    except ValidationError:
        return  # The demo Commissioner's password was changed: leave it awaiting signature.
    release = services.decision_withhold if target == Status.WITHHELD else services.decision_publish
    release(actor=users["officer"], decision=decision)


def _advance(decision: Decision, target: str, users) -> None:
    """Take a new draft through the workflow steps up to ``target``."""
    if target == Status.WITHDRAWN:
        services.decision_withdraw(
            actor=users["officer"], decision=decision, reason="Replaced by the national campaign."
        )
        return
    if target == Status.DRAFT:
        return
    _consult(decision, users)
    if target == Status.CONSULTATION:
        return
    _approve(decision, users)
    if target == Status.AWAITING_SIGNATURE:
        return
    _sign_and_release(decision, target, users)


def _demo_appendix(officer, decision: Decision) -> None:
    upload = SimpleUploadedFile(
        "channel-attendance.csv",
        b"meeting,date,police attended\nChannel panel,2025-05-14,yes\n"
        b"Channel panel,2025-06-11,yes\n",
    )
    services.appendix_add(
        actor=officer,
        decision=decision,
        title="Channel panel attendance, spring 2025",
        upload=upload,
        upload_info=validate_upload(upload),
    )


def _sections(topic: str, withheld: int | None) -> list[services.SectionInput]:
    sections = section_bodies(topic)
    if withheld:
        sections[withheld - 1] = services.SectionInput(
            heading=sections[withheld - 1].heading,
            body="Named venues, hirers and contractors and what each costs.",
            withheld=True,
        )
    return sections


# Who decides each demo record and where it was approved, as real logs record it.
DEMO_MAKERS = [
    (Decision.DecisionMaker.PCC, "Accountability Board"),
    (Decision.DecisionMaker.PCC_AND_CHIEF_CONSTABLE, "Joint Audit and Standards Committee"),
    (Decision.DecisionMaker.DEPUTY_PCC, ""),
    (Decision.DecisionMaker.OFFICER_DELEGATED, ""),
]


def _create(officer, row: tuple, decision_date, by_number, *, maker_name: str = "") -> Decision:
    title, _target, confidentiality, exemptions, numbers, withheld = row
    maker, forum = DEMO_MAKERS[len(title) % len(DEMO_MAKERS)]
    decision = services.decision_create(
        actor=officer,
        title=title,
        lead_officer=officer.get_full_name() or officer.get_username(),
        decision_maker=maker,
        decision_maker_name=maker_name if maker == Decision.DecisionMaker.PCC else "",
        forum=forum,
        forum_date=decision_date - timedelta(days=7) if forum else None,
        financial_value=Decimal(1500 * len(title)) if forum else None,
        decision_date=decision_date,
        summary=f"The Commissioner approves {_topic(title)}, as set out in the supporting "
        "information.",
        confidentiality=confidentiality,
        foi_exemptions=exemptions,
        withheld_parts="Section 5 names the venues and contractors concerned." if withheld else "",
        toolkit_sections=[by_number[n] for n in numbers if n in by_number],
    )
    sections = _sections(_topic(title), withheld)
    services.decision_sections_update(actor=officer, decision=decision, sections=sections)
    return decision


def _topic(title: str) -> str:
    return f"the proposal “{title}”"


def load(users) -> None:
    """Add WPCC4-0028 and a record in each other state, unless they are already there."""
    _load_reference_record(users)
    officer = users["officer"]
    by_number = _sections_by_number()
    today = timezone.localdate()
    count = len(DEMO_DECISIONS)
    for age, row in enumerate(DEMO_DECISIONS):
        title, target = row[0], row[1]
        if Decision.objects.filter(title=title).exists():
            continue
        decision_date = today - timedelta(days=20 * (count - age))
        commissioner = users["commissioner"]
        decision = _create(
            officer,
            row,
            decision_date,
            by_number,
            maker_name=commissioner.get_full_name() or commissioner.get_username(),
        )
        if target == Status.DRAFT:
            _demo_appendix(officer, decision)
        _advance(decision, target, users)
