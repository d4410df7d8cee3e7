"""The public decision log: open to everyone, without signing in.

Only published and withheld records whose seal verifies exist here (anything else is a 404
or left out of the list), and every page, PDF and feed is built from ``reports.public_notice``
or ``reports.feed_row``, which leave out what is withheld. Absolute links start with
settings.SITE_URL, never with the request's Host header.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from prevent_compliance.forms import query_text

from . import integrity, reports, selectors
from .models import Decision
from .views import _file_response

PAGE_SIZE = 20
MAX_QUERY = 100
FEED_CHUNK = 500


def _sealed_public_decision(reference: str) -> Decision:
    """The public record, if its seal verifies: a record changed in the database (content
    or status) is not shown."""
    decision = selectors.get_public_decision(reference)
    if not integrity.verified([decision]):
        raise Http404("No published decision has this reference.")
    return decision


def _filters(request) -> tuple[int | None, str]:
    year = request.GET.get("year", "")
    query = query_text(request.GET.get("q", ""), max_length=MAX_QUERY)
    return (int(year) if year.isdigit() and len(year) == 4 else None), query


@login_not_required
@require_GET
def decision_log(request):
    year, query = _filters(request)
    queryset = selectors.public_decisions(year=year, query=query)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    shown = integrity.verified(page.object_list)
    notices = [reports.public_notice(d, brief=True) for d in shown]
    params = {k: v for k, v in (("year", year or ""), ("q", query)) if v}
    return render(
        request,
        "public/decision_list.html",
        {
            "page": page,
            "notices": notices,
            "years": selectors.public_years(),
            "year": year,
            "q": query,
            "query": urlencode(params),
        },
    )


@login_not_required
@require_GET
def decision_detail(request, reference: str):
    decision = _sealed_public_decision(reference)
    return render(
        request,
        "public/decision_detail.html",
        {"notice": reports.public_notice(decision)},
    )


@login_not_required
@require_GET
def decision_pdf(request, reference: str):
    decision = _sealed_public_decision(reference)
    if decision.status != Decision.Status.PUBLISHED:
        raise Http404("A withheld decision has no public notice.")
    response = HttpResponse(
        reports.notice_pdf(reports.public_notice(decision)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{reports.pdf_filename(reference)}"'
    return response


@login_not_required
@require_GET
def appendix_download(request, reference: str, public_id):
    decision = _sealed_public_decision(reference)
    if decision.status != Decision.Status.PUBLISHED:
        raise Http404
    # The selector loads only appendices that are not withheld.
    appendix = next(
        (a for a in decision.appendices.all() if str(a.public_id) == str(public_id)), None
    )
    if appendix is None:
        raise Http404
    response = _file_response(appendix)
    response["Cache-Control"] = "public, max-age=300"
    return response


def _feed_rows(request):
    year, query = _filters(request)
    decisions = selectors.public_decisions(year=year, query=query)
    return [
        reports.feed_row(d, base_url=settings.SITE_URL)
        for chunk in integrity.in_chunks(decisions.iterator(chunk_size=FEED_CHUNK), FEED_CHUNK)
        for d in integrity.verified(chunk)
    ]


@login_not_required
@require_GET
def decision_log_csv(request):
    response = HttpResponse(
        reports.feed_csv(_feed_rows(request)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = 'attachment; filename="decisions.csv"'
    return response


@login_not_required
@require_GET
def decision_log_json(request):
    rows = _feed_rows(request)
    payload = {
        "source": settings.SITE_URL + reverse("decisions:public_list"),
        "count": len(rows),
        "decisions": rows,
    }
    return JsonResponse(payload, json_dumps_params={"ensure_ascii": False, "indent": 1})
