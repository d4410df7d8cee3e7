"""Pages for the toolkit: dashboard, sections, assessments, evidence and the action plan."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods

from prevent_compliance import waiting, web
from prevent_compliance.rules import allowed, require
from prevent_compliance.sorting import sort_headers

from . import rating_rules, selectors, services, summary
from .forms import (
    ActionFilter,
    ActionForm,
    AssessmentForm,
    AssessmentKeyEvidenceForm,
    EvidenceFilter,
    EvidenceForm,
)
from .models import Action, Evidence, SectionAssessment
from .training import selectors as training_selectors

PAGE_SIZE = 25
SECTION_ACTIONS = 25
DASHBOARD_ITEMS = 10


def _table_page(request, values, to_rows, *, count=None):
    """A page of a table: ``values`` (a values() queryset) paged, then made the table's plain
    rows (toolkit/selectors.py), so rendering it builds no model instance and reverses no URL
    per row."""
    page = web.page_of(request, values, PAGE_SIZE, count=count)
    page.object_list = to_rows(page.object_list)
    return page


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


def _period_or_404():
    period = selectors.current_period()
    if period is None:
        raise Http404("There is no review period yet. An administrator must open one.")
    return period


@require_GET
def dashboard(request):
    require(request.user, "toolkit.view_records")
    today = timezone.localdate()
    period = summary.current_period(today)
    return render(
        request,
        "toolkit/dashboard.html",
        {
            "period": period,
            "waiting_groups": waiting.dashboard_groups(request.user, today=today),
            # Read from the shared cache, computed once per change and day (toolkit/summary.py).
            **summary.dashboard_view(period, today, DASHBOARD_ITEMS),
            "training": training_selectors.training_summary(today=today),
        },
    )


@require_GET
def section_list(request):
    require(request.user, "toolkit.view_records")
    period = selectors.current_period()
    return render(
        request,
        "toolkit/section_list.html",
        {"period": period, "overview": selectors.section_overview(period)},
    )


def _section_actions(section, period, today) -> tuple[list[selectors.ActionRow], bool]:
    """The first actions, and whether there are more: one row more than shown is read, not
    a total (a window count sorts every action of the section in the period)."""
    actions = Action.objects.filter(section=section, periods=period)
    rows = list(selectors.action_values(actions)[: SECTION_ACTIONS + 1])
    return selectors.action_table(rows[:SECTION_ACTIONS], today), len(rows) > SECTION_ACTIONS


@require_GET
def section_detail(request, number: int):
    require(request.user, "toolkit.view_records")
    period = selectors.current_period()
    today = timezone.localdate()
    section, assessment = selectors.section_and_assessment(number, period)
    actions, more_actions = _section_actions(section, period, today)
    # The evidence counts and each criterion's first items, kept with the dashboard's counts.
    evidence = summary.section_evidence(section, period, today) if period else None
    return render(
        request,
        "toolkit/section_detail.html",
        {
            "period": period,
            "section": section,
            "assessment": assessment,
            **selectors.section_criteria(period, section, assessment, today, evidence),
            "evidence_page": _table_page(
                request,
                selectors.evidence_values(selectors.section_evidence(section, period)),
                selectors.evidence_table,
                count=evidence.evidence_count if evidence else None,
            ),
            "actions": actions,
            "more_actions": more_actions,
            "can_edit": allowed(request.user, "toolkit.change_sectionassessment", assessment),
        },
    )


@require_http_methods(["GET", "POST"])
def assessment_edit(request, number: int):
    period = _period_or_404()
    section = selectors.get_section(number, period)
    assessment = get_object_or_404(SectionAssessment, period=period, section=section)
    require(request.user, "toolkit.change_sectionassessment", assessment)
    today = timezone.localdate()
    rows = selectors.criterion_rows(period, section)
    evidence = selectors.criterion_evidence(period, [section.pk])
    proposed = rating_rules.propose(selectors.criterion_states(rows, evidence), today)
    chosen = list(assessment.key_evidence.all())
    form = AssessmentKeyEvidenceForm(
        **web.bound(request),
        initial={
            **_assessment_initial(assessment, rows, proposed),
            "key_evidence": [e.pk for e in chosen],
        },
        rows=rows,
        evidence=evidence,
        chosen=chosen,
        proposed=proposed,
        today=today,
    )
    if form.is_valid():
        try:
            services.assessment_update(
                actor=request.user,
                assessment=assessment,
                rating=form.chosen_rating,
                narrative=form.cleaned_data["narrative"],
                override_justification=form.cleaned_data["override_justification"],
                criteria=form.criteria_values(),
                expected_version=form.cleaned_data["version"],
                today=today,
            )
            services.assessment_key_evidence_set(
                actor=request.user, assessment=assessment, evidence=form.chosen_evidence()
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"Assessment of section {section.number} saved.")
            return redirect(section)
    return render(
        request,
        "toolkit/assessment_form.html",
        {
            "form": form,
            "section": section,
            "period": period,
            "assessment": assessment,
            "proposed": proposed,
        },
    )


def _assessment_initial(assessment, rows, proposed) -> dict:
    """The form as saved: each criterion's rating, and the section's own rating shown as an
    override when it is not the proposed one."""
    overridden = assessment.rating != proposed
    initial = {
        "version": assessment.version,
        "narrative": assessment.narrative,
        "accept": AssessmentForm.OVERRIDE if overridden else AssessmentForm.ACCEPT,
        "rating": assessment.rating if overridden else "",
        "override_justification": assessment.override_justification,
    }
    for row in rows:
        prefix = f"criterion_{row.criterion.number}"
        initial |= {
            f"{prefix}_rating": row.rating,
            f"{prefix}_reason": row.reason,
            f"{prefix}_note": row.note,
        }
    return initial


# --- Evidence -------------------------------------------------------------------------------


EVIDENCE_COLUMNS = [
    ("title", "Title"),
    ("kind", "Kind"),
    ("effective", "Effective"),
    ("review", "Review by"),
    ("marking", "Marking"),
]
SORT_LABELS = {
    "title": "title",
    "kind": "kind",
    "effective": "effective date",
    "review": "review-by date",
    "marking": "marking",
}


def _sort_label(value: str) -> str:
    key = value.lstrip("-")
    order = {"effective": ("oldest", "newest"), "review": ("earliest", "latest")}.get(
        key, ("A to Z", "Z to A")
    )
    return f"{SORT_LABELS[key]}, {order[1] if value.startswith('-') else order[0]} first"


@require_GET
def evidence_list(request):
    """Evidence found by words in its title or description, its section, kind, marking,
    period and review state; sorted by the column heading chosen."""
    require(request.user, "toolkit.view_evidence")
    period = selectors.current_period()
    evidence_filter = EvidenceFilter(
        request.GET or None,
        queryset=selectors.evidence_rows(),
        edition=selectors.current_edition(period),
    )
    sort = evidence_filter.sort_value
    return render(
        request,
        "toolkit/evidence_list.html",
        {
            "filter": evidence_filter,
            "page": _table_page(
                request,
                selectors.evidence_values(evidence_filter.sorted_qs),
                selectors.evidence_table,
            ),
            "query": _query_without_page(request),
            "headers": sort_headers(request, EVIDENCE_COLUMNS, current=sort),
            "sort_label": _sort_label(sort),
            "filtered": bool(request.GET),
        },
    )


@require_GET
def evidence_detail(request, public_id):
    evidence = get_object_or_404(
        selectors.evidence_list().prefetch_related("criteria__section"), public_id=public_id
    )
    require(request.user, "toolkit.view_evidence", evidence)
    return render(
        request,
        "toolkit/evidence_detail.html",
        {
            "evidence": evidence,
            "can_edit": allowed(request.user, "toolkit.change_evidence", evidence),
        },
    )


def _evidence_form(request, *, instance=None):
    period = selectors.current_period()
    edition = selectors.current_edition(period)
    if edition is None:
        raise Http404("The toolkit has not been loaded yet (run manage.py seed_toolkit).")
    # From a section page (?section=N), new evidence starts in that section.
    asked = _section_asked_for(request, period) if period and instance is None else {}
    return EvidenceForm(
        **web.bound(request),
        initial={"sections": [asked["section"]]} if asked.get("section") else None,
        instance=instance,
        edition=edition,
        max_mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    )


def _evidence_values(form) -> dict:
    data = dict(form.cleaned_data)
    return {
        "title": data["title"],
        "description": data["description"],
        "kind": data["kind"],
        "effective_date": data["effective_date"],
        "review_by": data["review_by"],
        "marking": data["marking"],
        "url": data["url"],
        "sections": list(data["sections"]),
        "criteria": list(data["criteria"]),
        "upload": data.get("upload") or None,
        "upload_info": form.upload_info,
    }


@require_http_methods(["GET", "POST"])
def evidence_create(request):
    require(request.user, "toolkit.add_evidence")
    form = _evidence_form(request)
    if form.is_valid():
        try:
            evidence = services.evidence_create(actor=request.user, **_evidence_values(form))
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"Evidence “{evidence.title}” added.")
            return redirect(evidence)
    return render(request, "toolkit/evidence_form.html", {"form": form, "evidence": None})


@require_http_methods(["GET", "POST"])
def evidence_edit(request, public_id):
    evidence = get_object_or_404(Evidence, public_id=public_id)
    require(request.user, "toolkit.change_evidence", evidence)
    form = _evidence_form(request, instance=evidence)
    if form.is_valid():
        if not form.has_changed():
            return redirect(evidence)
        try:
            services.evidence_update(
                actor=request.user,
                evidence=evidence,
                expected_version=form.cleaned_data["version"],
                **_evidence_values(form),
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"Evidence “{evidence.title}” saved.")
            return redirect(evidence)
    return render(request, "toolkit/evidence_form.html", {"form": form, "evidence": evidence})


@require_GET
def evidence_download(request, public_id):
    evidence = get_object_or_404(Evidence, public_id=public_id)
    require(request.user, "toolkit.view_evidence", evidence)
    if not evidence.file:
        raise Http404("This evidence has no file.")
    return web.stored_upload_response(
        evidence.file,
        original_name=evidence.original_filename,
        content_type=evidence.content_type,
        fallback="evidence",
    )


# --- Actions --------------------------------------------------------------------------------


@require_GET
def action_list(request):
    require(request.user, "toolkit.view_action")
    period = selectors.current_period()
    action_filter = ActionFilter(
        request.GET or None,
        queryset=Action.objects.all(),
        edition=period.edition if period else None,
    )
    today = timezone.localdate()
    return render(
        request,
        "toolkit/action_list.html",
        {
            "filter": action_filter,
            "page": _table_page(
                request,
                selectors.action_values(action_filter.qs),
                lambda rows: selectors.action_table(rows, today),
            ),
            "query": _query_without_page(request),
            "can_add": allowed(request.user, "toolkit.add_action"),
        },
    )


@require_GET
def action_detail(request, public_id):
    action = get_object_or_404(selectors.action_list(), public_id=public_id)
    require(request.user, "toolkit.view_action", action)
    return render(
        request,
        "toolkit/action_detail.html",
        {
            "action": action,
            "can_edit": allowed(request.user, "toolkit.change_action", action),
            "today": timezone.localdate(),
        },
    )


def _section_asked_for(request, period) -> dict:
    """``?section=N`` from a section page: the new action starts in that section."""
    number = request.GET.get("section", "")
    if number.isascii() and number.isdigit() and len(number) < 4:
        return {"section": period.edition.sections.filter(number=number).first()}
    return {}


@require_http_methods(["GET", "POST"])
def action_create(request):
    require(request.user, "toolkit.add_action")
    period = _period_or_404()
    form = ActionForm(
        **web.bound(request), initial=_section_asked_for(request, period), edition=period.edition
    )
    if form.is_valid():
        values = {k: v for k, v in form.cleaned_data.items() if k != "version"}
        try:
            action = services.action_create(actor=request.user, period=period, **values)
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"Action “{action.title}” raised.")
            return redirect(action)
    return render(request, "toolkit/action_form.html", {"form": form, "action": None})


@require_http_methods(["GET", "POST"])
def action_edit(request, public_id):
    action = get_object_or_404(
        Action.objects.select_related("period__edition"), public_id=public_id
    )
    require(request.user, "toolkit.change_action", action)
    form = ActionForm(**web.bound(request), instance=action, edition=action.period.edition)
    if form.is_valid():
        if not form.has_changed():
            return redirect(action)
        values = dict(form.cleaned_data)
        try:
            services.action_update(
                actor=request.user, action=action, expected_version=values.pop("version"), **values
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"Action “{action.title}” saved.")
            return redirect(action)
    return render(request, "toolkit/action_form.html", {"form": form, "action": action})
