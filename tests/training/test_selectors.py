"""The figures: who is counted, due, overdue, and the percentages by role and course."""

from datetime import timedelta

from django.core.cache import cache

from toolkit.training import selectors, services
from toolkit.training.models import Course, RoleGroup
from toolkit.training.summary import cached_summary


def _figures(figures):
    return {f.label: (f.in_date, f.needed, f.percent) for f in figures}


def test_percentages_by_role_group_and_course(officer, make_person, course, today):
    senior_course = services.course_create(
        actor=officer,
        name="Strategic lead briefing",
        kind=Course.Kind.LEADERSHIP,
        role_groups=[RoleGroup.SENIOR, RoleGroup.COMMISSIONER],
    )
    services.course_update(
        actor=officer, course=course, role_groups=[RoleGroup.STAFF, RoleGroup.SENIOR]
    )
    ada, alan, carl = (make_person(n) for n in ("Ada", "Alan", "Carl"))
    grace = make_person("Grace", role_group=RoleGroup.SENIOR)
    pcc = make_person("Pat", role_group=RoleGroup.COMMISSIONER)
    recent = today - timedelta(days=30)
    for person in (ada, alan, grace):
        services.completion_record(actor=officer, person=person, course=course, completed_on=recent)
    # Carl's 12-month refresher has lapsed.
    services.completion_record(
        actor=officer, person=carl, course=course, completed_on=today - timedelta(days=370)
    )
    services.completion_record(actor=officer, person=pcc, course=senior_course, completed_on=recent)

    summary = selectors.summarise(today, selectors.register(today))
    assert _figures(summary.by_role) == {
        "OPCC staff": (2, 3, 66),  # rounded down, never up
        "Commissioner": (1, 1, 100),
        "Senior leadership": (1, 2, 50),
    }
    assert _figures(summary.by_course) == {
        "Prevent awareness": (3, 4, 75),
        "Strategic lead briefing": (1, 2, 50),
    }
    assert (summary.overall.in_date, summary.overall.needed) == (4, 6)
    assert {(r.person_name, r.course_name) for r in summary.overdue} == {
        ("Carl", "Prevent awareness"),
        ("Grace", "Strategic lead briefing"),
    }
    assert summary.grid_courses == ["Prevent awareness", "Strategic lead briefing"]
    grid = dict(summary.grid)
    assert grid["OPCC staff"][1] is None  # staff do not need the leadership course


def test_who_is_counted(officer, make_person, course, today):
    make_person("Current")
    make_person("Not started", start_date=today + timedelta(days=1))
    make_person("Left", start_date=today - timedelta(days=400), end_date=today - timedelta(days=1))
    make_person("Leaving today", end_date=today)
    make_person("Inactive", active=False)
    make_person("Contractor", role_group=RoleGroup.CONTRACTOR)  # needs no course
    names = {row.person_name for row in selectors.register(today)}
    assert names == {"Current", "Leaving today"}


def test_refresher_interval_none_stays_in_date(officer, person, today):
    course = services.course_create(
        actor=officer, name="Once only", kind=Course.Kind.OTHER, role_groups=[RoleGroup.STAFF]
    )
    services.completion_record(
        actor=officer, person=person, course=course, completed_on=person.start_date
    )
    (row,) = selectors.register(today)
    assert row.standing.in_date and row.standing.due is None


def test_a_period_that_has_ended_is_figured_on_its_last_day(officer, make_person, course, today):
    class Period:
        end_date = today - timedelta(days=60)

    person = make_person(start_date=today - timedelta(days=400))
    # Completed after the period ended: not counted for it, counted today.
    services.completion_record(
        actor=officer, person=person, course=course, completed_on=today - timedelta(days=10)
    )
    then = selectors.training_summary(Period())
    now = selectors.training_summary()
    assert then.as_of == Period.end_date and then.overall.in_date == 0
    assert now.as_of == today and now.overall.in_date == 1


def test_the_cached_figures_change_when_a_completion_is_recorded(
    officer, person, course, today, django_capture_on_commit_callbacks
):
    """Every service starts a new generation of the cached figures, now and on commit."""
    from toolkit.training import summary

    before = cache.get(summary.GENERATION_KEY)
    with django_capture_on_commit_callbacks(execute=True):
        services.completion_record(actor=officer, person=person, course=course, completed_on=today)
    assert cache.get(summary.GENERATION_KEY) not in (None, before)
    assert cached_summary(today).overall.in_date == 1
