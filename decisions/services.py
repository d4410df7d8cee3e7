"""Every change to a decision record goes through one of these functions.

Each public function is keyword-only, atomic, checks the actor's permission first
(PermissionDenied), then locks the decision row (SELECT … FOR UPDATE) and checks its current
state (InvalidTransition), validates, saves and records a history change reason. Workflow
transitions are listed in TRANSITIONS, which the pages use to show only permitted buttons.

The functions starting with an underscore are the trusted database steps behind them: they
check no permission and run inside the caller's transaction. Other modules of this app that
change decisions (the annual review) call them after making their own permission check,
so a decision is built, numbered and sent for consultation in one place. Steps other
modules must take when a decision is signed or withdrawn are registered in
``decisions.hooks``; this module never imports them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import models, transaction
from django.utils import timezone

# allowed/require: the one permission check (role rules only; superusers get no pass).
from prevent_compliance.rules import allowed, require
from prevent_compliance.uploads import ValidatedUpload, random_storage_name

from . import hooks, integrity
from .models import DECISION_FIELDS, DEFAULT_SECTIONS, Appendix, Decision, SupportingSection
from .references import reference_allocate

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from toolkit.models import Section

    from .importer import ImportRecord

Status = Decision.Status
Confidentiality = Decision.Confidentiality


class InvalidTransition(ValidationError):
    """The decision is not in a state that allows this step."""


@dataclass(frozen=True)
class Transition:
    name: str
    perm: str
    from_states: tuple[str, ...]
    label: str


# One role per transition: the rule behind each permission is in decisions/rules.py.
TRANSITIONS = {
    t.name: t
    for t in [
        Transition(
            "submit", "decisions.submit_decision", (Status.DRAFT,), "Submit for consultation"
        ),
        Transition(
            "comment_treasurer",
            "decisions.comment_as_treasurer",
            (Status.CONSULTATION,),
            "Add the Treasurer's comments",
        ),
        Transition(
            "comment_chief_executive",
            "decisions.comment_as_chief_executive",
            (Status.CONSULTATION,),
            "Add the Chief Executive's comments",
        ),
        Transition(
            "approve",
            "decisions.approve_decision",
            (Status.AWAITING_APPROVAL,),
            "Approve for signature",
        ),
        Transition(
            "return", "decisions.return_decision", (Status.AWAITING_APPROVAL,), "Return to draft"
        ),
        Transition(
            "sign", "decisions.sign_decision", (Status.AWAITING_SIGNATURE,), "Sign decision"
        ),
        Transition("defer", "decisions.defer_decision", (Status.AWAITING_SIGNATURE,), "Defer"),
        Transition("publish", "decisions.publish_decision", (Status.SIGNED,), "Publish"),
        Transition(
            "withhold", "decisions.withhold_decision", (Status.SIGNED,), "Record as withheld"
        ),
        Transition(
            "withdraw",
            "decisions.withdraw_decision",
            Decision.IN_PROGRESS_STATES,
            "Withdraw",
        ),
        Transition(
            "resume", "decisions.resume_decision", (Status.DEFERRED,), "Return deferred to draft"
        ),
    ]
}


def available_transitions(user: User | AnonymousUser, decision: Decision) -> list[Transition]:
    """The steps this user may take on this decision now (what the page offers)."""
    offered = []
    for transition in TRANSITIONS.values():
        if decision.status not in transition.from_states:
            continue
        if transition.name == "publish" and decision.is_confidential:
            continue
        if transition.name == "withhold" and not decision.is_confidential:
            continue
        if allowed(user, transition.perm, decision):
            offered.append(transition)
    return offered


def _record_as(instance: models.Model, *, actor: User | None, reason: str) -> None:
    """Who makes the next change and why: django-simple-history reads these attributes."""
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]


def _save(instance: models.Model, *, actor: User | None, reason: str) -> None:
    instance.full_clean()
    _record_as(instance, actor=actor, reason=reason)
    instance.save()


def _lock(decision: Decision) -> Decision:
    return Decision.objects.select_for_update().get(pk=decision.pk)


def _expect(decision: Decision, transition: Transition) -> None:
    if decision.status not in transition.from_states:
        raise InvalidTransition(
            "This decision is %(status)s, so you cannot %(action)s it now.",
            code="invalid_state",
            params={
                "status": decision.get_status_display().lower(),
                "action": transition.label.lower(),
            },
        )


def _begin(actor: User, decision: Decision, name: str) -> Decision:
    """Check role, then lock the row and check its state; returns the locked, fresh row."""
    transition = TRANSITIONS[name]
    require(actor, transition.perm, decision)
    locked = _lock(decision)
    _expect(locked, transition)
    return locked


def _editable(actor: User, decision: Decision) -> Decision:
    """Lock a decision that is about to be edited: only drafts change, never sealed records."""
    require(actor, "decisions.change_decision", decision)
    locked = _lock(decision)
    if locked.is_sealed:
        raise InvalidTransition("This decision is signed and can no longer be changed.")
    if not locked.is_editable:
        raise InvalidTransition(
            "This decision is %(status)s: only drafts can be changed.",
            params={"status": locked.get_status_display().lower()},
        )
    return locked


# --- Creating and editing drafts ------------------------------------------------------------


def _sections_add(
    decision: Decision, *, actor: User | None, sections: Iterable[SectionInput], reason: str
) -> list[SupportingSection]:
    """Trusted: supporting sections of a new decision, numbered 1, 2, 3… in order."""
    added = []
    for position, item in enumerate(sections, start=1):
        section = SupportingSection(
            decision=decision,
            position=position,
            heading=item.heading,
            body=item.body,
            withheld=item.withheld,
        )
        _save(section, actor=actor, reason=reason)
        added.append(section)
    return added


def _decision_create_row(
    *,
    actor: User,
    values: dict[str, Any],
    sections: Iterable[SectionInput],
    toolkit_sections: Iterable[Section] = (),
    reason: str,
    today: date | None = None,
) -> Decision:
    """Trusted: a new draft with the next reference, its toolkit sections and its supporting
    sections. The caller has checked permission and holds the transaction."""
    decision = Decision(created_by=actor, **values)
    decision.reference = reference_allocate(actor=actor, today=today)
    _save(decision, actor=actor, reason=reason)
    toolkit_sections = list(toolkit_sections)
    if toolkit_sections:
        _record_as(decision, actor=actor, reason="Toolkit sections linked")
        decision.sections.set(toolkit_sections)
    _sections_add(decision, actor=actor, sections=sections, reason="Default section added")
    return decision


def default_sections(bodies: dict[str, str] | None = None) -> list[SectionInput]:
    """The nine usual supporting sections, with the given bodies filled in by heading."""
    bodies = bodies or {}
    return [
        SectionInput(heading=heading, body=bodies.get(heading, body))
        for heading, body in DEFAULT_SECTIONS
    ]


def decision_create(
    *,
    actor: User,
    title: str,
    decision_date: date,
    summary: str,
    toolkit_sections: Iterable[Section] = (),
    today: date | None = None,
    **fields: Any,
) -> Decision:
    """A new draft with the next reference and the nine default supporting sections."""
    require(actor, "decisions.add_decision")
    unknown = set(fields) - set(DECISION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown decision fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        return _decision_create_row(
            actor=actor,
            values={"title": title, "decision_date": decision_date, "summary": summary, **fields},
            sections=default_sections(),
            toolkit_sections=toolkit_sections,
            reason="Decision record created",
            today=today,
        )


def decision_update(
    *,
    actor: User,
    decision: Decision,
    toolkit_sections: Iterable[Section] | None = None,
    **fields: Any,
) -> Decision:
    """Change a draft's header and summary; signed records are refused."""
    unknown = set(fields) - set(DECISION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown decision fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        decision = _editable(actor, decision)
        changed = {k: v for k, v in fields.items() if getattr(decision, k) != v}
        for key, value in changed.items():
            setattr(decision, key, value)
        if changed:
            _save(decision, actor=actor, reason="Draft changed")
        if toolkit_sections is not None:
            wanted = {s.pk for s in toolkit_sections}
            if wanted != set(decision.sections.values_list("pk", flat=True)):
                _record_as(decision, actor=actor, reason="Toolkit sections changed")
                decision.sections.set(toolkit_sections)
    return decision


@dataclass(frozen=True)
class SectionInput:
    """One supporting section as the editor wants it; pk is None for a new section."""

    heading: str
    body: str = ""
    withheld: bool = False
    pk: int | None = None


def decision_sections_update(
    *, actor: User, decision: Decision, sections: list[SectionInput]
) -> list[SupportingSection]:
    """Make the draft's supporting sections exactly the given list, numbered 1, 2, 3… in order.

    Sections left out of the list are deleted.
    """
    with transaction.atomic():
        decision = _editable(actor, decision)
        existing = {s.pk: s for s in decision.supporting_sections.all()}
        stray = [item.pk for item in sections if item.pk is not None and item.pk not in existing]
        if stray:
            raise ValidationError("A section does not belong to this decision.")
        kept = {item.pk for item in sections if item.pk is not None}
        for pk, section in existing.items():
            if pk not in kept:
                _record_as(section, actor=actor, reason="Section removed")
                section.delete()
        # Move kept sections out of the way first, so renumbering never collides.
        offset = 1000
        for position, item in enumerate(sections, start=1):
            moved = existing.get(item.pk) if item.pk is not None else None
            if moved is not None and moved.position != position:
                SupportingSection.objects.filter(pk=moved.pk).update(
                    position=moved.position + offset
                )
        result = []
        for position, item in enumerate(sections, start=1):
            known = existing.get(item.pk) if item.pk is not None else None
            section = known or SupportingSection(decision=decision)
            values = {
                "position": position,
                "heading": item.heading,
                "body": item.body,
                "withheld": item.withheld,
            }
            if section.pk is None or any(getattr(section, k) != v for k, v in values.items()):
                for key, value in values.items():
                    setattr(section, key, value)
                reason = "Section added" if section.pk is None else "Section changed"
                _save(section, actor=actor, reason=reason)
            result.append(section)
    return result


def _appendix_create_row(
    *,
    actor: User,
    decision: Decision,
    title: str,
    content: File,
    info: ValidatedUpload,
    withheld: bool,
) -> Appendix:
    """Trusted: store a validated file as the decision's next appendix, under a random name
    with its SHA-256; the stored file is removed again if the row cannot be saved."""
    last = decision.appendices.order_by("-position").values_list("position", flat=True).first()
    appendix = Appendix(
        decision=decision,
        position=(last or 0) + 1,
        title=title,
        file=content,
        original_filename=info.original_name,
        content_type=info.content_type,
        file_size=info.size,
        sha256=info.sha256,
        withheld=withheld,
        added_by=actor,
    )
    # Named on the field's file: UploadedFile.name would silently drop the folders.
    appendix.file.name = random_storage_name(f"appendices/{timezone.now():%Y}", info.extension)
    try:
        _save(appendix, actor=actor, reason="Appendix added")
    except Exception:
        if appendix.file and appendix.file.name:
            appendix.file.storage.delete(appendix.file.name)
        raise
    return appendix


def appendix_add(
    *,
    actor: User,
    decision: Decision,
    title: str,
    upload: File,
    upload_info: ValidatedUpload,
    withheld: bool = False,
) -> Appendix:
    """Attach a validated file to a draft, stored under a random name with its SHA-256."""
    with transaction.atomic():
        decision = _editable(actor, decision)
        return _appendix_create_row(
            actor=actor,
            decision=decision,
            title=title,
            content=upload,
            info=upload_info,
            withheld=withheld,
        )


def appendix_remove(*, actor: User, appendix: Appendix) -> None:
    """Remove an appendix from a draft (the stored file is kept for the history)."""
    with transaction.atomic():
        _editable(actor, appendix.decision)
        _record_as(appendix, actor=actor, reason="Appendix removed")
        appendix.delete()


# --- Workflow -------------------------------------------------------------------------------


def _check_complete(decision: Decision) -> None:
    """A draft must say everything the published record needs before consultation."""
    errors = []
    if not decision.summary.strip():
        errors.append("Enter the decision summary.")
    if not decision.lead_officer.strip():
        errors.append("Enter the lead officer.")
    sections = list(decision.supporting_sections.all())
    if not sections:
        errors.append("Add at least one section of supporting information.")
    for section in sections:
        if not section.body.strip():
            errors.append(f"Complete section {section.position} ({section.heading}) or remove it.")
    withheld = (
        any(s.withheld for s in sections) or decision.appendices.filter(withheld=True).exists()
    )
    if decision.confidentiality == Confidentiality.NON_CONFIDENTIAL and withheld:
        errors.append(
            "A non-confidential decision cannot withhold sections or appendices: "
            "mark it partly confidential or publish them."
        )
    if decision.confidentiality == Confidentiality.PARTLY_CONFIDENTIAL and not withheld:
        errors.append(
            "A partly confidential decision must mark at least one section or appendix as withheld."
        )
    if errors:
        raise ValidationError(errors)


def _decision_send_for_consultation(decision: Decision, *, actor: User, reason: str) -> None:
    """Trusted: a complete draft (locked by the caller) goes to consultation."""
    _check_complete(decision)
    decision.full_clean()
    decision.status = Status.CONSULTATION
    # Comments from an earlier round stay as a starting point but must be given again.
    decision.treasurer_commented_at = decision.chief_executive_commented_at = None
    decision.treasurer_commented_by = decision.chief_executive_commented_by = None
    decision.status_note = ""
    _save(decision, actor=actor, reason=reason)


def decision_submit(*, actor: User, decision: Decision) -> Decision:
    """Send a complete draft to the Treasurer and Chief Executive for their comments."""
    with transaction.atomic():
        decision = _begin(actor, decision, "submit")
        _decision_send_for_consultation(decision, actor=actor, reason="Submitted for consultation")
    return decision


def _after_comment(decision: Decision) -> str:
    if decision.treasurer_commented_at and decision.chief_executive_commented_at:
        decision.status = Status.AWAITING_APPROVAL
        return "; consultation complete, awaiting approval"
    return ""


def decision_comment_treasurer(*, actor: User, decision: Decision, comments: str) -> Decision:
    """Record the Treasurer's comments; with both sets in, the decision awaits approval."""
    if not comments.strip():
        raise ValidationError({"comments": "Enter the Treasurer's comments"})
    with transaction.atomic():
        decision = _begin(actor, decision, "comment_treasurer")
        decision.treasurer_comments = comments
        decision.treasurer_commented_by = actor
        decision.treasurer_commented_at = timezone.now()
        more = _after_comment(decision)
        _save(decision, actor=actor, reason=f"Treasurer's comments added{more}")
    return decision


def decision_comment_chief_executive(*, actor: User, decision: Decision, comments: str) -> Decision:
    """Record the Chief Executive and Monitoring Officer's comments."""
    if not comments.strip():
        raise ValidationError({"comments": "Enter the Chief Executive's comments"})
    with transaction.atomic():
        decision = _begin(actor, decision, "comment_chief_executive")
        decision.chief_executive_comments = comments
        decision.chief_executive_commented_by = actor
        decision.chief_executive_commented_at = timezone.now()
        more = _after_comment(decision)
        _save(decision, actor=actor, reason=f"Chief Executive's comments added{more}")
    return decision


def decision_approve(*, actor: User, decision: Decision) -> Decision:
    """The Chief Executive approves the record for the Commissioner's signature."""
    with transaction.atomic():
        decision = _begin(actor, decision, "approve")
        decision.status = Status.AWAITING_SIGNATURE
        decision.approved_by = actor
        decision.approved_at = timezone.now()
        _save(decision, actor=actor, reason="Approved for signature")
    return decision


def decision_return(*, actor: User, decision: Decision, reason: str) -> Decision:
    """The Chief Executive sends the record back to draft, saying why."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for returning the decision"})
    with transaction.atomic():
        decision = _begin(actor, decision, "return")
        decision.status = Status.DRAFT
        decision.status_note = reason
        decision.approved_by = None
        decision.approved_at = None
        _save(decision, actor=actor, reason=f"Returned to draft: {reason[:80]}")
    return decision


def decision_sign(
    *,
    actor: User,
    decision: Decision,
    declaration_confirmed: bool,
    password: str,
    signatory_name: str = "",
) -> Decision:
    """The Commissioner signs: declaration ticked, password re-entered; seals the content.

    Two Commissioners signing at once queue on the row lock; the second finds the decision
    already signed and is refused, so there is exactly one signature.
    """
    require(actor, TRANSITIONS["sign"].perm, decision)
    errors: dict[str, str] = {}
    if not declaration_confirmed:
        errors["declaration"] = "Confirm the declaration of interests to sign"
    if not password or not actor.check_password(password):
        errors["password"] = "The password is not correct"  # noqa: S105 (a message)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        decision = _begin(actor, decision, "sign")
        now = timezone.now()
        decision.interests_declared = True
        decision.signed_by = actor
        decision.signatory_name = (signatory_name or "").strip() or (
            actor.get_full_name() or actor.get_username()
        )
        decision.signed_on = timezone.localdate(now)
        decision.signed_at = now
        decision.status = Status.SIGNED
        integrity.seal(decision, at=now)
        _save(decision, actor=actor, reason=f"Signed by {decision.signatory_name}")
        hooks.run(hooks.after_sign, actor=actor, decision=decision)
    return decision


def _seal_intact(decision: Decision) -> None:
    """Refuse to re-seal a record whose seal no longer verifies: that would launder an edit
    made behind the service's back."""
    result = integrity.check_seal(decision)
    if not result.ok:
        raise InvalidTransition(
            "The seal of this decision does not verify (%(problem)s), so it cannot be "
            "published or withheld. Ask an administrator to run manage.py verify_decisions.",
            code="seal_broken",
            params={"problem": result.problem},
        )


def _reseal(decision: Decision, *, status: str) -> None:
    """A signed record's status changes only with a new seal over content and status."""
    _seal_intact(decision)
    now = timezone.now()
    decision.status = status
    decision.published_at = now
    integrity.seal(decision, at=now)


def decision_publish(*, actor: User, decision: Decision) -> Decision:
    """Put a signed non-confidential or partly confidential record on the public log."""
    with transaction.atomic():
        decision = _begin(actor, decision, "publish")
        if decision.is_confidential:
            raise InvalidTransition(
                "This decision is confidential: record it as withheld instead of publishing it."
            )
        _reseal(decision, status=Status.PUBLISHED)
        _save(decision, actor=actor, reason="Published on the decision log")
    return decision


def decision_withhold(*, actor: User, decision: Decision) -> Decision:
    """List a signed confidential record on the public log as withheld, naming the exemption."""
    with transaction.atomic():
        decision = _begin(actor, decision, "withhold")
        if not decision.is_confidential:
            raise InvalidTransition("Only a confidential decision can be withheld: publish it.")
        if not decision.foi_exemptions:
            raise InvalidTransition("Record the FOI exemption relied on before withholding.")
        _reseal(decision, status=Status.WITHHELD)
        _save(decision, actor=actor, reason="Listed on the decision log as withheld")
    return decision


def decision_withdraw(*, actor: User, decision: Decision, reason: str) -> Decision:
    """Withdraw an unsigned decision for good, saying why."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for withdrawing the decision"})
    with transaction.atomic():
        decision = _begin(actor, decision, "withdraw")
        decision.status = Status.WITHDRAWN
        decision.status_note = reason
        _save(decision, actor=actor, reason=f"Withdrawn: {reason[:80]}")
        hooks.run(hooks.after_withdraw, actor=actor, decision=decision)
    return decision


def decision_defer(*, actor: User, decision: Decision, reason: str) -> Decision:
    """The Commissioner defers a decision awaiting signature, saying why."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for deferring the decision"})
    with transaction.atomic():
        decision = _begin(actor, decision, "defer")
        decision.status = Status.DEFERRED
        decision.status_note = reason
        _save(decision, actor=actor, reason=f"Deferred: {reason[:80]}")
    return decision


