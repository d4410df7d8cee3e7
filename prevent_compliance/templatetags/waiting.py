"""``{% waiting_count as n %}``: how many steps wait for the signed-in user (cached)."""

from django import template

from prevent_compliance import waiting

register = template.Library()


@register.simple_tag(takes_context=True)
def waiting_count(context) -> int:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return 0
    return waiting.count_for(user)
