"""Account changes (roles, passwords, authenticator apps) and role grants: prevent_compliance's
own records in the log, open to those who may read the log."""

from django.db.models import CharField, F, Value
from django.db.models.functions import Concat

from prevent_compliance.models import AccountEvent, RoleGrant

from .registry import register_history

register_history(
    "account-change",
    AccountEvent,
    view_perm="prevent_compliance.view_audit_log",
    title=F("summary"),
)
register_history(
    "role-grant",
    RoleGrant,
    view_perm="prevent_compliance.view_audit_log",
    title=Concat(F("role__name"), Value(" for "), F("account__username"), output_field=CharField()),
)
