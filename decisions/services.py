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

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import models, transaction
from django.utils import timezone

# allowed/require: the one permission check (role rules only; superusers get no pass).
from prevent_compliance.accounts import two_factor
from prevent_compliance.rules import allowed, require
from prevent_compliance.sorting import natural_sort_key
from prevent_compliance.uploads import ValidatedUpload, random_storage_name, safe_original_name

from . import hooks, integrity, notify, selectors
from .models import (
    DECISION_FIELDS,
    DEFAULT_SECTIONS,
    Appendix,
    Decision,
    DecisionRelease,
    SupportingSection,
)
from .references import reference_allocate

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

    from toolkit.models import Section

    from .importer import ImportFile, ImportRecord
    from .interests.models import Confirmation
    from .models import DecisionImport

logger = logging.getLogger(__name__)

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
            "not_publish",
            "decisions.publish_decision",
            (Status.SIGNED,),
            "Record as not published",
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


# Steps for records still being decided: never for a sealed one (an imported record that was
# withdrawn or deferred in the original log stays as it was published).
UNSEALED_STEPS = frozenset({"withdraw", "defer", "resume"})


def available_transitions(user: User | AnonymousUser, decision: Decision) -> list[Transition]:
    """The steps this user may take on this decision now (what the page offers)."""
    offered = []
    for transition in TRANSITIONS.values():
        if decision.status not in transition.from_states:
            continue
        if transition.name in UNSEALED_STEPS and decision.is_sealed:
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
    if decision.status not in transition.from_states or (
        transition.name in UNSEALED_STEPS and decision.is_sealed
    ):
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
    decision.reference_sort_key = natural_sort_key(decision.reference)
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
        notify.decision_step(event=notify.Event.SUBMITTED, decision=decision, actor=actor)
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
        notify.decision_step(
            event=notify.Event.COMMENTED, decision=decision, actor=actor, by="Treasurer"
        )
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
        notify.decision_step(
            event=notify.Event.COMMENTED, decision=decision, actor=actor, by="Chief Executive"
        )
    return decision


def decision_approve(*, actor: User, decision: Decision) -> Decision:
    """The Chief Executive approves the record for the Commissioner's signature."""
    with transaction.atomic():
        decision = _begin(actor, decision, "approve")
        hooks.run(hooks.before_approve, actor=actor, decision=decision)
        decision.status = Status.AWAITING_SIGNATURE
        decision.approved_by = actor
        decision.approved_at = timezone.now()
        _save(decision, actor=actor, reason="Approved for signature")
        notify.decision_step(event=notify.Event.APPROVED, decision=decision, actor=actor)
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
        notify.decision_step(event=notify.Event.RETURNED, decision=decision, actor=actor)
    return decision


