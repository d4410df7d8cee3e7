"""Sign-in, the lockout page, the pages that set up and ask for a one-time code, and the
password pages (change, forgotten, and the e-mailed links that set one)."""

import re
from datetime import timedelta
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout, update_session_auth_hash
from django.contrib.auth.decorators import login_not_required
from django.contrib.auth.views import LoginView
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_GET, require_http_methods

from ..web import bound
from . import services
from .backends import client_ip
from .enrolment import enrolment_confirm, enrolment_for_request, grouped_secret, qr_svg
from .forms import CodeForm, PasswordChangeForm, PasswordResetForm, SetPasswordForm, SignInForm
from .tokens import GENERATORS, user_for_uid
from .two_factor import (
    code_needed,
    confirmed_device,
    is_verified,
    safe_next,
    two_factor_required,
)

RESTARTED = (
    "This set-up was replaced by a newer one or started in another browser, so it has been "
    "started again here. Scan the new QR code, then enter the code your app shows"
)


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


def _next_url(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("next") or request.GET.get("next"))


def _back_url(request: HttpRequest) -> str:
    return safe_next(request, request.POST.get("back") or request.GET.get("back"))


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request):
    """Show a new secret as a QR code and text; a correct code from this session confirms it.

    Every visit starts afresh: a new secret, earlier unfinished set-ups discarded, and only the
    session that was shown the secret can confirm it, so nobody else who opens this page (with
    the same password) is shown the secret or can finish the set-up.
    """
    next_url = _next_url(request)
    if confirmed_device(request.user):
        # Replacing an app is an administrator's job (delete the device in the admin), so a
        # stolen password alone can never swap in the thief's phone.
        return redirect("accounts:two_factor")
    device, restarted = enrolment_for_request(request)
    data = request.POST if request.method == "POST" and not restarted else None
    form = CodeForm(data, device=device, submit_label="Confirm code")
    if form.is_bound and form.is_valid():
        if (confirmed := enrolment_confirm(request, device)) is None:
            return redirect("accounts:two_factor")
        django_otp.login(request, confirmed)
        messages.success(request, "Two-factor authentication is set up.")
        return redirect(next_url)
    context = {"form": form, "restarted": RESTARTED if restarted else "", "next": next_url}
    # "Not now" goes back where the user was, unless every page needs two-factor (then
    # there is nowhere to go back to but signing out).
    context["back"] = None if code_needed(request.user) else _back_url(request)
    context |= {"qr_svg": qr_svg(device.config_url), "secret": grouped_secret(device)}
    return render(request, "accounts/enrol.html", context)


@require_http_methods(["GET", "POST"])
def verify(request):
    """Ask for the current code after sign-in, or before approving, signing or administering."""
    next_url = _next_url(request)
    device = confirmed_device(request.user)
    if device is None:
        return redirect(f"{reverse('accounts:enrol')}?{urlencode({'next': next_url})}")
    if is_verified(request.user):
        return redirect(next_url)
    form = CodeForm(**bound(request), device=device, submit_label="Continue")
    if request.method == "POST" and form.is_valid():
        django_otp.login(request, device)
        return redirect(next_url)
    return render(request, "accounts/verify.html", {"form": form, "next": next_url})


# --- Passwords -----------------------------------------------------------------------------------


@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_change(request):
    """The signed-in holder changes their password; their other sessions end, this one stays."""
    form = PasswordChangeForm(request.user, **bound(request))
    if request.method == "POST" and form.is_valid():
        services.password_change(
            account=request.user, new_password=form.cleaned_data["new_password1"]
        )
        update_session_auth_hash(request, request.user)
        messages.success(
            request,
            "Your password has been changed. Anywhere else you were signed in has been signed out.",
        )
        return redirect("accounts:two_factor")
    return render(request, "registration/password_change.html", {"form": form})


