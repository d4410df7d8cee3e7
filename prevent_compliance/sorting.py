"""Sortable table headings (GOV.UK: a link in each heading, ``aria-sort`` on the sorted one).

``sort_headers(request, [("title", "Title"), (None, "Status")], current="-effective")`` gives
each heading its label, the link that sorts by it (ascending, or descending when it already
sorts ascending) keeping the page's filters, and its ``aria-sort``. Rendered by
``templates/partials/sort_header.html``.
"""

from django.http import HttpRequest


def sort_headers(
    request: HttpRequest, columns: list[tuple[str | None, str]], *, current: str
) -> list[dict[str, str]]:
    params = request.GET.copy()
    params.pop("page", None)
    descending = current.startswith("-")
    headers = []
    for key, label in columns:
        if key is None:
            headers.append({"label": label, "url": "", "aria_sort": ""})
            continue
        active = current.lstrip("-") == key
        params["sort"] = f"-{key}" if active and not descending else key
        aria_sort = ("descending" if descending else "ascending") if active else "none"
        headers.append({"label": label, "url": f"?{params.urlencode()}", "aria_sort": aria_sort})
    return headers
