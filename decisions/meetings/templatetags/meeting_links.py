"""The meetings that considered a decision, for the decision's own pages (staff and public),
so the decisions app's views need not know this app exists."""

from django import template

from decisions.models import Decision

from .. import public, selectors

register = template.Library()


@register.inclusion_tag("meetings/partials/decision_meetings.html", takes_context=True)
def decision_meetings(context, decision: Decision):
    """Staff page: every meeting that considered the decision, public or private."""
    return {"meetings": list(selectors.meetings_of_decision(decision)), "public": False}


@register.inclusion_tag("meetings/partials/decision_meetings.html")
def public_decision_meetings(url_key: str):
    """Public record: its public meetings (linked) and the date of any private meeting of
    significant public interest; nothing of any other private meeting."""
    meetings = selectors.public_meetings_of_public_decision(url_key)
    return {"rows": [public.public_meeting_row(m) for m in meetings], "public": True}
