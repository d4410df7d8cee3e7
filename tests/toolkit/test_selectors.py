"""The toolkit's shared reads: which rows each returns, for which period, in which order."""

from datetime import date, timedelta

import pytest
from django.http import Http404

from tests.toolkit.helpers import rate_section
from toolkit import rating_rules, selectors, services
from toolkit.models import Action, Evidence, Rating, SectionAssessment, ToolkitEdition


def _rate(officer, period, number: int, rating: Rating) -> None:
    rate_section(
        actor=officer,
        assessment=SectionAssessment.objects.get(period=period, section__number=number),
        rating=rating,
        narrative=f"Rated {rating}.",
    )


def _next_period(officer, period, *, years: int = 1, edition=None):
    start = date(period.start_date.year + years, 4, 1)
    return services.review_period_start(
        actor=officer,
        label=f"{start.year}/{str(start.year + 1)[-2:]}",
        start_date=start,
        end_date=date(start.year + 1, 3, 31),
        edition=edition,
    )


def _second_edition(toolkit) -> ToolkitEdition:
    """A later edition whose first two sections keep their numbers."""
    return services.toolkit_edition_load(
        data={
            "edition": {"code": "2099", "title": "Prevent toolkit 2099"},
            "sections": [
                {
                    "number": n,
                    "title": f"Section {n}, revised",
                    "summary": "Revised.",
                    "criteria": [{"level": "should", "text": "Revised criterion."}],
                }
                for n in (1, 2)
            ],
        }
    ).edition


# --- The current period and edition ---------------------------------------------------------


def test_current_period_is_the_one_covering_today(period):
    assert selectors.current_period() == period


def _period_from(officer, toolkit, year: int):
    return services.review_period_create(
        actor=officer,
        label=f"{year}/{str(year + 1)[-2:]}",
        start_date=date(year, 4, 1),
        end_date=date(year + 1, 3, 31),
        edition=toolkit,
    )


def test_without_a_period_covering_today_the_latest_started_is_current(officer, toolkit):
    _period_from(officer, toolkit, 2001)
    latest_started = _period_from(officer, toolkit, 2003)
    _period_from(officer, toolkit, 2999)

    assert selectors.current_period() == latest_started


def test_no_current_period_before_any_has_started(officer, toolkit):
    _period_from(officer, toolkit, 2999)

    assert selectors.current_period() is None


def test_current_edition_is_the_periods_or_else_the_latest_loaded(period, toolkit):
    later = _second_edition(toolkit)

    assert selectors.current_edition(period) == toolkit
    assert selectors.current_edition(None) == later


def test_current_edition_sections_are_the_editions_in_number_order(period, toolkit):
    _second_edition(toolkit)

    sections = list(selectors.current_edition_sections(period))

    assert [s.number for s in sections] == list(range(1, 9))
    assert {s.edition_id for s in sections} == {toolkit.pk}
    assert [s.number for s in selectors.current_edition_sections(None)] == [1, 2]


# --- The section overview and a section's records -------------------------------------------


def test_section_overview_counts_only_the_periods_records(
    officer, period, section, other_section, make_evidence, make_action, today
):
    make_evidence()
    make_evidence(title="Not in this period", periods=[])
    make_evidence(title="Two sections", sections=[section, other_section])
    make_action()
    make_action(title="In progress", status=Action.Status.IN_PROGRESS)
    make_action(title="Done", status=Action.Status.DONE)
    make_action(title="Elsewhere", section=other_section)
    _rate(officer, period, 1, Rating.MET)

    overview = selectors.section_overview(period)

    assert [s.number for s, _ in overview] == list(range(1, 9))
    counts = {s.number: (s.evidence_count, s.live_action_count) for s, _ in overview}
    assert counts[1] == (2, 2)
    assert counts[2] == (1, 1)
    assert counts[3] == (0, 0)
    assessments = {s.number: a for s, a in overview}
    assert assessments[1].rating == Rating.MET
    assert assessments[3].rating == Rating.NOT_ASSESSED


def test_section_overview_without_a_period_has_no_assessments(toolkit):
    overview = selectors.section_overview(None)

    assert len(overview) == 8
    assert all(assessment is None for _, assessment in overview)


