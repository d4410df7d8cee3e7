"""Refreshers due within 30 days reach the person's own account, or the course's training
lead, or (where a course has no lead) the OPCC officers."""

from datetime import timedelta

from toolkit import reminders
from toolkit.training import services
from toolkit.training.models import Course, RoleGroup


def _headings(user, today):
    return {r.heading: r.lines for r in reminders.digest_for(user, today)}


def test_own_refresher_due_reaches_the_linked_account(officer, treasurer, make_person, today):
    course = services.course_create(
        actor=officer,
        name="Awareness",
        kind=Course.Kind.AWARENESS,
        refresher_months=12,
        role_groups=[RoleGroup.STAFF],
    )
    person = make_person("Tom Tranter", user=treasurer, start_date=today - timedelta(days=800))
    # Completed a year ago less 20 days: the refresher is due in about 20 days.
    services.completion_record(
        actor=officer, person=person, course=course, completed_on=today - timedelta(days=345)
    )
    lines = _headings(treasurer, today)["Your Prevent training"]
    assert len(lines) == 1 and lines[0].startswith("Awareness: refresher due ")
    # Not sent to officers: the person has an account of their own.
    assert "Prevent training due for people you track" not in _headings(officer, today)


def test_refresher_not_yet_due_sends_nothing(officer, treasurer, make_person, today):
    course = services.course_create(
        actor=officer,
        name="Awareness",
        kind=Course.Kind.AWARENESS,
        refresher_months=12,
        role_groups=[RoleGroup.STAFF],
    )
    person = make_person("Tom Tranter", user=treasurer, start_date=today - timedelta(days=800))
    services.completion_record(
        actor=officer, person=person, course=course, completed_on=today - timedelta(days=300)
    )
    assert "Your Prevent training" not in _headings(treasurer, today)


def test_people_without_an_account_go_to_the_lead_or_the_officers(
    officer, auditor, chief_executive, make_person, today
):
    led = services.course_create(
        actor=officer,
        name="Channel",
        kind=Course.Kind.CHANNEL,
        lead=auditor,
        role_groups=[RoleGroup.CONTRACTOR],
    )
    unled = services.course_create(
        actor=officer,
        name="Awareness",
        kind=Course.Kind.AWARENESS,
        role_groups=[RoleGroup.CONTRACTOR],
    )
    make_person("Cara Contractor", role_group=RoleGroup.CONTRACTOR)
    needed = f"not yet completed (needed from {today - timedelta(days=400):%-d %B %Y})"
    heading = "Prevent training due for people you track"
    # The lead of the Channel course hears of Channel only; officers of the course with no lead.
    assert _headings(auditor, today)[heading] == [f"Cara Contractor: Channel: {needed}"]
    assert _headings(officer, today)[heading] == [f"Cara Contractor: Awareness: {needed}"]
    assert heading not in _headings(chief_executive, today)
    assert led.lead == auditor and unled.lead is None
