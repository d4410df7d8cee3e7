"""The register of interests and gifts with a History page and a place in the audit log
(prevent_compliance/audit/). Confirmations are never edited, so they need no history."""

from django.db.models import CharField, F, Value
from django.db.models.functions import Concat

from prevent_compliance.audit.registry import register_history

from .models import Gift, Holder, Interest

register_history("interests-holder", Holder, view_perm="decisions.view_holder", title=F("name"))
register_history(
    "interests-entry",
    Interest,
    view_perm="decisions.view_register_of_interests",
    title=F("organisation"),
)
register_history(
    "interests-gift",
    Gift,
    view_perm="decisions.view_register_of_interests",
    title=Concat(Value("Offered by "), F("giver"), output_field=CharField()),
)
