"""Authentication backends."""

from django.contrib.auth.backends import ModelBackend

# Permissions of our own apps are decided by rules predicates alone (prevent_compliance/
# roles.py and each app's rules.py); no group or user is ever given them as rows.
RULES_ONLY_APPS = ("toolkit.", "decisions.", "prevent_compliance.")


class ModelPermissionsBackend(ModelBackend):
    """Django's backend for the admin's model permissions (users, groups), and only those.

    Asking it about a rules-only permission would load every permission row of the user
    (two queries per request) only to answer "no", so it answers "no" at once.
    """

    def has_perm(self, user_obj, perm, obj=None):
        if perm.startswith(RULES_ONLY_APPS):
            return False
        return super().has_perm(user_obj, perm, obj)
