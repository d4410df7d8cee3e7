"""Every change to a decision record goes through one of these functions.

Each is keyword-only, atomic, checks the actor's permission first (PermissionDenied), then
locks the decision row (SELECT … FOR UPDATE) and checks its current state
(InvalidTransition), validates, saves and records a history change reason. Workflow
transitions are listed in TRANSITIONS, which the pages use to show only permitted buttons.
"""

from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

# allowed/require: the one permission check (role rules only; superusers get no pass).
from prevent_compliance.rules import allowed, require
from prevent_compliance.uploads import ValidatedUpload, random_storage_name

from . import annual_review, integrity
from .models import DEFAULT_SECTIONS, Appendix, Decision, SupportingSection
from .references import allocate_reference

S = Decision.Status
C = Decision.Confidentiality


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
        Transition("submit", "decisions.submit_decision", (S.DRAFT,), "Submit for consultation"),
        Transition(
            "comment_treasurer",
            "decisions.comment_as_treasurer",
            (S.CONSULTATION,),
            "Add the Treasurer's comments",
        ),
        Transition(
            "comment_chief_executive",
            "decisions.comment_as_chief_executive",
            (S.CONSULTATION,),
            "Add the Chief Executive's comments",
        ),
        Transition(
            "approve", "decisions.approve_decision", (S.AWAITING_APPROVAL,), "Approve for signature"
        ),
        Transition(
            "return", "decisions.return_decision", (S.AWAITING_APPROVAL,), "Return to draft"
        ),
        Transition("sign", "decisions.sign_decision", (S.AWAITING_SIGNATURE,), "Sign decision"),
        Transition("defer", "decisions.defer_decision", (S.AWAITING_SIGNATURE,), "Defer"),
        Transition("publish", "decisions.publish_decision", (S.SIGNED,), "Publish"),
        Transition("withhold", "decisions.withhold_decision", (S.SIGNED,), "Record as withheld"),
        Transition(
            "withdraw",
            "decisions.withdraw_decision",
            (S.DRAFT, S.CONSULTATION, S.AWAITING_APPROVAL, S.AWAITING_SIGNATURE, S.DEFERRED),
            "Withdraw",
        ),
        Transition(
            "resume", "decisions.resume_decision", (S.DEFERRED,), "Return deferred to draft"
        ),
    ]
}


def available_transitions(user, decision: Decision) -> list[Transition]:
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


def _save(instance, *, actor, reason: str) -> None:
    instance.full_clean()
    instance._history_user = actor
    instance._change_reason = reason
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


def _begin(actor, decision: Decision, name: str) -> Decision:
    """Check role, then lock the row and check its state; returns the locked, fresh row."""
    transition = TRANSITIONS[name]
    require(actor, transition.perm, decision)
    locked = _lock(decision)
    _expect(locked, transition)
    return locked


def _editable(actor, decision: Decision) -> Decision:
    """Lock a decision that is about to be edited: only drafts change, never sealed records."""
    require(actor, "decisions.change_decision", decision)
    locked = _lock(decision)
    if locked.is_sealed:
        raise InvalidTransition("This decision is signed and can no longer be changed.")
    if locked.status != S.DRAFT:
        raise InvalidTransition(
            "This decision is %(status)s: only drafts can be changed.",
            params={"status": locked.get_status_display().lower()},
        )
    return locked


# --- Creating and editing drafts ------------------------------------------------------------


DECISION_FIELDS = (
    "title",
    "lead_officer",
    "chief_officer_approval",
    "chief_officer_approver",
    "chief_officer_approved_on",
    "decision_date",
    "confidentiality",
    "foi_exemptions",
    "withheld_parts",
    "summary",
)