def decision_sign(
    *,
    actor: User,
    decision: Decision,
    declaration_confirmed: bool,
    password: str,
) -> Decision:
    """The Commissioner signs: declaration ticked, password re-entered; seals the content.

    The signature is the signing account's own name (its full name, else its username):
    a name typed in is only ever recorded for imported records. The decision's date cannot
    be after the day of signing. Two Commissioners signing at once queue on the row lock;
    the second finds the decision already signed and is refused, so there is exactly one
    signature.
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
        register = _register_to_sign_against(actor)
        now = timezone.now()
        decision.interests_declared = True
        decision.signed_register_version = register
        decision.signed_register_hash = register.content_hash
        decision.signed_by = actor
        decision.signatory_name = actor.get_full_name().strip() or actor.get_username()
        decision.signed_on = timezone.localdate(now)
        if decision.decision_date > decision.signed_on:
            raise InvalidTransition(
                f"This decision is dated {decision.decision_date.day} "
                f"{decision.decision_date:%B %Y}, after today: it cannot be signed before "
                "its date. Return it to draft to correct the date.",
                code="decision_date_after_signature",
            )
        decision.signed_at = now
        decision.status = Status.SIGNED
        integrity.seal(decision, at=now)
        _save(decision, actor=actor, reason=f"Signed by {decision.signatory_name}")
        hooks.run(hooks.after_sign, actor=actor, decision=decision)
        notify.decision_step(event=notify.Event.SIGNED, decision=decision, actor=actor)
    return decision


def _register_to_sign_against(actor: User) -> Confirmation:
    """The signer's latest register version, if confirmed recently and unchanged since.

    The declaration on every record says the register is up to date: a signer with no
    register, or one not confirmed within INTERESTS_CONFIRM_WITHIN_DAYS, or changed since it
    was confirmed, is refused with the reason and what to do. The holder row is locked so an
    entry cannot change between this check and the signature.
    """
    from .interests import selectors as interests

    holder = interests.holder_for(actor)
    if holder is not None:
        holder = type(holder).objects.select_for_update().get(pk=holder.pk)
    check = interests.freshness(holder)
    # ``ok`` implies a latest version; the second test only states it for the type checker.
    if not check.ok or check.latest is None:
        raise ValidationError(check.problem, code="register_not_confirmed")
    return check.latest


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
    """A signed record's status changes only with a new seal over content and status.

    The record now appears on the public log: ``published_on`` is that day the first time
    and is never changed afterwards.
    """
    _seal_intact(decision)
    now = timezone.now()
    decision.status = status
    decision.published_at = now
    if decision.published_on is None:
        decision.published_on = timezone.localdate(now)
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
        notify.decision_step(event=notify.Event.PUBLISHED, decision=decision, actor=actor)
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
        notify.decision_step(event=notify.Event.WITHHELD, decision=decision, actor=actor)
    return decision


def decision_not_publish(*, actor: User, decision: Decision, reason: str) -> Decision:
    """List a signed record on the public log as not published, with the reason and date
    (for example commercially sensitive): the office decided not to publish its content."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for not publishing the decision"})
    with transaction.atomic():
        decision = _begin(actor, decision, "not_publish")
        decision.status_note = reason
        decision.status_date = timezone.localdate()
        _reseal(decision, status=Status.NOT_PUBLISHED)
        _save(decision, actor=actor, reason=f"Recorded as not published: {reason[:70]}")
    return decision


