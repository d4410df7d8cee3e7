"""``{{ record|history_url }}``: the link to a record's History page."""

from django import template

from prevent_compliance import audit

register = template.Library()


@register.filter
def history_url(record) -> str:
    return audit.history_url(record) if record is not None else ""
