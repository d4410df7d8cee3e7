"""Two-factor that does not get in the way (issue 13, 4): asked for only where a step needs it,
once a session, a way back from "Not now", and a few wrong codes before an explained wait."""

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.accounts.two_factor import CODE_TRIES, CODE_WAIT
from tests.conftest import PASSWORD
from tests.decisions.helpers import advance, complete_sections, make_draft
from tests.prevent_compliance.two_factor import confirmed_device, current_code

VERIFY = reverse("accounts:verify")
ENROL = reverse("accounts:enrol")


@pytest.fixture(autouse=True)
def _setting_off(settings):
    settings.TWO_FACTOR_ALL_ROLES = False


def _query(response) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}


# --- A few wrong codes, then an explained wait ------------------------------------------------


def _wrong(client, times=1):
    for _ in range(times):
        response = client.post(VERIFY, {"code": "000000"})
    return response


def test_a_wrong_code_says_how_many_tries_are_left(client, commissioner):
    confirmed_device(commissioner)
    client.force_login(commissioner)
    page = _wrong(client).content.decode()
    assert "The code is not correct or has expired" in page
    assert "you can try 4 more times before a 5-minute wait" in page


def test_a_few_wrong_codes_then_the_right_one_signs_in_at_once(client, commissioner):
    device = confirmed_device(commissioner)
    client.force_login(commissioner)
    _wrong(client, CODE_TRIES - 1)
    response = client.post(VERIFY, {"code": current_code(device), "next": "/actions/"})
    assert response["Location"] == "/actions/"
    device.refresh_from_db()
    assert device.throttling_failure_count == 0


def test_after_five_wrong_codes_the_wait_is_explained_and_enforced(client, commissioner):
    device = confirmed_device(commissioner)
    client.force_login(commissioner)
    page = _wrong(client, CODE_TRIES).content.decode()
    assert "Wait 5 minutes (until " in page
    assert "because 5 wrong codes were entered in a row" in page
    assert page.count('class="govuk-error-summary"') == 1
    # Even the right code waits; it is not checked, so it is not used up either.
    response = client.post(VERIFY, {"code": current_code(device)})
    assert "Wait 5 minutes" in response.content.decode()
    assert DEVICE_ID_SESSION_KEY not in client.session

    # After the wait, the right code works.
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - CODE_WAIT - timedelta(seconds=1)
    )
    response = client.post(VERIFY, {"code": current_code(device), "next": "/actions/"})
    assert response["Location"] == "/actions/"


def test_a_wrong_code_after_the_wait_starts_another_wait(client, commissioner):
    device = confirmed_device(commissioner)
    client.force_login(commissioner)
    _wrong(client, CODE_TRIES)
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=timezone.now() - CODE_WAIT - timedelta(seconds=1)
    )
    assert "Wait 5 minutes" in _wrong(client).content.decode()


def test_the_wait_counts_in_every_browser(commissioner):
    """The count is on the device, so a second browser with the password gains nothing."""
    device = confirmed_device(commissioner)
    first, second = Client(), Client()
    first.force_login(commissioner)
    second.force_login(commissioner)
    _wrong(first, 3)
    _wrong(second, 2)
    response = second.post(VERIFY, {"code": current_code(device)})
    assert "Wait 5 minutes" in response.content.decode()


def test_setting_up_an_app_has_the_same_allowance(client, commissioner):
    client.force_login(commissioner)
    client.get(ENROL)
    device = TOTPDevice.objects.get(user=commissioner)
    for _ in range(CODE_TRIES - 1):
        client.post(ENROL, {"code": "000000"})
    response = client.post(ENROL, {"code": current_code(device), "next": "/evidence/"})
    assert response["Location"] == "/evidence/"


# --- Asked for only when a step needs it, and once a session ------------------------------------


@pytest.fixture
def in_consultation(personas, toolkit):
    decision = make_draft(personas)
    complete_sections(decision, actor=personas["officer"])
    return advance(decision, personas, "consultation")


