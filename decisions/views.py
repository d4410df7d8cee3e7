"""Staff pages for decision records: list, create and edit drafts, and the workflow steps."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prevent_compliance.accounts import verified_role_required
from prevent_compliance.rules import allowed, require
from prevent_compliance.uploads import download_as

from . import annual_review, reports, selectors, services
from .forms import (
    LOCKED_OUT,
    AppendixForm,
    CommentForm,
    DecisionForm,
    ReasonForm,
    SignForm,
    SupportingSectionFormSet,
)
from .models import Decision
from .services import InvalidTransition

PAGE_SIZE = 25


def _apply_errors(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _refuse_state(request, decision: Decision, exc: ValidationError):
    """A step the role may take but not in this state: say why, change nothing."""
    for message in exc.messages:
        messages.error(request, message)
    return redirect(decision)


@require_GET
def decision_list(request):
    require(request.user, "decisions.view_decision")
    status = request.GET.get("status", "")
    queryset = selectors.decision_list()
    if status in Decision.Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "decisions/decision_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Decision.Status.choices,
            "query": f"status={status}" if status else "",
            "can_add": allowed(request.user, "decisions.add_decision"),
        },
    )


@require_GET
def decision_detail(request, reference: str):
    decision = selectors.get_decision_for(request.user, reference)
    transitions = services.available_transitions(request.user, decision)
    return render(
        request,
        "decisions/decision_detail.html",
        {
            "decision": decision,
            "notice": reports.staff_notice(decision),
            "transitions": {t.name: t for t in transitions},
            "can_edit": decision.status == Decision.Status.DRAFT
            and allowed(request.user, "decisions.change_decision", decision),
            "history": decision.history.select_related("history_user").order_by("-history_date")[
                :30
            ],
        },
    )


@require_http_methods(["GET", "POST"])
def decision_create(request):
    require(request.user, "decisions.add_decision")
    form = DecisionForm(request.POST or None)
    if not request.POST:
        form.initial.setdefault("lead_officer", request.user.get_full_name())
    if request.method == "POST" and form.is_valid():
        try:
            decision = services.decision_create(actor=request.user, **form.service_values())
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(
                request,
                f"Decision {decision.reference} created. Now complete the supporting information.",
            )
            return redirect("decisions:sections", reference=decision.reference)
    return render(request, "decisions/decision_form.html", {"form": form, "decision": None})


@require_http_methods(["GET", "POST"])
def decision_edit(request, reference: str):
    decision = selectors.get_decision_for(request.user, reference, write=True)
    if decision.status != Decision.Status.DRAFT:
        messages.error(request, "Only a draft can be changed.")
        return redirect(decision)
    form = DecisionForm(request.POST or None, instance=decision)
    if request.method == "POST" and form.is_valid():
        try:
            services.decision_update(actor=request.user, decision=decision, **form.service_values())
        except InvalidTransition as exc:
            return _refuse_state(request, decision, exc)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Decision {decision.reference} saved.")
            return redirect(decision)
    return render(request, "decisions/decision_form.html", {"form": form, "decision": decision})


@require_http_methods(["GET", "POST"])
def sections_edit(request, reference: str):
    decision = selectors.get_decision_for(request.user, reference, write=True)
    if decision.status != Decision.Status.DRAFT:
        messages.error(request, "Only a draft can be changed.")
        return redirect(decision)
    initial = [
        {"pk": s.pk, "heading": s.heading, "body": s.body, "withheld": s.withheld}
        for s in decision.supporting_sections.all()
    ]
    formset = SupportingSectionFormSet(request.POST or None, initial=initial, prefix="sections")
    if request.method == "POST" and formset.is_valid():
        wanted = [
            services.SectionInput(
                pk=form.cleaned_data.get("pk"),
                heading=form.cleaned_data["heading"].strip(),
                body=form.cleaned_data["body"],
                withheld=form.cleaned_data["withheld"],
            )
            for form in formset
            if not form.cleaned_data.get("remove") and not form.is_blank_new
        ]
        try:
            services.decision_sections_update(
                actor=request.user, decision=decision, sections=wanted
            )
        except InvalidTransition as exc:
            return _refuse_state(request, decision, exc)
        except ValidationError as exc:
            formset.forms[0].add_error(None, exc.messages)
        else:
            messages.success(request, "Supporting information saved.")
            if "add_another" in request.POST:
                return redirect("decisions:sections", reference=decision.reference)
            return redirect(decision)
    return render(
        request, "decisions/sections_form.html", {"formset": formset, "decision": decision}
    )


@require_http_methods(["GET", "POST"])
def appendix_add(request, reference: str):
    decision = selectors.get_decision_for(request.user, reference, write=True)
    if decision.status != Decision.Status.DRAFT:
        messages.error(request, "Only a draft can be changed.")
        return redirect(decision)
    form = AppendixForm(
        request.POST or None,
        request.FILES or None,
        max_mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    )
    if request.method == "POST" and form.is_valid():
        try:
            appendix = services.appendix_add(
                actor=request.user,
                decision=decision,
                title=form.cleaned_data["title"],
                withheld=form.cleaned_data["withheld"],
                upload=form.cleaned_data["upload"],
                upload_info=form.upload_info,
            )
        except InvalidTransition as exc:
            return _refuse_state(request, decision, exc)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Appendix “{appendix.title}” added.")
            return redirect(decision)
    return render(request, "decisions/appendix_form.html", {"form": form, "decision": decision})


@require_POST
def appendix_remove(request, reference: str, public_id):
    decision = selectors.get_decision_for(request.user, reference, write=True)
    appendix = get_object_or_404(decision.appendices, public_id=public_id)
    try:
        services.appendix_remove(actor=request.user, appendix=appendix)
    except InvalidTransition as exc:
        return _refuse_state(request, decision, exc)
    messages.success(request, f"Appendix “{appendix.title}” removed.")
    return redirect(decision)


@require_GET
def appendix_download(request, reference: str, public_id):
    decision = selectors.get_decision_for(request.user, reference)
    appendix = get_object_or_404(decision.appendices, public_id=public_id)
    return _file_response(appendix)


def _file_response(appendix) -> FileResponse:
    try:
        handle = appendix.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404("The appendix file is missing.") from exc
    filename, content_type = download_as(
        appendix.original_filename, appendix.content_type, fallback="appendix"
    )
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type=content_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
def decision_pdf(request, reference: str):
    decision = selectors.get_decision_for(request.user, reference)
    response = HttpResponse(
        reports.notice_pdf(reports.staff_notice(decision)), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'inline; filename="{reports.pdf_filename(reference)}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- Workflow steps -------------------------------------------------------------------------

SIMPLE_STEPS = {
    "submit": (services.decision_submit, "Decision {ref} submitted for consultation."),
    "approve": (services.decision_approve, "Decision {ref} approved for signature."),
    "publish": (services.decision_publish, "Decision {ref} published on the decision log."),
    "withhold": (
        services.decision_withhold,
        "Decision {ref} listed on the decision log as withheld.",
    ),
    "resume": (services.decision_resume, "Decision {ref} returned to draft."),
}


@require_POST
@verified_role_required
def transition(request, reference: str, name: str):
    """A workflow step that needs nothing but a button press."""
    decision = selectors.get_decision_for(request.user, reference)
    service, done = SIMPLE_STEPS[name]
    try:
        service(actor=request.user, decision=decision)
    except ValidationError as exc:
        return _refuse_state(request, decision, exc)
    messages.success(request, done.format(ref=decision.reference))
    return redirect(decision)


def _step_page(request, decision, name: str):
    """Refuse a form page up front: 403 for the wrong role, a message for the wrong state."""
    step = services.TRANSITIONS[name]
    require(request.user, step.perm, decision)
    if decision.status not in step.from_states:
        messages.error(
            request,
            f"This decision is {decision.get_status_display().lower()}, so you cannot "
            f"{step.label.lower()} now.",
        )
        return redirect(decision)
    return None


COMMENT_STEPS = {
    "treasurer": (
        "comment_treasurer",
        services.decision_comment_treasurer,
        "Comments from the Treasurer",
        "treasurer_comments",
    ),
    "chief-executive": (
        "comment_chief_executive",
        services.decision_comment_chief_executive,
        "Comments from the Chief Executive and Monitoring Officer",
        "chief_executive_comments",
    ),
}


@require_http_methods(["GET", "POST"])
@verified_role_required
def comment(request, reference: str, who: str):
    decision = selectors.get_decision_for(request.user, reference)
    name, service, label, field = COMMENT_STEPS[who]
    if refused := _step_page(request, decision, name):
        return refused
    form = CommentForm(
        request.POST or None, label=label, initial={"comments": getattr(decision, field)}
    )
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, decision=decision, comments=form.cleaned_data["comments"])
        except InvalidTransition as exc:
            return _refuse_state(request, decision, exc)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"{label} saved.")
            return redirect(decision)
    return render(
        request,
        "decisions/step_form.html",
        {"form": form, "decision": decision, "heading": label, "notice": None},
    )


REASON_STEPS = {
    "return": (
        services.decision_return,
        "Reason for returning the decision to draft",
        "Return to draft",
        "Decision {ref} returned to draft.",
    ),
    "withdraw": (
        services.decision_withdraw,
        "Reason for withdrawing the decision",
        "Withdraw decision",
        "Decision {ref} withdrawn.",
    ),
    "defer": (
        services.decision_defer,
        "Reason for deferring the decision",
        "Defer decision",
        "Decision {ref} deferred.",
    ),
}


@require_http_methods(["GET", "POST"])
@verified_role_required
def reason_step(request, reference: str, name: str):
    decision = selectors.get_decision_for(request.user, reference)
    service, label, submit_label, done = REASON_STEPS[name]
    if refused := _step_page(request, decision, name):
        return refused
    form = ReasonForm(request.POST or None, label=label, submit_label=submit_label)
    if request.method == "POST" and form.is_valid():
        try:
            service(actor=request.user, decision=decision, reason=form.cleaned_data["reason"])
        except InvalidTransition as exc:
            return _refuse_state(request, decision, exc)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, done.format(ref=decision.reference))
            return redirect(decision)
    return render(
        request,
        "decisions/step_form.html",
        {"form": form, "decision": decision, "heading": submit_label, "notice": None},
    )


@require_http_methods(["GET", "POST"])
@verified_role_required
def sign(request, reference: str):
    decision = selectors.get_decision_for(request.user, reference)
    if refused := _step_page(request, decision, "sign"):
        return refused
    form = SignForm(
        request.POST or None,
        request=request,
        initial={"signatory_name": request.user.get_full_name() or request.user.get_username()},
    )
    valid = request.method == "POST" and form.is_valid()
    if form.locked_out:
        # django-axes turns this response into its lockout page, which shows the message.
        messages.error(request, LOCKED_OUT)
    if valid:
        try:
            services.decision_sign(
                actor=request.user,
                decision=decision,
                declaration_confirmed=form.cleaned_data["declaration"],
                password=form.cleaned_data["password"],
                signatory_name=form.cleaned_data["signatory_name"],
            )
        except InvalidTransition as exc:
            return _refuse_state(request, decision, exc)
        except ValidationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, f"Decision {decision.reference} signed.")
            return redirect(decision)
    return render(
        request,
        "decisions/step_form.html",
        {
            "form": form,
            "decision": decision,
            "heading": "Sign decision",
            "notice": reports.staff_notice(decision),
        },
    )


@require_POST
@verified_role_required
def annual_review_submit(request, year: int):
    """The Chief Executive sends a period's annual review for sign-off as a decision record."""
    from toolkit.models import ReviewPeriod

    period = get_object_or_404(
        ReviewPeriod.objects.select_related("edition"), start_date__year=year
    )
    require(request.user, "toolkit.submit_reviewperiod", period)
    try:
        decision = annual_review.annual_review_submit(actor=request.user, period=period)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect(period)
    messages.success(
        request,
        f"The annual review is now decision {decision.reference}, in consultation with the "
        "Treasurer and the Chief Executive.",
    )
    return redirect(decision)
