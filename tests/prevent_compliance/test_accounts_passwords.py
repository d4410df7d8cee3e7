"""Changing a password, and a forgotten password reset by e-mail (prevent_compliance/accounts)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.core import mail
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.accounts import tokens
from prevent_compliance.accounts.tasks import send_password_reset
from prevent_compliance.models import AccountEvent
from tests.conftest import PASSWORD
from tests.prevent_compliance.two_factor import confirmed_device, sign_in_verified

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
NEW_PASSWORD = "a-brand-new-long-passphrase"
LINK = re.compile(r"http://testserver(/accounts/\S+/)")


@pytest.fixture(autouse=True)
def _mail_and_tasks(settings):
    settings.TASKS = IMMEDIATE
    settings.SITE_URL = "http://testserver"


def _sign_in(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


# --- Change password --------------------------------------------------------------------------


def _change(client, old=PASSWORD, new=NEW_PASSWORD, again=None):
    return client.post(
        reverse("accounts:password_change"),
        {"old_password": old, "new_password1": new, "new_password2": again or new},
    )


def test_anonymous_visitors_are_sent_to_sign_in_to_change_a_password(client, db):
    response = client.get(reverse("accounts:password_change"))
    assert response["Location"].startswith(reverse("login"))


def test_changing_the_password_keeps_this_session_and_ends_the_others(client, officer):
    other = Client()
    other.force_login(officer)
    client.force_login(officer)
    response = _change(client)
    assert response.status_code == 302
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    assert client.get(reverse("toolkit:evidence_list")).status_code == 200
    assert other.get(reverse("toolkit:evidence_list"))["Location"].startswith(reverse("login"))
    event = AccountEvent.objects.get(account=officer, kind=AccountEvent.Kind.PASSWORD_CHANGED)
    assert event.summary == "officer changed their password"
    assert event.history.get().history_user == officer


def test_a_verified_session_stays_verified_after_a_password_change(client, commissioner):
    sign_in_verified(client, commissioner)
    _change(client)
    assert DEVICE_ID_SESSION_KEY in client.session
    # Changing your own password is not someone else's reset: the app stays.
    assert TOTPDevice.objects.filter(user=commissioner, confirmed=True).exists()


@pytest.mark.parametrize(
    ("old", "new", "again", "message"),
    [
        ("wrong-password-here", NEW_PASSWORD, None, "Your current password is not correct"),
        (PASSWORD, NEW_PASSWORD, "something-else-entirely", "The two new passwords do not match"),
        (PASSWORD, "short", None, "This password is too short"),
        (PASSWORD, "12345678901234", None, "This password is entirely numeric"),
        (PASSWORD, PASSWORD, None, "must be different from your current one"),
        ("", "", None, "Enter your current password"),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(
    client, officer, old, new, again, message
):
    client.force_login(officer)
    response = _change(client, old, new, again)
    page = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in page and message in page
    assert page.count('class="govuk-error-summary"') == 1
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)
    assert not AccountEvent.objects.filter(kind=AccountEvent.Kind.PASSWORD_CHANGED).exists()


def test_change_password_page_uses_govuk_password_inputs(client, officer):
    client.force_login(officer)
    page = client.get(reverse("accounts:password_change")).content.decode()
    assert 'autocomplete="current-password"' in page
    assert page.count('autocomplete="new-password"') == 2
    assert "At least 12 characters" in page


# --- Forgotten password: asking for a link ----------------------------------------------------


def _ask(client, email, **extra):
    return client.post(reverse("accounts:password_reset"), {"email": email}, **extra)


def test_asking_for_a_link_e_mails_one_that_sets_a_new_password_once(
    client, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _ask(client, "OFFICER@opcc.test")
    assert response["Location"] == reverse("accounts:password_reset_sent")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["officer@opcc.test"]
    assert "officer" in message.body and "60 minutes" in message.body
    link = LINK.search(message.body).group(1)

    opened = client.get(link)
    # The token leaves the address bar at once (and with it any later Referer header).
    assert opened["Location"].endswith("/set-password/")
    form = client.get(opened["Location"])
    assert "Choose a new password" in form.content.decode()
    done = client.post(
        opened["Location"], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )
    assert done["Location"] == reverse("login")
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)
    event = AccountEvent.objects.get(account=officer, kind=AccountEvent.Kind.PASSWORD_CHANGED)
    assert event.summary == "officer set a new password from a link e-mailed to them"
    assert event.history.get().history_user == officer

    # Used once, the link no longer works, in this browser or any other.
    assert client.get(link).status_code == 410
    assert Client().get(link).status_code == 410
    assert _sign_in(client, "officer", NEW_PASSWORD)["Location"] == "/"


def test_an_e_mailed_reset_keeps_the_authenticator_app_and_roles(
    client, commissioner, django_capture_on_commit_callbacks
):
    """The holder proved they own the address; they still need their phone to sign."""
    confirmed_device(commissioner)
    with django_capture_on_commit_callbacks(execute=True):
        _ask(client, "commissioner@opcc.test")
    link = LINK.search(mail.outbox[0].body).group(1)
    step = client.get(link)["Location"]
    client.post(step, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert TOTPDevice.objects.filter(user=commissioner, confirmed=True).exists()
    assert commissioner.groups.filter(name="Commissioner").exists()
    # Signing in with the new password still asks for the code.
    response = _sign_in(client, "commissioner", NEW_PASSWORD)
    assert response["Location"].startswith(reverse("accounts:verify"))


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(
    client, officer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as known_calls:
        known = _ask(Client(), "officer@opcc.test")
    with django_capture_on_commit_callbacks(execute=True) as unknown_calls:
        unknown = _ask(Client(), "nobody@opcc.test")
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    # The same work: one task queued after commit for each, whoever it is.
    assert len(known_calls) == len(unknown_calls) == 1
    assert [m.to for m in mail.outbox] == [["officer@opcc.test"]]

    def sent_page(address):
        browser = Client()
        _ask(browser, address)
        return browser.get(reverse("accounts:password_reset_sent")).content.decode()

    assert sent_page("officer@opcc.test").replace("officer", "X") == sent_page(
        "nobody@opcc.test"
    ).replace("nobody", "X")


def test_no_link_for_deactivated_or_invited_accounts(
    officer, django_user_model, django_capture_on_commit_callbacks
):
    officer.is_active = False
    officer.save()
    invited = django_user_model.objects.create_user("newbie", email="new@opcc.test")
    assert not invited.has_usable_password()
    assert send_password_reset.call("officer@opcc.test") == 0
    assert send_password_reset.call("new@opcc.test") == 0
    assert mail.outbox == []


def test_asking_again_and_again_is_refused_per_address(client, db):
    for _ in range(3):
        assert _ask(Client(), "target@opcc.test").status_code == 302
    response = _ask(Client(), "Target@opcc.test ")
    page = response.content.decode()
    assert response.status_code == 429
    assert "You have asked for too many password reset links. Wait an hour" in page
    assert "because the number of links is limited" in page
    # Another address from the same client is still fine.
    assert _ask(client, "someone.else@opcc.test").status_code == 302


def test_asking_for_many_addresses_from_one_client_is_refused(client, db):
    for number in range(10):
        assert _ask(client, f"person{number}@opcc.test").status_code == 302
    assert _ask(client, "person10@opcc.test").status_code == 429
    assert _ask(Client(REMOTE_ADDR="10.9.9.9"), "person10@opcc.test").status_code == 302


def test_the_limit_applies_the_same_to_known_and_unknown_addresses(client, officer):
    for _ in range(3):
        _ask(Client(), "officer@opcc.test")
        _ask(Client(REMOTE_ADDR="10.1.1.1"), "ghost@opcc.test")
    assert _ask(Client(REMOTE_ADDR="10.2.2.2"), "officer@opcc.test").status_code == 429
    assert _ask(Client(REMOTE_ADDR="10.3.3.3"), "ghost@opcc.test").status_code == 429


@pytest.mark.parametrize(
    ("email", "message"),
    [("", "Enter your email address"), ("not an address", "Enter an email address in the")],
)
def test_a_bad_address_is_refused_plainly(client, db, email, message):
    response = _ask(client, email)
    assert response.status_code == 200 and message in response.content.decode()


def test_a_signed_in_user_is_sent_to_change_their_password_instead(client, officer):
    client.force_login(officer)
    assert client.get(reverse("accounts:password_reset"))["Location"] == reverse(
        "accounts:password_change"
    )


def test_the_sign_in_page_links_to_the_reset(client, db):
    page = client.get(reverse("login")).content.decode()
    assert reverse("accounts:password_reset") in page


# --- Forgotten password: the link -------------------------------------------------------------


def _link_for(user, generator=tokens.reset_tokens, route="accounts:password_reset_confirm"):
    return reverse(
        route, kwargs={"uidb64": tokens.uid_for(user), "token": generator.make_token(user)}
    )


def test_a_link_expires_after_an_hour(client, officer, monkeypatch, settings):
    assert settings.PASSWORD_RESET_TIMEOUT == 3600
    link = _link_for(officer)
    later = tokens.reset_tokens._now() + timedelta(seconds=3601)
    monkeypatch.setattr(tokens.reset_tokens, "_now", lambda: later)
    response = client.get(link)
    assert response.status_code == 410
    assert "This link no longer works" in response.content.decode()


def test_a_link_stops_working_once_the_account_is_deactivated(client, officer):
    link = _link_for(officer)
    officer.is_active = False
    officer.save()
    assert client.get(link).status_code == 410


def test_a_reset_link_is_not_an_invitation(client, officer):
    token = tokens.reset_tokens.make_token(officer)
    url = reverse("accounts:invitation", kwargs={"uidb64": tokens.uid_for(officer), "token": token})
    assert client.get(url).status_code == 410


@pytest.mark.parametrize(
    ("uid", "token"),
    [("MQ", "c9x1lk-0123456789abcdef"), ("MTIzNDU2Nzg5MDEyMzQ1", "1-2"), ("Zm9v", "abc-def")],
)
def test_links_that_we_did_not_send_are_gone(client, officer, uid, token):
    url = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    assert client.get(url).status_code == 410


@pytest.mark.parametrize(
    ("uid", "token"),
    [("MQ", "bad-token"), ("!!!", "1-a"), ("A" * 200, "1-2"), ("MQ", "a-b-c"), ("MQ", "1-a\x00")],
)
def test_links_of_the_wrong_shape_are_not_found(client, officer, uid, token):
    url = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    assert client.get(url).status_code == 404


def test_the_form_page_without_a_token_in_the_session_is_refused(client, officer):
    url = reverse(
        "accounts:password_reset_confirm",
        kwargs={"uidb64": tokens.uid_for(officer), "token": "set-password"},
    )
    assert client.get(url).status_code == 410
    assert (
        client.post(url, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code
        == 410
    )
    officer.refresh_from_db()
    assert officer.check_password(PASSWORD)


def test_two_tabs_cannot_both_use_one_link(client, officer):
    first, second = Client(), Client()
    link = _link_for(officer)
    steps = [first.get(link)["Location"], second.get(link)["Location"]]
    data = {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    assert first.post(steps[0], data).status_code == 302
    other = {"new_password1": "the-other-tab-password", "new_password2": "the-other-tab-password"}
    assert second.post(steps[1], other).status_code == 410
    officer.refresh_from_db()
    assert officer.check_password(NEW_PASSWORD)


def test_the_new_password_must_pass_the_validators(client, officer):
    step = client.get(_link_for(officer))["Location"]
    response = client.post(step, {"new_password1": "officer", "new_password2": "officer"})
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()


def test_a_reset_from_a_link_ends_every_other_session(client, officer):
    other = Client()
    other.force_login(officer)
    step = client.get(_link_for(officer))["Location"]
    client.post(step, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert other.get(reverse("toolkit:evidence_list"))["Location"].startswith(reverse("login"))


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_reset_e_mail_after_the_request(officer, settings):
    """With the database backend the request only queues the task; the worker sends."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    response = _ask(Client(), "officer@opcc.test")
    assert response.status_code == 302
    assert mail.outbox == []
    call_command("task_worker", "--batch", "--no-startup-delay", "--worker-id", "t", verbosity=0)
    assert [m.to for m in mail.outbox] == [["officer@opcc.test"]]
    assert "/accounts/password/reset/" in mail.outbox[0].body
    assert get_user_model().objects.get(username="officer").check_password(PASSWORD)
    assert Session.objects.count() <= 1
