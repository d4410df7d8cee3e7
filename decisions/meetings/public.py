"""What the public sees of meetings and the forward plan, built in one place for the pages,
CSV and JSON alike, so no file can show more than the page does.

- A private meeting is listed only where matters of significant public interest were
  discussed, and then only as "a private meeting of <board> on <date>": no title, time,
  place, agenda, papers, minutes or attendees.
- A withheld agenda item, and every paper of it, is left out; a withheld paper too.
- A forward plan entry expected to be confidential is shown as "A confidential decision
  about <general subject>", with its month, decision maker and status, never its title,
  summary or reason. It stays listed (rather than hidden) because the plan's point is advance
  notice that a decision is coming; the subject the office writes for it gives nothing away.
- What became of an entry links to the public decision record only when that decision is
  published; otherwise the status alone is shown.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from decisions.models import Decision

from .models import AgendaItem, ForwardPlanEntry, Meeting

PRIVATE_LABEL = "Private meeting"


@dataclass(frozen=True)
class PublicMeeting:
    public_id: str
    board: str
    is_public: bool
    day: date
    starts_at: datetime | None
    title: str
    place: str
    url: str

    @property
    def heading(self) -> str:
        return self.title if self.is_public else f"{PRIVATE_LABEL} of {self.board}"


def public_meeting_row(meeting: Meeting) -> PublicMeeting:
    local = timezone.localtime(meeting.starts_at)
    if not meeting.is_public:
        return PublicMeeting("", meeting.board.name, False, local.date(), None, "", "", "")
    return PublicMeeting(
        public_id=str(meeting.public_id),
        board=meeting.board.name,
        is_public=True,
        day=local.date(),
        starts_at=local,
        title=meeting.display_title,
        place=meeting.place,
        url=meeting.get_public_url(),
    )


MEETING_FIELDS = ["board", "meeting", "public", "date", "time", "place", "url"]


def meeting_feed_row(meeting: Meeting) -> dict:
    row = public_meeting_row(meeting)
    return {
        "board": row.board,
        "meeting": row.heading,
        "public": row.is_public,
        "date": row.day.isoformat(),
        "time": row.starts_at.strftime("%H:%M") if row.starts_at else "",
        "place": row.place,
        "url": settings.SITE_URL + row.url if row.url else "",
    }


AGENDA_FIELDS = ["board", "meeting_date", "meeting_url", "number", "title"]


def agenda_feed_row(item: AgendaItem) -> dict:
    meeting = item.meeting
    return {
        "board": meeting.board.name,
        "meeting_date": timezone.localtime(meeting.starts_at).date().isoformat(),
        "meeting_url": settings.SITE_URL + meeting.get_public_url(),
        "number": item.number,
        "title": item.title,
    }


@dataclass(frozen=True)
class PublicPlanEntry:
    title: str
    summary: str
    expected: str
    expected_month: str  # YYYY-MM
    decision_maker: str
    confidential: bool
    status: str
    status_label: str
    reason: str
    decision_reference: str
    decision_url: str


def _published(decision: Decision | None) -> bool:
    return bool(
        decision is not None and decision.is_public and decision.status == Decision.Status.PUBLISHED
    )


def public_plan_entry(entry: ForwardPlanEntry) -> PublicPlanEntry:
    confidential = entry.expected_confidential
    decision = entry.decision if _published(entry.decision) else None
    return PublicPlanEntry(
        title=(
            f"A confidential decision about {entry.public_subject}" if confidential else entry.title
        ),
        summary="" if confidential else entry.summary,
        expected=entry.expected_label,
        expected_month=f"{entry.expected_year:04d}-{entry.expected_month:02d}",
        decision_maker=entry.get_decision_maker_display(),
        confidential=confidential,
        status=entry.status,
        status_label=entry.get_status_display(),
        reason="" if confidential else entry.status_reason,
        decision_reference=decision.reference if decision else "",
        decision_url=decision.get_public_url() if decision else "",
    )


PLAN_FIELDS = [
    "title",
    "summary",
    "expected_month",
    "decision_maker",
    "expected_confidential",
    "status",
    "reason",
    "decision_reference",
    "decision_url",
]


def plan_feed_row(entry: ForwardPlanEntry) -> dict:
    row = public_plan_entry(entry)
    return {
        "title": row.title,
        "summary": row.summary,
        "expected_month": row.expected_month,
        "decision_maker": row.decision_maker,
        "expected_confidential": row.confidential,
        "status": row.status_label,
        "reason": row.reason,
        "decision_reference": row.decision_reference,
        "decision_url": settings.SITE_URL + row.decision_url if row.decision_url else "",
    }


def public_list_url(name: str) -> str:
    return settings.SITE_URL + reverse(name)
