"""Sortable table headings (GOV.UK: a link in each heading, ``aria-sort`` on the sorted one).

``sort_headers(request, [("title", "Title"), (None, "Status")], current="-effective")`` gives
each heading its label, the link that sorts by it (ascending, or descending when it already
sorts ascending) keeping the page's filters, and its ``aria-sort``. Rendered by
``templates/partials/sort_header.html``.

``natural_sort_key("WPCC4-0028")`` is the stored key that puts references in natural order.
"""

from django.http import HttpRequest

DIGITS = "0123456789"


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


def natural_sort_key(text: str) -> str:
    """A key whose plain text order is the natural order of references: "2" before "10",
    "WPCC4-0009" before "WPCC4-0010", "57 – 2014" before "100 – 2014".

    The text is read as a leading number, the text up to its trailing number, and that
    number. It sorts by how many digits the leading number has (leading zeros aside), then
    by the text up to the trailing number, by how many digits that number has, and last by
    the whole text. Numbers of one length sort as text, which is their numeric order.

    The key is ASCII: the counts as two digits and each text as the hex of its UTF-8 bytes,
    a text ending in "00" (no byte of a text is 0) so a shorter one comes first. Hex digits
    sort alike in every database collation, so SQLite and PostgreSQL give the same order
    (the order of code points), whatever the database's locale.
    """
    unpadded = text.lstrip("0")
    lead_digits = len(unpadded) - len(text.lstrip(DIGITS))
    stem = unpadded.rstrip(DIGITS)  # up to the trailing number
    tail = text[len(text.rstrip(DIGITS)) :]
    tail_digits = len(tail.lstrip("0"))
    return f"{lead_digits:02d}{stem.encode().hex()}00{tail_digits:02d}{text.encode().hex()}"
