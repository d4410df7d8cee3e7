"""Importing an earlier decision log in the browser (administrators, after a one-time code).

Upload → preview (every row, what will be created, every problem by row and column, 50 a
page with the problems first) → confirm (POST) → the worker imports the file in one
transaction → the page refreshes itself with a ``Refresh`` header (no script) until it is
done → a CSV report to download.
"""

import csv
import io

from crispy_forms_gds.layout import Field, Layout
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prevent_compliance import web
from prevent_compliance.accounts.two_factor import verified_role_required
from prevent_compliance.forms import gds_helper

from . import importer, services
from .models import DecisionImport

PERMISSION = "decisions.import_decisions"
# Seconds between the progress page's refreshes while the worker has the job.
REFRESH_SECONDS = 3
# Problems and rows a page of the preview shows: a log of 20,000 records would be a page
# nobody reads (and one that costs as much as the file). The report has them all at once.
PREVIEW_PAGE_SIZE = 50
TEMPLATE_COLUMNS = (
    "register",
    "reference",
    "title",
    "decision_date",
    "confidentiality",
    "foi_exemptions",
    "withheld_parts",
    "summary",
    "status",
    "status_note",
    "status_date",
    "decision_maker",
    "decision_maker_name",
    "lead_officer",
    "forum",
    "forum_date",
    "financial_value",
    "chief_officer_approval",
    "chief_officer_approver",
    "chief_officer_approved_on",
    "chief_officer_approval_text",
    "interests_declared",
    "signed_by",
    "signed_on",
    "published_on",
    "toolkit_sections",
    "treasurer_comments",
    "chief_executive_comments",
    "section_1_heading",
    "section_1_body",
    "section_1_withheld",
    "section_2_heading",
    "section_2_body",
    "section_2_withheld",
    "link_1_title",
    "link_1_url",
    "link_1_original",
)
TEMPLATE_EXAMPLE = {
    "register": "2024-25",
    "reference": "001",
    "title": "Example: grant for a youth diversion scheme",
    "decision_date": "14/05/2024",
    "confidentiality": "non-confidential",
    "summary": "Replace this row with your own records; delete it before importing.",
    "decision_maker": "PCC",
    "chief_officer_approval": "not required",
    "section_1_heading": "Background information",
    "section_1_body": "Why the decision was needed.",
    "link_1_title": "Decision notice as published",
    "link_1_url": "https://www.example.org/decisions/001.pdf",
    "link_1_original": "yes",
}


