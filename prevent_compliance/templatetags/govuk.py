"""``{% breadcrumbs %}``: the GOV.UK breadcrumbs of every page, from one partial."""

from django import template
from django.urls import reverse

register = template.Library()


@register.inclusion_tag("partials/breadcrumbs.html")
def breadcrumbs(*trail, current: str, home: bool = True) -> dict:
    """Dashboard, then each ``label, link`` pair of the trail, then the page itself.

    ``{% breadcrumbs "Action plan" "toolkit:action_list" action.title action current="Change" %}``.
    A link is a route name, a path (it starts with "/"), or a record with get_absolute_url.
    Public pages pass ``home=False``: they have no dashboard.
    """
    if len(trail) % 2:
        raise template.TemplateSyntaxError("breadcrumbs takes label, link pairs.")
    links = [("Dashboard", reverse("toolkit:dashboard"))] if home else []
    for label, link in zip(trail[::2], trail[1::2], strict=True):
        links.append((label, _url(link)))
    return {"links": links, "current": current}


def _url(link) -> str:
    if hasattr(link, "get_absolute_url"):
        return link.get_absolute_url()
    link = str(link)
    return link if link.startswith("/") else reverse(link)
