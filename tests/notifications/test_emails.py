"""E-mail at each workflow step: who is told, what it says, and how it is sent."""

import logging
from datetime import timedelta

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from decisions import annual_review
from decisions import services as decision_services
from decisions.models import Decision
from prevent_compliance.models import Notification, NotificationPreference
from prevent_compliance.notifications import services as outbox
from prevent_compliance.notifications.tasks import send_notification
from tests.conftest import PASSWORD
from tests.decisions.helpers import MARKER

from .backends import FlakyBackend

pytestmark = pytest.mark.django_db
Event = Notification.Event


@pytest.fixture
def flaky_mail(settings):
    settings.EMAIL_BACKEND = "tests.notifications.backends.FlakyBackend"
    FlakyBackend.failures = 0
    yield FlakyBackend
    FlakyBackend.failures = 0


def _sent_to(event=None) -> dict[str, list[str]]:
    """Who got which subjects in the test outbox."""
    people: dict[str, list[str]] = {}
    for message in mail.outbox:
        for address in message.to:
            people.setdefault(address.split("@")[0], []).append(message.subject)
    return people


def _step(capture, run):
    """Run a step and its after-commit callbacks (the worker, with immediate tasks)."""
    mail.outbox.clear()
    with capture(execute=True):
        result = run()
    return result, _sent_to()


def test_each_workflow_step_emails_the_people_it_concerns(
    personas, make_decision, immediate_tasks, django_capture_on_commit_callbacks
):
    p = personas
    capture = django_capture_on_commit_callbacks
    decision = make_decision("draft")
    ref = decision.reference

    _, sent = _step(
        capture, lambda: decision_services.decision_submit(actor=p["officer"], decision=decision)
    )
    assert sent == {
        "treasurer": [f"{ref}: comments needed"],
        "chief.executive": [f"{ref}: comments needed"],
    }

    _, sent = _step(
        capture,
        lambda: decision_services.decision_comment_treasurer(
            actor=p["treasurer"], decision=decision, comments="Fine."
        ),
    )
    assert sent == {"officer": [f"{ref}: comments added"]}

    _, sent = _step(
        capture,
        lambda: decision_services.decision_comment_chief_executive(
            actor=p["chief_executive"], decision=decision, comments="Good."
        ),
    )
    assert sent == {"officer": [f"{ref}: comments added"]}, (
        "the actor is never told of their own step"
    )

    _, sent = _step(
        capture,
        lambda: decision_services.decision_return(
            actor=p["chief_executive"], decision=decision, reason="Add the costs."
        ),
    )
    assert sent == {"officer": [f"{ref}: returned to draft"]}
    assert reverse("decisions:detail", args=[ref]) in mail.outbox[0].body

    decision_services.decision_submit(actor=p["officer"], decision=decision)
    decision_services.decision_comment_treasurer(
        actor=p["treasurer"], decision=decision, comments="Fine."
    )
    decision_services.decision_comment_chief_executive(
        actor=p["chief_executive"], decision=decision, comments="Good."
    )

    _, sent = _step(
        capture,
        lambda: decision_services.decision_approve(actor=p["chief_executive"], decision=decision),
    )
    assert sent == {"commissioner": [f"{ref}: ready for your signature"]}
    assert reverse("decisions:sign", args=[ref]) in mail.outbox[0].body

    _, sent = _step(
        capture,
        lambda: decision_services.decision_sign(
            actor=p["commissioner"],
            decision=decision,
            declaration_confirmed=True,
            password=PASSWORD,
        ),
    )
    assert sent == {"officer": [f"{ref}: signed"], "chief.executive": [f"{ref}: signed"]}

    _, sent = _step(
        capture, lambda: decision_services.decision_publish(actor=p["officer"], decision=decision)
    )
    assert sent == {"chief.executive": [f"{ref}: published"], "commissioner": [f"{ref}: published"]}

    other = make_decision("awaiting_signature", title="To withdraw")
    _, sent = _step(
        capture,
        lambda: decision_services.decision_withdraw(
            actor=p["officer"], decision=other, reason="No longer needed."
        ),
    )
    subject = [f"{other.reference}: withdrawn"]
    assert sent == {"treasurer": subject, "chief.executive": subject, "commissioner": subject}
    assert not Notification.objects.filter(status=Notification.Status.FAILED).exists()


