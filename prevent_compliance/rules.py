"""Who may change the project-wide records, and the one permission check every view and
service uses.

Django's ``user.has_perm`` answers True for any superuser before asking a backend, so a
superuser with no role would pass every check made that way. The product's permissions come
from the role rules alone, so code asks ``allowed``/``require`` here, and templates get a
``perms`` that asks the same rules (``role_perms`` below, after Django's auth processor).
Being a superuser opens the Django admin and nothing else.
"""

import rules
from django.contrib.auth.context_processors import PermLookupDict, PermWrapper
from django.core.exceptions import PermissionDenied

from .accounts.backends import RULES_ONLY_APPS
from .roles import is_administrator, is_auditor

rules.add_perm("prevent_compliance.change_organisationprofile", is_administrator)
# The audit log at /audit/ (prevent_compliance/audit/), and the account records in it.
rules.add_perm("prevent_compliance.view_audit_log", is_auditor | is_administrator)


def allowed(user, perm: str, obj=None) -> bool:
    """Whether the user's role allows this, by the role rules only (superusers get no pass)."""
    if user is None or not user.is_active:
        return False
    if perm.startswith(RULES_ONLY_APPS):
        return rules.has_perm(perm, user, obj)
    # Django's own permissions (users and groups in the admin) keep Django's answer.
    return user.has_perm(perm, obj)


def require(user, perm: str, obj=None) -> None:
    """Raise PermissionDenied unless ``allowed(user, perm, obj)``."""
    if not allowed(user, perm, obj):
        raise PermissionDenied(f"You do not have permission to do this ({perm}).")


class _RolePermLookup(PermLookupDict):
    def __getitem__(self, perm_name):
        return allowed(self.user, f"{self.app_label}.{perm_name}")


class RolePerms(PermWrapper):
    """``{{ perms.app.codename }}`` answered by ``allowed``, so buttons match the checks."""

    def __getitem__(self, app_label):
        if f"{app_label}." in RULES_ONLY_APPS:
            return _RolePermLookup(self.user, app_label)
        return super().__getitem__(app_label)

    def __contains__(self, perm_name):
        if "." not in perm_name:
            return self[perm_name]
        return allowed(self.user, perm_name)


def role_perms(request) -> dict:
    """Context processor: replaces the ``perms`` of django.contrib.auth's processor."""
    # Error pages rendered before AuthenticationMiddleware ran (a 400 for a bad Host) have no user.
    user = getattr(request, "user", None)
    if user is None:
        from django.contrib.auth.models import AnonymousUser

        user = AnonymousUser()
    return {"perms": RolePerms(user)}
