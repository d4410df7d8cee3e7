"""Helpers for tests of views behind the two-factor guard (prevent_compliance.accounts.two_factor).

``sign_in_verified(client, user)`` signs the user in as if they had entered a code from
their authenticator app, which the Commissioner, Chief Executive and Administrator need to
approve, sign or administer.
"""

from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


def confirmed_device(user) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    return device or TOTPDevice.objects.create(user=user, name="Test app", confirmed=True)


def current_code(device: TOTPDevice) -> str:
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def sign_in_verified(client, user):
    """Sign in and mark the session as verified with the user's (new) authenticator app."""
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = confirmed_device(user).persistent_id
    session.save()
    return client
