"""Who is due and overdue: worked out, never stored.

For a person who needs a course (their role group is in the course's training needs
analysis):

- never completed: the course was due on their start date;
- completed, and the course has a refresher interval: due that many months after the
  latest completion;
- completed, and the course needs no refresher: never due again.

On the day it falls due the training still counts as in date ("due today"); from the next
day it is overdue. Within ``SOON_DAYS`` of the due date it is "due soon".
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

SOON_DAYS = 30


class State(StrEnum):
    IN_DATE = "in_date"
    DUE_SOON = "due_soon"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    NOT_DONE = "not_done"  # never completed, and not yet past the start date

    @property
    def label(self) -> str:
        return _LABELS[self]


_LABELS = {
    State.IN_DATE: "In date",
    State.DUE_SOON: "Due soon",
    State.DUE_TODAY: "Due today",
    State.OVERDUE: "Overdue",
    State.NOT_DONE: "Not yet completed",
}


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later, or the month's last day if it is shorter (31 Jan + 1
    month is 28 or 29 February)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def due_date(*, start_date: date, last_completed: date | None, refresher_months: int | None):
    """When the person must (next) complete the course, or None if never again."""
    if last_completed is None:
        return start_date
    if refresher_months is None:
        return None
    return add_months(last_completed, refresher_months)


@dataclass(frozen=True)
class Standing:
    """One person's standing on one course they need, on a given day."""

    state: State
    due: date | None
    last_completed: date | None

    @property
    def in_date(self) -> bool:
        """Trained and not overdue: what the percentage trained counts."""
        return self.last_completed is not None and self.state != State.OVERDUE

    @property
    def overdue(self) -> bool:
        return self.state == State.OVERDUE


def standing(
    *,
    start_date: date,
    last_completed: date | None,
    refresher_months: int | None,
    today: date,
) -> Standing:
    due = due_date(
        start_date=start_date, last_completed=last_completed, refresher_months=refresher_months
    )
    if due is None:
        state = State.IN_DATE
    elif due < today:
        state = State.OVERDUE
    elif last_completed is None:
        state = State.NOT_DONE if due > today else State.DUE_TODAY
    elif due == today:
        state = State.DUE_TODAY
    elif due <= today + timedelta(days=SOON_DAYS):
        state = State.DUE_SOON
    else:
        state = State.IN_DATE
    return Standing(state=state, due=due, last_completed=last_completed)
