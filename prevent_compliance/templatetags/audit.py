"""``{{ record|history_url }}``: the link to a record's History page."""

from django import template

from prevent_compliance.audit import registry as audit_registry

register = template.Library()


@register.simple_tag
def last_change(record):
    """The record's newest history row with its user, in one query (None if it has none)."""
    if record is None or not hasattr(record, "history"):
        return None
    return record.history.select_related("history_user").first()


@register.filter
def history_url(record) -> str:
    return audit_registry.history_url(record) if record is not None else ""
