"""Reads the pages share, with their joins done. The ``public_*`` ones are the only way the
public pages, files and the decision page's include reach these records: each leaves out
private meetings (but the date and board of one where matters of significant public interest
were discussed), withheld agenda items and their papers, and withheld papers."""

from uuid import UUID

from django.db.models import Count, Prefetch, Q, QuerySet

from decisions.models import Decision
from toolkit.models import Evidence

from .models import AgendaItem, Board, ForwardPlanEntry, Meeting, MeetingDocument

# --- Staff ----------------------------------------------------------------------------------


def meeting_list(*, board: Board | None = None) -> QuerySet[Meeting]:
    meetings = Meeting.objects.select_related("board").annotate(
        item_count=Count("agenda_items", distinct=True),
        document_count=Count("documents", distinct=True),
    )
    return meetings.filter(board=board) if board else meetings


def board_list() -> QuerySet[Board]:
    return Board.objects.annotate(meeting_count=Count("meetings"))


def meeting_detail(public_id: UUID | str) -> Meeting:
    return (
        Meeting.objects.select_related("board")
        .prefetch_related(
            "agenda_items",
            Prefetch(
                "documents",
                queryset=MeetingDocument.objects.select_related("agenda_item", "evidence"),
            ),
            "attendees__user",
            Prefetch("decisions", queryset=Decision.objects.order_by("-decision_date", "-pk")),
        )
        .get(public_id=public_id)
    )


def plan_list() -> QuerySet[ForwardPlanEntry]:
    return ForwardPlanEntry.objects.select_related("decision")


def linkable_evidence() -> QuerySet[Evidence]:
    """Evidence a paper may be linked to: the most recent minutes, reports and policies."""
    kinds = [Evidence.Kind.MINUTES, Evidence.Kind.REPORT, Evidence.Kind.POLICY]
    return Evidence.objects.filter(kind__in=kinds).order_by("-effective_date", "-pk")[:200]


def meetings_of_decision(decision: Decision) -> QuerySet[Meeting]:
    return decision.meetings.select_related("board").order_by("-starts_at")


# --- Public ---------------------------------------------------------------------------------

LISTED = Q(is_public=True) | Q(significant_public_interest=True)


def public_meetings() -> QuerySet[Meeting]:
    """Public meetings, and private ones where matters of significant public interest were
    discussed (their date and board only: the pages show nothing else of them)."""
    return Meeting.objects.filter(LISTED).select_related("board").order_by("-starts_at", "-pk")


def public_items() -> QuerySet[AgendaItem]:
    return AgendaItem.objects.filter(meeting__is_public=True, withheld=False)


def public_documents() -> QuerySet[MeetingDocument]:
    return MeetingDocument.objects.filter(meeting__is_public=True, withheld=False).filter(
        Q(agenda_item__isnull=True) | Q(agenda_item__withheld=False)
    )


def public_meeting(public_id: UUID | str) -> Meeting:
    """A public meeting with only its published items and papers (DoesNotExist otherwise)."""
    return (
        Meeting.objects.filter(is_public=True)
        .select_related("board")
        .prefetch_related(
            Prefetch(
                "agenda_items",
                queryset=AgendaItem.objects.filter(withheld=False),
                to_attr="public_items",
            ),
            Prefetch(
                "documents",
                queryset=public_documents().select_related("agenda_item"),
                to_attr="public_documents",
            ),
            "attendees",
            Prefetch(
                "decisions",
                queryset=Decision.objects.public().order_by("-decision_date"),
                to_attr="public_decisions",
            ),
        )
        .get(public_id=public_id)
    )


def public_document(public_id: UUID | str) -> MeetingDocument:
    return public_documents().select_related("meeting").get(public_id=public_id)


def public_agenda_rows() -> QuerySet[AgendaItem]:
    """Every published agenda item of every public meeting, for the open data."""
    return (
        public_items()
        .select_related("meeting__board")
        .order_by("-meeting__starts_at", "meeting__pk", "number")
    )


def public_plan() -> QuerySet[ForwardPlanEntry]:
    return ForwardPlanEntry.objects.select_related("decision").order_by(
        "expected_year", "expected_month", "pk"
    )


def public_meetings_of_public_decision(url_key: str) -> list[Meeting]:
    """The listed meetings that considered the public record with this address (one query)."""
    records = Decision.objects.public().by_url_key(url_key).values("pk")
    return list(
        Meeting.objects.filter(LISTED, decisions__in=records)
        .select_related("board")
        .order_by("-starts_at")
        .distinct()
    )
