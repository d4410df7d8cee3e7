"""Every change to meetings, the forward plan and the publication links: one function each,
keyword-only, in a transaction, checking the actor's permission, validating, and setting the
history's change reason."""

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import models, transaction
from django.utils import timezone

from decisions import services as decision_services
from decisions.models import Decision
from prevent_compliance.rules import require
from prevent_compliance.uploads import ValidatedUpload, random_storage_name, validate_upload
from toolkit import services as toolkit_services
from toolkit.models import Criterion, Evidence, Section

from .models import (
    AgendaItem,
    Attendee,
    Board,
    ForwardPlanEntry,
    Meeting,
    MeetingDocument,
    PublicationLink,
)

MEETING_FIELDS = (
    "board",
    "title",
    "starts_at",
    "place",
    "is_public",
    "significant_public_interest",
)
BOARD_FIELDS = ("name", "description", "active")
PLAN_FIELDS = (
    "title",
    "summary",
    "expected_year",
    "expected_month",
    "decision_maker",
    "expected_confidential",
    "public_subject",
    "status",
    "status_reason",
    "decision",
)


def _record_as(instance: models.Model, *, actor: User | None, reason: str) -> None:
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]


def _save(instance: models.Model, *, actor: User | None, reason: str) -> None:
    instance.full_clean()
    _record_as(instance, actor=actor, reason=reason)
    instance.save()


def _apply(instance: models.Model, fields: dict[str, Any], allowed: tuple[str, ...]) -> bool:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")
    changed = False
    for key, value in fields.items():
        if getattr(instance, key) != value:
            setattr(instance, key, value)
            changed = True
    return changed


# --- Boards ---------------------------------------------------------------------------------


def board_create(*, actor: User, name: str, description: str = "", active: bool = True) -> Board:
    """A new board or panel."""
    require(actor, "decisions.manage_meetings")
    board = Board(name=name, description=description, active=active)
    with transaction.atomic():
        _save(board, actor=actor, reason="Board added")
    return board


def board_update(*, actor: User, board: Board, **fields: Any) -> Board:
    """Change a board's name, purpose or whether it still meets."""
    require(actor, "decisions.manage_meetings")
    with transaction.atomic():
        if _apply(board, fields, BOARD_FIELDS):
            _save(board, actor=actor, reason="Board changed")
    return board


# --- Meetings -------------------------------------------------------------------------------


def _check_private_flags(meeting: Meeting) -> None:
    if meeting.is_public and meeting.significant_public_interest:
        # A public meeting is published in full; the flag only means something for a private one.
        meeting.significant_public_interest = False


def meeting_create(
    *,
    actor: User,
    board: Board,
    starts_at: datetime,
    place: str,
    is_public: bool,
    title: str = "",
    significant_public_interest: bool = False,
) -> Meeting:
    """A meeting of a board, public or private."""
    require(actor, "decisions.manage_meetings")
    meeting = Meeting(
        board=board,
        title=title,
        starts_at=starts_at,
        place=place,
        is_public=is_public,
        significant_public_interest=significant_public_interest,
        created_by=actor,
    )
    _check_private_flags(meeting)
    with transaction.atomic():
        _save(meeting, actor=actor, reason="Meeting added")
    return meeting


def meeting_update(*, actor: User, meeting: Meeting, **fields: Any) -> Meeting:
    """Change when, where and whether a meeting is public."""
    require(actor, "decisions.manage_meetings")
    with transaction.atomic():
        if _apply(meeting, fields, MEETING_FIELDS):
            _check_private_flags(meeting)
            _save(meeting, actor=actor, reason="Meeting changed")
    return meeting


def meeting_link_decision(*, actor: User, meeting: Meeting, reference: str) -> Decision:
    """Record that the meeting considered the decision with this reference."""
    require(actor, "decisions.manage_meetings")
    decision = _decision_by_reference(reference, field="reference")
    with transaction.atomic():
        if not meeting.decisions.filter(pk=decision.pk).exists():
            _record_as(meeting, actor=actor, reason=f"Decision {decision.reference} linked")
            meeting.decisions.add(decision)
    return decision


def meeting_unlink_decision(*, actor: User, meeting: Meeting, decision: Decision) -> None:
    """The meeting did not consider this decision after all."""
    require(actor, "decisions.manage_meetings")
    with transaction.atomic():
        _record_as(meeting, actor=actor, reason=f"Decision {decision.reference} unlinked")
        meeting.decisions.remove(decision)