def test_commenting_does_not_ask_the_chief_executive_to_set_up_an_app(
    client, chief_executive, in_consultation
):
    client.force_login(chief_executive)
    url = reverse("decisions:comment_chief_executive", args=[in_consultation.reference])
    assert client.get(url).status_code == 200


def test_approving_does_ask_to_set_up_an_app(client, personas, toolkit):
    decision = make_draft(personas)
    complete_sections(decision, actor=personas["officer"])
    decision = advance(decision, personas, "awaiting_approval")
    client.force_login(personas["chief_executive"])
    response = client.post(
        reverse("decisions:approve", args=[decision.reference]),
        HTTP_REFERER=f"http://testserver{decision.get_absolute_url()}",
    )
    assert response["Location"].startswith(ENROL)
    # "Not now" from there returns to the decision the button was on.
    assert _query(response)["back"] == f"http://testserver{decision.get_absolute_url()}"


def test_the_code_is_asked_once_at_sign_in_not_again_at_each_step(client, personas, toolkit):
    decision = make_draft(personas)
    complete_sections(decision, actor=personas["officer"])
    decision = advance(decision, personas, "awaiting_signature")
    device = confirmed_device(personas["commissioner"])
    signed_in = client.post(reverse("login"), {"username": "commissioner", "password": PASSWORD})
    assert signed_in["Location"].startswith(VERIFY)
    client.post(VERIFY, {"code": current_code(device), "next": "/"})
    for url in (
        reverse("toolkit:dashboard"),
        decision.get_absolute_url(),
        reverse("decisions:sign", args=[decision.reference]),
        reverse("decisions:defer", args=[decision.reference]),
    ):
        response = client.get(url)
        assert response.status_code == 200, url


# --- "Not now" ----------------------------------------------------------------------------------


def test_not_now_returns_to_the_page_the_user_was_on(client, personas, toolkit):
    decision = make_draft(personas)
    complete_sections(decision, actor=personas["officer"])
    decision = advance(decision, personas, "awaiting_signature")
    client.force_login(personas["commissioner"])
    came_from = f"http://testserver{decision.get_absolute_url()}"
    sign_url = reverse("decisions:sign", args=[decision.reference])
    response = client.get(sign_url, HTTP_REFERER=came_from)
    assert _query(response) == {"next": sign_url, "back": came_from}
    page = client.get(response["Location"]).content.decode()
    assert f'href="{came_from}" data-testid="not-now"' in page
    # Following it shows the decision, not the set-up page again.
    assert client.get(came_from).status_code == 200


def test_not_now_never_returns_to_the_page_that_asked(client, commissioner):
    client.force_login(commissioner)
    page = client.get(f"{ENROL}?next=/decisions/X/sign/").content.decode()
    assert f'href="{reverse("toolkit:dashboard")}" data-testid="not-now"' in page


def test_not_now_never_leaves_the_site(client, commissioner):
    client.force_login(commissioner)
    page = client.get(f"{ENROL}?next=/&back=https://evil.example/").content.decode()
    assert "evil.example" not in page
    assert f'href="{reverse("toolkit:dashboard")}" data-testid="not-now"' in page


def test_a_wrong_code_keeps_the_way_back(client, commissioner):
    client.force_login(commissioner)
    client.get(f"{ENROL}?next=/x/&back=/evidence/")
    page = client.post(ENROL, {"code": "000000", "next": "/x/", "back": "/evidence/"})
    assert 'href="/evidence/" data-testid="not-now"' in page.content.decode()


def test_when_every_page_needs_two_factor_there_is_no_not_now(client, officer, settings):
    settings.TWO_FACTOR_ALL_ROLES = True
    client.force_login(officer)
    response = client.get(reverse("toolkit:dashboard"), HTTP_REFERER="http://testserver/x/")
    page = client.get(response["Location"]).content.decode()
    assert 'data-testid="not-now"' not in page
    assert "sign out and come back later" in page
