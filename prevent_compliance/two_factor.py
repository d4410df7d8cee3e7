"""Two-factor authentication on every page, not only at the doors that approve or sign.

Someone with only the password of a Commissioner, the Chief Executive or an Administrator
must not read OFFICIAL-SENSITIVE evidence, confidential decisions or the audit log, so:

* a user in a two-factor role (prevent_compliance.accounts.TWO_FACTOR_ROLES, and
  superusers) who has set up an authenticator app enters a code before any page;
* with ``TWO_FACTOR_ALL_ROLES`` on (the default when DEBUG is off) every signed-in user sets
  up an app, then enters a code, before any page;
* with it off, a two-factor role that has not set up an app yet is sent to set one up when
  it first tries to approve, sign or administer (``verified_role_required`` and the admin).

Only the code page, the set-up page, sign-out, and pages that need no sign-in at all (the
public decision log, sign-in, accessibility) are open before the code.
"""

from functools import reduce
from operator import or_
from urllib.parse import urlencode

import rules
from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from .accounts import TWO_FACTOR_ROLES, confirmed_device, is_verified

# accounts.two_factor_required, answered from the group names the role rules cache on the
# user: the page's own permission check reads them anyway, so asking costs no extra query.
_in_a_two_factor_role = reduce(or_, (rules.is_group_member(role) for role in TWO_FACTOR_ROLES))


def two_factor_role(user) -> bool:
    """Same as accounts.two_factor_required (superusers count), sharing the rules' cache."""
    return user.is_authenticated and (user.is_superuser or _in_a_two_factor_role(user))


# Pages a signed-in user may open before entering a code: entering it, setting up the app
# that makes it, and signing out.
EXEMPT_VIEWS = frozenset({"accounts:verify", "accounts:enrol", "logout"})


def code_needed(user) -> bool:
    """True when this signed-in user must confirm a code in this session to see staff pages."""
    if not user.is_authenticated or is_verified(user):
        return False
    if settings.TWO_FACTOR_ALL_ROLES:
        return True
    return two_factor_role(user) and confirmed_device(user) is not None


def _come_back_to(request) -> str:
    """This page, or for a POST (which cannot be replayed) the page the form was on."""
    if request.method in ("GET", "HEAD"):
        return request.get_full_path()
    referer = request.headers.get("referer")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return referer
    return reverse(settings.LOGIN_REDIRECT_URL)


def code_redirect(request):
    """Send the user to enter a code (or first to set up an app), then back to this page."""
    query = urlencode({"next": _come_back_to(request)})
    if confirmed_device(request.user) is None:
        messages.warning(
            request, "Set up two-factor authentication before you use Prevent Compliance."
        )
        return redirect(f"{reverse('accounts:enrol')}?{query}")
    messages.warning(request, "Enter the code from your authenticator app to continue.")
    return redirect(f"{reverse('accounts:verify')}?{query}")


class TwoFactorMiddleware:
    """Asks for a one-time code before every page that needs a signed-in user.

    Goes after OTPMiddleware (which marks a verified session) and LoginRequiredMiddleware
    (anonymous visitors are sent to sign in first).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(view_func, "login_required", True):
            return None  # @login_not_required: the public pages and sign-in
        match = request.resolver_match
        if match is not None and match.view_name in EXEMPT_VIEWS:
            return None
        if code_needed(request.user):
            return code_redirect(request)
        return None