def _decision_by_reference(reference: str, *, field: str) -> Decision:
    reference = (reference or "").strip()
    matches = list(Decision.objects.filter(reference=reference).order_by("register", "pk")[:2])
    if not matches:
        raise ValidationError({field: "No decision has this reference: check it and try again"})
    if len(matches) > 1:
        raise ValidationError(
            {
                field: "Several registers have a decision with this reference: link it from the "
                "decision's own register"
            }
        )
    return matches[0]


# --- Agenda items ---------------------------------------------------------------------------


def agenda_item_save(
    *,
    actor: User,
    meeting: Meeting,
    number: int,
    title: str,
    withheld: bool = False,
    exemption: str = "",
    item: AgendaItem | None = None,
) -> AgendaItem:
    """Add an agenda item, or change one; a withheld item names its FOI exemption."""
    require(actor, "decisions.manage_meetings")
    item = item or AgendaItem(meeting=meeting)
    if item.meeting_id != meeting.pk:
        raise ValidationError("This item belongs to another meeting.")
    new = item.pk is None
    values = {"number": number, "title": title, "withheld": withheld, "exemption": exemption}
    with transaction.atomic():
        if new or _apply(item, values, tuple(values)):
            if new:
                _apply(item, values, tuple(values))
            _save(item, actor=actor, reason="Agenda item added" if new else "Agenda item changed")
    return item


def agenda_item_remove(*, actor: User, item: AgendaItem) -> None:
    """Take an item off the agenda (its papers stay with the meeting)."""
    require(actor, "decisions.manage_meetings")
    with transaction.atomic():
        _record_as(item, actor=actor, reason="Agenda item removed")
        item.delete()


# --- Papers ---------------------------------------------------------------------------------


def document_add(
    *,
    actor: User,
    meeting: Meeting,
    kind: str,
    title: str,
    upload: File,
    upload_info: ValidatedUpload,
    agenda_item: AgendaItem | None = None,
    withheld: bool = False,
    exemption: str = "",
) -> MeetingDocument:
    """Store a validated file (validate_upload) under a random name with its SHA-256; the
    stored file is removed again if the row cannot be saved."""
    require(actor, "decisions.manage_meetings")
    document = MeetingDocument(
        meeting=meeting,
        agenda_item=agenda_item,
        kind=kind,
        title=title,
        file=upload,
        original_filename=upload_info.original_name,
        content_type=upload_info.content_type,
        file_size=upload_info.size,
        sha256=upload_info.sha256,
        withheld=withheld,
        exemption=exemption,
        added_by=actor,
    )
    # Named on the field's file: UploadedFile.name would silently drop the folders.
    document.file.name = random_storage_name(f"meetings/{timezone.now():%Y}", upload_info.extension)
    try:
        with transaction.atomic():
            _save(document, actor=actor, reason="Paper added")
    except Exception:
        if document.file and document.file.name:
            document.file.storage.delete(document.file.name)
        raise
    return document


def document_remove(*, actor: User, document: MeetingDocument) -> None:
    """Remove a paper from a meeting (the stored file is kept for the history)."""
    require(actor, "decisions.manage_meetings")
    with transaction.atomic():
        _record_as(document, actor=actor, reason="Paper removed")
        document.delete()


def document_link_evidence(
    *,
    actor: User,
    document: MeetingDocument,
    section: Section | None = None,
    criterion: Criterion | None = None,
    evidence: Evidence | None = None,
    effective_date: date | None = None,
) -> Evidence:
    """Make a paper count as toolkit evidence: link an existing evidence item, or create one
    for the section (and criterion) with a copy of the file, through the toolkit's service."""
    require(actor, "decisions.manage_meetings")
    if evidence is None:
        if section is None:
            raise ValidationError(
                {"section": "Select the toolkit section the paper is evidence for"}
            )
        evidence = _evidence_from(
            actor=actor,
            document=document,
            section=section,
            criterion=criterion,
            effective_date=effective_date,
        )
    with transaction.atomic():
        document.evidence = evidence
        _save(document, actor=actor, reason=f"Linked as evidence: {evidence.title[:60]}")
    return evidence


# Keyed by the stored value (a paper's ``kind`` is a plain str when read from the database).
EVIDENCE_KINDS: dict[str, str] = {
    MeetingDocument.Kind.MINUTES: Evidence.Kind.MINUTES,
    MeetingDocument.Kind.REPORT: Evidence.Kind.REPORT,
    MeetingDocument.Kind.TERMS: Evidence.Kind.POLICY,
}


