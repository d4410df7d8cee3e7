"""Who needs a second factor (TOTP), and the guard in front of approving, signing and administering.

The Commissioner, the Chief Executive and Administrators must confirm a code from an
authenticator app before they approve, sign or administer. Views that do those things call
the guard::

    from prevent_compliance.accounts.two_factor import verified_role_required

    @require_POST
    @verified_role_required
    def sign(request, reference): ...

or, inside a view, ``if response := verification_redirect(request): return response``.
"""

import math
from datetime import datetime, timedelta
from functools import reduce, wraps
from operator import or_
from urllib.parse import urlencode

import rules
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.roles import Role

# Roles whose holders approve, sign or administer: they need a second factor to do so.
TWO_FACTOR_ROLES = frozenset({Role.COMMISSIONER, Role.CHIEF_EXECUTIVE, Role.ADMINISTRATOR})

# Wrong codes allowed in a row before a wait, and the wait. A mistyped code or two costs
# nothing; after that, one guess per wait leaves a million possible codes out of reach.
CODE_TRIES = 5
CODE_WAIT = timedelta(minutes=5)


# --- Who needs a second factor ------------------------------------------------------------------


def two_factor_required(user) -> bool:
    """True for users whose role lets them approve, sign or administer."""
    if not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name__in=[role.value for role in TWO_FACTOR_ROLES]).exists()


# two_factor_required, answered from the group names the role rules cache on the user: the
# page's own permission check reads them anyway, so asking costs no extra query.
_in_a_two_factor_role = reduce(or_, (rules.is_group_member(role) for role in TWO_FACTOR_ROLES))


def two_factor_role(user) -> bool:
    """Same as two_factor_required (superusers count), sharing the rules' cache."""
    return user.is_authenticated and (user.is_superuser or _in_a_two_factor_role(user))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def is_verified(user) -> bool:
    """True once a one-time code has been accepted in this session (OTPMiddleware sets it)."""
    check = getattr(user, "is_verified", None)
    return bool(check and check())


def code_needed(user) -> bool:
    """True when this signed-in user must confirm a code in this session to see staff pages."""
    if not user.is_authenticated or is_verified(user):
        return False
    if settings.TWO_FACTOR_ALL_ROLES:
        return True
    return two_factor_role(user) and confirmed_device(user) is not None


# --- Wrong codes -----------------------------------------------------------------------------


def code_wait_until(device: TOTPDevice) -> datetime | None:
    """When the holder may try a code again, or None if they may try now.

    django-otp counts the wrong codes in a row on the device (OTP_TOTP_THROTTLE_FACTOR is 0,
    so its own doubling delay is off and this rule alone applies).
    """
    failed_at = device.throttling_failure_timestamp
    if device.throttling_failure_count < CODE_TRIES or failed_at is None:
        return None
    until = failed_at + CODE_WAIT
    return until if until > timezone.now() else None


def tries_left(device: TOTPDevice) -> int:
    return max(0, CODE_TRIES - device.throttling_failure_count)


def wait_message(until: datetime) -> str:
    minutes = max(1, math.ceil((until - timezone.now()).total_seconds() / 60))
    return (
        f"Wait {minutes} minute{'s' if minutes != 1 else ''} (until "
        f"{timezone.localtime(until):%H:%M}), then enter the code your app shows. This is "
        f"because {CODE_TRIES} wrong codes were entered in a row, and the wait stops anyone "
        "from guessing codes"
    )


def wrong_code_message(device: TOTPDevice) -> str:
    if (until := code_wait_until(device)) is not None:
        return wait_message(until)
    left = tries_left(device)
    return (
        "The code is not correct or has expired. Enter the code your app shows now "
        f"(you can try {left} more time{'s' if left != 1 else ''} before a "
        f"{int(CODE_WAIT.total_seconds() // 60)}-minute wait)"
    )


# --- Sending the user to enter a code, and back ------------------------------------------------


def safe_next(request: HttpRequest, url: str | None) -> str:
    """``url`` if it is a page of this site, else the page after sign-in."""
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return reverse(settings.LOGIN_REDIRECT_URL)


def return_url(request: HttpRequest) -> str:
    """Where to come back to: this page, or for a POST (which cannot be replayed) the page
    the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    return safe_next(request, request.headers.get("referer"))


def _came_from(request: HttpRequest, next_url: str) -> str | None:
    """The page before this one, for "Not now": never this page itself (that would loop)."""
    referer = request.headers.get("referer")
    if not referer or referer == next_url:
        return None
    if not url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return None
    if referer == request.build_absolute_uri(request.get_full_path()):
        return None
    return referer


def code_redirect(request: HttpRequest, *, set_up: str, enter: str):
    """Send the user to set up an app (saying ``set_up``) or to enter a code (saying ``enter``),
    then back to this page. The set-up page's "Not now" goes back to the page before
    (``back``), not to this one, which would only ask again."""
    next_url = return_url(request)
    params = {"next": next_url}
    if confirmed_device(request.user) is None:
        # A refused POST already returns to the page it came from; a page asks again.
        posted = request.method not in ("GET", "HEAD")
        if back := next_url if posted else _came_from(request, next_url):
            params["back"] = back
        messages.warning(request, set_up)
        return redirect(f"{reverse('accounts:enrol')}?{urlencode(params)}")
    query = urlencode(params)
    messages.warning(request, enter)
    return redirect(f"{reverse('accounts:verify')}?{query}")


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
    return code_redirect(
        request,
        set_up="Set up two-factor authentication before you approve, sign or administer.",
        enter="Enter a code from your authenticator app before you approve, sign or administer.",
    )


def verified_role_required(view):
    """Decorator: users in a two-factor role must have confirmed a code in this session."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if response := verification_redirect(request):
            return response
        return view(request, *args, **kwargs)

    return wrapped
