"""Wrong passwords at signing count towards the sign-in lockout (django-axes)."""

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from decisions.models import Decision
from tests.conftest import PASSWORD
from tests.prevent_compliance.two_factor import sign_in_verified

S = Decision.Status


@pytest.fixture
def awaiting_signature(make_decision):
    return make_decision("awaiting_signature")


def _sign(client, decision, password):
    return client.post(
        reverse("decisions:sign", args=[decision.reference]),
        {
            "declaration": "on",
            "signatory_name": "P. Seccombe",
            "password": password,
            "confirm": "yes",  # posted from the sign page, which is its own check page
        },
    )


def test_a_wrong_password_is_refused_and_counted(awaiting_signature, personas, client_for):
    client = client_for(personas["commissioner"])
    response = _sign(client, awaiting_signature, "not-my-password")
    assert response.status_code == 200
    assert "The password is not correct" in response.content.decode()
    attempt = AccessAttempt.objects.get(username="commissioner")
    assert attempt.failures_since_start == 1
    awaiting_signature.refresh_from_db()
    assert awaiting_signature.status == S.AWAITING_SIGNATURE


def test_after_too_many_wrong_passwords_the_right_one_does_not_sign(
    awaiting_signature, personas, client_for, settings
):
    client = client_for(personas["commissioner"])
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _sign(client, awaiting_signature, "guess")
    response = _sign(client, awaiting_signature, PASSWORD)
    assert response.status_code == 429
    page = response.content.decode()
    assert "Too many wrong passwords" in page and "Nothing was signed" in page
    awaiting_signature.refresh_from_db()
    assert awaiting_signature.status == S.AWAITING_SIGNATURE
    assert awaiting_signature.signed_by is None

    # The same lock holds at sign-in, for the same username from the same address.
    client.logout()
    response = client.post(reverse("login"), {"username": "commissioner", "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_wrong_passwords_at_sign_in_count_at_signing(
    awaiting_signature, personas, client, settings
):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "commissioner", "password": "guess"})
    sign_in_verified(client, personas["commissioner"])
    response = _sign(client, awaiting_signature, PASSWORD)
    assert response.status_code == 429
    awaiting_signature.refresh_from_db()
    assert awaiting_signature.status == S.AWAITING_SIGNATURE


def test_a_few_wrong_passwords_then_the_right_one_signs(
    awaiting_signature, personas, client_for, settings
):
    client = client_for(personas["commissioner"])
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _sign(client, awaiting_signature, "guess")
    response = _sign(client, awaiting_signature, PASSWORD)
    assert response.status_code == 302
    awaiting_signature.refresh_from_db()
    assert awaiting_signature.status == S.SIGNED