def test_section_criteria_show_each_rating_with_its_evidence(period, section, make_evidence, today):
    criterion = section.criteria.order_by("number").first()
    make_evidence(
        criteria=[criterion],
        review_by=today - timedelta(days=1),
        effective_date=today - timedelta(days=90),
    )
    found = selectors.get_section(section.number, period)
    assessment = SectionAssessment.objects.get(period=period, section=section)

    context = selectors.section_criteria(period, found, assessment, today)

    first = context["criterion_rows"][0]
    assert first["criterion"] == criterion
    assert [rating_rules.overdue(e, today) for e in first["evidence"]] == [True]
    assert str(first["evidence_items"]).count("Overdue for review") == 1
    assert all(not row["evidence"] for row in context["criterion_rows"][1:])
    assert context["criteria_summary"] == f"0 of {section.criteria.count()} met, " + (
        f"{section.criteria.count()} not assessed"
    )
    assert context["proposed"] == "not_assessed"


@pytest.mark.parametrize("number", [0, 9, 10_000])
def test_get_section_outside_the_edition_is_not_found(period, number):
    with pytest.raises(Http404):
        selectors.get_section(number, period)


def test_section_evidence_is_the_periods_or_all_without_one(
    period, section, other_section, make_evidence
):
    counted = make_evidence()
    earlier = make_evidence(title="Earlier", periods=[])
    make_evidence(title="Other section", sections=[other_section])

    assert list(selectors.section_evidence(section, period)) == [counted]
    assert set(selectors.section_evidence(section, None)) == {counted, earlier}


def test_evidence_and_action_lists_load_their_related_rows_up_front(
    period, make_evidence, make_action, django_assert_num_queries
):
    for n in range(3):
        make_evidence(title=f"Evidence {n}")
        make_action(title=f"Action {n}")

    with django_assert_num_queries(2):  # the evidence, then its sections
        rows = [
            (e.added_by.username, [s.number for s in e.sections.all()])
            for e in selectors.evidence_list()
        ]
    assert len(rows) == 3
    with django_assert_num_queries(1):
        rows = [
            (a.owner.username, a.section.number, a.period.label) for a in selectors.action_list()
        ]
    assert len(rows) == 3


# --- Rating history and counted pages -------------------------------------------------------


def test_rating_history_matches_sections_by_number_across_editions(officer, period, toolkit):
    _rate(officer, period, 1, Rating.PARTLY_MET)
    later = _next_period(officer, period, edition=_second_edition(toolkit))
    newest = _next_period(officer, period, years=2)
    _rate(officer, newest, 1, Rating.EXCEEDING)

    periods, rows = selectors.rating_history(list(selectors.current_edition_sections(newest)))

    assert periods == [period, later, newest]
    assert [section.number for section, _ in rows] == [1, 2]
    section, cells = rows[0]
    assert section.edition.code == "2099"
    assert [c.section.edition.code for c in cells] == ["2024", "2099", "2099"]
    assert [c.rating for c in cells] == [Rating.PARTLY_MET, Rating.PARTLY_MET, Rating.EXCEEDING]
    assert cells[1].to_reconfirm


def test_rating_history_keeps_only_the_last_periods(officer, period):
    following = _next_period(officer, period)

    periods, rows = selectors.rating_history(
        list(selectors.current_edition_sections(following)), limit=1
    )

    assert periods == [following]
    assert all(len(cells) == 1 for _, cells in rows)


def test_rating_history_without_periods_is_empty(toolkit):
    assert selectors.rating_history(list(selectors.current_edition_sections(None))) == ([], [])


@pytest.mark.parametrize(("made", "limit", "shown"), [(0, 5, 0), (3, 5, 3), (7, 5, 5)])
def test_first_and_count_gives_a_page_and_the_total_in_one_query(
    period, make_action, today, django_assert_num_queries, made, limit, shown
):
    for n in range(made):
        make_action(title=f"Action {n}", due_date=today + timedelta(days=n))

    with django_assert_num_queries(1):
        rows, total = selectors.first_and_count(Action.objects.order_by("due_date"), limit)

    assert (len(rows), total) == (shown, made)
    assert [a.title for a in rows] == [f"Action {n}" for n in range(shown)]


def test_first_and_count_counts_the_filtered_rows(period, make_evidence):
    make_evidence()
    make_evidence(title="Another")

    rows, total = selectors.first_and_count(Evidence.objects.filter(title="Another"), 10)

    assert ([e.title for e in rows], total) == (["Another"], 1)