def decision_create(
    *,
    actor,
    title: str,
    decision_date: date,
    summary: str,
    toolkit_sections=(),
    today: date | None = None,
    **fields,
) -> Decision:
    """A new draft with the next reference and the nine default supporting sections."""
    require(actor, "decisions.add_decision")
    unknown = set(fields) - set(DECISION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown decision fields: {', '.join(sorted(unknown))}")
    with transaction.atomic():
        decision = Decision(
            title=title,
            decision_date=decision_date,
            summary=summary,
            created_by=actor,
            **fields,
        )
        decision.reference = allocate_reference(today=today)
        _save(decision, actor=actor, reason="Decision record created")
        if toolkit_sections:
            decision._change_reason = "Toolkit sections linked"
            decision.sections.set(toolkit_sections)
        for position, (heading, body) in enumerate(DEFAULT_SECTIONS, start=1):
            section = SupportingSection(
                decision=decision, position=position, heading=heading, body=body
            )
            _save(section, actor=actor, reason="Default section added")
    return decision


def decision_update(*, actor, decision: Decision, toolkit_sections=None, **fields) -> Decision:
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
                decision._history_user = actor
                decision._change_reason = "Toolkit sections changed"
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
    *, actor, decision: Decision, sections: list[SectionInput]
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
                section._history_user = actor
                section._change_reason = "Section removed"
                section.delete()
        # Move kept sections out of the way first, so renumbering never collides.
        offset = 1000
        for position, item in enumerate(sections, start=1):
            section = existing.get(item.pk)
            if section is not None and section.position != position:
                SupportingSection.objects.filter(pk=section.pk).update(
                    position=section.position + offset
                )
        result = []
        for position, item in enumerate(sections, start=1):
            section = existing.get(item.pk) or SupportingSection(decision=decision)
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


def appendix_add(
    *,
    actor,
    decision: Decision,
    title: str,
    upload: UploadedFile,
    upload_info: ValidatedUpload,
    withheld: bool = False,
) -> Appendix:
    """Attach a validated file to a draft, stored under a random name with its SHA-256."""
    with transaction.atomic():
        decision = _editable(actor, decision)
        last = decision.appendices.order_by("-position").values_list("position", flat=True).first()
        appendix = Appendix(
            decision=decision,
            position=(last or 0) + 1,
            title=title,
            file=upload,
            original_filename=upload_info.original_name,
            content_type=upload_info.content_type,
            file_size=upload_info.size,
            sha256=upload_info.sha256,
            withheld=withheld,
            added_by=actor,
        )
        # Named on the field's file: UploadedFile.name would silently drop the folders.
        appendix.file.name = random_storage_name(
            f"appendices/{timezone.now():%Y}", upload_info.extension
        )
        try:
            _save(appendix, actor=actor, reason="Appendix added")
        except Exception:
            if appendix.file and appendix.file.name:
                appendix.file.storage.delete(appendix.file.name)
            raise
    return appendix


def appendix_remove(*, actor, appendix: Appendix) -> None:
    """Remove an appendix from a draft (the stored file is kept for the history)."""
    with transaction.atomic():
        _editable(actor, appendix.decision)
        appendix._history_user = actor
        appendix._change_reason = "Appendix removed"
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
    if decision.confidentiality == C.NON_CONFIDENTIAL and withheld:
        errors.append(
            "A non-confidential decision cannot withhold sections or appendices: "
            "mark it partly confidential or publish them."
        )
    if decision.confidentiality == C.PARTLY_CONFIDENTIAL and not withheld:
        errors.append(
            "A partly confidential decision must mark at least one section or appendix as withheld."
        )
    if errors:
        raise ValidationError(errors)


def decision_submit(*, actor, decision: Decision) -> Decision:
    """Send a complete draft to the Treasurer and Chief Executive for their comments."""
    with transaction.atomic():
        decision = _begin(actor, decision, "submit")
        _check_complete(decision)
        decision.full_clean()
        decision.status = S.CONSULTATION
        # Comments from an earlier round stay as a starting point but must be given again.
        decision.treasurer_commented_at = decision.chief_executive_commented_at = None
        decision.treasurer_commented_by = decision.chief_executive_commented_by = None
        decision.status_note = ""
        _save(decision, actor=actor, reason="Submitted for consultation")
    return decision


def _after_comment(decision: Decision) -> str:
    if decision.treasurer_commented_at and decision.chief_executive_commented_at:
        decision.status = S.AWAITING_APPROVAL
        return "; consultation complete, awaiting approval"
    return ""


def decision_comment_treasurer(*, actor, decision: Decision, comments: str) -> Decision:
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


def decision_comment_chief_executive(*, actor, decision: Decision, comments: str) -> Decision:
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


def decision_approve(*, actor, decision: Decision) -> Decision:
    """The Chief Executive approves the record for the Commissioner's signature."""
    with transaction.atomic():
        decision = _begin(actor, decision, "approve")
        decision.status = S.AWAITING_SIGNATURE
        decision.approved_by = actor
        decision.approved_at = timezone.now()
        _save(decision, actor=actor, reason="Approved for signature")
    return decision


def decision_return(*, actor, decision: Decision, reason: str) -> Decision:
    """The Chief Executive sends the record back to draft, saying why."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for returning the decision"})
    with transaction.atomic():
        decision = _begin(actor, decision, "return")
        decision.status = S.DRAFT
        decision.status_note = reason
        decision.approved_by = None
        decision.approved_at = None
        _save(decision, actor=actor, reason=f"Returned to draft: {reason[:80]}")
    return decision


def decision_sign(
    *,
    actor,
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
    errors = {}
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
        decision.status = S.SIGNED
        integrity.seal(decision, at=now)
        _save(decision, actor=actor, reason=f"Signed by {decision.signatory_name}")
        annual_review.after_sign(actor=actor, decision=decision)
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


def decision_publish(*, actor, decision: Decision) -> Decision:
    """Put a signed non-confidential or partly confidential record on the public log."""
    with transaction.atomic():
        decision = _begin(actor, decision, "publish")
        if decision.is_confidential:
            raise InvalidTransition(
                "This decision is confidential: record it as withheld instead of publishing it."
            )
        _reseal(decision, status=S.PUBLISHED)
        _save(decision, actor=actor, reason="Published on the decision log")
    return decision


def decision_withhold(*, actor, decision: Decision) -> Decision:
    """List a signed confidential record on the public log as withheld, naming the exemption."""
    with transaction.atomic():
        decision = _begin(actor, decision, "withhold")
        if not decision.is_confidential:
            raise InvalidTransition("Only a confidential decision can be withheld: publish it.")
        if not decision.foi_exemptions:
            raise InvalidTransition("Record the FOI exemption relied on before withholding.")
        _reseal(decision, status=S.WITHHELD)
        _save(decision, actor=actor, reason="Listed on the decision log as withheld")
    return decision


def decision_withdraw(*, actor, decision: Decision, reason: str) -> Decision:
    """Withdraw an unsigned decision for good, saying why."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for withdrawing the decision"})
    with transaction.atomic():
        decision = _begin(actor, decision, "withdraw")
        decision.status = S.WITHDRAWN
        decision.status_note = reason
        _save(decision, actor=actor, reason=f"Withdrawn: {reason[:80]}")
        annual_review.after_withdraw(actor=actor, decision=decision)
    return decision


def decision_defer(*, actor, decision: Decision, reason: str) -> Decision:
    """The Commissioner defers a decision awaiting signature, saying why."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for deferring the decision"})
    with transaction.atomic():
        decision = _begin(actor, decision, "defer")
        decision.status = S.DEFERRED
        decision.status_note = reason
        _save(decision, actor=actor, reason=f"Deferred: {reason[:80]}")
    return decision


def decision_resume(*, actor, decision: Decision) -> Decision:
    """Take a deferred decision back to draft so it can be reworked and resubmitted."""
    with transaction.atomic():
        decision = _begin(actor, decision, "resume")
        decision.status = S.DRAFT
        decision.approved_by = None
        decision.approved_at = None
        _save(decision, actor=actor, reason="Deferred decision returned to draft")
    return decision
