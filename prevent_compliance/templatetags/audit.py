"""``{{ record|history_url }}``: the link to a record's History page."""

from django import template
from simple_history.utils import get_app_model_primary_key_name

from prevent_compliance.audit import registry as audit_registry

register = template.Library()


@register.simple_tag
def last_change(record):
    """The record's newest history row with its user, in one query (None if it has none)."""
    name = getattr(getattr(record, "_meta", None), "simple_history_manager_attribute", None)
    if name is None:
        return None
    # The historical model's own manager, not ``record.history``: simple_history builds a new
    # manager class for each instance access, which cost more than the query on list pages.
    historical = getattr(type(record), name).model
    rows = historical._default_manager.filter(**{get_app_model_primary_key_name(record): record.pk})
    return rows.select_related("history_user").first()


@register.filter
def history_url(record) -> str:
    return audit_registry.history_url(record) if record is not None else ""
