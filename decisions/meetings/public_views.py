"""Public pages (no sign-in): meetings, the forward plan, their open data, and the
publication scheme index. Every page and file is built from ``selectors.public_*`` and
``public.py``, which leave out private meetings, withheld items and papers, and the content
of confidential plan entries."""

import csv
import io

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_GET

from prevent_compliance.web import PUBLIC, csv_safe, file_response, page_of, stored_upload_response

from . import public, scheme, selectors
from .models import Meeting, MeetingDocument, PublicationLink

PAGE_SIZE = 25
# Open data files hold every row; a year of meetings is a few dozen, so this bounds a
# runaway table without ever cutting a real one.
FEED_LIMIT = 5000


def _csv(rows: list[dict], fields: list[str]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=fields, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({key: csv_safe(row[key]) for key in fields})
    return out.getvalue()


def _csv_response(rows, fields, filename):
    return file_response(
        _csv(rows, fields),
        filename=filename,
        content_type="text/csv; charset=utf-8",
        cache_control=None,  # the middleware's, as for every public page
    )


def _json_response(name: str, key: str, rows: list[dict]):
    payload = {"source": public.public_list_url(name), "count": len(rows), key: rows}
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False, "indent": 1})


# --- Meetings -------------------------------------------------------------------------------


@login_not_required
@require_GET
def meeting_list(request):
    page = page_of(request, selectors.public_meetings(), PAGE_SIZE)
    return render(
        request,
        "meetings/public_list.html",
        {"page": page, "rows": [public.public_meeting_row(m) for m in page.object_list]},
    )


@login_not_required
@require_GET
def meeting_detail(request, public_id):
    try:
        meeting = selectors.public_meeting(public_id)
    except Meeting.DoesNotExist as exc:
        raise Http404("No public meeting has this address.") from exc
    return render(request, "meetings/public_detail.html", {"meeting": meeting})


@login_not_required
@require_GET
def document_download(request, document_id):
    try:
        document = selectors.public_document(document_id)
    except MeetingDocument.DoesNotExist as exc:
        raise Http404("No published paper has this address.") from exc
    return stored_upload_response(
        document.file,
        original_name=document.original_filename,
        content_type=document.content_type,
        fallback="paper",
        cache_control=PUBLIC,
    )


def _meeting_rows():
    return [public.meeting_feed_row(m) for m in selectors.public_meetings()[:FEED_LIMIT]]


@login_not_required
@require_GET
def meetings_csv(request):
    return _csv_response(_meeting_rows(), public.MEETING_FIELDS, "meetings.csv")


@login_not_required
@require_GET
def meetings_json(request):
    return _json_response("meetings:public_list", "meetings", _meeting_rows())


def _agenda_rows():
    return [public.agenda_feed_row(i) for i in selectors.public_agenda_rows()[:FEED_LIMIT]]


@login_not_required
@require_GET
def agenda_items_csv(request):
    return _csv_response(_agenda_rows(), public.AGENDA_FIELDS, "agenda-items.csv")


@login_not_required
@require_GET
def agenda_items_json(request):
    return _json_response("meetings:public_list", "agenda_items", _agenda_rows())


# --- Forward plan ---------------------------------------------------------------------------


@login_not_required
@require_GET
def forward_plan(request):
    page = page_of(request, selectors.public_plan(), PAGE_SIZE)
    return render(
        request,
        "meetings/public_plan.html",
        {"page": page, "entries": [public.public_plan_entry(e) for e in page.object_list]},
    )


def _plan_rows():
    return [public.plan_feed_row(e) for e in selectors.public_plan()[:FEED_LIMIT]]


@login_not_required
@require_GET
def forward_plan_csv(request):
    return _csv_response(_plan_rows(), public.PLAN_FIELDS, "forward-plan.csv")


@login_not_required
@require_GET
def forward_plan_json(request):
    return _json_response("meetings:public_forward_plan", "entries", _plan_rows())


# --- The publication scheme ------------------------------------------------------------------


@login_not_required
@require_GET
def publication_scheme(request):
    links = {link.class_key: link for link in PublicationLink.objects.all()}
    groups = []
    for group in scheme.GROUPS:
        rows = []
        for info in group.classes:
            here = scheme.page_url(info.url_name)
            data = [(label, scheme.page_url(name)) for label, name in info.data] if here else []
            link = None if here else links.get(info.key)
            rows.append(
                {
                    "info": info,
                    "here": here,
                    "data": [(label, url) for label, url in data if url],
                    "link": link,
                }
            )
        groups.append((group, rows))
    return render(
        request,
        "meetings/publication_scheme.html",
        {"groups": groups, "site_url": settings.SITE_URL, "home": reverse("decisions:public_list")},
    )
