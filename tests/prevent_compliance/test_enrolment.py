"""Setting up an authenticator app cannot be taken over from another session (issue 10, 3).

Each visit to the set-up page makes a new secret and discards unfinished set-ups; only the
session that was shown a secret can confirm it.
"""

from django.test import Client
from django.urls import reverse
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.accounts.enrolment import ENROL_SESSION_KEY
from prevent_compliance.models import AccountEvent
from tests.prevent_compliance.two_factor import current_code

SET_UP = reverse("accounts:enrol")


def _secret_shown(response) -> str:
    return response.text.split('data-testid="totp-secret">', 1)[1].split("<", 1)[0]


def test_two_sessions_are_never_shown_the_same_secret(commissioner):
    first, second = Client(), Client()
    first.force_login(commissioner)
    second.force_login(commissioner)
    shown_first = _secret_shown(first.get(SET_UP))
    shown_second = _secret_shown(second.get(SET_UP))
    assert shown_first != shown_second
    # Only the newest set-up is left; the first session's secret is discarded.
    assert TOTPDevice.objects.filter(user=commissioner).count() == 1


def test_a_code_from_another_session_does_not_confirm_the_set_up(commissioner):
    victim, intruder = Client(), Client()
    victim.force_login(commissioner)
    intruder.force_login(commissioner)
    victim.get(SET_UP)
    device = TOTPDevice.objects.get(user=commissioner)
    # Even knowing the secret, another session's confirmation is refused.
    response = intruder.post(SET_UP, {"code": current_code(device)})
    assert response.status_code == 200
    assert 'data-testid="enrolment-restarted"' in response.text
    assert not TOTPDevice.objects.filter(user=commissioner, confirmed=True).exists()
    assert DEVICE_ID_SESSION_KEY not in intruder.session


def test_the_session_that_started_the_set_up_confirms_it(client, commissioner):
    client.force_login(commissioner)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=commissioner)
    assert client.session[ENROL_SESSION_KEY] == device.pk
    response = client.post(SET_UP, {"code": current_code(device)})
    assert response.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    assert ENROL_SESSION_KEY not in client.session
    assert AccountEvent.objects.filter(
        account=commissioner, kind=AccountEvent.Kind.DEVICE_CONFIRMED
    ).exists()


def test_an_older_set_up_cannot_be_confirmed_after_a_newer_one_started(commissioner):
    first, second = Client(), Client()
    first.force_login(commissioner)
    second.force_login(commissioner)
    first.get(SET_UP)
    old = TOTPDevice.objects.get(user=commissioner)
    code = current_code(old)
    second.get(SET_UP)
    response = first.post(SET_UP, {"code": code})
    assert 'data-testid="enrolment-restarted"' in response.text
    assert not TOTPDevice.objects.filter(user=commissioner, confirmed=True).exists()


def test_the_set_up_page_is_never_cached(client, commissioner):
    client.force_login(commissioner)
    response = client.get(SET_UP)
    assert "no-store" in response["Cache-Control"]


def test_once_set_up_the_secret_is_shown_nowhere(client, commissioner):
    client.force_login(commissioner)
    client.get(SET_UP)
    device = TOTPDevice.objects.get(user=commissioner)
    client.post(SET_UP, {"code": current_code(device)})
    for url in (SET_UP, reverse("accounts:two_factor"), reverse("accounts:verify")):
        page = client.get(url, follow=True).text
        assert 'data-testid="totp-secret"' not in page
        assert device.key not in page