def test_chief_executive_is_told_when_consultation_completes(
    personas, make_decision, immediate_tasks, django_capture_on_commit_callbacks
):
    decision = make_decision("consultation")
    decision_services.decision_comment_chief_executive(
        actor=personas["chief_executive"], decision=decision, comments="Good."
    )
    _, sent = _step(
        django_capture_on_commit_callbacks,
        lambda: decision_services.decision_comment_treasurer(
            actor=personas["treasurer"], decision=decision, comments="Fine."
        ),
    )
    assert set(sent) == {"officer", "chief.executive"}
    [to_ce] = [m for m in mail.outbox if m.to == [personas["chief_executive"].email]]
    assert reverse("decisions:approve", args=[decision.reference]) in to_ce.body


def test_message_has_reference_title_step_and_absolute_link_in_text_and_html(
    personas, make_decision, immediate_tasks, django_capture_on_commit_callbacks, settings
):
    settings.SITE_URL = "https://prevent.opcc.example"
    decision = make_decision("draft", title="Prevent training plan")
    _step(
        django_capture_on_commit_callbacks,
        lambda: decision_services.decision_submit(actor=personas["officer"], decision=decision),
    )
    [message] = [m for m in mail.outbox if m.to == [personas["treasurer"].email]]
    path = reverse("decisions:comment_treasurer", args=[decision.reference])
    link = f"https://prevent.opcc.example{path}"
    assert decision.reference in message.subject
    assert "“Prevent training plan”" in message.body
    assert "submitted for consultation" in message.body
    assert link in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert f'href="{link}"' in html
    assert "Prevent training plan" in html


@pytest.mark.parametrize("confidentiality", ["confidential", "partly-confidential"])
def test_confidential_title_and_content_never_reach_a_mail(
    confidentiality, personas, make_decision, immediate_tasks, django_capture_on_commit_callbacks
):
    p = personas
    decision = make_decision(
        "draft",
        title=f"Operation {MARKER}",
        confidentiality=confidentiality,
        foi_exemptions=["s31"],
        withheld=5,
        secret=MARKER,
        summary=f"Summary {MARKER}",
    )
    with django_capture_on_commit_callbacks(execute=True):
        decision_services.decision_submit(actor=p["officer"], decision=decision)
    with django_capture_on_commit_callbacks(execute=True):
        decision_services.decision_comment_treasurer(
            actor=p["treasurer"], decision=decision, comments=f"Comment {MARKER}"
        )
        decision_services.decision_comment_chief_executive(
            actor=p["chief_executive"], decision=decision, comments=f"Comment {MARKER}"
        )
        decision_services.decision_return(
            actor=p["chief_executive"], decision=decision, reason=f"Reason {MARKER}"
        )
    assert len(mail.outbox) >= 5
    for message in mail.outbox:
        texts = [message.subject, message.body, *(body for body, _ in message.alternatives)]
        assert all(MARKER not in text for text in texts)
        assert "a confidential decision" in message.body
    assert not Notification.objects.filter(body__contains=MARKER).exists()
    assert not Notification.objects.filter(body_html__contains=MARKER).exists()