def _evidence_from(
    *,
    actor: User,
    document: MeetingDocument,
    section: Section,
    criterion: Criterion | None,
    effective_date: date | None,
) -> Evidence:
    with document.file.open("rb") as stored:
        copy = ContentFile(stored.read(), name=document.original_filename)
    # The copy is checked again as any upload is: a stored file is not trusted blindly.
    info = validate_upload(copy)
    meeting = document.meeting
    return toolkit_services.evidence_create(
        actor=actor,
        title=f"{document.title} – {meeting.display_title}, {meeting.starts_at:%d %B %Y}"[:200],
        kind=EVIDENCE_KINDS.get(document.kind, Evidence.Kind.OTHER),
        effective_date=effective_date or timezone.localtime(meeting.starts_at).date(),
        sections=[section],
        criteria=[criterion] if criterion else [],
        description=f"Paper of the meeting of {meeting.board.name} "
        f"on {meeting.starts_at:%d %B %Y}.",
        upload=copy,
        upload_info=info,
    )


# --- Attendees ------------------------------------------------------------------------------


def attendee_add(
    *, actor: User, meeting: Meeting, name: str = "", role: str = "", user: User | None = None
) -> Attendee:
    """Record who attended: a name and role as published, or a user of this service."""
    require(actor, "decisions.manage_meetings")
    if not name.strip() and user is not None:
        name = user.get_full_name() or user.get_username()
    attendee = Attendee(meeting=meeting, name=name.strip(), role=role.strip(), user=user)
    with transaction.atomic():
        _save(attendee, actor=actor, reason="Attendee added")
    return attendee


def attendee_remove(*, actor: User, attendee: Attendee) -> None:
    require(actor, "decisions.manage_meetings")
    with transaction.atomic():
        _record_as(attendee, actor=actor, reason="Attendee removed")
        attendee.delete()


# --- Forward plan ---------------------------------------------------------------------------


def plan_entry_create(*, actor: User, **fields: Any) -> ForwardPlanEntry:
    """A decision the office expects to take."""
    require(actor, "decisions.manage_forward_plan")
    entry = ForwardPlanEntry(created_by=actor)
    _apply(entry, fields, PLAN_FIELDS)
    with transaction.atomic():
        _save(entry, actor=actor, reason="Forward plan entry added")
    return entry


def plan_entry_update(*, actor: User, entry: ForwardPlanEntry, **fields: Any) -> ForwardPlanEntry:
    """Change an entry, or say what became of it (taken, deferred or withdrawn, with why)."""
    require(actor, "decisions.manage_forward_plan")
    with transaction.atomic():
        if _apply(entry, fields, PLAN_FIELDS):
            _save(entry, actor=actor, reason="Forward plan entry changed")
    return entry


def plan_entry_start_draft(
    *, actor: User, entry: ForwardPlanEntry, today: date | None = None
) -> Decision:
    """A draft decision prefilled from the entry (title, summary, decision maker), linked to
    it. Refused if the entry already has a decision or is no longer planned."""
    with transaction.atomic():
        entry = ForwardPlanEntry.objects.select_for_update().get(pk=entry.pk)
        if entry.decision_id:
            raise ValidationError(
                "This entry already has a decision record: open it from the forward plan."
            )
        if entry.status != ForwardPlanEntry.Status.PLANNED:
            raise ValidationError(
                "Only a planned entry can start a draft: this one is %(status)s.",
                params={"status": entry.get_status_display().lower()},
            )
        decision = decision_services.decision_create(
            actor=actor,
            title=entry.title,
            summary=entry.summary,
            decision_date=today or timezone.localdate(),
            decision_maker=entry.decision_maker,
            today=today,
        )
        entry.decision = decision
        _save(entry, actor=actor, reason=f"Draft decision {decision.reference} started")
    return decision


# --- Publication links ----------------------------------------------------------------------


def publication_link_set(
    *, actor: User, class_key: str, url: str, note: str = ""
) -> PublicationLink | None:
    """Set where the office publishes a class of information; an empty address removes it."""
    require(actor, "decisions.manage_publication_links")
    with transaction.atomic():
        link = PublicationLink.objects.filter(class_key=class_key).first()
        if not url:
            if link is not None:
                _record_as(link, actor=actor, reason="Address removed")
                link.delete()
            return None
        link = link or PublicationLink(class_key=class_key)
        if link.pk and link.url == url and link.note == note:
            return link
        link.url, link.note, link.updated_by = url, note, actor
        _save(link, actor=actor, reason="Address set")
    return link
