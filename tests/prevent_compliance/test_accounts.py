"""Sign-in lockout, two-factor enrolment and verification, the guard, sessions and users."""

from datetime import timedelta

import pytest
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import include, path, reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.accounts.backends import client_ip
from prevent_compliance.accounts.middleware import IdleSessionMiddleware
from prevent_compliance.accounts.two_factor import verified_role_required
from tests.conftest import PASSWORD
from tests.prevent_compliance.two_factor import confirmed_device, current_code, sign_in_verified


@verified_role_required
def guarded_view(request):
    return HttpResponse("approved")


# This module doubles as a URLconf: the project's URLs plus one view behind the guard.
urlpatterns = [
    path("test-guarded/", guarded_view, name="test_guarded"),
    path("", include("prevent_compliance.urls")),
]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _sign_in(client, username, password, **extra):
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


# --- Lockout ---------------------------------------------------------------------------------


def test_wrong_password_shows_the_form_error_until_the_limit(client, officer):
    response = _sign_in(client, "officer", "not-the-password")
    assert response.status_code == 200
    assert "Enter a correct username and password" in response.content.decode()


def test_five_failures_lock_the_username_even_with_the_right_password(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "officer", "not-the-password")
    response = _sign_in(client, "officer", PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "You cannot sign in for 15 minutes" in page
    assert "Try again after" in page
    assert "_auth_user_id" not in client.session


def test_lockout_page_is_the_same_for_unknown_usernames(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "officer", "wrong")
        _sign_in(client, "nobody-at-all", "wrong")
    known = _sign_in(client, "officer", "wrong")
    unknown = _sign_in(client, "nobody-at-all", "wrong")
    assert known.status_code == unknown.status_code == 429
    heading = '<h1 class="govuk-heading-l">You cannot sign in for 15 minutes</h1>'
    assert heading in known.content.decode() and heading in unknown.content.decode()
    assert "officer" not in known.content.decode()
    assert "nobody-at-all" not in unknown.content.decode()


def test_lockout_is_per_username_and_address(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "officer", "wrong", REMOTE_ADDR="203.0.113.9")
    elsewhere = _sign_in(client, "officer", PASSWORD, REMOTE_ADDR="198.51.100.7")
    assert elsewhere.status_code == 302


def test_a_successful_sign_in_clears_earlier_failures(client, officer, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "officer", "wrong")
    assert _sign_in(client, "officer", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign_in(client, "officer", "wrong")
    assert _sign_in(client, "officer", PASSWORD).status_code == 302


def test_lockout_expires_after_the_cool_off(client, officer, settings):
    from axes.models import AccessAttempt

    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign_in(client, "officer", "wrong")
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert _sign_in(client, "officer", PASSWORD).status_code == 302


def test_client_ip_reads_forwarded_for_only_through_trusted_proxies(settings):
    request = RequestFactory().get(
        "/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5"
    )
    settings.TRUSTED_PROXY_COUNT = 0
    assert client_ip(request) == "10.0.0.1"
    settings.TRUSTED_PROXY_COUNT = 1
    assert client_ip(request) == "203.0.113.5"


# --- The guard for approving, signing and administering -----------------------------------


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("persona", ["commissioner", "chief_executive", "administrator"])
def test_guard_sends_unenrolled_signers_to_set_up(client, personas, persona):
    client.force_login(personas[persona])
    response = client.get("/test-guarded/?x=1")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('accounts:enrol')}?next=%2Ftest-guarded%2F%3Fx%3D1"


@pytest.mark.urls(__name__)
def test_guard_asks_enrolled_signers_for_a_code(client, commissioner):
    confirmed_device(commissioner)
    client.force_login(commissioner)
    response = client.get("/test-guarded/")
    assert response["Location"].startswith(reverse("accounts:verify") + "?next=")


@pytest.mark.urls(__name__)
def test_guard_lets_verified_signers_through(client, commissioner):
    sign_in_verified(client, commissioner)
    assert client.get("/test-guarded/").content == b"approved"


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("persona", ["officer", "treasurer", "auditor", "outsider"])
def test_guard_leaves_other_roles_to_the_view(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get("/test-guarded/").content == b"approved"


@pytest.mark.urls(__name__)
def test_guard_on_a_post_returns_to_the_page_it_came_from(client, commissioner):
    confirmed_device(commissioner)
    client.force_login(commissioner)
    response = client.post("/test-guarded/", HTTP_REFERER="http://testserver/decisions/X-1/")
    assert response.status_code == 302
    assert response["Location"].endswith("?next=http%3A%2F%2Ftestserver%2Fdecisions%2FX-1%2F")


# --- Enrolment and verification ---------------------------------------------------------------


def test_enrolment_shows_a_qr_code_and_the_secret(client, commissioner):
    client.force_login(commissioner)
    response = client.get(reverse("accounts:enrol"))
    page = response.content.decode()
    assert response.status_code == 200
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in page
    device = TOTPDevice.objects.get(user=commissioner, confirmed=False)
    assert device.config_url not in page  # the secret is only inside the drawn QR code
    assert 'data-testid="totp-secret"' in page


def test_each_visit_to_set_up_makes_a_fresh_secret_and_discards_the_last(client, commissioner):
    client.force_login(commissioner)
    client.get(reverse("accounts:enrol"))
    first = TOTPDevice.objects.get(user=commissioner)
    client.get(reverse("accounts:enrol"))
    second = TOTPDevice.objects.get(user=commissioner)
    assert second.pk != first.pk and second.key != first.key


def test_a_correct_code_confirms_the_app_and_verifies_the_session(client, commissioner):
    client.force_login(commissioner)
    client.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=commissioner)
    response = client.post(
        reverse("accounts:enrol"), {"code": current_code(device), "next": "/evidence/"}
    )
    assert response.status_code == 302 and response["Location"] == "/evidence/"
    device.refresh_from_db()
    assert device.confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id


def test_a_wrong_code_does_not_confirm_the_app(client, commissioner):
    client.force_login(commissioner)
    client.get(reverse("accounts:enrol"))
    response = client.post(reverse("accounts:enrol"), {"code": "000000"})
    assert response.status_code == 200
    assert "The code is not correct or has expired" in response.content.decode()
    assert not TOTPDevice.objects.get(user=commissioner).confirmed


def test_a_code_that_is_not_six_numbers_is_refused_plainly(client, commissioner):
    client.force_login(commissioner)
    client.get(reverse("accounts:enrol"))
    response = client.post(reverse("accounts:enrol"), {"code": "abc"})
    assert "Enter the code as 6 numbers" in response.content.decode()


def test_enrolled_users_cannot_replace_their_app_themselves(client, commissioner):
    device = confirmed_device(commissioner)
    client.force_login(commissioner)
    response = client.get(reverse("accounts:enrol"))
    assert response["Location"] == reverse("accounts:two_factor")
    assert list(TOTPDevice.objects.filter(user=commissioner)) == [device]


def test_sign_in_sends_enrolled_users_to_the_code_page(client, commissioner):
    confirmed_device(commissioner)
    response = _sign_in(client, "commissioner", PASSWORD)
    assert response["Location"] == f"{reverse('accounts:verify')}?next=%2F"


def test_sign_in_without_an_app_goes_straight_on(client, commissioner):
    assert _sign_in(client, "commissioner", PASSWORD)["Location"] == "/"


def test_verify_accepts_the_current_code_once(client, commissioner):
    device = confirmed_device(commissioner)
    client.force_login(commissioner)
    code = current_code(device)
    response = client.post(reverse("accounts:verify"), {"code": code, "next": "/actions/"})
    assert response["Location"] == "/actions/"
    client.logout()
    client.force_login(commissioner)
    replay = client.post(reverse("accounts:verify"), {"code": code})
    assert replay.status_code == 200
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_verify_never_redirects_off_site(client, commissioner):
    device = confirmed_device(commissioner)
    client.force_login(commissioner)
    response = client.post(
        reverse("accounts:verify"),
        {"code": current_code(device), "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("toolkit:dashboard")


def test_repeated_wrong_codes_are_throttled(client, commissioner):
    """Five wrong codes in a row, then even the right code waits (tests/.../two_factor tests)."""
    device = confirmed_device(commissioner)
    client.force_login(commissioner)
    for _ in range(5):
        client.post(reverse("accounts:verify"), {"code": "000000"})
    response = client.post(reverse("accounts:verify"), {"code": current_code(device)})
    assert "Wait 5 minutes" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session


def test_two_factor_page_says_what_is_set_up(client, commissioner):
    client.force_login(commissioner)
    page = client.get(reverse("accounts:two_factor")).content.decode()
    assert "Not set up" in page and "Yes, to approve, sign or administer" in page


# --- The Django admin --------------------------------------------------------------------------


def test_admin_sends_anonymous_users_to_our_sign_in(client, db):
    response = client.get("/admin/", follow=True)
    assert response.redirect_chain[-1][0] == f"{reverse('login')}?next=/admin/"
    assert b'name="password"' in response.content


def test_admin_login_sends_signed_in_staff_on(client, administrator):
    sign_in_verified(client, administrator)
    response = client.get("/admin/login/?next=/admin/auth/user/")
    assert response["Location"] == "/admin/auth/user/"


def test_admin_login_refuses_signed_in_non_staff(client, officer):
    client.force_login(officer)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_admin_needs_two_factor(client, administrator):
    client.force_login(administrator)
    response = client.get("/admin/")
    assert response["Location"].startswith(reverse("accounts:enrol"))


def test_verified_administrator_reaches_the_admin(client, administrator):
    sign_in_verified(client, administrator)
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/auth/user/").status_code == 200


def test_nobody_can_delete_a_user_in_the_admin(client, administrator, officer):
    sign_in_verified(client, administrator)
    assert client.get(f"/admin/auth/user/{officer.pk}/delete/").status_code == 403
    response = client.post(
        "/admin/auth/user/",
        {"action": "delete_selected", "_selected_action": [officer.pk]},
    )
    officer.refresh_from_db()
    assert response.status_code in (200, 302)
    assert officer.is_active


def test_superusers_cannot_delete_users_either(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@opcc.test", PASSWORD)
    victim = django_user_model.objects.create_user("victim", password=PASSWORD)
    sign_in_verified(client, root)
    assert client.get(f"/admin/auth/user/{victim.pk}/delete/").status_code == 403
    assert django_user_model.objects.filter(pk=victim.pk).exists()


def test_deactivate_action_keeps_the_user(client, administrator, officer):
    sign_in_verified(client, administrator)
    response = client.post(
        "/admin/auth/user/",
        {"action": "deactivate", "_selected_action": [officer.pk, administrator.pk]},
    )
    assert response.status_code == 302
    officer.refresh_from_db()
    administrator.refresh_from_db()
    assert not officer.is_active
    assert administrator.is_active  # never yourself


def test_administrator_may_add_users_but_not_make_superusers(client, administrator):
    sign_in_verified(client, administrator)
    assert client.get("/admin/auth/user/add/").status_code == 200
    page = client.get(f"/admin/auth/user/{administrator.pk}/change/").content.decode()
    assert 'name="is_superuser"' not in page
    assert 'name="user_permissions"' not in page


def test_administrator_cannot_change_a_superuser(client, administrator, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@opcc.test", PASSWORD)
    sign_in_verified(client, administrator)
    client.post(f"/admin/auth/user/{root.pk}/change/", {"username": "taken-over"})
    root.refresh_from_db()
    assert root.username == "root"


def test_administrator_group_holds_no_delete_permission_on_users(administrator):
    assert administrator.has_perm("auth.add_user")
    assert administrator.has_perm("auth.change_user")
    assert not administrator.has_perm("auth.delete_user")
    assert not administrator.has_perm("auth.delete_group")


def test_demo_admin_is_staff_but_not_superuser(db, toolkit):
    from io import StringIO

    from django.contrib.auth.models import User
    from django.core.management import call_command

    call_command("load_demo", force=True, verbosity=0, stdout=StringIO())
    admin_user = User.objects.get(username="admin")
    assert admin_user.is_staff and not admin_user.is_superuser


# --- Sessions, passwords, deactivation ---------------------------------------------------------


def test_sessions_expire_after_thirty_idle_minutes_by_default(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert "prevent_compliance.accounts.middleware.IdleSessionMiddleware" in settings.MIDDLEWARE


def test_quick_successive_requests_do_not_rewrite_the_session(client, officer):
    client.force_login(officer)
    client.get(reverse("toolkit:evidence_list"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("toolkit:evidence_list"))
    assert not [q for q in queries.captured_queries if 'UPDATE "django_session"' in q["sql"]]


def test_anonymous_requests_create_no_session(client, db):
    client.get(reverse("login"))
    assert not Session.objects.exists()


def test_a_request_after_a_minute_pushes_the_expiry_on(client, officer):
    client.force_login(officer)
    session = client.session
    session[IdleSessionMiddleware.KEY] -= 61
    session.save()
    Session.objects.update(expire_date=timezone.now() + timedelta(minutes=1))
    client.get(reverse("toolkit:evidence_list"))
    assert Session.objects.get().expire_date > timezone.now() + timedelta(minutes=29)


def test_an_idle_session_is_signed_out(client, officer):
    client.force_login(officer)
    Session.objects.update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("toolkit:evidence_list"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_passwords_need_twelve_characters():
    with pytest.raises(ValidationError):
        validate_password("Tr0ub4dor&3")
    validate_password("a-long-enough-passphrase")


def test_a_deactivated_user_is_signed_out_and_cannot_sign_in(client, officer):
    client.force_login(officer)
    officer.is_active = False
    officer.save()
    assert client.get(reverse("toolkit:evidence_list")).status_code == 302
    assert _sign_in(client, "officer", PASSWORD).status_code == 200


def test_sign_in_without_a_request_skips_lockout_but_still_checks_the_password(officer):
    from django.contrib.auth import authenticate

    assert authenticate(username="officer", password=PASSWORD) == officer
    assert authenticate(username="officer", password="wrong") is None
