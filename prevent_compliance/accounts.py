"""Sign-in, lockout and two-factor authentication (TOTP) for the people who sign things off.

The Commissioner, the Chief Executive and Administrators must confirm a code from an
authenticator app before they approve, sign or administer. Views that do those things call
the guard::

    from prevent_compliance.accounts import verified_role_required

    @require_POST
    @verified_role_required
    def sign(request, reference): ...

or, inside a view, ``if response := verification_redirect(request): return response``.
"""

import io
import time
from base64 import b32encode
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

import django_otp
import segno
from axes.backends import AxesStandaloneBackend
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.contrib.auth.views import LoginView
from django.db import transaction
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from .forms import SignInForm, gds_helper
from .roles import Role

# Roles whose holders approve, sign or administer: they need a second factor to do so.
TWO_FACTOR_ROLES = frozenset({Role.COMMISSIONER, Role.CHIEF_EXECUTIVE, Role.ADMINISTRATOR})
DEVICE_NAME = "Authenticator app"


# --- Who needs a second factor, and the guard --------------------------------------------------


def two_factor_required(user) -> bool:
    """True for users whose role lets them approve, sign or administer."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=[role.value for role in TWO_FACTOR_ROLES]).exists()


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_verified(user) -> bool:
    """True once a one-time code has been accepted in this session (OTPMiddleware sets it)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def _safe_next(request: HttpRequest, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def _return_url(request: HttpRequest) -> str:
    """Where to come back to after verifying: this page, or for a POST the page it came from."""
    if request.method == "GET":
        return request.get_full_path()
    return _safe_next(request, request.headers.get("referer"))


def verification_redirect(request: HttpRequest, *, required: bool | None = None):
    """A redirect to set up or enter a one-time code, or None when the user may go on.

    ``required`` defaults to whether the user's role needs two-factor authentication; the
    admin site passes True so that every member of staff verifies.
    """
    user = request.user
    if not user.is_authenticated:
        return None
    if required is None:
        required = two_factor_required(user)
    if not required or is_verified(user):
        return None
    query = urlencode({"next": _return_url(request)})
    if confirmed_device(user) is None:
        messages.warning(
            request,
            "Set up two-factor authentication before you approve, sign or administer.",
        )
        return redirect(f"{reverse('accounts:enrol')}?{query}")
    messages.warning(
        request,
        "Enter a code from your authenticator app before you approve, sign or administer.",
    )
    return redirect(f"{reverse('accounts:verify')}?{query}")


def verified_role_required(view):
    """Decorator: users in a two-factor role must have confirmed a code in this session."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if response := verification_redirect(request):
            return response
        return view(request, *args, **kwargs)

    return wrapped


# --- Sign-in and lockout ----------------------------------------------------------------------


class SignInView(LoginView):
    """Django's sign-in, then the one-time code page for users who have set up an app."""

    authentication_form = SignInForm
    redirect_authenticated_user = True

    def get_success_url(self):
        url = super().get_success_url()
        user = self.request.user
        if user.is_authenticated and confirmed_device(user) and not is_verified(user):
            return f"{reverse('accounts:verify')}?{urlencode({'next': url})}"
        return url


class IdleSessionMiddleware:
    """End sessions after SESSION_COOKIE_AGE seconds without a request.

    Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) would cost a database
    write per page; marking it modified at most once a minute pushes the expiry on just as
    well, to within that minute. Sessions that do not exist yet are left alone.
    """

    KEY = "_idle_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response
        self.interval = min(60, max(1, settings.SESSION_COOKIE_AGE // 10))

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key:
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= self.interval:
                session[self.KEY] = now
        return self.get_response(request)


@receiver(user_logged_in)
def _stamp_new_session(sender, request, user, **kwargs):
    """A new sign-in counts as activity, so its first page does not write the session again."""
    if request is not None and hasattr(request, "session"):
        request.session[IdleSessionMiddleware.KEY] = int(time.time())


class LockoutBackend(AxesStandaloneBackend):
    """django-axes lockout for every sign-in made through a web request.

    A sign-in with no request (the test client's ``login()``, a management command) has no
    address to lock and cannot be brute-forced over the web, so it is passed on unchecked;
    every sign-in form and the admin pass the request.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)


def client_ip(request: HttpRequest) -> str | None:
    """The client's address for lockout, read through as many proxies as we run."""
    hops = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops and forwarded:
        addresses = [part.strip() for part in forwarded.split(",") if part.strip()]
        if len(addresses) >= hops:
            return addresses[-hops]
    return request.META.get("REMOTE_ADDR")


def locked_out(request: HttpRequest, original_response=None, credentials=None) -> HttpResponse:
    """django-axes lockout page: says when to try again, never whether the username exists."""
    cool_off: timedelta = settings.AXES_COOLOFF_TIME
    return render(
        request,
        "accounts/locked_out.html",
        {
            "minutes": int(cool_off.total_seconds() // 60),
            "try_again_at": timezone.localtime() + cool_off,
        },
        status=429,
    )


# --- Enrolment and verification ---------------------------------------------------------------


class CodeForm(forms.Form):
    code = forms.CharField(
        label="Code from your authenticator app",
        help_text="The 6 numbers your app shows now, for example 123456.",
        max_length=10,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def __init__(self, *args, device: TOTPDevice, submit_label: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device
        self.fields["code"].widget.attrs.update(
            {
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
                "class": "govuk-input govuk-input--width-5",
            }
        )
        self.helper = gds_helper(submit_label=submit_label)

    def clean_code(self):
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the code as 6 numbers, for example 123456")
        allowed, info = self.device.verify_is_allowed()
        if not allowed:
            until = timezone.localtime((info or {}).get("locked_until") or timezone.now())
            raise forms.ValidationError(
                f"Too many wrong codes. Wait until {until:%H:%M:%S}, then try again"
            )
        if not self.device.verify_token(code):
            raise forms.ValidationError(
                "The code is not correct or has expired. Enter the code your app shows now"
            )
        return code


def _qr_svg(data: str) -> str:
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


def _grouped_secret(device: TOTPDevice) -> str:
    secret = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@require_GET
def two_factor(request):
    """What the user has set up, and what it is needed for."""
    return render(
        request,
        "accounts/two_factor.html",
        {
            "device": confirmed_device(request.user),
            "required": two_factor_required(request.user),
            "verified": is_verified(request.user),
        },
    )


# The set-up this session started: only this session may confirm it.
ENROL_SESSION_KEY = "_enrol_device_id"
RESTARTED = (
    "This set-up was replaced by a newer one or started in another browser, so it has been "
    "started again here. Scan the new QR code, then enter the code your app shows"
)


def _start_enrolment(request: HttpRequest) -> TOTPDevice:
    """A fresh secret for this session; every unfinished set-up of the user is discarded."""
    user = request.user
    with transaction.atomic():
        get_user_model().objects.select_for_update().filter(pk=user.pk).first()
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    request.session[ENROL_SESSION_KEY] = device.pk
    return device


def _enrolment_of_this_session(request: HttpRequest) -> TOTPDevice | None:
    device_id = request.session.get(ENROL_SESSION_KEY)
    if not isinstance(device_id, int):
        return None
    return TOTPDevice.objects.filter(pk=device_id, user=request.user, confirmed=False).first()


def _confirm_enrolment(request: HttpRequest, device: TOTPDevice) -> TOTPDevice | None:
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


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Show a new secret as a QR code and text; a correct code from this session confirms it.

    Every visit starts afresh: a new secret, earlier unfinished set-ups discarded, and only the
    session that was shown the secret can confirm it, so nobody else who opens this page (with
    the same password) is shown the secret or can finish the set-up.
    """
    user = request.user
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    if confirmed_device(user):
        # Replacing an app is an administrator's job (delete the device in the admin), so a
        # stolen password alone can never swap in the thief's phone.
        return redirect("accounts:two_factor")
    restarted = False
    device = _enrolment_of_this_session(request) if request.method == "POST" else None
    if device is None:
        restarted = request.method == "POST"
        device = _start_enrolment(request)
    form = CodeForm(
        request.POST if not restarted and request.method == "POST" else None,
        device=device,
        submit_label="Confirm code",
    )
    if request.method == "POST" and not restarted and form.is_valid():
        confirmed = _confirm_enrolment(request, device)
        if confirmed is None:
            return redirect("accounts:two_factor")
        django_otp.login(request, confirmed)
        messages.success(request, "Two-factor authentication is set up.")
        return redirect(next_url)
    return render(
        request,
        "accounts/enrol.html",
        {
            "form": form,
            "restarted": RESTARTED if restarted else "",
            "qr_svg": _qr_svg(device.config_url),
            "secret": _grouped_secret(device),
            "next": next_url,
        },
    )


@require_http_methods(["GET", "POST"])
def verify(request):
    """Ask for the current code after sign-in, or before approving, signing or administering."""
    next_url = _safe_next(request, request.POST.get("next") or request.GET.get("next"))
    device = confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:enrol')}?{urlencode({'next': next_url})}")
    if is_verified(request.user):
        return redirect(next_url)
    form = CodeForm(request.POST or None, device=device, submit_label="Continue")
    if request.method == "POST" and form.is_valid():
        django_otp.login(request, device)
        return redirect(next_url)
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


app_name = "accounts"

urlpatterns = [
    path("two-factor/", two_factor, name="two_factor"),
    path("two-factor/set-up/", enrol, name="enrol"),
    path("two-factor/verify/", verify, name="verify"),
]
