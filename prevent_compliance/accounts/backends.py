"""Authentication backends: lockout first, then passwords and the admin's model permissions."""

from axes.backends import AxesStandaloneBackend
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

# Permissions of our own apps are decided by rules predicates alone (prevent_compliance/
# roles.py and each app's rules.py); no group or user is ever given them as rows.
RULES_ONLY_APPS = ("toolkit.", "decisions.", "prevent_compliance.")


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


class ModelPermissionsBackend(ModelBackend):
    """Django's backend for the admin's model permissions (users, groups), and only those.

    Asking it about a rules-only permission would load every permission row of the user
    (two queries per request) only to answer "no", so it answers "no" at once.
    """

    def has_perm(self, user_obj, perm, obj=None):
        if perm.startswith(RULES_ONLY_APPS):
            return False
        return super().has_perm(user_obj, perm, obj)