class ImportUploadForm(forms.Form):
    upload = forms.FileField(
        label="Decision log file",
        error_messages={"required": "Choose the CSV, XLSX or JSON file of your decision log"},
        help_text=f"CSV, XLSX or JSON, up to {importer.MAX_FILE_BYTES // (1024 * 1024)} MB.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = gds_helper(submit_label="Check the file")
        self.helper.layout = Layout(Field("upload"))

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if upload is not None and upload.size > importer.MAX_FILE_BYTES:
            raise ValidationError(
                "The file must be smaller than %(limit)s MB: split the log into several files",
                params={"limit": importer.MAX_FILE_BYTES // (1024 * 1024)},
            )
        if upload is not None and not upload.size:
            raise ValidationError("The selected file is empty")
        return upload


@require_http_methods(["GET", "POST"])
@verified_role_required
def import_upload(request):
    web.require(request.user, PERMISSION)
    form = ImportUploadForm(**web.bound(request))
    if form.is_valid():
        upload = form.cleaned_data["upload"]
        job = services.decision_import_check(actor=request.user, upload=upload, name=upload.name)
        return redirect(job)
    recent = DecisionImport.objects.filter(requested_by=request.user).order_by("-created_at")[:5]
    return render(request, "decisions/import/upload.html", {"form": form, "recent": recent})


def _job_for(request, public_id) -> DecisionImport:
    web.require(request.user, PERMISSION)
    job = get_object_or_404(
        DecisionImport.objects.select_related("requested_by"), public_id=public_id
    )
    if job.requested_by_id != request.user.pk:
        raise Http404("No such import.")
    return job


def _by_row(items: list[dict]) -> list[dict]:
    return sorted(items, key=lambda p: (p.get("row") is not None, p.get("row") or 0))


def _preview_page(request, job: DecisionImport) -> dict:
    """One page of the problems, then the rows: every problem comes before any row, so the
    first pages are the ones to fix. Each problem keeps its number in the whole list."""
    problems = _by_row(job.problems)
    entries = [("problem", number, p) for number, p in enumerate(problems, 1)]
    entries += [("row", None, row) for row in job.preview]
    page = web.page_of(request, entries, PREVIEW_PAGE_SIZE)
    shown = [
        {**p, "number": number, "text": _problem_text(job, p)}
        for kind, number, p in page
        if kind == "problem"
    ]
    rows = [row for kind, _, row in page if kind == "row"]
    first_row = max(page.start_index(), len(problems) + 1) - len(problems)
    return {
        "page": page,
        "problem_count": len(problems),
        "page_problems": shown,
        "problems_elsewhere": len(problems) - len(shown),
        "problems_shown": (shown[0]["number"], shown[-1]["number"]) if shown else None,
        "page_rows": rows,
        "rows_shown": (first_row, first_row + len(rows) - 1, len(job.preview)),
    }


@require_GET
@verified_role_required
def import_detail(request, public_id):
    """The preview before confirmation, then the progress, then the result."""
    job = _job_for(request, public_id)
    response = render(
        request,
        "decisions/import/detail.html",
        {
            "job": job,
            **_preview_page(request, job),
            "warnings": [{**w, "text": _problem_text(job, w)} for w in job.warnings],
            "to_create": sum(1 for row in job.preview if row.get("action") == "create"),
            "refresh_seconds": REFRESH_SECONDS,
        },
    )
    if job.is_waiting:
        response["Refresh"] = str(REFRESH_SECONDS)
    return response


def _problem_text(job: DecisionImport, item: dict) -> str:
    return str(
        importer.Problem(
            item.get("row"),
            item.get("reference") or "",
            item.get("column") or "",
            item.get("message") or "",
            sheet=job.kind in ("csv", "xlsx"),
        )
    )


@require_POST
@verified_role_required
def import_confirm(request, public_id):
    job = _job_for(request, public_id)
    try:
        services.decision_import_confirm(actor=request.user, job=job)
    except PermissionDenied:
        raise
    except ValidationError as exc:
        web.flash_errors(request, exc)
    else:
        messages.success(
            request, "The import has started. This page shows its progress and the result."
        )
    return redirect(job)


def _report_rows(job: DecisionImport):
    created = set(job.created_references)
    done = job.status == DecisionImport.Status.DONE
    for row in job.preview:
        register = row.get("register", "")
        key = f"~{register}/{row['reference']}" if register else row["reference"]
        if row.get("action") == "already imported":
            result = "already imported"
        elif done and key in created:
            result = "created"
        else:
            result = f"not imported ({job.get_status_display().lower()})"
        yield (row["row"], row["reference"], register, row["title"], result, "", "")
    for problem in _by_row(job.problems):
        yield (
            problem.get("row") or "",
            problem.get("reference") or "",
            "",
            "",
            "problem",
            problem.get("column") or "",
            problem.get("message") or "",
        )
    for warning in job.warnings:
        yield ("", "", "", "", "warning", warning.get("column") or "", warning.get("message"))


@require_GET
@verified_role_required
def import_report(request, public_id):
    """Every row and what became of it, then every problem and warning, as a CSV file."""
    job = _job_for(request, public_id)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["row", "reference", "register", "title", "result", "column", "problem"])
    for row in _report_rows(job):
        writer.writerow([web.csv_safe(value) for value in row])
    return web.file_response(
        out.getvalue().encode("utf-8-sig"),
        filename=f"import-report-{job.created_at:%Y-%m-%d}-{str(job.public_id)[:8]}.csv",
        content_type="text/csv; charset=utf-8",
    )


@require_GET
@verified_role_required
def import_template(request):
    """A CSV with every column and one example row, to fill in a spreadsheet program."""
    web.require(request.user, PERMISSION)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(TEMPLATE_COLUMNS)
    writer.writerow([TEMPLATE_EXAMPLE.get(column, "") for column in TEMPLATE_COLUMNS])
    return web.file_response(
        out.getvalue().encode("utf-8-sig"),
        filename="decision-log-template.csv",
        content_type="text/csv; charset=utf-8",
    )
