"""Derived values and database constraints of the toolkit models."""

from datetime import date, timedelta

import pytest
from django.db import IntegrityError, transaction

from toolkit.models import (
    RATING_MEANINGS,
    RATING_TAG_CLASSES,
    Action,
    Criterion,
    Evidence,
    Rating,
    ReviewPeriod,
)

OVERDUE_CASES = [
    # (days from today to the due date, status, overdue?)
    (0, Action.Status.OPEN, False),
    (-1, Action.Status.OPEN, True),
    (-1, Action.Status.IN_PROGRESS, True),
    (0, Action.Status.IN_PROGRESS, False),
    (1, Action.Status.OPEN, False),
    (-1, Action.Status.DONE, False),
    (-400, Action.Status.DONE, False),
    (-1, Action.Status.CANCELLED, False),
    (-400, Action.Status.CANCELLED, False),
]


@pytest.mark.parametrize(("due_in", "status", "expected"), OVERDUE_CASES)
def test_action_is_overdue_at_date_boundaries(due_in, status, expected):
    today = date(2025, 3, 31)
    action = Action(due_date=today + timedelta(days=due_in), status=status)
    assert action.is_overdue(today) is expected


def test_action_is_overdue_defaults_to_today(make_action, today):
    assert make_action(due_date=today - timedelta(days=1)).is_overdue() is True
    assert make_action(due_date=today).is_overdue() is False


def test_overdue_queryset_agrees_with_is_overdue(make_action, today):
    expected_overdue = set()
    for index, (due_in, status, overdue) in enumerate(OVERDUE_CASES):
        action = make_action(
            title=f"Case {index}", due_date=today + timedelta(days=due_in), status=status
        )
        assert action.is_overdue(today) is overdue
        if overdue:
            expected_overdue.add(action.pk)

    overdue_ids = set(Action.objects.overdue(today).values_list("pk", flat=True))
    not_overdue_ids = set(Action.objects.not_overdue(today).values_list("pk", flat=True))

    assert overdue_ids == expected_overdue
    assert not_overdue_ids == set(Action.objects.values_list("pk", flat=True)) - expected_overdue


def test_overdue_moves_with_the_day_given(make_action, today):
    action = make_action(due_date=today)
    assert not Action.objects.overdue(today).exists()
    assert list(Action.objects.overdue(today + timedelta(days=1))) == [action]
    assert action.is_overdue(today + timedelta(days=1))


def test_action_completed_date_is_enforced_by_the_database(action, today):
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(completed_on=today)
    with pytest.raises(IntegrityError), transaction.atomic():
        Action.objects.filter(pk=action.pk).update(status=Action.Status.DONE)


@pytest.mark.parametrize(
    ("review_in", "state"),
    [(None, ""), (-1, "overdue"), (0, "due"), (30, "due"), (31, "")],
)
def test_evidence_review_state_at_date_boundaries(review_in, state):
    today = date(2025, 6, 1)
    review_by = None if review_in is None else today + timedelta(days=review_in)
    evidence = Evidence(effective_date=date(2024, 1, 1), review_by=review_by)
    assert evidence.review_state(today) == state


def test_review_due_queryset_takes_past_and_next_30_days(make_evidence, today):
    def make(days):
        return make_evidence(
            title=f"Review in {days}",
            url=f"https://example.org/{days}",
            effective_date=today - timedelta(days=400),
            review_by=today + timedelta(days=days),
        )

    due = {make(-10).pk, make(0).pk, make(30).pk}
    make(31)
    make_evidence(title="No review date", url="https://example.org/none", review_by=None)

    assert set(Evidence.objects.review_due(today).values_list("pk", flat=True)) == due


def test_evidence_needs_a_file_or_a_url_but_not_both(evidence):
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).update(url="https://example.org")
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).update(file="")


def test_evidence_review_date_cannot_precede_effective_date(evidence):
    with pytest.raises(IntegrityError), transaction.atomic():
        Evidence.objects.filter(pk=evidence.pk).update(
            review_by=evidence.effective_date - timedelta(days=1)
        )


def test_current_period_is_the_one_covering_today(toolkit, period, officer):
    from toolkit.services import review_period_create

    earlier = review_period_create(
        actor=officer,
        label="earlier",
        start_date=period.start_date.replace(year=period.start_date.year - 1),
        end_date=period.start_date - timedelta(days=1),
        edition=toolkit,
    )
    assert ReviewPeriod.objects.current() == period
    assert ReviewPeriod.objects.current(earlier.end_date) == earlier
    # After the last period ends, the latest started one is still "current".
    assert ReviewPeriod.objects.current(period.end_date + timedelta(days=10)) == period
    assert ReviewPeriod.objects.current(earlier.start_date - timedelta(days=1)) is None


def test_criterion_code_is_section_dot_number(toolkit):
    criterion = Criterion.objects.get(section__edition=toolkit, section__number=3, number=2)
    assert criterion.code == "3.2"
    assert str(criterion).startswith("3.2 ")


def test_every_rating_has_a_meaning_in_words_and_a_tag():
    assert set(RATING_MEANINGS) == set(Rating)
    assert set(RATING_TAG_CLASSES) == set(Rating)
    assert RATING_MEANINGS[Rating.MET].startswith("Green")
    assert RATING_MEANINGS[Rating.PARTLY_MET].startswith("Amber")
    assert RATING_MEANINGS[Rating.NOT_MET].startswith("Red")
