"""The helpers every view uses: permission, bound forms, service errors, CSV cells, downloads.

Each concern has one function here, so a page of one app behaves as a page of another:

- ``require`` / ``allowed``: the permission check, always answered by the role rules
  (re-exported from ``prevent_compliance.rules``; views never call ``user.has_perm``).
- ``page_of(request, items, per_page)``: the page of a list that ``?page=`` asks for.
- ``bound(request)``: the keyword arguments that bind a form (or formset) to what was posted.
- ``add_service_errors(form, exc)``: a service's ``ValidationError`` shown on the form.
- ``flash_errors(request, exc)``: the same error as messages, for a button with no form.
- ``csv_safe(value)``: a cell of a CSV (or a spreadsheet text cell) that cannot run a formula.
- ``file_response`` / ``stored_upload_response``: every download, with one set of headers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import IO, Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header

from .middleware import PRIVATE, PUBLIC
from .rules import allowed, require
from .uploads import download_as

__all__ = [
    "PRIVATE",
    "PUBLIC",
    "add_service_errors",
    "allowed",
    "bound",
    "csv_safe",
    "file_response",
    "flash_errors",
    "page_of",
    "require",
    "stored_upload_response",
]

# --- Lists --------------------------------------------------------------------------------

PAGE_LIMIT = 400
"""The deepest page a list serves: its rows are read past with OFFSET, so a deeper page
would cost more with every year of records. Older records are found with the filters."""

COUNT_LIMIT = 500
"""Rows counted for "N found": a longer list says "more than 500", so the count costs the
same whatever the size of the table."""


class ListPage:
    """One page of a list, read as ``per_page + 1`` rows (the extra row says whether there
    is a next page) and a count that stops at COUNT_LIMIT: no query reads every row.

    Shaped like Django's ``Page`` where templates use it (``number``, ``object_list``,
    ``has_next``/``has_previous``/``has_other_pages``, ``next_page_number``/
    ``previous_page_number``, ``paginator.count``/``paginator.num_pages``), except that
    ``count`` and ``num_pages`` are None when the list is longer than COUNT_LIMIT.
    """

    count_limit = COUNT_LIMIT

    def __init__(self, object_list: list, number: int, per_page: int, *, has_next: bool, count):
        self.object_list = object_list
        self.number = number
        self.per_page = per_page
        self._has_next = has_next
        self.count = count
        self.num_pages = max(1, -(-count // per_page)) if count is not None else None

    @property
    def paginator(self) -> ListPage:
        return self

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self) -> int:
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self.number > 1

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    def start_index(self) -> int:
        return (self.number - 1) * self.per_page + 1 if self.object_list else 0

    def end_index(self) -> int:
        return (self.number - 1) * self.per_page + len(self.object_list)


def _counted(items, limit: int) -> int:
    """The number of rows, reading at most ``limit`` of them."""
    if isinstance(items, list | tuple):
        return min(len(items), limit)
    return items.order_by().values("pk")[:limit].count()


def _page_number(request) -> int:
    raw = request.GET.get("page", "")
    return int(raw) if raw.isascii() and raw.isdigit() and len(raw) < 8 and int(raw) else 1


def page_of(request, items, per_page: int, *, count: int | None = None) -> ListPage:
    """The page ``?page=`` asks for, without reading every row (see ListPage).

    A page number that is not a number gets the first page; a page past the end gets the
    last page. A page deeper than PAGE_LIMIT of a list that long is a 404 saying to use the
    filters, rather than an OFFSET past a decade of rows.
    """
    number = _page_number(request)
    if number > PAGE_LIMIT:
        rows = _counted(items, PAGE_LIMIT * per_page + 1)
        if rows > PAGE_LIMIT * per_page:
            raise Http404(
                f"Lists show at most {PAGE_LIMIT} pages. Use the filters to find older records."
            )
        number = max(1, -(-rows // per_page))
    start = (number - 1) * per_page
    rows = list(items[start : start + per_page + 1])
    if not rows and number > 1:  # past the end: the last page (the count reads < PAGE_LIMIT pages)
        number = max(1, -(-_counted(items, start) // per_page))
        start = (number - 1) * per_page
        rows = list(items[start : start + per_page + 1])
    # ``count``: the number of rows when the caller knows it (kept with other counts), so
    # that nothing counts them here; more than COUNT_LIMIT is shown as "more than".
    counted = min(count, COUNT_LIMIT + 1) if count is not None else None
    counted = counted if counted is not None else _counted(items, COUNT_LIMIT + 1)
    count = counted if counted <= COUNT_LIMIT else None
    return ListPage(rows[:per_page], number, per_page, has_next=len(rows) > per_page, count=count)


# --- Forms ----------------------------------------------------------------------------------


def bound(request) -> dict[str, Any]:
    """``data`` and ``files`` for a form: what was posted, or None on GET.

    ``Form(**bound(request), ...)``. An empty POST still binds (and is validated), unlike
    ``request.POST or None``, so submitting a blank form shows what is missing.
    """
    if request.method == "POST":
        return {"data": request.POST, "files": request.FILES}
    return {"data": None, "files": None}


def add_service_errors(form, exc: ValidationError) -> None:
    """Show a service's ValidationError on the form instead of a server error.

    Errors named after a field of the form go beside that field; the rest (and errors with
    no field at all) go at the top. A formset gets them at the top of its first form.
    """
    if hasattr(form, "forms"):  # a formset: its first form's errors head the page
        form = form.forms[0]
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def flash_errors(request, exc: ValidationError) -> None:
    """A refused button press (no form to show it on): each message on the next page."""
    for message in exc.messages:
        messages.error(request, message)


# --- CSV ------------------------------------------------------------------------------------

# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """The value as text for a CSV or spreadsheet cell that a spreadsheet never runs.

    None is empty, dates are ISO 8601 (date-times to the minute), lists are joined with
    commas, and text that starts like a formula gets a leading apostrophe.
    """
    if value is None:
        return ""
    if isinstance(value, datetime):
        text = value.isoformat(sep=" ", timespec="minutes")
    elif isinstance(value, date):
        text = value.isoformat()
    elif isinstance(value, list | tuple):
        text = ", ".join(str(item) for item in value)
    else:
        text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


# --- Downloads ------------------------------------------------------------------------------


def file_response(
    content: bytes | str | IO[bytes] | FieldFile | Iterable[str | bytes],
    *,
    filename: str,
    content_type: str,
    inline: bool = False,
    cache_control: str | None = PRIVATE,
) -> HttpResponse | StreamingHttpResponse:
    """A download: bytes, an open file, a stored file (a missing one is a 404) or lines.

    Content-Disposition names the file as RFC 6266 says (``filename*`` for names outside
    ASCII), the browser may not guess another type (``nosniff``), and Cache-Control is
    ``private, no-store`` unless the caller says otherwise: ``PUBLIC`` for a file that is
    the same for every visitor, or None to let ``CacheControlMiddleware`` decide by who asked.
    """
    if isinstance(content, FieldFile):
        try:
            content = content.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The file is missing.") from exc
    if hasattr(content, "read"):
        response = FileResponse(
            content, as_attachment=not inline, filename=filename, content_type=content_type
        )
    elif isinstance(content, bytes | str):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    response["X-Content-Type-Options"] = "nosniff"
    if cache_control is not None:
        response["Cache-Control"] = cache_control
    return response


def stored_upload_response(
    file: FieldFile,
    *,
    original_name: str,
    content_type: str,
    fallback: str,
    cache_control: str | None = PRIVATE,
):
    """An uploaded file sent back as an attachment, named and typed by ``download_as``."""
    filename, content_type = download_as(original_name, content_type, fallback=fallback)
    return file_response(
        file, filename=filename, content_type=content_type, cache_control=cache_control
    )
