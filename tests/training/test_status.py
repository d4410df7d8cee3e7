"""The due / overdue rules at their boundaries (pure functions, no database)."""

from datetime import date

import pytest

from toolkit.training.status import State, add_months, due_date, standing

TODAY = date(2026, 6, 15)
START = date(2024, 1, 10)


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 11, 30), 3, date(2026, 2, 28)),
        (date(2025, 6, 15), 12, date(2026, 6, 15)),
        (date(2025, 12, 1), 1, date(2026, 1, 1)),
        (date(2025, 6, 15), 120, date(2035, 6, 15)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_never_completed_is_due_from_the_start_date():
    assert due_date(start_date=START, last_completed=None, refresher_months=12) == START
    assert due_date(start_date=START, last_completed=None, refresher_months=None) == START


def test_no_refresher_interval_is_never_due_again():
    result = standing(
        start_date=START, last_completed=date(2010, 1, 1), refresher_months=None, today=TODAY
    )
    assert result.state == State.IN_DATE and result.due is None and result.in_date


def test_refresher_due_today_is_still_in_date():
    result = standing(
        start_date=START, last_completed=date(2025, 6, 15), refresher_months=12, today=TODAY
    )
    assert result.state == State.DUE_TODAY
    assert result.due == TODAY and result.in_date and not result.overdue


def test_refresher_due_yesterday_is_overdue():
    result = standing(
        start_date=START, last_completed=date(2025, 6, 14), refresher_months=12, today=TODAY
    )
    assert result.state == State.OVERDUE
    assert result.due == date(2026, 6, 14) and not result.in_date and result.overdue


@pytest.mark.parametrize(
    ("completed", "state"),
    [
        (date(2025, 7, 15), State.DUE_SOON),  # due in exactly 30 days
        (date(2025, 7, 16), State.IN_DATE),  # due in 31 days
    ],
)
def test_due_soon_window_is_thirty_days(completed, state):
    result = standing(start_date=START, last_completed=completed, refresher_months=12, today=TODAY)
    assert result.state == state and result.in_date


def test_never_completed_after_the_start_date_is_overdue_and_not_trained():
    result = standing(
        start_date=date(2026, 6, 14), last_completed=None, refresher_months=12, today=TODAY
    )
    assert result.state == State.OVERDUE and not result.in_date


def test_never_completed_starting_today_is_due_today_but_not_trained():
    result = standing(start_date=TODAY, last_completed=None, refresher_months=12, today=TODAY)
    assert result.state == State.DUE_TODAY and not result.in_date and not result.overdue


def test_never_completed_before_the_start_date_is_not_yet_done():
    result = standing(
        start_date=date(2026, 7, 1), last_completed=None, refresher_months=12, today=TODAY
    )
    assert result.state == State.NOT_DONE and not result.in_date and not result.overdue
