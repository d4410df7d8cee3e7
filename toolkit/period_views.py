"""Pages for the review cycle: periods, guidance, the annual-review PDF, exports, audit packs."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prevent_compliance import web
from prevent_compliance.rules import allowed, require

from . import exports, rating_rules, selectors, services
from .forms import GuidanceForm, PeriodStartForm
from .models import ExportJob, GuidanceUpdate, ReviewPeriod, SectionAssessment, ToolkitEdition
from .reports import selectors as report_selectors
from .reports.models import ReportJob

PAGE_SIZE = 25
PDF = "application/pdf"
# Each register format: its content type, and how the file is built (CSV line by line).
EXPORT_FORMATS = {
    "csv": ("text/csv; charset=utf-8", exports.csv_rows),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        exports.xlsx_bytes,
    ),
}


def _period(year: int) -> ReviewPeriod:
    period = (
        ReviewPeriod.objects.select_related("edition")
        .filter(start_date__year=year)
        .order_by("start_date")
        .first()
    )
    if period is None:
        raise Http404("No review period starts in that year.")
    return period


@require_GET
def period_list(request):
    require(request.user, "toolkit.view_reviewperiod")
    periods = ReviewPeriod.objects.select_related("edition").order_by("-start_date")
    page = web.page_of(request, periods, PAGE_SIZE)
    return render(
        request,
        "toolkit/period_list.html",
        {
            "page": page,
            "can_start": allowed(request.user, "toolkit.add_reviewperiod"),
            "can_record_guidance": allowed(request.user, "toolkit.add_guidanceupdate"),
            "guidance": GuidanceUpdate.objects.select_related("recorded_by")[:10],
        },
    )


@require_GET
def period_detail(request, year: int):
    period = _period(year)
    require(request.user, "toolkit.view_reviewperiod", period)
    assessments = (
        SectionAssessment.objects.filter(period=period)
        .select_related("section", "assessed_by", "carried_from")
        .order_by("section__number")
    )
    criteria = selectors.criterion_status_by_section(period)
    assessments = list(assessments)
    for assessment in assessments:
        assessment.criteria_summary = rating_rules.status_summary(
            criteria.get(assessment.section_id, {})
        )
    return render(
        request,
        "toolkit/period_detail.html",
        {
            "period": period,
            "assessments": assessments,
            "pending_guidance": list(period.pending_guidance()),
            "registers": exports.REGISTERS.values(),
            **_earlier_packs(request.user, period),
            "can_reconfirm": allowed(request.user, "toolkit.reconfirm_reviewperiod", period)
            and not period.is_locked,
            "can_export": allowed(request.user, "toolkit.export_period", period),
            "can_submit": allowed(request.user, "toolkit.submit_reviewperiod", period)
            and period.status == ReviewPeriod.Status.OPEN,
        },
    )


def _next_period_dates(previous: ReviewPeriod | None) -> tuple[date, date, str]:
    """The day after the last period for a year, or the financial year we are in."""
    if previous is not None:
        start = previous.end_date + timedelta(days=1)
    else:
        today = timezone.localdate()
        start = date(today.year if today.month >= 4 else today.year - 1, 4, 1)
    end = start.replace(year=start.year + 1) - timedelta(days=1)
    return start, end, f"{start.year}/{str(start.year + 1)[-2:]}"


@require_http_methods(["GET", "POST"])
def period_start(request):
    require(request.user, "toolkit.add_reviewperiod")
    previous = ReviewPeriod.objects.order_by("-start_date").first()
    start, end, label = _next_period_dates(previous)
    latest = ToolkitEdition.objects.order_by("-code").first()
    form = PeriodStartForm(
        **web.bound(request),
        initial={
            "label": label,
            "start_date": start,
            "end_date": end,
            "edition": previous.edition if previous else latest,
        },
    )
    if form.is_valid():
        try:
            period = services.review_period_start(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Review period {period.label} opened. Ratings carried forward from the "
                "previous period are marked “to re-confirm”.",
            )
            return redirect(period)
    return render(
        request,
        "toolkit/period_start.html",
        {"form": form, "previous": previous, "newer": previous and latest != previous.edition},
    )


@require_POST
def period_reconfirm(request, year: int):
    period = _period(year)
    require(request.user, "toolkit.reconfirm_reviewperiod", period)
    try:
        services.review_period_reconfirm(actor=request.user, period=period)
    except ValidationError as exc:
        web.flash_errors(request, exc)
    else:
        messages.success(request, f"Review period {period.label} re-confirmed against guidance.")
    return redirect(period)


@require_http_methods(["GET", "POST"])
def guidance_create(request):
    require(request.user, "toolkit.add_guidanceupdate")
    form = GuidanceForm(**web.bound(request))
    if form.is_valid():
        services.guidance_record(actor=request.user, **form.cleaned_data)
        messages.success(
            request,
            "Guidance recorded. Open review periods are flagged “review due — new guidance” "
            "until they are re-confirmed.",
        )
        return redirect("toolkit:period_list")
    return render(request, "toolkit/guidance_form.html", {"form": form})


@require_GET
def period_pdf(request, year: int):
    """The signed review exactly as stored; before sign-off, never a PDF made here.

    A draft is made in the background (toolkit/reports): this address sends the visitor to
    the finished draft of the report as it now stands, to the job making it, or to the
    period page's button that asks for it (asking is a POST: it starts work).
    """
    period = _period(year)
    require(request.user, "toolkit.export_period", period)
    if not period.final_pdf:
        job = report_selectors.current_job(period, variant=ReportJob.Variant.INTERNAL, final=False)
        if job is not None and job.is_ready:
            return redirect("reports:job_download", year=period.year, public_id=job.public_id)
        if job is not None and job.in_progress:
            return redirect(job)
        return redirect(period.get_absolute_url() + "#annual-review")
    response = web.file_response(
        period.final_pdf, filename=f"annual-review-{period.year}.pdf", content_type=PDF
    )
    response["X-Content-SHA256"] = period.final_pdf_sha256
    return response


@require_GET
def period_export(request, year: int, register: str, fmt: str):
    period = _period(year)
    require(request.user, "toolkit.export_period", period)
    item = exports.REGISTERS.get(register)
    if item is None or fmt not in EXPORT_FORMATS:
        raise Http404("No such register or format.")
    content_type, build = EXPORT_FORMATS[fmt]
    return web.file_response(
        build(item, period), filename=f"{item.slug}-{period.year}.{fmt}", content_type=content_type
    )


@require_POST
def audit_pack_create(request, year: int):
    period = _period(year)
    require(request.user, "toolkit.export_period", period)
    job = services.audit_pack_request(actor=request.user, period=period)
    messages.success(request, "The audit pack is being built. This page shows when it is ready.")
    return redirect(job)


# The period page lists this many of the packs the visitor may open, newest first.
PACKS_SHOWN = 10
# While a pack is being built its page reloads itself this often (a header: no script).
REFRESH_SECONDS = 5


def _earlier_packs(user, period: ReviewPeriod) -> dict:
    """The newest audit packs of the period the user may open (their own; every one for an
    Auditor), with who asked for each, and whether there are older ones (one query)."""
    packs = period.exports.filter(kind=ExportJob.Kind.AUDIT_PACK)
    if not allowed(user, "toolkit.view_all_exports"):
        packs = packs.filter(requested_by=user)
    rows = packs.select_related("requested_by").order_by("-created_at", "-pk")
    shown = list(rows[: PACKS_SHOWN + 1])
    return {"packs": shown[:PACKS_SHOWN], "packs_more": len(shown) > PACKS_SHOWN}


def _job_for(request, public_id) -> ExportJob:
    job = get_object_or_404(
        ExportJob.objects.select_related("period", "requested_by"), public_id=public_id
    )
    # Everyone with export rights may build their own pack; only its requester and Auditors
    # may see one (toolkit.view_exportjob). To anyone else it does not exist.
    require(request.user, "toolkit.export_period", job.period)
    if not allowed(request.user, "toolkit.view_exportjob", job):
        raise Http404("No such export.")
    return job


@require_GET
def export_detail(request, public_id):
    job = _job_for(request, public_id)
    response = render(request, "toolkit/export_detail.html", {"job": job})
    if job.status in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


@require_GET
def export_download(request, public_id):
    job = _job_for(request, public_id)
    if job.status != ExportJob.Status.READY or not job.file:
        raise Http404("This export is not ready.")
    return web.file_response(job.file, filename=job.filename, content_type="application/zip")
