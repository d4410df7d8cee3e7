"""Idle sessions end, and two-factor authentication on every page, not only at the doors that
approve or sign.

Someone with only the password of a Commissioner, the Chief Executive or an Administrator
must not read OFFICIAL-SENSITIVE evidence, confidential decisions or the audit log, so:

* a user in a two-factor role (``two_factor.TWO_FACTOR_ROLES``, and superusers) who has set
  up an authenticator app enters a code before any page;
* with ``TWO_FACTOR_ALL_ROLES`` on (the default when DEBUG is off) every signed-in user sets
  up an app, then enters a code, before any page;
* with it off, a two-factor role that has not set up an app yet is sent to set one up when
  it first tries to approve, sign or administer (``verified_role_required`` and the admin).

Only the code page, the set-up page, sign-out, and pages that need no sign-in at all (the
public decision log, sign-in, accessibility) are open before the code.
"""

import time

from django.conf import settings

from .two_factor import code_needed, code_redirect

# Pages a signed-in user may open before entering a code: entering it, setting up the app
# that makes it, and signing out.
EXEMPT_VIEWS = frozenset({"accounts:verify", "accounts:enrol", "logout"})


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
        if not code_needed(request.user):
            return None
        return code_redirect(
            request,
            set_up="Set up two-factor authentication before you use Prevent Compliance.",
            enter="Enter the code from your authenticator app to continue.",
        )
