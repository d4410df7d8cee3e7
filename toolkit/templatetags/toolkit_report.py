"""The ratings picture on the dashboard: ``{% ratings_picture period %}``.

The grid is read in two queries (toolkit/ratings_grid.py) and kept in the shared cache under
the dashboard's generation (toolkit/summary.py), which every change to a rating renews, so
a dashboard view usually reads it from the cache.
"""

from django import template
from django.core.cache import cache
from django.db import connection

from prevent_compliance.rules import allowed
from toolkit import ratings_grid, summary

register = template.Library()


def _picture(period) -> tuple[ratings_grid.RatingsGrid, str]:
    """The grid and its SVG, drawn once per change to a rating (the drawing costs more than
    reading the grid)."""
    if period is None:
        return ratings_grid.RatingsGrid(), ""
    if connection.in_atomic_block:  # may see uncommitted rows: never cached (as summary)
        return _draw(ratings_grid.ratings_grid(period))
    key = f"toolkit:ratings-picture:v1:{summary._generation()}:{period.pk}"
    picture = cache.get(key)
    if picture is None:
        picture = _draw(ratings_grid.ratings_grid(period))
        cache.set(key, picture, summary.TIMEOUT)
    return picture


def _draw(grid: ratings_grid.RatingsGrid) -> tuple[ratings_grid.RatingsGrid, str]:
    return grid, ratings_grid.svg(grid, id_prefix="dashboard-grid") if grid else ""


@register.inclusion_tag("toolkit/partials/ratings_grid_picture.html")
def ratings_picture(period):
    grid, svg = _picture(period)
    return {"grid": grid, "svg": svg}


@register.simple_tag(takes_context=True)
def may_write_narratives(context, period) -> bool:
    """Whether the signed-in user may write the period's report narratives (by the role
    rules, as the page itself checks: prevent_compliance.rules.allowed)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return period is not None and allowed(user, "toolkit.change_report_narratives", period)
