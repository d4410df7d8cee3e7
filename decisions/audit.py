"""Decision records with a History page and a place in the audit log (prevent_compliance/audit/)."""

from django.db.models import F

from prevent_compliance.audit.registry import register_history

from .models import Decision

register_history(
    "decision",
    Decision,
    view_perm="decisions.view_decision",
    lookup="reference",
    title=F("title"),
)