def test_nothing_is_sent_inside_the_request_only_after_commit(
    personas, make_decision, client_for, django_capture_on_commit_callbacks, immediate_tasks
):
    decision = make_decision("draft")
    client = client_for(personas["officer"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(reverse("decisions:submit", args=[decision.reference]))
    assert response.status_code == 302
    assert mail.outbox == []
    queued = Notification.objects.filter(reference=decision.reference)
    assert queued.count() == 2
    assert set(queued.values_list("status", flat=True)) == {"queued"}
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 2
    assert set(queued.values_list("status", flat=True)) == {"sent"}


def test_a_step_that_fails_writes_no_outbox_row(personas, make_decision):
    decision = make_decision("draft")
    with pytest.raises(decision_services.InvalidTransition):
        decision_services.decision_approve(actor=personas["chief_executive"], decision=decision)
    assert not Notification.objects.exists()


# --- Sending, retries, the worker ----------------------------------------------------------


def test_a_failed_send_is_retried_later_then_sent(
    personas, make_decision, flaky_mail, django_capture_on_commit_callbacks, caplog
):
    decision = make_decision("draft")
    with django_capture_on_commit_callbacks(execute=True):  # the database task backend
        decision_services.decision_submit(actor=personas["officer"], decision=decision)
    notification = Notification.objects.get(recipient=personas["treasurer"])
    assert DBTaskResult.objects.count() == 2  # one job per e-mail, for the worker
    flaky_mail.failures = 1
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        assert send_notification.call(notification.pk) == "queued"
    notification.refresh_from_db()
    assert notification.attempts == 1
    assert "mail server unavailable" in notification.last_error
    assert notification.next_attempt_at > timezone.now() + timedelta(seconds=50)
    assert "retrying" in caplog.text
    retry = DBTaskResult.objects.order_by("-enqueued_at").first()
    assert retry.run_after is not None and retry.run_after > timezone.now()
    assert mail.outbox == []
    # The worker picks the retry up once it is due.
    assert send_notification.call(notification.pk) == "sent"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts, notification.last_error) == ("sent", 2, "")
    assert [m.to for m in mail.outbox] == [[personas["treasurer"].email]]
    # A second run of the same job sends nothing more.
    assert send_notification.call(notification.pk) == "sent"
    assert len(mail.outbox) == 1


def test_after_the_last_attempt_it_is_failed_logged_and_kept(
    personas, make_decision, flaky_mail, immediate_tasks, django_capture_on_commit_callbacks, caplog
):
    flaky_mail.failures = 100
    decision = make_decision("draft")
    with caplog.at_level(logging.WARNING), django_capture_on_commit_callbacks(execute=True):
        submitted = decision_services.decision_submit(actor=personas["officer"], decision=decision)
    # The step itself went through: a mail server that is down never blocks it.
    assert submitted.status == Decision.Status.CONSULTATION
    for notification in Notification.objects.all():
        assert notification.status == Notification.Status.FAILED
        assert notification.attempts == outbox.MAX_ATTEMPTS
        assert "ConnectionRefusedError" in notification.last_error
    assert "failed after 5 attempts" in caplog.text
    assert mail.outbox == []


def test_stale_immediate_mail_is_queued_again(
    personas, make_decision, immediate_tasks, django_capture_on_commit_callbacks
):
    decision = make_decision("draft")
    with django_capture_on_commit_callbacks(execute=False):  # the worker never ran the jobs
        decision_services.decision_submit(actor=personas["officer"], decision=decision)
    Notification.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert outbox.notifications_requeue_stale() == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_queued_mail(personas, make_decision):
    """The real worker (``manage.py task_worker --batch``) after the step commits."""
    decision = make_decision("draft")
    decision_services.decision_submit(actor=personas["officer"], decision=decision)
    assert mail.outbox == []
    assert Notification.objects.filter(status="queued").count() == 2
    call_command("task_worker", "--batch", "--no-startup-delay", "--worker-id", "mail", verbosity=0)
    assert sorted(m.to[0] for m in mail.outbox) == [
        personas["chief_executive"].email,
        personas["treasurer"].email,
    ]
    assert Notification.objects.filter(status="sent").count() == 2


# --- The annual review ---------------------------------------------------------------------


def test_annual_review_submitted_and_signed_off_are_emailed(
    personas, period, immediate_tasks, django_capture_on_commit_callbacks, deputy_chief_executive
):
    p = personas
    capture = django_capture_on_commit_callbacks
    decision, sent = _step(
        capture,
        lambda: annual_review.annual_review_submit(actor=p["chief_executive"], period=period),
    )
    ref = decision.reference
    needs_comments = [f"{ref}: annual review needs your comments"]
    # Everyone who comments but the Chief Executive who submitted it.
    assert sent == {"treasurer": needs_comments, "deputy.chief.executive": needs_comments}
    decision_services.decision_comment_treasurer(
        actor=p["treasurer"], decision=decision, comments="Fine."
    )
    decision_services.decision_comment_chief_executive(
        actor=p["chief_executive"], decision=decision, comments="Good."
    )
    # The person who submitted the review may not approve it: a second Chief Executive does.
    decision_services.decision_approve(actor=deputy_chief_executive, decision=decision)
    _, sent = _step(
        capture,
        lambda: decision_services.decision_sign(
            actor=p["commissioner"],
            decision=decision,
            declaration_confirmed=True,
            password=PASSWORD,
        ),
    )
    assert f"{ref}: annual review signed off" in sent["officer"]
    assert f"{ref}: annual review signed off" in sent["chief.executive"]
    [mail_to_officer] = [
        m for m in mail.outbox if m.to == [p["officer"].email] and "signed off" in m.subject
    ]
    assert period.get_absolute_url() in mail_to_officer.body


# --- Daily digest and the preferences page --------------------------------------------------


def test_digest_users_get_one_mail_a_day_with_every_step(
    personas, make_decision, immediate_tasks, django_capture_on_commit_callbacks
):
    treasurer = personas["treasurer"]
    outbox.notification_preference_set(actor=treasurer, delivery="digest")
    first = make_decision("draft", title="First")
    second = make_decision("draft", title="Second")
    with django_capture_on_commit_callbacks(execute=True):
        decision_services.decision_submit(actor=personas["officer"], decision=first)
        decision_services.decision_submit(actor=personas["officer"], decision=second)
    assert [m.to for m in mail.outbox] == [[personas["chief_executive"].email]] * 2
    mail.outbox.clear()
    call_command("send_digests", stdout=open("/dev/null", "w"))  # noqa: SIM115
    [digest] = mail.outbox
    assert digest.to == [treasurer.email]
    assert first.reference in digest.body and second.reference in digest.body
    assert "“First”" not in digest.body  # the digest lists subjects, never titles
    assert not Notification.objects.filter(recipient=treasurer, status="queued").exists()
    # A later step the same day waits for tomorrow's digest.
    third = make_decision("draft", title="Third")
    with django_capture_on_commit_callbacks(execute=True):
        decision_services.decision_submit(actor=personas["officer"], decision=third)
    mail.outbox.clear()
    assert outbox.digests_send().skipped == 1
    assert mail.outbox == []
    result = outbox.digests_send(today=timezone.localdate() + timedelta(days=1))
    assert result.sent == 1
    assert third.reference in mail.outbox[0].body


def test_a_failed_digest_is_kept_for_the_next_run(
    personas, make_decision, immediate_tasks, flaky_mail, django_capture_on_commit_callbacks
):
    treasurer = personas["treasurer"]
    outbox.notification_preference_set(actor=treasurer, delivery="digest")
    decision = make_decision("draft")
    with django_capture_on_commit_callbacks(execute=True):
        decision_services.decision_submit(actor=personas["officer"], decision=decision)
    mail.outbox.clear()
    flaky_mail.failures = 1
    assert outbox.digests_send().failed == 1
    item = Notification.objects.get(recipient=treasurer)
    assert (item.status, item.attempts) == ("queued", 1)
    assert outbox.digests_send().sent == 1
    assert mail.outbox[0].to == [treasurer.email]


def test_preferences_page_shows_and_saves_the_choice(personas, client_for):
    officer = personas["officer"]
    client = client_for(officer)
    url = reverse("notifications:preferences")
    page = client.get(url).content.decode()
    assert 'type="radio"' in page and 'value="immediate"' in page
    assert (
        'value="immediate" checked' in page or "checked" in page.split('value="immediate"')[1][:40]
    )
    response = client.post(url, {"delivery": "digest"})
    assert response.status_code == 302 and response["Location"] == url
    preference = NotificationPreference.objects.get(user=officer)
    assert preference.delivery == "digest"
    record = preference.history.get()
    assert record.history_user == officer
    assert "once a day" in record.history_change_reason
    # Saving the same choice again writes no history.
    client.post(url, {"delivery": "digest"})
    assert preference.history.count() == 1


def test_preferences_page_refuses_bad_input_with_an_error_summary(personas, client_for):
    client = client_for(personas["officer"])
    page = client.post(reverse("notifications:preferences"), {"delivery": "hourly"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "govuk-error-summary" in text
    assert "Select how you want to be told about steps" in text
    assert not NotificationPreference.objects.exists()


def test_preferences_page_needs_a_role(personas, client_for):
    assert (
        client_for(personas["outsider"]).get(reverse("notifications:preferences")).status_code
        == 403
    )
    anonymous = client_for(None).get(reverse("notifications:preferences"))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous["Location"]