def decision_resume(*, actor: User, decision: Decision) -> Decision:
    """Take a deferred decision back to draft so it can be reworked and resubmitted."""
    with transaction.atomic():
        decision = _begin(actor, decision, "resume")
        decision.status = Status.DRAFT
        decision.approved_by = None
        decision.approved_at = None
        _save(decision, actor=actor, reason="Deferred decision returned to draft")
    return decision


# --- Importing an earlier decision log ------------------------------------------------------


def decisions_import(
    *,
    records: list[ImportRecord],
    actor: User | None = None,
    signed_by_user: User | None = None,
) -> list[Decision]:
    """Save records checked by ``importer.validate_import``, all or nothing, each sealed and
    published or withheld, keeping its reference as published.

    ``actor`` None is the command line (``manage.py import_decisions``): whoever can run it
    already has the server. A user given as ``actor`` must be allowed to add decisions.
    ``signed_by_user`` links the signature to a user of this service (the demo data does
    this); imports from a file record the signatory's name only.
    """
    if actor is not None:
        require(actor, "decisions.add_decision")
    now = timezone.now()
    imported = []
    with transaction.atomic():
        for record in records:
            decision = _imported_decision(record, now=now, signed_by_user=signed_by_user)
            integrity.seal(
                decision,
                at=now,
                sections=record.sections,
                appendices=[],
                toolkit_numbers=[s.number for s in record.toolkit_sections],
            )
            reason = "Imported from an earlier decision log"
            _save(decision, actor=actor, reason=reason)
            decision.sections.set(record.toolkit_sections)
            sections = [
                SectionInput(heading=heading, body=body, withheld=withheld)
                for _position, heading, body, withheld in record.sections
            ]
            _sections_add(decision, actor=actor, sections=sections, reason=reason)
            if integrity.content_hash(decision) != decision.content_hash:
                raise ValidationError(
                    f"record {record.position}: the stored copy differs from the file "
                    "(nothing was imported)."
                )
            imported.append(decision)
    return imported


def _imported_decision(
    record: ImportRecord, *, now: datetime, signed_by_user: User | None
) -> Decision:
    values = record.values
    confidential = values["confidentiality"] == Decision.Confidentiality.CONFIDENTIAL
    return Decision(
        **values,
        signed_by=signed_by_user if values["signed_on"] else None,
        status=Decision.Status.WITHHELD if confidential else Decision.Status.PUBLISHED,
        source=Decision.Source.IMPORTED,
        published_at=now,
    )