def decision_withdraw(*, actor: User, decision: Decision, reason: str) -> Decision:
    """Withdraw an unsigned decision for good, saying why."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for withdrawing the decision"})
    with transaction.atomic():
        decision = _begin(actor, decision, "withdraw")
        decision.status = Status.WITHDRAWN
        decision.status_note = reason
        decision.status_date = timezone.localdate()
        _save(decision, actor=actor, reason=f"Withdrawn: {reason[:80]}")
        hooks.run(hooks.after_withdraw, actor=actor, decision=decision)
        notify.decision_step(event=notify.Event.WITHDRAWN, decision=decision, actor=actor)
    return decision


def decision_defer(*, actor: User, decision: Decision, reason: str) -> Decision:
    """The Commissioner defers a decision awaiting signature, saying why."""
    if not reason.strip():
        raise ValidationError({"reason": "Enter the reason for deferring the decision"})
    with transaction.atomic():
        decision = _begin(actor, decision, "defer")
        decision.status = Status.DEFERRED
        decision.status_note = reason
        decision.status_date = timezone.localdate()
        _save(decision, actor=actor, reason=f"Deferred: {reason[:80]}")
    return decision


def decision_resume(*, actor: User, decision: Decision) -> Decision:
    """Take a deferred decision back to draft so it can be reworked and resubmitted."""
    with transaction.atomic():
        decision = _begin(actor, decision, "resume")
        decision.status = Status.DRAFT
        decision.status_date = None
        decision.approved_by = None
        decision.approved_at = None
        _save(decision, actor=actor, reason="Deferred decision returned to draft")
    return decision


# --- Later release of withheld content ------------------------------------------------------


@dataclass(frozen=True)
class ReleaseInput:
    """What a later release opens: everything, or the chosen withheld parts."""

    scope: str
    released_on: date
    reason: str
    section_positions: tuple[int, ...] = ()
    appendix_ids: tuple[str, ...] = ()
    summary: bool = False
    text: str = ""


def releasable(decision: Decision) -> dict[str, Any]:
    """The withheld parts of a record that a release could open, not yet released:
    {"sections": [SupportingSection], "appendices": [Appendix], "summary": bool}."""
    released = selectors.released_parts(decision)
    sections = [
        s
        for s in decision.supporting_sections.order_by("position")
        if (s.withheld or decision.is_confidential) and s.position not in released["sections"]
    ]
    appendices = [
        a
        for a in decision.appendices.order_by("position")
        if (a.withheld or decision.is_confidential)
        and str(a.public_id) not in released["appendices"]
    ]
    return {
        "sections": sections,
        "appendices": appendices,
        "summary": decision.is_confidential and not released["summary"],
    }


def _release_date_errors(decision: Decision, wanted: ReleaseInput) -> dict[str, str]:
    errors = {}
    if not wanted.reason.strip():
        errors["reason"] = "Enter the reason for releasing the information"
    published = decision.publication_date
    if wanted.released_on > timezone.localdate():
        errors["released_on"] = "The date of release must be today or in the past"
    elif decision.signed_on and wanted.released_on < decision.signed_on:
        errors["released_on"] = "The date of release cannot be before the decision was signed"
    elif published and wanted.released_on < published:
        errors["released_on"] = (
            "The date of release cannot be before the decision first appeared on the log"
        )
    return errors


def _check_release(decision: Decision, wanted: ReleaseInput) -> dict[str, Any]:
    """The release's parts as stored, or ValidationError naming what is wrong."""
    if decision.status not in (Status.PUBLISHED, Status.WITHHELD):
        raise InvalidTransition(
            "Only a decision on the public log as published or withheld can have withheld "
            "content released.",
            code="release_state",
        )
    if decision.confidentiality == Confidentiality.NON_CONFIDENTIAL:
        raise InvalidTransition(
            "This decision is non-confidential: nothing of it is withheld.",
            code="release_nothing_withheld",
        )
    open_parts = releasable(decision)
    section_numbers = {s.position for s in open_parts["sections"]}
    appendix_ids = {str(a.public_id) for a in open_parts["appendices"]}
    if not (section_numbers or appendix_ids or open_parts["summary"]):
        raise InvalidTransition(
            "Everything withheld from this decision has already been released.",
            code="release_nothing_left",
        )
    errors = _release_date_errors(decision, wanted)
    if wanted.scope == DecisionRelease.Scope.WHOLE:
        values = {
            "section_positions": sorted(section_numbers),
            "appendix_ids": sorted(appendix_ids),
            "summary_released": open_parts["summary"],
        }
    elif wanted.scope == DecisionRelease.Scope.PART:
        values = _release_part(wanted, open_parts, section_numbers, appendix_ids, errors)
    else:
        raise ValidationError({"scope": "Choose whether the whole record or part is released"})
    if errors:
        raise ValidationError(errors)
    return {"scope": wanted.scope, "released_text": wanted.text.strip(), **values}


def _release_part(
    wanted: ReleaseInput,
    open_parts: dict,
    section_numbers: set[int],
    appendix_ids: set[str],
    errors: dict[str, str],
) -> dict[str, Any]:
    sections = sorted(set(wanted.section_positions))
    appendices = sorted(set(wanted.appendix_ids))
    summary = bool(wanted.summary)
    if set(sections) - section_numbers:
        errors["sections"] = "Choose sections from the list of withheld sections"
    if set(appendices) - appendix_ids:
        errors["appendices"] = "Choose appendices from the list of withheld appendices"
    if summary and not open_parts["summary"]:
        errors["summary"] = "The decision summary is not withheld"
    if not (sections or appendices or summary or wanted.text.strip()):
        errors["sections"] = "Choose what is released, or describe it"
    return {"section_positions": sections, "appendix_ids": appendices, "summary_released": summary}


