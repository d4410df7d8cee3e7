"""Setting up an authenticator app: a fresh secret per visit, confirmed only by the session
that was shown it."""

import io
from base64 import b32encode

import segno
from django.contrib.auth import get_user_model
from django.db import transaction
from django.http import HttpRequest
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

DEVICE_NAME = "Authenticator app"
# The set-up this session started: only this session may confirm it.
ENROL_SESSION_KEY = "_enrol_device_id"


def enrolment_start(request: HttpRequest) -> TOTPDevice:
    """A fresh secret for this session; every unfinished set-up of the user is discarded."""
    user = request.user
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    request.session[ENROL_SESSION_KEY] = device.pk
    return device


def enrolment_of_this_session(request: HttpRequest) -> TOTPDevice | None:
    device_id = request.session.get(ENROL_SESSION_KEY)
    if not isinstance(device_id, int):
        return None
    return TOTPDevice.objects.filter(pk=device_id, user=request.user, confirmed=False).first()


def enrolment_for_request(request: HttpRequest) -> tuple[TOTPDevice, bool]:
    """The set-up to show or confirm, and whether a posted code came too late for it.

    A visit starts afresh; a posted code is checked against this session's set-up, and if
    that is gone (replaced, or started in another browser) a new one is started instead.
    """
    posted = request.method == "POST"
    device = enrolment_of_this_session(request) if posted else None
    if device is not None:
        return device, False
    return enrolment_start(request), posted


def enrolment_confirm(request: HttpRequest, device: TOTPDevice) -> TOTPDevice | None:
    """Mark the app confirmed, unless another set-up of the user was confirmed meanwhile."""
    user = request.user
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
            return None
        device = TOTPDevice.objects.filter(pk=device.pk, confirmed=False).first()
        if device is None:
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    request.session.pop(ENROL_SESSION_KEY, None)
    return device


def qr_svg(data: str) -> str:
    """The QR code as inline SVG made here, so the secret never leaves the server."""
    out = io.BytesIO()
    segno.make(data, error="m").save(
        out,
        kind="svg",
        scale=5,
        border=4,
        xmldecl=False,
        svgns=True,
        light="#ffffff",
        svgclass="app-qr-code",
        lineclass=None,
        title="QR code to scan with your authenticator app",
    )
    return mark_safe(out.getvalue().decode())  # noqa: S308 (segno's own SVG, no user text)


def grouped_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
