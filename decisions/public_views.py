"""The public decision log: open to everyone, without signing in.

Only published and withheld records whose seal verifies exist here (anything else is a 404
or left out of the list), and every page, PDF and feed is built from ``notices.public_notice``
or ``notices.feed_row``, which leave out what is withheld. Absolute links start with
settings.SITE_URL, never with the request's Host header.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from prevent_compliance.forms import query_text
from prevent_compliance.web import PUBLIC, file_response, page_of

from . import integrity, notices, selectors
from .models import Decision
from .views import appendix_response, notice_pdf_response

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
    page = page_of(request, queryset, PAGE_SIZE)
    shown = integrity.verified(page.object_list)
    briefs = [notices.public_notice(d, brief=True) for d in shown]
    params = {k: v for k, v in (("year", year or ""), ("q", query)) if v}
    return render(
        request,
        "public/decision_list.html",
        {
            "page": page,
            "notices": briefs,
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
        {"notice": notices.public_notice(decision)},
    )


@login_not_required
@require_GET
def decision_pdf(request, reference: str):
    decision = _sealed_public_decision(reference)
    if decision.status != Decision.Status.PUBLISHED:
        raise Http404("A withheld decision has no public notice.")
    # Cache-Control is the middleware's: public for a visitor, private for someone signed in.
    return notice_pdf_response(notices.public_notice(decision), cache_control=None)


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
    # The same file for everyone, whoever asks: a shared cache may keep it briefly.
    return appendix_response(appendix, cache_control=PUBLIC)


def _feed_rows(request):
    year, query = _filters(request)
    decisions = selectors.public_decisions(year=year, query=query)
    return [
        notices.feed_row(d, base_url=settings.SITE_URL)
        for chunk in integrity.in_chunks(decisions.iterator(chunk_size=FEED_CHUNK), FEED_CHUNK)
        for d in integrity.verified(chunk)
    ]


@login_not_required
@require_GET
def decision_log_csv(request):
    return file_response(
        notices.feed_csv(_feed_rows(request)),
        filename="decisions.csv",
        content_type="text/csv; charset=utf-8",
        cache_control=None,  # the middleware's, as for every public page
    )


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
