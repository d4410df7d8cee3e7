"""Boards, meetings, their papers and the forward plan with a History page and a place in
the audit log (prevent_compliance/audit/)."""

from django.db.models import F

from prevent_compliance.audit.registry import register_history

from .models import AgendaItem, Attendee, Board, ForwardPlanEntry, Meeting, MeetingDocument

register_history("meetings-board", Board, view_perm="decisions.view_meetings", title=F("name"))
register_history("meeting", Meeting, view_perm="decisions.view_meetings", title=F("title"))
register_history(
    "meetings-agenda-item", AgendaItem, view_perm="decisions.view_meetings", title=F("title")
)
register_history(
    "meetings-paper",
    MeetingDocument,
    view_perm="decisions.view_meetings",
    title=F("title"),
    # The stored file's random name says nothing; its name, size and hash are shown instead.
    exclude=("file",),
)
register_history(
    "meetings-attendee", Attendee, view_perm="decisions.view_meetings", title=F("name")
)
register_history(
    "forward-plan-entry", ForwardPlanEntry, view_perm="decisions.view_meetings", title=F("title")
)
