"""The section page shows the first evidence items of each criterion, not all of them, and the
rating rules still answer as they would over every item."""

from datetime import timedelta

import pytest
from django.utils import timezone

from toolkit import rating_rules, selectors, services, summary
from toolkit.models import CriterionAssessment, SectionAssessment


@pytest.fixture
def section(period):
    return period.edition.sections.order_by("number").first()


def _evidence(officer, section, criterion, title, review_by):
    today = timezone.localdate()
    return services.evidence_create(
        actor=officer,
        title=title,
        kind="minutes",
        effective_date=today - timedelta(days=400),
        review_by=review_by,
        sections=[section],
        criteria=[criterion],
        url="https://example.org/minutes",
    )


def _full_rules(period, section, today):
    """The rating rules over every evidence item (as the assessment form reads them)."""
    rows = selectors.criterion_rows(period, section)
    states = selectors.criterion_states(rows, selectors.criterion_evidence(period, [section.pk]))
    return rating_rules.propose(states, today), rating_rules.high_rating_problems(states, today)


@pytest.mark.django_db
@pytest.mark.parametrize("in_date", [0, 1, 2])
def test_a_criterion_shows_its_first_items_and_how_many_more(period, officer, section, in_date):
    today = timezone.localdate()
    criterion = section.criteria.order_by("number").first()
    for number in range(7):  # overdue, the earliest first
        _evidence(officer, section, criterion, f"Old {number}", today - timedelta(days=90 - number))
    for number in range(in_date):  # in date, reviewed later than every overdue one
        _evidence(officer, section, criterion, f"Current {number}", today + timedelta(days=9))
    assessment = SectionAssessment.objects.get(period=period, section=section)

    context = selectors.section_criteria(period, section, assessment, today)
    entry = next(e for e in context["criterion_rows"] if e["criterion"] == criterion)
    shown = selectors.CRITERION_EVIDENCE_SHOWN
    assert [e.title for e in entry["evidence"]] == [f"Old {n}" for n in range(shown)]
    assert entry["evidence_total"] == 7 + in_date
    assert entry["evidence_more"] == 7 + in_date - shown
    assert all(rating_rules.overdue(e, today) for e in entry["evidence"])
    assert str(entry["evidence_items"]).count("Overdue for review") == shown
    assert str(entry["evidence_items"]).count("<li>") == shown
    assert context["proposed"] == _full_rules(period, section, today)[0]

    # The same from the cached summary (as the page reads it), and on the page itself.
    cached = summary.section_evidence(section, period, today)
    again = selectors.section_criteria(period, section, assessment, today, cached)
    assert again["criterion_rows"][0]["evidence_total"] == entry["evidence_total"]
    assert again["proposed"] == context["proposed"]
    assert cached.evidence_count == 7 + in_date


@pytest.mark.django_db
def test_the_rule_warnings_match_the_full_list(period, officer):
    """A "Met" section with a must criterion whose only in-date item is beyond the first few."""
    today = timezone.localdate()
    criterion = next(
        c
        for s in period.edition.sections.order_by("number")
        for c in s.criteria.order_by("number")
        if c.is_must
    )
    section = criterion.section
    for number in range(6):
        _evidence(officer, section, criterion, f"Old {number}", today - timedelta(days=60 - number))
    CriterionAssessment.objects.filter(period=period, criterion=criterion).update(rating="met")
    assessment = SectionAssessment.objects.get(period=period, section=section)
    assessment.rating = "met"
    for with_in_date in (False, True):
        if with_in_date:
            _evidence(officer, section, criterion, "Current", today + timedelta(days=30))
        context = selectors.section_criteria(period, section, assessment, today)
        proposed, problems = _full_rules(period, section, today)
        assert context["proposed"] == proposed
        mine = [p for p in context["rule_problems"] if criterion.code in p]
        theirs = [p for p in problems if criterion.code in p]
        assert bool(mine) == bool(theirs) == (not with_in_date)
