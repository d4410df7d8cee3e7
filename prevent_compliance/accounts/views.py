"""Sign-in, the lockout page, and the pages that set up and ask for a one-time code."""

from datetime import timedelta
from urllib.parse import urlencode

import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from ..web import bound
from .enrolment import enrolment_confirm, enrolment_for_request, grouped_secret, qr_svg
from .forms import CodeForm, SignInForm
from .two_factor import confirmed_device, is_verified, safe_next, two_factor_required

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
