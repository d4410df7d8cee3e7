"""Pages for the annual-review PDF: ask for it, watch it being made, download it; and the
public versions of signed-off periods, open to everyone.

Nothing here renders a PDF. Every signed-in view checks ``toolkit.export_period`` on the
period named in the URL, and a job is looked up only within that period.
"""

from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from prevent_compliance import web
from prevent_compliance.rules import require
from toolkit.models import ReviewPeriod

from . import selectors, services
from .models import ReportJob

PDF = "application/pdf"
PUBLIC_PAGE_SIZE = 20
# Seconds between the progress page's own reloads (an HTTP header: no script, so the CSP
# needs nothing), only while the job is waiting or running.
REFRESH_SECONDS = 5


def _period(year: int) -> ReviewPeriod:
    period = selectors.period_of_year(year)
    if period is None:
        raise Http404("No review period starts in that year.")
    return period


def _job(request, year: int, public_id) -> ReportJob:
    """The period's job, for anyone who may export the period (another period's id: 404)."""
    period = _period(year)
    require(request.user, "toolkit.export_period", period)
    job = selectors.job_of_period(period, public_id)
    if job is None:
        raise Http404("No such annual-review PDF.")
    return job


def see_other(url: str) -> HttpResponseRedirect:
    """303: the POST was done; the browser fetches the page it names with GET."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


@require_POST
def report_request(request, year: int, variant: str):
    period = _period(year)
    require(request.user, "toolkit.export_period", period)
    if variant not in ReportJob.Variant.values:
        raise Http404("There is no such version of the annual review.")
    try:
        job = services.report_request(actor=request.user, period=period, variant=variant)
    except ValidationError as exc:
        web.flash_errors(request, exc)
        return see_other(period.get_absolute_url())
    return see_other(job.get_absolute_url())


@require_GET
def job_detail(request, year: int, public_id):
    job = _job(request, year, public_id)
    response = render(request, "reports/job_detail.html", {"job": job, "refresh": REFRESH_SECONDS})
    if job.in_progress:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_GET
def job_download(request, year: int, public_id):
    job = _job(request, year, public_id)
    if not job.is_ready or not job.file:
        raise Http404("This PDF is not ready.")
    return _pdf_response(job)


def _pdf_response(job: ReportJob, *, cache_control: str | None = web.PRIVATE):
    response = web.file_response(
        job.file, filename=job.filename, content_type=PDF, cache_control=cache_control
    )
    response["X-Content-SHA256"] = job.sha256
    return response


# --- Public (no sign-in) ------------------------------------------------------------------


@login_not_required
@require_GET
def public_list(request):
    page = web.page_of(request, selectors.public_periods(), PUBLIC_PAGE_SIZE)
    return render(request, "reports/public_list.html", {"page": page})


@login_not_required
@require_GET
def public_pdf(request, year: int):
    """The public version of a signed-off period; for any other period, nothing (404)."""
    period = selectors.period_of_year(year)
    if period is None or period.status != ReviewPeriod.Status.SIGNED_OFF:
        raise Http404("No signed-off annual review for that year.")
    job = selectors.public_report(period)
    if job is None:
        return render(request, "reports/public_preparing.html", {"period": period})
    return _pdf_response(job, cache_control=None)