def decision_release(*, actor: User, decision: Decision, release: ReleaseInput) -> DecisionRelease:
    """The Chief Executive releases withheld content of a sealed record, in whole or in part.

    Two-factor verified in this session. A new publication event with its own seal: the
    record's signed content, status and seal are checked and left exactly as they are.
    """
    require(actor, "decisions.release_decision", decision)
    if not two_factor.is_verified(actor):
        raise PermissionDenied("Confirm a code from your authenticator app to release content.")
    with transaction.atomic():
        locked = _lock(decision)
        _seal_intact(locked)
        values = _check_release(locked, release)
        now = timezone.now()
        event = DecisionRelease(
            decision=locked,
            released_on=release.released_on,
            reason=release.reason.strip(),
            decided_by=actor,
            decided_by_name=actor.get_full_name().strip() or actor.get_username(),
            created_at=now,
            decision_hash=locked.content_hash,
            **values,
        )
        integrity.seal_release(event)
        what = "the whole record" if event.scope == DecisionRelease.Scope.WHOLE else "part"
        _save(event, actor=actor, reason=f"Withheld content released ({what})")
    return event


# --- Importing an earlier decision log ------------------------------------------------------


IMPORT_REASON = "Imported from an earlier decision log"
# Rows written per INSERT: the queries of an import grow with the file only every this many.
IMPORT_BATCH = 500
# Foreign keys the import sets from trusted objects: not looked up again row by row.
_IMPORT_UNCHECKED = [
    "content_hash",
    "seal_key_version",
    "signed_by",
    "created_by",
    "approved_by",
    "treasurer_commented_by",
    "chief_executive_commented_by",
    "review_period",
]


def decisions_import(
    *,
    records: list[ImportRecord],
    actor: User | None = None,
    signed_by_user: User | None = None,
) -> list[Decision]:
    """Save records checked by ``importer.validate_import``, all or nothing, each sealed,
    keeping its reference (and register) as published; records marked already imported are
    skipped. Returns the records created.

    Written in bulk (decisions, their history, sections, toolkit links and links to the
    original documents, IMPORT_BATCH rows per INSERT), then read back in bulk and every seal
    checked against the stored copy, so the number of queries does not grow row by row.

    ``actor`` None is the command line (``manage.py import_decisions``): whoever can run it
    already has the server. A user given as ``actor`` must be allowed to import decision logs
    or to add decisions. ``signed_by_user`` links the signature to a user of this service
    (the demo data does this); imports from a file record the signatory's name only.
    """
    if actor is not None and not (
        allowed(actor, "decisions.import_decisions") or allowed(actor, "decisions.add_decision")
    ):
        require(actor, "decisions.import_decisions")
    from .importer import link_rows

    new = [record for record in records if not record.already_imported]
    now = timezone.now()
    with transaction.atomic():
        decisions = []
        for record in new:
            decision = _imported_decision(record, now=now, signed_by_user=signed_by_user)
            decision.clean_fields(exclude=_IMPORT_UNCHECKED)
            decision.clean()
            integrity.seal(
                decision,
                at=now,
                sections=record.sections,
                appendices=link_rows(record),
                toolkit_numbers=[s.number for s in record.toolkit_sections],
            )
            decisions.append(decision)
        _import_rows(decisions, new, actor=actor, now=now)
        _import_check_stored(decisions, new)
    return decisions


def _imported_decision(
    record: ImportRecord, *, now: datetime, signed_by_user: User | None
) -> Decision:
    values = dict(record.values)
    status = values.pop("status", None)
    if not status:
        confidential = values["confidentiality"] == Decision.Confidentiality.CONFIDENTIAL
        status = Decision.Status.WITHHELD if confidential else Decision.Status.PUBLISHED
    return Decision(
        **values,
        reference_sort_key=natural_sort_key(values["reference"]),
        signed_by=signed_by_user if values["signed_on"] else None,
        status=status,
        source=Decision.Source.IMPORTED,
        published_at=now,
    )


