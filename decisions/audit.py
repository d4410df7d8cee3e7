"""Decision records with a History page and a place in the audit log (prevent_compliance/audit/).

A record is named by its address key (decisions.models.url_key): the reference alone in the
whole-log register, ``~<register>/<reference>`` in a yearly one.
"""

from django.db.models import Case, CharField, F, Value, When
from django.db.models.functions import Concat
from django.db.models.lookups import Exact

from prevent_compliance.audit.registry import register_history

from .models import REGISTER_MARK, Decision, DecisionRelease, split_url_key


def _decision_filters(key: str) -> dict:
    register, reference = split_url_key(key)
    return {"register": register, "reference": reference}


register_history(
    "decision",
    Decision,
    view_perm="decisions.view_decision",
    lookup=_decision_filters,
    identify=lambda decision: decision.url_key,
    log_identifier=Case(
        When(Exact(F("register"), ""), then=F("reference")),
        default=Concat(Value(REGISTER_MARK), F("register"), Value("/"), F("reference")),
        output_field=CharField(),
    ),
    title=F("title"),
)

register_history(
    "decision-release",
    DecisionRelease,
    view_perm="decisions.view_decision",
    lookup="public_id",
    title=F("reason"),
)
