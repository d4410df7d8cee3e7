"""Pages for the annual report's content: the period's narratives.

(The report itself is made in the background: toolkit/reports. Each section's key evidence
is chosen on the section's assessment page, toolkit/views.py ``assessment_edit``.)
"""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from prevent_compliance import web
from prevent_compliance.rules import require

from . import annual_review_report, services
from .forms import ReportNarrativeForm
from .models import ReviewPeriod


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


@require_http_methods(["GET", "POST"])
def report_narrative(request, year: int):
    """The period's narratives for the annual report: foreword, method, executive summary,
    key findings, key risks and conclusions. Whoever edits the period's assessments writes
    them, until the period is signed off."""
    period = _period(year)
    require(request.user, "toolkit.change_report_narratives", period)
    initial = {name: getattr(period, name) for name, _label in annual_review_report.NARRATIVES}
    form = ReportNarrativeForm(
        **web.bound(request),
        initial={**initial, "loaded": services.report_narratives_key(period)},
        max_length=services.NARRATIVE_MAX_LENGTH,
    )
    if form.is_valid():
        try:
            services.review_period_narratives_update(
                actor=request.user,
                period=period,
                values=form.values(),
                expected_key=form.cleaned_data["loaded"] or None,
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"The report's narratives for {period.label} are saved.")
            return redirect(period)
    return render(
        request,
        "toolkit/report_narrative.html",
        {
            "form": form,
            "period": period,
            "empty": annual_review_report.empty_narratives(period),
        },
    )
