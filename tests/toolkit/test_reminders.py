"""Daily digests: one e-mail per person with something to do, at most once a day.

``mailoutbox`` comes last in each test's arguments: the database fixtures replace
``mail.outbox`` when they start, so an earlier ``mailoutbox`` would stay empty.
"""

import io
from datetime import date, timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.utils import timezone

from prevent_compliance.roles import Role
from toolkit import services
from toolkit.models import Action, GuidanceUpdate, ReminderLog
from toolkit.services import reminders_send


@pytest.fixture
def day(period):
    """A day in the middle of the period, far from its end (no 'review due' reminder)."""
    return period.start_date + timedelta(days=100)


@pytest.fixture
def items(officer, treasurer, day, make_evidence, make_action):
    """Evidence added by the officer and actions for the officer and treasurer around `day`."""
    old = day - timedelta(days=400)
    make_evidence(title="Overdue minutes", effective_date=old, review_by=day - timedelta(1))
    make_evidence(title="Due in thirty days", effective_date=old, review_by=day + timedelta(30))
    make_evidence(title="Due in 31 days", effective_date=old, review_by=day + timedelta(31))
    make_evidence(title="Never reviewed", effective_date=old, review_by=None)
    make_action(title="Late action", due_date=day - timedelta(days=2))
    make_action(title="Due today", due_date=day)
    make_action(title="Due in fourteen days", due_date=day + timedelta(days=14))
    make_action(title="Due in fifteen days", due_date=day + timedelta(days=15))
    make_action(title="Finished late", due_date=day - timedelta(days=5), status=Action.Status.DONE)
    make_action(title="Treasurer's task", owner=treasurer, due_date=day + timedelta(days=3))


def _by_recipient(mailoutbox) -> dict[str, str]:
    recipients = [m.to for m in mailoutbox]
    assert all(len(to) == 1 for to in recipients)
    assert len({to[0] for to in recipients}) == len(recipients), "more than one digest each"
    return {m.to[0]: m for m in mailoutbox}


def test_each_user_with_items_gets_one_digest(
    officer, treasurer, chief_executive, auditor, items, day, mailoutbox
):
    sent, skipped = reminders_send(today=day)

    assert (sent, skipped) == (2, 0)
    mail = _by_recipient(mailoutbox)
    assert set(mail) == {officer.email, treasurer.email}
    body = mail[officer.email].body
    for title in ("Overdue minutes", "Due in thirty days", "Late action", "Due today"):
        assert title in body
    assert "Due in fourteen days" in body
    for title in ("Due in 31 days", "Never reviewed", "Due in fifteen days", "Finished late"):
        assert title not in body
    assert "Treasurer's task" not in body
    assert f"Overdue minutes: review was due {day - timedelta(1):%d %B %Y}" in body
    assert f"Late action: was due {day - timedelta(2):%d %B %Y}" in body
    assert mail[officer.email].subject == "Prevent Compliance: 5 items need attention"
    treasurer_mail = mail[treasurer.email]
    assert "Treasurer's task" in treasurer_mail.body
    assert "Overdue minutes" not in treasurer_mail.body  # evidence goes to the person who added it
    assert treasurer_mail.subject == "Prevent Compliance: 1 item need attention"
    assert set(ReminderLog.objects.values_list("user", "sent_on", "item_count")) == {
        (officer.pk, day, 5),
        (treasurer.pk, day, 1),
    }


def test_a_second_run_the_same_day_sends_nothing_and_the_next_day_sends_again(
    officer, treasurer, items, day, mailoutbox
):
    assert reminders_send(today=day) == (2, 0)
    assert reminders_send(today=day) == (0, 2)
    assert len(mailoutbox) == 2

    assert reminders_send(today=day + timedelta(days=1)) == (2, 0)
    assert len(mailoutbox) == 4
    assert ReminderLog.objects.count() == 4


def test_inactive_users_and_users_without_items_get_nothing(
    officer, auditor, commissioner, items, day, mailoutbox
):
    officer.is_active = False
    officer.save()

    reminders_send(today=day)

    # Only the treasurer, active and with an action due, hears from us.
    assert [m.to for m in mailoutbox] == [["treasurer@opcc.test"]]
    assert not ReminderLog.objects.filter(user__in=[officer, auditor, commissioner]).exists()


def test_users_without_a_role_get_nothing(officer, outsider, period, make_action, day, mailoutbox):
    make_action(title="Owned before the role was removed", owner=outsider, due_date=day)
    assert reminders_send(today=day) == (0, 0)
    assert mailoutbox == []


def test_review_period_due_reminds_officers_and_the_chief_executive(
    officer, chief_executive, treasurer, period, mailoutbox
):
    day = period.end_date - timedelta(days=10)

    reminders_send(today=day)

    mail = _by_recipient(mailoutbox)
    assert set(mail) == {officer.email, chief_executive.email}
    line = (
        f"Review period {period.label} ends {period.end_date:%d %B %Y}: the annual review is due."
    )
    assert line in mail[officer.email].body
    assert line in mail[chief_executive.email].body


def test_no_period_covering_the_day_asks_for_the_next_one(officer, period, mailoutbox):
    reminders_send(today=period.end_date + timedelta(days=1))
    assert "No review period covers today: start the next one." in mailoutbox[0].body


def test_new_guidance_reminds_officers_to_reconfirm(officer, treasurer, period, day, mailoutbox):
    services.guidance_record(
        actor=officer,
        kind=GuidanceUpdate.Kind.GUIDANCE,
        title="Updated Prevent duty guidance",
        published_on=date(2026, 1, 1),
    )

    reminders_send(today=day)

    assert [m.to for m in mailoutbox] == [[officer.email]]
    assert f"re-confirm the ratings of {period.label}" in mailoutbox[0].body


def test_users_with_several_roles_get_one_digest(officer, period, day, mailoutbox):
    officer.groups.add(Group.objects.get(name=Role.CHIEF_EXECUTIVE.value))
    reminders_send(today=period.end_date - timedelta(days=1))
    assert len(mailoutbox) == 1


def test_send_reminders_command_uses_today(officer, period, make_action, mailoutbox):
    make_action(title="Due now", due_date=timezone.localdate())
    stdout = io.StringIO()

    call_command("send_reminders", stdout=stdout)
    call_command("send_reminders", stdout=stdout)

    assert len(mailoutbox) == 1
    assert "Due now" in mailoutbox[0].body
    assert stdout.getvalue().splitlines() == [
        "Sent 1 digest(s); 0 user(s) already had today's.",
        "Sent 0 digest(s); 1 user(s) already had today's.",
    ]
    assert ReminderLog.objects.get().sent_on == timezone.localdate()
