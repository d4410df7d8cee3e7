"""Training records with a History page and a place in the audit log."""

from django.db.models import CharField, F, Value
from django.db.models.functions import Cast, Concat

from prevent_compliance.audit.registry import register_history

from .models import Completion, Course, Person, TrainingRequirement

register_history("training-person", Person, view_perm="toolkit.view_training", title=F("name"))
register_history("training-course", Course, view_perm="toolkit.view_training", title=F("name"))
register_history(
    "training-completion",
    Completion,
    view_perm="toolkit.view_training",
    # The stored file's random name says nothing; its name, size and hash are shown instead.
    exclude=("certificate",),
)


def _requirement_lookup(identifier: str) -> dict:
    return {"pk": int(identifier)}


register_history(
    "training-requirement",
    TrainingRequirement,
    view_perm="toolkit.view_training",
    lookup=_requirement_lookup,
    identify=lambda requirement: str(requirement.pk),
    log_identifier=Cast("id", output_field=CharField()),
    title=Concat(Value("Needs analysis: "), "role_group", output_field=CharField()),
)