@login_not_required
@never_cache
@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Ask for a link by e-mail: the same answer whether or not an account uses the address."""
    if request.user.is_authenticated:
        return redirect("accounts:password_change")
    form = PasswordResetForm(**bound(request))
    status = 200
    if request.method == "POST" and form.is_valid():
        email = form.cleaned_data["email"]
        if services.password_reset_request(email=email, client=client_ip(request)):
            request.session[RESET_ADDRESS_SESSION_KEY] = email
            return redirect("accounts:password_reset_sent")
        form.add_error("email", limits_message())
        status = 429
    return render(request, "registration/password_reset.html", {"form": form}, status=status)


def limits_message() -> str:
    return (
        "You have asked for too many password reset links. Wait an hour, then try again. "
        "This is because the number of links is limited, so nobody can fill an inbox with them"
    )


@login_not_required
@never_cache
@require_GET
def password_reset_sent(request):
    return render(
        request,
        "registration/password_reset_sent.html",
        {
            "email": request.session.get(RESET_ADDRESS_SESSION_KEY, ""),
            "minutes": settings.PASSWORD_RESET_TIMEOUT // 60,
        },
    )


# The link's token moves from the URL to the session at once (as Django's own view does), so
# it never reaches the next page's Referer header or the browser history of the form.
LINK_SESSION_KEY = "_password_link_token"
LINK_URL_TOKEN = "set-password"  # noqa: S105 (stands in for the token in the URL)
RESET_ADDRESS_SESSION_KEY = "_password_reset_address"
# The shapes of the two parts of a link: base64url for the account, base36-hex for the token.
LINK_UID = re.compile(r"[A-Za-z0-9_-]{1,20}")
LINK_TOKEN = re.compile(r"[0-9a-z]{1,13}-[0-9a-f]{1,128}|set-password")
LINK_PAGES = {
    "reset": {
        "route": "accounts:password_reset_confirm",
        "heading": "Choose a new password",
        "submit": "Save password",
        "done": "Your password has been saved. Sign in with your new password.",
    },
    "invitation": {
        "route": "accounts:invitation",
        "heading": "Choose a password for your account",
        "submit": "Save password",
        "done": "Your password has been saved. Sign in to start using Prevent Compliance.",
    },
}


@login_not_required
@never_cache
@sensitive_post_parameters()
@require_http_methods(["GET", "POST"])
def password_from_link(request, uidb64: str, token: str, kind: str):
    """Set a password from an e-mailed link (a forgotten password, or an invitation)."""
    if not (LINK_UID.fullmatch(uidb64) and LINK_TOKEN.fullmatch(token)):
        raise Http404("This is not a link we send.")
    page = LINK_PAGES[kind]
    account = user_for_uid(uidb64)
    session_key = f"{LINK_SESSION_KEY}:{kind}"
    if token != LINK_URL_TOKEN:
        if account is not None and GENERATORS[kind].check_token(account, token):
            request.session[session_key] = token
            return redirect(page["route"], uidb64=uidb64, token=LINK_URL_TOKEN)
        return _link_expired(request, kind)
    token = request.session.get(session_key, "")
    if account is None or not GENERATORS[kind].check_token(account, token):
        return _link_expired(request, kind)
    if request.user.is_authenticated and request.user.pk != account.pk:
        logout(request)  # someone else's session in this browser must not carry on
    form = SetPasswordForm(account, **bound(request), submit_label=page["submit"])
    if request.method == "POST" and form.is_valid():
        try:
            services.password_set_from_link(
                account=account,
                kind=kind,
                token=token,
                new_password=form.cleaned_data["new_password1"],
            )
        except ValidationError:
            return _link_expired(request, kind)
        request.session.pop(session_key, None)
        messages.success(request, page["done"])
        return redirect("login")
    return render(
        request,
        "registration/password_set.html",
        {"form": form, "heading": page["heading"], "account": account, "kind": kind},
    )


def _link_expired(request, kind: str):
    return render(request, "registration/password_link_expired.html", {"kind": kind}, status=410)
