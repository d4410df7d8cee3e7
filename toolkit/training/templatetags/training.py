"""``{% training_evidence %}``: the training figures where a toolkit page shows evidence.

Section 6 of the toolkit (the training programme) shows the percentages as evidence; the
section page belongs to the toolkit's views, so the figures are fetched here, from the cache.
"""

from django import template

from prevent_compliance.rules import allowed

from .. import selectors

register = template.Library()


@register.inclusion_tag("training/partials/section_figures.html", takes_context=True)
def training_evidence(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "summary": selectors.training_summary(context.get("period")),
        "can_view": allowed(user, "toolkit.view_training"),
    }
