"""One builder per workflow state: what a bulk decision record in that state carries.

A builder gets a planned record (an unsaved ``Decision`` with its sections, toolkit links and
appendix already chosen) and fills in what the workflow would have recorded by that state:
the consultation comments, the approval, the signature and seal, the publication.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from decisions import integrity
from decisions.models import Decision
from prevent_compliance.roles import Role

from .common import Unit

Status = Decision.Status
# A withheld record is confidential by definition; the others are mostly non-confidential.
ALWAYS_CONFIDENTIAL = {Status.WITHHELD}
WITH_REASON = "Generated reason."


@dataclass(frozen=True)
class PlannedAppendix:
    """A stored appendix file, described by the fields the seal covers."""

    file_size: int
    sha256: str
    file: str
    position: int = 1
    title: str = "Supporting report"
    original_filename: str = "supporting-report.pdf"
    withheld: bool = False
    content_type: str = "application/pdf"
    url: str = ""
    is_original_notice: bool = False

    def sealed_fields(self) -> tuple:
        return tuple(getattr(self, name) for name in integrity.APPENDIX_FIELDS)


@dataclass
class PlannedDecision:
    decision: Decision
    moment: datetime
    sections: list[tuple[int, str, str, bool]]  # position, heading, body, withheld
    toolkit: list
    appendix: PlannedAppendix | None


@dataclass(frozen=True)
class Signatories:
    """Who comments on, approves and signs the bulk records of a unit."""

    treasurer: object
    chief_executive: object
    commissioner: object

    @classmethod
    def of(cls, unit: Unit) -> Signatories:
        return cls(
            treasurer=unit.users[Role.TREASURER][0],
            chief_executive=unit.users[Role.CHIEF_EXECUTIVE][0],
            commissioner=unit.users[Role.COMMISSIONER][0],
        )


def _comments(record: PlannedDecision, people: Signatories) -> None:
    decision = record.decision
    decision.treasurer_comments = "No financial concerns."
    decision.treasurer_commented_by = people.treasurer
    decision.treasurer_commented_at = record.moment
    decision.chief_executive_comments = "The decision is lawful."
    decision.chief_executive_commented_by = people.chief_executive
    decision.chief_executive_commented_at = record.moment


def _approval(record: PlannedDecision, people: Signatories) -> None:
    record.decision.approved_by = people.chief_executive
    record.decision.approved_at = record.moment


def _signature(record: PlannedDecision, people: Signatories, *, published: bool) -> None:
    decision, moment = record.decision, record.moment
    decision.interests_declared = True
    decision.signed_by = people.commissioner
    decision.signatory_name = people.commissioner.get_full_name()
    decision.signed_on = decision.decision_date
    decision.signed_at = moment
    if published:
        decision.published_at = moment
    integrity.seal(
        decision,
        at=moment,
        sections=record.sections,
        appendices=[record.appendix.sealed_fields()] if record.appendix else [],
        toolkit_numbers=[s.number for s in record.toolkit],
    )


def draft(record: PlannedDecision, people: Signatories) -> None:
    """Still being written: nothing beyond the record itself."""


def consultation(record: PlannedDecision, people: Signatories) -> None:
    """Submitted; the Treasurer's and Chief Executive's comments are not in yet."""


def awaiting_approval(record: PlannedDecision, people: Signatories) -> None:
    _comments(record, people)


def awaiting_signature(record: PlannedDecision, people: Signatories) -> None:
    _comments(record, people)
    _approval(record, people)


def signed(record: PlannedDecision, people: Signatories) -> None:
    _comments(record, people)
    _approval(record, people)
    _signature(record, people, published=False)


def published(record: PlannedDecision, people: Signatories) -> None:
    _comments(record, people)
    _approval(record, people)
    _signature(record, people, published=True)


def withheld(record: PlannedDecision, people: Signatories) -> None:
    """Signed and released as withheld (the record is confidential, see ALWAYS_CONFIDENTIAL)."""
    published(record, people)


def deferred(record: PlannedDecision, people: Signatories) -> None:
    """Approved, then deferred by the Commissioner with a reason."""
    _approval(record, people)
    record.decision.status_note = WITH_REASON


def withdrawn(record: PlannedDecision, people: Signatories) -> None:
    record.decision.status_note = WITH_REASON


BUILDERS: dict[str, Callable[[PlannedDecision, Signatories], None]] = {
    Status.DRAFT: draft,
    Status.CONSULTATION: consultation,
    Status.AWAITING_APPROVAL: awaiting_approval,
    Status.AWAITING_SIGNATURE: awaiting_signature,
    Status.SIGNED: signed,
    Status.PUBLISHED: published,
    Status.WITHHELD: withheld,
    Status.DEFERRED: deferred,
    Status.WITHDRAWN: withdrawn,
}


def build(record: PlannedDecision, people: Signatories) -> None:
    """Fill in what the record's workflow state implies."""
    BUILDERS[record.decision.status](record, people)
