"""/users/: administrators manage accounts without the Django admin (accounts/users.py)."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.accounts import services, tokens
from prevent_compliance.models import AccountEvent, RoleGrant
from prevent_compliance.roles import Role
from tests.conftest import PASSWORD, _make_user
from tests.prevent_compliance.two_factor import confirmed_device, sign_in_verified

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
NEW_PASSWORD = "a-brand-new-long-passphrase"


@pytest.fixture(autouse=True)
def _tasks(settings):
    settings.TASKS = IMMEDIATE
    settings.SITE_URL = "http://testserver"


@pytest.fixture
def admin_client(client, administrator):
    return sign_in_verified(client, administrator)


@pytest.fixture
def second_admin(django_user_model):
    return _make_user(django_user_model, "admin2", Role.ADMINISTRATOR)


def role(name: Role) -> Group:
    return Group.objects.get(name=name.value)


def _events(account, kind=None):
    events = AccountEvent.objects.filter(account=account)
    if kind:
        events = events.filter(kind=kind)
    return list(events.values_list("summary", flat=True))


# --- Who may use the pages ------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["officer", "treasurer", "auditor", "outsider"])
def test_other_roles_are_refused(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(reverse("users:list")).status_code == 403
    assert client.get(reverse("users:invite")).status_code == 403


@pytest.mark.parametrize("persona", ["chief_executive", "commissioner"])
def test_other_two_factor_roles_are_refused_even_when_verified(client, personas, persona):
    sign_in_verified(client, personas[persona])
    assert client.get(reverse("users:list")).status_code == 403


def test_an_administrator_without_a_code_is_asked_for_one(client, administrator):
    client.force_login(administrator)
    response = client.get(reverse("users:list"))
    assert response["Location"].startswith(reverse("accounts:enrol"))
    confirmed_device(administrator)
    response = client.get(reverse("users:list"))
    assert response["Location"].startswith(reverse("accounts:verify"))


def test_a_superuser_with_no_role_is_refused(client, superuser):
    sign_in_verified(client, superuser)
    assert client.get(reverse("users:list")).status_code == 403


def test_the_services_check_the_role_too(officer, treasurer):
    with pytest.raises(PermissionDenied):
        services.user_deactivate(actor=officer, account=treasurer)
    with pytest.raises(PermissionDenied):
        services.user_invite(
            actor=officer,
            username="x",
            first_name="X",
            last_name="Y",
            email="x@opcc.test",
            roles=set(),
        )


def test_the_navigation_shows_users_to_administrators_only(client, administrator, officer):
    sign_in_verified(client, administrator)
    assert 'href="/users/"' in client.get(reverse("toolkit:dashboard")).content.decode()
    client.force_login(officer)
    assert 'href="/users/"' not in client.get(reverse("toolkit:dashboard")).content.decode()


# --- The list ----------------------------------------------------------------------------------


def test_the_list_searches_and_filters(admin_client, personas):
    personas["auditor"].is_active = False
    personas["auditor"].save()
    page = admin_client.get(reverse("users:list")).content.decode()
    assert "8 users" not in page and "7 users" in page
    found = admin_client.get(reverse("users:list"), {"q": "treas"}).content.decode()
    assert "treasurer@opcc.test" in found and "officer@opcc.test" not in found
    by_role = admin_client.get(reverse("users:list"), {"role": Role.COMMISSIONER.value})
    assert "1 user," in by_role.content.decode()
    no_role = admin_client.get(reverse("users:list"), {"role": "none"}).content.decode()
    assert "outsider" in no_role and "1 user," in no_role
    inactive = admin_client.get(reverse("users:list"), {"status": "inactive"}).content.decode()
    assert "auditor@opcc.test" in inactive and "1 user," in inactive


def test_the_list_refuses_a_role_that_does_not_exist_plainly(admin_client, personas):
    response = admin_client.get(reverse("users:list"), {"role": "Emperor"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()


def test_the_list_costs_the_same_queries_with_more_users(
    admin_client, personas, django_user_model, django_assert_max_num_queries
):
    admin_client.get(reverse("users:list"))
    for number in range(20):
        _make_user(django_user_model, f"extra{number}", Role.OFFICER)
    with django_assert_max_num_queries(12):
        admin_client.get(reverse("users:list"))


# --- Inviting -----------------------------------------------------------------------------------


def _invite(client, **overrides):
    data = {
        "username": "new.person",
        "first_name": "New",
        "last_name": "Person",
        "email": "new.person@opcc.test",
        "roles": [role(Role.OFFICER).pk],
    } | overrides
    return client.post(reverse("users:invite"), data)


def test_inviting_makes_an_account_without_a_password_and_e_mails_a_link(
    admin_client, administrator, django_user_model, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _invite(admin_client)
    assert response["Location"] == reverse("users:detail", kwargs={"username": "new.person"})
    account = django_user_model.objects.get(username="new.person")
    assert account.is_active and not account.has_usable_password()
    assert list(account.groups.values_list("name", flat=True)) == [Role.OFFICER.value]
    assert _events(account, AccountEvent.Kind.STATUS_CHANGED) == [
        "Account new.person created by admin; invitation sent to new.person@opcc.test"
    ]
    assert (
        AccountEvent.objects.get(account=account, kind="status_changed").history.get().history_user
        == administrator
    )
    [message] = mail.outbox
    assert message.to == ["new.person@opcc.test"]
    assert "admin has set up" in message.body and "7 days" in message.body
    link = re.search(r"http://testserver(/accounts/invitation/\S+/)", message.body).group(1)

    # The new colleague follows the link, chooses a password and signs in.
    browser = Client()
    step = browser.get(link)["Location"]
    page = browser.get(step).content.decode()
    assert "Choose a password for your account" in page and "new.person" in page
    done = browser.post(step, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done["Location"] == reverse("login")
    account.refresh_from_db()
    assert account.check_password(NEW_PASSWORD)
    assert "new.person accepted the invitation and chose a password" in _events(account)
    assert browser.get(link).status_code == 410  # the link worked once
    signed_in = browser.post(reverse("login"), {"username": "new.person", "password": NEW_PASSWORD})
    assert signed_in["Location"] == "/"


def test_an_invitation_link_expires_after_seven_days(client, django_user_model, monkeypatch):
    account = django_user_model.objects.create_user("late", email="late@opcc.test")
    token = tokens.invitation_tokens.make_token(account)
    url = reverse("accounts:invitation", kwargs={"uidb64": tokens.uid_for(account), "token": token})
    now = tokens.invitation_tokens._now()
    monkeypatch.setattr(tokens.invitation_tokens, "_now", lambda: now + timedelta(days=6))
    assert client.get(url).status_code == 302
    monkeypatch.setattr(
        tokens.invitation_tokens,
        "_now",
        lambda: now + timedelta(days=7, seconds=1),
    )
    assert Client().get(url).status_code == 410


def test_an_invitation_can_be_sent_again_until_a_password_is_chosen(
    admin_client, django_capture_on_commit_callbacks, django_user_model
):
    with django_capture_on_commit_callbacks(execute=True):
        _invite(admin_client)
        admin_client.post(reverse("users:invitation_resend", kwargs={"username": "new.person"}))
    assert len(mail.outbox) == 2
    account = django_user_model.objects.get(username="new.person")
    account.set_password(NEW_PASSWORD)
    account.save()
    response = admin_client.post(
        reverse("users:invitation_resend", kwargs={"username": "new.person"}), follow=True
    )
    assert (
        "Only an active account that has no password yet can be invited"
        in response.content.decode()
    )


def test_a_signing_role_in_an_invitation_waits_for_a_second_administrator(
    admin_client, django_user_model, second_admin, client
):
    _invite(admin_client, roles=[role(Role.COMMISSIONER).pk, role(Role.AUDITOR).pk])
    account = django_user_model.objects.get(username="new.person")
    assert list(account.groups.values_list("name", flat=True)) == [Role.AUDITOR.value]
    grant = RoleGrant.objects.get(account=account, status=RoleGrant.Status.PENDING)
    assert grant.role.name == Role.COMMISSIONER.value

    # The administrator who asked cannot confirm it; the button is not even shown.
    page = admin_client.get(
        reverse("users:detail", kwargs={"username": "new.person"})
    ).content.decode()
    assert "Roles waiting for a second administrator" in page
    assert reverse("users:grant_confirm", kwargs={"public_id": grant.public_id}) not in page
    admin_client.post(reverse("users:grant_confirm", kwargs={"public_id": grant.public_id}))
    assert not account.groups.filter(name=Role.COMMISSIONER.value).exists()

    other = sign_in_verified(Client(), second_admin)
    other.post(reverse("users:grant_confirm", kwargs={"public_id": grant.public_id}))
    assert account.groups.filter(name=Role.COMMISSIONER.value).exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": ""}, "Enter a username"),
        ({"username": "officer"}, "There is already an account with this username"),
        ({"username": "OFFICER"}, "There is already an account with this username"),
        ({"username": "bad name!"}, "Enter a valid username"),
        ({"username": "invite"}, "names a page of the service"),
        ({"email": "officer@opcc.test"}, "Another account already uses this email address"),
        ({"email": "nope"}, "Enter an email address in the correct format"),
        ({"first_name": ""}, "Enter their first name"),
        ({"roles": ["999999"]}, "Choose roles from the list"),
    ],
)
def test_a_bad_invitation_is_refused_with_a_message(admin_client, personas, overrides, message):
    response = _invite(admin_client, **overrides)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AccountEvent.objects.filter(summary__contains="invitation sent").exists()
    assert mail.outbox == []


# --- Roles -----------------------------------------------------------------------------------


def _set_roles(client, account, *roles):
    return client.post(
        reverse("users:roles", kwargs={"username": account.username}),
        {"roles": [role(r).pk for r in roles]},
    )


def test_roles_that_sign_nothing_and_removals_apply_at_once(admin_client, officer):
    response = _set_roles(admin_client, officer, Role.OFFICER, Role.TREASURER)
    assert response.status_code == 302
    assert set(officer.groups.values_list("name", flat=True)) == {"OPCC officer", "Treasurer"}
    _set_roles(admin_client, officer, Role.TREASURER)
    assert set(officer.groups.values_list("name", flat=True)) == {"Treasurer"}
    assert _events(officer, AccountEvent.Kind.ROLE_REMOVED) == [
        "OPCC officer role taken from officer"
    ]
    assert _events(officer, AccountEvent.Kind.ROLE_ADDED)[0] == "Treasurer role given to officer"


def test_a_new_signing_role_becomes_a_grant(admin_client, officer):
    _set_roles(admin_client, officer, Role.OFFICER, Role.CHIEF_EXECUTIVE)
    assert not officer.groups.filter(name=Role.CHIEF_EXECUTIVE.value).exists()
    assert RoleGrant.objects.filter(account=officer, status="pending").count() == 1


def test_nobody_changes_their_own_roles(admin_client, administrator):
    url = reverse("users:roles", kwargs={"username": administrator.username})
    assert admin_client.get(url).status_code == 403
    assert admin_client.post(url, {"roles": []}).status_code == 403
    assert administrator.groups.filter(name=Role.ADMINISTRATOR.value).exists()
    with pytest.raises(PermissionDenied):
        services.user_roles_set(actor=administrator, account=administrator, roles=set())


def test_there_is_always_an_administrator_left(administrator, second_admin):
    """Nobody changes their own roles or deactivates themselves, so whoever acts is an active
    administrator who stays; the service checks it again all the same."""
    services.user_roles_set(actor=administrator, account=second_admin, roles=set())
    assert not second_admin.groups.exists()
    with pytest.raises(PermissionDenied):  # no longer an administrator: cannot act back
        services.user_deactivate(actor=second_admin, account=administrator)
    with pytest.raises(ValidationError, match="only active administrator"):
        services._keep_an_administrator(administrator, losing="be deactivated")


def test_an_administrator_cannot_manage_a_superuser(admin_client, superuser):
    response = _set_roles(admin_client, superuser, Role.OFFICER)
    assert response.status_code == 302
    assert not superuser.groups.exists()
    page = admin_client.get(response["Location"]).content.decode()
    assert "Superuser accounts are managed from the command line" in page


# --- Deactivate, reactivate, reset two-factor ----------------------------------------------------


def test_deactivating_asks_first_then_signs_the_user_out_everywhere(admin_client, officer):
    theirs = Client()
    theirs.force_login(officer)
    url = reverse("users:deactivate", kwargs={"username": "officer"})
    check = admin_client.get(url)
    page = check.content.decode()
    assert check.status_code == 200 and "Deactivate this account" in page
    assert "officer@opcc.test" in page and "signed out everywhere" in page
    officer.refresh_from_db()
    assert officer.is_active  # the check page changes nothing
    assert admin_client.post(url).status_code == 200  # a POST without confirm=yes asks again
    officer.refresh_from_db()
    assert officer.is_active
    done = admin_client.post(url, {"confirm": "yes"})
    assert done["Location"] == reverse("users:detail", kwargs={"username": "officer"})
    officer.refresh_from_db()
    assert not officer.is_active
    assert "officer deactivated" in _events(officer)
    assert theirs.get(reverse("toolkit:evidence_list"))["Location"].startswith(reverse("login"))
    refused = Client().post(reverse("login"), {"username": "officer", "password": PASSWORD})
    assert refused.status_code == 200
    assert "_auth_user_id" not in Client().session


def test_reactivating_lets_them_sign_in_again(admin_client, officer):
    officer.is_active = False
    officer.save()
    admin_client.post(
        reverse("users:reactivate", kwargs={"username": "officer"}), {"confirm": "yes"}
    )
    officer.refresh_from_db()
    assert officer.is_active
    assert "officer active" in _events(officer)
    signed_in = Client().post(reverse("login"), {"username": "officer", "password": PASSWORD})
    assert signed_in["Location"] == "/"


def test_nobody_deactivates_themselves(admin_client, administrator):
    url = reverse("users:deactivate", kwargs={"username": administrator.username})
    response = admin_client.post(url, {"confirm": "yes"}, follow=True)
    assert "You cannot deactivate your own account" in response.content.decode()
    administrator.refresh_from_db()
    assert administrator.is_active


def test_resetting_two_factor_removes_the_app_and_its_verified_sessions(admin_client, commissioner):
    theirs = sign_in_verified(Client(), commissioner)
    url = reverse("users:reset_two_factor", kwargs={"username": "commissioner"})
    page = admin_client.get(url).content.decode()
    assert "Reset two-factor authentication" in page and "set up an app again" in page
    assert TOTPDevice.objects.filter(user=commissioner).exists()
    admin_client.post(url, {"confirm": "yes"})
    assert not TOTPDevice.objects.filter(user=commissioner).exists()
    assert "Authenticator app of commissioner removed" in _events(commissioner)
    event = AccountEvent.objects.get(account=commissioner, kind=AccountEvent.Kind.DEVICE_REMOVED)
    assert event.history.get().history_user.username == "admin"
    # Their session is no longer verified: the next step sends them to set up an app again.
    response = theirs.get(reverse("accounts:two_factor"))
    assert "Not set up" in response.content.decode()
    assert not response.wsgi_request.user.is_verified()


def test_steps_on_an_account_that_does_not_exist_are_404(admin_client):
    for name in ("detail", "roles", "deactivate", "reactivate", "reset_two_factor"):
        assert (
            admin_client.get(reverse(f"users:{name}", kwargs={"username": "ghost"})).status_code
            == 404
        )


def test_a_grant_can_be_cancelled_by_its_proposer(admin_client, administrator, officer):
    grant = services.role_grant_propose(
        actor=administrator, account=officer, role=role(Role.COMMISSIONER)
    )
    admin_client.post(reverse("users:grant_cancel", kwargs={"public_id": grant.public_id}))
    grant.refresh_from_db()
    assert grant.status == RoleGrant.Status.CANCELLED


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ("reactivate", "officer is already active."),
        ("reset_two_factor", "officer has not set up an authenticator app"),
    ],
)
def test_a_step_that_does_not_apply_sends_back_with_a_reason(admin_client, officer, step, message):
    before = AccountEvent.objects.count()
    url = reverse(f"users:{step}", kwargs={"username": "officer"})
    for response in (admin_client.get(url), admin_client.post(url, {"confirm": "yes"})):
        assert response["Location"] == reverse("users:detail", kwargs={"username": "officer"})
    page = admin_client.get(reverse("users:detail", kwargs={"username": "officer"}))
    assert message in page.content.decode()
    assert AccountEvent.objects.count() == before


def test_malformed_usernames_are_not_found_for_anyone(client, officer, administrator):
    for user in (officer, administrator):
        sign_in_verified(client, user)
        assert client.get("/users/bad%00name/").status_code == 404
        assert client.get("/users/a%20b/roles/").status_code == 404