def _import_rows(
    decisions: list[Decision], records: list[ImportRecord], *, actor: User | None, now: datetime
) -> None:
    """Trusted: insert the sealed decisions and everything they hold, each with its history
    row ("+", by the actor, with the import's reason), a batch at a time."""
    from django.apps import apps

    history = {"default_user": actor, "default_change_reason": IMPORT_REASON, "default_date": now}
    Decision.objects.bulk_create(decisions, batch_size=IMPORT_BATCH)
    created = Decision.history.bulk_history_create(decisions, batch_size=IMPORT_BATCH, **history)
    sections, links, toolkit = [], [], []
    through = Decision.sections.through
    for decision, record in zip(decisions, records, strict=True):
        sections += [
            SupportingSection(
                decision=decision, position=n, heading=heading, body=body, withheld=withheld
            )
            for n, heading, body, withheld in record.sections
        ]
        links += [
            Appendix(
                decision=decision,
                position=n,
                title=title,
                url=url,
                is_original_notice=original,
                added_by=actor,
            )
            for n, title, url, original in record.links
        ]
        toolkit += [through(decision=decision, section=s) for s in record.toolkit_sections]
    SupportingSection.objects.bulk_create(sections, batch_size=IMPORT_BATCH)
    SupportingSection.history.bulk_history_create(sections, batch_size=IMPORT_BATCH, **history)
    Appendix.objects.bulk_create(links, batch_size=IMPORT_BATCH)
    Appendix.history.bulk_history_create(links, batch_size=IMPORT_BATCH, **history)
    through.objects.bulk_create(toolkit, batch_size=IMPORT_BATCH)
    # The toolkit sections in the decision's history row, as simple-history records them.
    historical_links = apps.get_model("decisions", "HistoricalDecision_sections")
    history_of = {row.id: row for row in created}
    historical_links.objects.bulk_create(
        [
            historical_links(
                id=link.pk,
                decision_id=link.decision_id,
                section_id=link.section_id,
                history=history_of[link.decision_id],
            )
            for link in toolkit
        ],
        batch_size=IMPORT_BATCH,
    )


def _import_check_stored(decisions: list[Decision], records: list[ImportRecord]) -> None:
    """Read the records back in bulk: every seal must verify against the stored copy."""
    position = {d.pk: r.position for d, r in zip(decisions, records, strict=True)}
    for chunk in integrity.in_chunks([d.pk for d in decisions], IMPORT_BATCH):
        stored = list(Decision.objects.filter(pk__in=chunk).select_related("signed_by"))
        for decision, result in integrity.check_seals(stored):
            if not result.ok:
                raise ValidationError(
                    f"record {position[decision.pk]} ({decision.reference}): the stored copy "
                    "differs from the file (nothing was imported)."
                )


# --- Import jobs: a file checked, previewed, confirmed and imported in the background ---------


def _import_job_values(parsed: ImportFile | None, records: list[ImportRecord]) -> dict:
    from .importer import preview_rows

    new = [r for r in records if not r.already_imported]
    return {
        "kind": parsed.kind if parsed else "",
        "row_count": len(records),
        "skipped_count": len(records) - len(new),
        "preview": preview_rows(records),
        "warnings": [w.as_dict() for w in parsed.warnings] if parsed else [],
        "notes": list(parsed.notes) if parsed else [],
    }


def decision_import_record(
    *,
    actor: User | None,
    name: str,
    parsed: ImportFile,
    records: list[ImportRecord],
    created: list[Decision] | None = None,
) -> DecisionImport:
    """Note an import made on the command line (or found to add nothing), with the file's
    SHA-256, so a later run of the same file can say when it was imported."""
    from .models import DecisionImport

    created = created or []
    now = timezone.now()
    job = DecisionImport(
        status=DecisionImport.Status.DONE if created else DecisionImport.Status.NOTHING_NEW,
        original_filename=name.replace("\\", "/").rsplit("/", 1)[-1][:255],
        file_size=0,
        sha256=parsed.sha256,
        requested_by=actor,
        created_count=len(created),
        created_references=[d.url_key for d in created],
        confirmed_at=now,
        started_at=now,
        finished_at=now,
        **_import_job_values(parsed, records),
    )
    job.full_clean(exclude=["file"])
    job.save()
    return job


