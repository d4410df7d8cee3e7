"""The History page of a record, and the audit log with its CSV download."""

import csv
from collections.abc import Iterable, Iterator

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from prevent_compliance.web import csv_safe, file_response, require

from .forms import AuditFilterForm
from .registry import registry
from .selectors import AuditLog, history_page

LOG_PAGE_SIZE = 50
CSV_HEADINGS = [
    "Date and time",
    "Username",
    "Name",
    "Record type",
    "Record",
    "Identifier",
    "Change",
    "Reason",
]


@require_GET
def history(request, key: str, identifier: str):
    registration = registry().get(key)
    if registration is None:
        raise Http404("No such kind of record.")
    obj = registration.get_object(identifier)
    require(request.user, registration.view_perm, obj)
    page, entries = history_page(obj, registration, request.GET.get("page"))
    back = obj.get_absolute_url() if hasattr(obj, "get_absolute_url") else ""
    return render(
        request,
        "audit/history.html",
        {
            "record": obj,
            "record_label": registration.label,
            "back_url": back,
            "page": page,
            "entries": entries,
        },
    )


# Where in the log a page starts: not filters, so kept out of the form and the CSV link.
POSITION_PARAMS = ("page", "before", "after")


def _filters_only(request):
    params = request.GET.copy()
    for name in POSITION_PARAMS:
        params.pop(name, None)
    return params


def _filter_form(request) -> AuditFilterForm:
    params = _filters_only(request)
    return AuditFilterForm(params if params else None)


def _log_page(request, form: AuditFilterForm, *, status: int = 200):
    """One page of the log: newest first, or from the cursor of an Older or Newer link."""
    page = AuditLog(form.filters()).page(
        size=LOG_PAGE_SIZE,
        number=request.GET.get("page"),
        before=request.GET.get("before"),
        after=request.GET.get("after"),
    )
    if page.error:
        status = 400
    return render(
        request,
        "audit/log.html",
        {"form": form, "page": page, "query": _filters_only(request).urlencode()},
        status=status,
    )


@require_GET
def log(request):
    require(request.user, "prevent_compliance.view_audit_log")
    return _log_page(request, _filter_form(request))


class _Echo:
    def write(self, value):
        return value


def _csv_lines(rows: Iterable[dict]) -> Iterator[str]:
    """The heading, then one line per log row, each written as it is read."""
    writer = csv.writer(_Echo())
    yield writer.writerow(CSV_HEADINGS)
    for row in rows:
        yield writer.writerow(
            [
                timezone.localtime(row["when"]).isoformat(timespec="seconds"),
                csv_safe(row["username"]),
                csv_safe(row["user"]),
                row["record_label"],
                csv_safe(row["title"]),
                csv_safe(row["identifier"]),
                row["kind"],
                csv_safe(row["reason"]),
            ]
        )


@require_GET
def log_export(request):
    """The filtered log as CSV, streamed so that a large log never sits in memory."""
    require(request.user, "prevent_compliance.view_audit_log")
    form = _filter_form(request)
    if form.is_bound and not form.is_valid():
        # Never the whole log in place of the part asked for: show what is wrong instead.
        return _log_page(request, form, status=400)
    rows = AuditLog(form.filters()).iterate()
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return file_response(
        _csv_lines(rows),
        filename=f"audit-log-{stamp}.csv",
        content_type="text/csv; charset=utf-8",
    )
