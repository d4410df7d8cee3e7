"""Meetings, papers and plan entries for tests, made through the services."""

from datetime import datetime

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from decisions.importer import validate_import
from decisions.meetings import services
from decisions.meetings.models import ForwardPlanEntry
from prevent_compliance.devdata.files import tiny_pdf
from prevent_compliance.uploads import validate_upload

# Strings that appear nowhere else: found on a public page or file, private content leaked.
PRIVATE_TITLE = "QZV-PRIVATE-TITLE-31c8"
PRIVATE_PLACE = "QZV-PRIVATE-PLACE-77aa"
PRIVATE_MINUTES = "QZV-PRIVATE-MINUTES-5e02"
WITHHELD_ITEM = "QZV-WITHHELD-ITEM-90bd"
WITHHELD_REPORT = "QZV-WITHHELD-REPORT-4c11"
WITHHELD_PAPER = "QZV-WITHHELD-PAPER-d2e6"
CONFIDENTIAL_PLAN = "QZV-CONFIDENTIAL-PLAN-6f3b"
CONFIDENTIAL_REASON = "QZV-CONFIDENTIAL-REASON-a81e"
MARKERS = [
    PRIVATE_TITLE,
    PRIVATE_PLACE,
    PRIVATE_MINUTES,
    WITHHELD_ITEM,
    WITHHELD_REPORT,
    WITHHELD_PAPER,
    CONFIDENTIAL_PLAN,
    CONFIDENTIAL_REASON,
]


def at(year, month, day, hour=10, minute=0):
    return timezone.make_aware(datetime(year, month, day, hour, minute))  # noqa: DTZ001


def pdf(name="paper.pdf", text="Paper"):
    upload = SimpleUploadedFile(name, tiny_pdf(text))
    return upload, validate_upload(upload)


def add_paper(actor, meeting, title, *, kind="minutes", **extra):
    upload, info = pdf(f"{kind}.pdf", title)
    return services.document_add(
        actor=actor,
        meeting=meeting,
        kind=kind,
        title=title,
        upload=upload,
        upload_info=info,
        **extra,
    )


def published_decision(reference="WPCC4-0101", title="Published decision", **extra):
    """A sealed, published record (imported: no signing needed)."""
    from decisions.services import decisions_import

    record = {
        "reference": reference,
        "title": title,
        "decision_date": "2025-06-10",
        "confidentiality": "non-confidential",
        "summary": f"What was decided in {reference}.",
        **extra,
    }
    decisions_import(records=validate_import([record]))
    from decisions.models import Decision

    return Decision.objects.get(reference=reference)


def make_world(officer):
    """A public meeting with a withheld item and paper, a private meeting of significant
    public interest with minutes, a plain private meeting, and a confidential plan entry."""
    board = services.board_create(actor=officer, name="Accountability board")
    public = services.meeting_create(
        actor=officer,
        board=board,
        starts_at=at(2025, 6, 3, 14, 30),
        place="Conference room, Police HQ",
        is_public=True,
        title="Quarterly accountability meeting",
    )
    services.agenda_item_save(actor=officer, meeting=public, number=1, title="Performance report")
    withheld = services.agenda_item_save(
        actor=officer,
        meeting=public,
        number=2,
        title=f"Estates {WITHHELD_ITEM}",
        withheld=True,
        exemption="s43",
    )
    add_paper(officer, public, "Minutes of the quarterly meeting", kind="minutes")
    add_paper(officer, public, f"Report {WITHHELD_REPORT}", kind="report", agenda_item=withheld)
    add_paper(
        officer, public, f"Paper {WITHHELD_PAPER}", kind="other", withheld=True, exemption="s31"
    )
    services.attendee_add(actor=officer, meeting=public, name="Chief Constable", role="Attending")
    private_spi = services.meeting_create(
        actor=officer,
        board=board,
        starts_at=at(2025, 7, 1),
        place=PRIVATE_PLACE,
        is_public=False,
        significant_public_interest=True,
        title=PRIVATE_TITLE,
    )
    add_paper(officer, private_spi, f"Minutes {PRIVATE_MINUTES}", kind="minutes")
    services.agenda_item_save(
        actor=officer, meeting=private_spi, number=1, title=f"Item {PRIVATE_TITLE}"
    )
    private = services.meeting_create(
        actor=officer,
        board=services.board_create(actor=officer, name="Audit committee"),
        starts_at=at(2025, 8, 1),
        place=PRIVATE_PLACE,
        is_public=False,
        title=f"{PRIVATE_TITLE} unlisted",
    )
    entry = services.plan_entry_create(
        actor=officer,
        title=f"Sale of {CONFIDENTIAL_PLAN}",
        summary=f"Summary {CONFIDENTIAL_PLAN}",
        expected_year=2026,
        expected_month=3,
        decision_maker="pcc",
        expected_confidential=True,
        public_subject="estates",
        status=ForwardPlanEntry.Status.DEFERRED,
        status_reason=f"Reason {CONFIDENTIAL_REASON}",
    )
    open_entry = services.plan_entry_create(
        actor=officer,
        title="Prevent partnership funding 2026-27",
        summary="Funding for the partnership's plan.",
        expected_year=2026,
        expected_month=4,
        decision_maker="pcc",
    )
    return {
        "board": board,
        "public": public,
        "private_spi": private_spi,
        "private": private,
        "confidential_entry": entry,
        "open_entry": open_entry,
    }