def decision_import_check(*, actor: User, upload: IO[bytes], name: str) -> DecisionImport:
    """Read and check an uploaded log; the job records what was found (the preview).

    Nothing is imported here. A file with no problems is kept (under a random name) until
    the administrator confirms the import or starts again; a refused file is not kept.
    """
    from django.core.files.base import ContentFile

    from .importer import MAX_FILE_BYTES, ImportProblems, read_import, validate_import
    from .models import DecisionImport

    require(actor, "decisions.import_decisions")
    content = upload.read(MAX_FILE_BYTES + 1)
    job = DecisionImport(
        original_filename=safe_original_name(name),
        file_size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        requested_by=actor,
    )
    parsed = None
    try:
        parsed = read_import(content, name=name)
        job.kind = parsed.kind
        records = validate_import(parsed)
    except ImportProblems as exc:
        job.status = DecisionImport.Status.REFUSED
        job.problems = [p.as_dict() for p in exc.details]
        job.warnings = [w.as_dict() for w in (exc.warnings or (parsed.warnings if parsed else []))]
        job.notes = list(parsed.notes) if parsed else []
        job.kind = parsed.kind if parsed else ""
        job.full_clean(exclude=["file"])
        job.save()
        return job
    for key, value in _import_job_values(parsed, records).items():
        setattr(job, key, value)
    if job.skipped_count == job.row_count:
        job.status = DecisionImport.Status.NOTHING_NEW
        job.full_clean(exclude=["file"])
        job.save()
        return job
    job.status = DecisionImport.Status.CHECKED
    job.full_clean(exclude=["file"])
    job.file.save(
        random_storage_name("imports", f".{parsed.kind}"), ContentFile(content), save=False
    )
    try:
        with transaction.atomic():
            job.save()
    except Exception:
        job.file.storage.delete(job.file.name)
        raise
    return job


def decision_import_confirm(*, actor: User, job: DecisionImport) -> DecisionImport:
    """The administrator who checked the file confirms it: the worker imports it after this
    transaction commits (``decisions.tasks.run_decision_import``)."""
    from .models import DecisionImport
    from .tasks import run_decision_import

    require(actor, "decisions.import_decisions")
    with transaction.atomic():
        job = DecisionImport.objects.select_for_update().get(pk=job.pk)
        if job.requested_by_id != actor.pk:
            raise PermissionDenied("Only the administrator who uploaded the file may confirm it.")
        if job.status != DecisionImport.Status.CHECKED:
            raise ValidationError(
                "This import is %(status)s, so it cannot be started again. Upload the file "
                "again to check it.",
                code="import_state",
                params={"status": job.get_status_display().lower()},
            )
        job.status = DecisionImport.Status.QUEUED
        job.confirmed_at = timezone.now()
        job.save(update_fields=["status", "confirmed_at"])
        transaction.on_commit(lambda: run_decision_import.enqueue(job.pk))
    return job


INTERRUPTED = (
    "The import stopped before it finished (the background worker was stopped). Everything "
    "is saved in one transaction, so nothing was imported. Upload the file again to retry."
)


def _decision_import_run(job_id: int) -> str:
    """Trusted (the worker): import a confirmed job's file in one transaction.

    The job is marked running in its own committed write first; if the worker dies during
    the import, the transaction is rolled back by the database and the next attempt finds
    the job still running, and marks it failed.
    """
    from .importer import ImportProblems, read_import, validate_import
    from .models import DecisionImport

    job = DecisionImport.objects.select_related("requested_by").get(pk=job_id)
    if job.status == DecisionImport.Status.RUNNING:
        job.status, job.error = DecisionImport.Status.FAILED, INTERRUPTED
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "error", "finished_at"])
        return job.status
    if job.status != DecisionImport.Status.QUEUED:
        return job.status
    job.status, job.started_at = DecisionImport.Status.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    try:
        with job.file.open("rb") as handle:
            content = handle.read()
        records = validate_import(read_import(content, name=job.original_filename))
        created = decisions_import(records=records, actor=job.requested_by)
    except ImportProblems as exc:  # the log changed since the preview
        job.status, job.problems = DecisionImport.Status.FAILED, [p.as_dict() for p in exc.details]
        job.error = "The file no longer passes its checks (the log has changed since). " + str(exc)
    except Exception as exc:  # the page must say it failed rather than wait forever
        logger.exception("Decision import %s failed", job.public_id)
        job.status = DecisionImport.Status.FAILED
        job.error = f"The import failed, so nothing was imported ({type(exc).__name__}: {exc})"[
            :1000
        ]
    else:
        job.status = DecisionImport.Status.DONE
        job.created_count = len(created)
        job.skipped_count = len(records) - len(created)
        job.created_references = [d.url_key for d in created]
    job.finished_at = timezone.now()
    job.save()
    return job.status
