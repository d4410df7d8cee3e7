"""The records the meetings URLs name in tests/test_permission_matrix.py, made once (on the
first row that needs them) inside the matrix module's transaction."""

from decisions.meetings import services
from decisions.meetings.models import Board, ForwardPlanEntry

from .helpers import add_paper, at


def _records(world):
    """Found again, or made, on every call: each matrix test rolls back what it made."""
    officer = world.personas["officer"]
    board = Board.objects.filter(name="Matrix board").first()
    if board is not None:
        meeting = board.meetings.get()
        return {
            "board": board,
            "meeting": meeting,
            "item": meeting.agenda_items.get(),
            "document": meeting.documents.get(),
            "attendee": meeting.attendees.get(),
            "entry": ForwardPlanEntry.objects.get(title="Matrix plan entry"),
        }
    board = services.board_create(actor=officer, name="Matrix board")
    meeting = services.meeting_create(
        actor=officer, board=board, starts_at=at(2025, 6, 3), place="Room 1", is_public=True
    )
    services.agenda_item_save(actor=officer, meeting=meeting, number=1, title="Item")
    add_paper(officer, meeting, "Minutes", kind="minutes")
    services.attendee_add(actor=officer, meeting=meeting, name="Chair")
    services.plan_entry_create(
        actor=officer,
        title="Matrix plan entry",
        expected_year=2026,
        expected_month=1,
        decision_maker="pcc",
    )
    return _records(world)


def _meeting(world):
    return {"public_id": _records(world)["meeting"].public_id}


def _document(world):
    return {"document_id": _records(world)["document"].public_id}


def _item(world):
    records = _records(world)
    return {"public_id": records["meeting"].public_id, "item_id": records["item"].public_id}


def _attendee(world):
    records = _records(world)
    return {
        "public_id": records["meeting"].public_id,
        "attendee_id": records["attendee"].public_id,
    }


KWARGS = {
    "meetings:public_detail": _meeting,
    "meetings:public_document_download": _document,
    "meetings:detail": _meeting,
    "meetings:edit": _meeting,
    "meetings:decision_link": _meeting,
    "meetings:decision_unlink": _meeting,
    "meetings:item_add": _meeting,
    "meetings:item_edit": _item,
    "meetings:item_remove": _item,
    "meetings:document_add": _meeting,
    "meetings:document_download": _document,
    "meetings:document_remove": _document,
    "meetings:document_evidence": _document,
    "meetings:attendee_add": _meeting,
    "meetings:attendee_remove": _attendee,
    "meetings:board_edit": lambda w: {"board_id": _records(w)["board"].public_id},
    "meetings:plan_edit": lambda w: {"public_id": _records(w)["entry"].public_id},
    "meetings:plan_start_draft": lambda w: {"public_id": _records(w)["entry"].public_id},
    "meetings:link_edit": lambda w: {"class_key": "budget"},
}
