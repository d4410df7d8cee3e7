"""What training records add to toolkit features: refresher reminders and the annual review.

Registered by ``TrainingConfig.ready()`` through the toolkit's registries, so
``toolkit/reminders.py`` and ``toolkit/annual_review_report.py`` never import this app.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from prevent_compliance.roles import Role
from toolkit import annual_review_report, reminders

from . import selectors
from .status import SOON_DAYS, State

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from toolkit.models import ReviewPeriod

    from .selectors import RegisterRow


def _line(row: RegisterRow, *, own: bool) -> str:
    who = "" if own else f"{row.person_name}: "
    due = row.standing.due
    if row.standing.last_completed is None:
        return f"{who}{row.course_name}: not yet completed (needed from {due:%-d %B %Y})"
    if row.standing.state == State.OVERDUE:
        return f"{who}{row.course_name}: refresher was due {due:%-d %B %Y} (overdue)"
    return f"{who}{row.course_name}: refresher due {due:%-d %B %Y}"


def _is_officer(user: User) -> bool:
    return user.groups.filter(name=Role.OFFICER).exists()


def refresher_reminders(user: User, today: date) -> list[reminders.Reminder]:
    """Training due within 30 days (or overdue) for the user's own record; and, for a
    course's training lead (or, where a course has none, every OPCC officer), for the people
    who have no account to be reminded through."""
    window = today + timedelta(days=SOON_DAYS)
    rows = [
        row
        for row in selectors.register(today)
        if row.standing.due is not None and row.standing.due <= window
    ]
    if not rows:
        return []
    own = [_line(row, own=True) for row in rows if row.user_id == user.pk]
    officer = None
    others = []
    for row in rows:
        if row.user_id is not None:
            continue
        if row.lead_id is not None:
            mine = row.lead_id == user.pk
        else:
            officer = _is_officer(user) if officer is None else officer
            mine = officer
        if mine:
            others.append(_line(row, own=False))
    found = []
    if own:
        found.append(reminders.Reminder("Your Prevent training", own))
    if others:
        found.append(reminders.Reminder("Prevent training due for people you track", others))
    return found


def annual_review_training(period: ReviewPeriod) -> dict[str, object]:
    """The training percentages for the annual review (as on the period's last day)."""
    summary = selectors.training_summary(period)
    return {"training": summary if summary.requirements else None}


def register() -> None:
    reminders.register_provider(refresher_reminders)
    annual_review_report.register_context_provider(annual_review_training)
