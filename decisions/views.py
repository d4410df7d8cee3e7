"""Staff pages for decision records: list, create and edit drafts, and the workflow steps."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseNotAllowed
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prevent_compliance import web
from prevent_compliance.accounts.two_factor import verified_role_required
from prevent_compliance.rules import allowed, require
from prevent_compliance.sorting import sort_headers
from prevent_compliance.templatetags.govuk import breadcrumbs

from . import (
    annual_review,
    confirmations,
    list_filters,
    notices,
    selectors,
    services,
    waiting,
)
from .annual_review_forms import ReviewSubmitForm
from .forms import (
    LOCKED_OUT,
    AppendixForm,
    CommentForm,
    DecisionForm,
    ReasonForm,
    ReleaseForm,
    SignForm,
    SupportingSectionFormSet,
)
from .interests import selectors as interests_selectors
from .models import Decision
from .services import InvalidTransition

PAGE_SIZE = 25


def _query_without_page(request) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


HISTORY_SHOWN = 30


def _refuse_state(request, decision: Decision, exc: ValidationError):
    """A step the role may take but not in this state: say why, change nothing."""
    web.flash_errors(request, exc)
    return redirect(decision)


def _draft_for_edit(request, reference: str):
    """The draft the user may change, and None; or the record and a redirect saying why not."""
    decision = selectors.get_decision_for(request.user, reference, write=True)
    if not decision.is_editable:
        messages.error(request, "Only a draft can be changed.")
        return decision, redirect(decision)
    return decision, None


@require_GET
def decision_list(request):
    require(request.user, "decisions.view_decision")
    # Search, filters and sort (decisions/list_filters.py); a bad value is a field error.
    form = list_filters.DecisionListForm(request.GET or None, years=list_filters.decision_years())
    page = web.page_of(request, form.apply(selectors.decision_list()), PAGE_SIZE)
    for decision in page.object_list:
        decision.whose_step = waiting.whose_step(decision)
    return render(
        request,
        "decisions/decision_list.html",
        {
            "page": page,
            "form": form,
            "headers": sort_headers(request, list_filters.COLUMNS, current=form.sort_value),
            "query": _query_without_page(request),
            "can_add": allowed(request.user, "decisions.add_decision"),
        },
    )


@require_GET
def decision_detail(request, reference: str):
    decision = selectors.get_decision_for(request.user, reference)
    transitions = services.available_transitions(request.user, decision)
    history = decision.history.select_related("history_user").order_by("-history_date")
    return render(
        request,
        "decisions/decision_detail.html",
        {
            "decision": decision,
            "notice": notices.staff_notice(decision),
            "transitions": {t.name: t for t in transitions},
            "can_edit": decision.is_editable
            and allowed(request.user, "decisions.change_decision", decision),
            "can_release": _can_release(request.user, decision),
            "releases": selectors.release_events(decision, public=False),
            "history": history[:HISTORY_SHOWN],
        },
    )


def _can_release(user, decision: Decision) -> bool:
    """Whether the page offers "Release withheld content": the Chief Executive, a sealed
    record on the log as published or withheld, with something still withheld."""
    if decision.status not in (Decision.Status.PUBLISHED, Decision.Status.WITHHELD):
        return False
    if decision.confidentiality == Decision.Confidentiality.NON_CONFIDENTIAL:
        return False
    if not allowed(user, "decisions.release_decision", decision):
        return False
    parts = services.releasable(decision)
    return bool(parts["sections"] or parts["appendices"] or parts["summary"])


@require_http_methods(["GET", "POST"])
def decision_create(request):
    require(request.user, "decisions.add_decision")
    form = DecisionForm(**web.bound(request))
    if not form.is_bound:
        form.initial.setdefault("lead_officer", request.user.get_full_name())
    if form.is_valid():
        try:
            decision = services.decision_create(actor=request.user, **form.service_values())
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Decision {decision.reference} created. Now complete the supporting information.",
            )
            return redirect("decisions:sections", reference=decision.url_key)
    return render(request, "decisions/decision_form.html", {"form": form, "decision": None})


@require_http_methods(["GET", "POST"])
def decision_edit(request, reference: str):
    decision, refused = _draft_for_edit(request, reference)
    if refused:
        return refused
    form = DecisionForm(**web.bound(request), instance=decision)
    if form.is_valid():
        try:
            services.decision_update(actor=request.user, decision=decision, **form.service_values())
        except InvalidTransition as exc:
            return _refuse_state(request, decision, exc)
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"Decision {decision.reference} saved.")
            return redirect(decision)
    return render(request, "decisions/decision_form.html", {"form": form, "decision": decision})


def _sections_formset(request, decision: Decision):
    initial = [
        {"pk": s.pk, "heading": s.heading, "body": s.body, "withheld": s.withheld}
        for s in decision.supporting_sections.all()
    ]
    return SupportingSectionFormSet(**web.bound(request), initial=initial, prefix="sections")


def _wanted_sections(formset) -> list[services.SectionInput]:
    """The sections as the editor left them: removed and blank new ones left out."""
    return [
        services.SectionInput(
            pk=form.cleaned_data.get("pk"),
            heading=form.cleaned_data["heading"].strip(),
            body=form.cleaned_data["body"],
            withheld=form.cleaned_data["withheld"],
        )
        for form in formset
        if not form.cleaned_data.get("remove") and not form.is_blank_new
    ]


@require_http_methods(["GET", "POST"])
def sections_edit(request, reference: str):
    decision, refused = _draft_for_edit(request, reference)
    if refused:
        return refused
    formset = _sections_formset(request, decision)
    if formset.is_valid():
        try:
            services.decision_sections_update(
                actor=request.user, decision=decision, sections=_wanted_sections(formset)
            )
        except InvalidTransition as exc:
            return _refuse_state(request, decision, exc)
        except ValidationError as exc:
            web.add_service_errors(formset, exc)
        else:
            messages.success(request, "Supporting information saved.")
            if "add_another" in request.POST:
                return redirect("decisions:sections", reference=decision.url_key)
            return redirect(decision)
    return render(
        request, "decisions/sections_form.html", {"formset": formset, "decision": decision}
    )


@require_http_methods(["GET", "POST"])
def appendix_add(request, reference: str):
    decision, refused = _draft_for_edit(request, reference)
    if refused:
        return refused
    form = AppendixForm(**web.bound(request), max_mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024))
    if form.is_valid():
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
            web.add_service_errors(form, exc)
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


def appendix_response(appendix, **kwargs):
    """An appendix file as a download (the public log uses it too, with its own caching)."""
    return web.stored_upload_response(
        appendix.file,
        original_name=appendix.original_filename,
        content_type=appendix.content_type,
        fallback="appendix",
        **kwargs,
    )


@require_GET
def appendix_download(request, reference: str, public_id):
    decision = selectors.get_decision_for(request.user, reference)
    appendix = get_object_or_404(decision.appendices, public_id=public_id)
    return appendix_response(appendix)


def notice_pdf_response(notice: notices.Notice, **kwargs):
    """A decision notice as a PDF shown in the browser."""
    return web.file_response(
        notices.notice_pdf(notice),
        filename=notices.pdf_filename(notice.reference),
        content_type="application/pdf",
        inline=True,
        **kwargs,
    )


@require_GET
def decision_pdf(request, reference: str):
    decision = selectors.get_decision_for(request.user, reference)
    return notice_pdf_response(notices.staff_notice(decision))


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


# Steps that cannot be undone: shown first on a check page; only its form (confirm=yes) acts.
CHECKED_STEPS = {
    "approve": confirmations.approve,
    "publish": confirmations.publish,
    "withhold": confirmations.publish,
}

WRONG_RELEASE = {
    "publish": "A confidential decision is recorded as withheld, not published.",
    "withhold": "Only a confidential decision is recorded as withheld: publish this one.",
    "approve": "You cannot approve this decision now.",
}


def _check_page(request, decision, name: str, check: confirmations.Check):
    return render(
        request,
        "partials/confirm_page.html",
        {
            "confirm": check,
            "action": reverse(f"decisions:{name}", args=[decision.url_key]),
            "cancel_url": decision.get_absolute_url(),
            "trail": breadcrumbs(
                "Decisions", "decisions:list", decision.reference, decision, current=check.title
            ),
        },
    )


@require_http_methods(["GET", "POST"])
@verified_role_required
def transition(request, reference: str, name: str):
    """A workflow step that needs nothing but a button press (and, if it cannot be undone,
    the press on its check page)."""
    if request.method == "GET" and name not in CHECKED_STEPS:
        return HttpResponseNotAllowed(["POST"])
    decision = selectors.get_decision_for(request.user, reference)
    service, done = SIMPLE_STEPS[name]
    if name in CHECKED_STEPS and not confirmations.confirmed(request):
        if refused := _step_page(request, decision, name):
            return refused
        if name not in {t.name for t in services.available_transitions(request.user, decision)}:
            # Publish for a confidential record, or withhold for one that is not.
            messages.error(request, WRONG_RELEASE[name])
            return redirect(decision)
        return _check_page(request, decision, name, CHECKED_STEPS[name](decision))
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


def _checked_bound(request) -> dict:
    """A checked step's form binds only to a post from its own page (confirm=yes)."""
    if confirmations.confirmed(request):
        return web.bound(request)
    return {"data": None, "files": None}


def _step_form(
    request,
    decision,
    form,
    *,
    run,
    done: str,
    heading: str,
    notice=None,
    check=None,
    template="decisions/step_form.html",
    extra=None,
):
    """A workflow step with a form: run it once the form is valid, then back to the record.

    ``run(cleaned_data)`` calls the service. A step the state no longer allows is refused
    with a message; any other error is shown on the form.
    """
    if form.is_valid():
        try:
            run(form.cleaned_data)
        except InvalidTransition as exc:
            return _refuse_state(request, decision, exc)
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(decision)
    return render(
        request,
        template,
        {
            "form": form,
            "decision": decision,
            "heading": heading,
            "notice": notice,
            "confirm": check,
            **(extra or {}),
        },
    )


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


# No two-factor guard: commenting approves nothing (a code is still asked for, once a session,
# by TwoFactorMiddleware from anyone who has set up an app).
@require_http_methods(["GET", "POST"])
def comment(request, reference: str, who: str):
    decision = selectors.get_decision_for(request.user, reference)
    name, service, label, field = COMMENT_STEPS[who]
    if refused := _step_page(request, decision, name):
        return refused
    form = CommentForm(
        **web.bound(request), label=label, initial={"comments": getattr(decision, field)}
    )
    return _step_form(
        request,
        decision,
        form,
        run=lambda data: service(actor=request.user, decision=decision, comments=data["comments"]),
        done=f"{label} saved.",
        heading=label,
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
    "not_publish": (
        services.decision_not_publish,
        "Reason for not publishing the decision",
        "Record as not published",
        "Decision {ref} listed on the decision log as not published.",
    ),
}


@require_http_methods(["GET", "POST"])
@verified_role_required
def reason_step(request, reference: str, name: str):
    decision = selectors.get_decision_for(request.user, reference)
    service, label, submit_label, done = REASON_STEPS[name]
    if refused := _step_page(request, decision, name):
        return refused
    check = confirmations.withdraw(decision) if name == "withdraw" else None
    bound = _checked_bound(request) if check else web.bound(request)
    form = ReasonForm(**bound, label=label, submit_label=submit_label)
    return _step_form(
        request,
        decision,
        form,
        run=lambda data: service(actor=request.user, decision=decision, reason=data["reason"]),
        done=done.format(ref=decision.reference),
        heading=submit_label,
        check=check,
    )


def _sign_form(request) -> SignForm:
    form = SignForm(**_checked_bound(request), request=request)
    form.is_valid()  # checks the password (counted towards the lockout) once, here
    if form.locked_out:
        # django-axes turns this response into its lockout page, which shows the message.
        messages.error(request, LOCKED_OUT)
    return form


@require_http_methods(["GET", "POST"])
@verified_role_required
def sign(request, reference: str):
    decision = selectors.get_decision_for(request.user, reference)
    if refused := _step_page(request, decision, "sign"):
        return refused
    if decision.decision_date > timezone.localdate():
        messages.error(
            request,
            f"This decision is dated {decision.decision_date.day} "
            f"{decision.decision_date:%B %Y}, after today: it cannot be signed before its "
            "date. Return it to draft to correct the date.",
        )
        return redirect(decision)
    # The signer's register of interests, its last confirmation and what the decision may
    # touch; decision_sign refuses a stale register whatever the page showed.
    register = interests_selectors.sign_check(user=request.user, decision=decision)
    return _step_form(
        request,
        decision,
        _sign_form(request),
        run=lambda data: services.decision_sign(
            actor=request.user,
            decision=decision,
            declaration_confirmed=data["declaration"],
            password=data["password"],
        ),
        done=f"Decision {decision.reference} signed.",
        heading="Sign decision",
        notice=notices.staff_notice(decision),
        check=confirmations.sign(decision, register=register),
        template="decisions/sign.html",
        extra={"register": register},
    )


@require_http_methods(["GET", "POST"])
@verified_role_required
def annual_review_submit(request, year: int):
    """The Chief Executive sends a period's annual review for sign-off as a decision record,
    from the check page that says what submitting does."""
    from toolkit.models import ReviewPeriod

    period = get_object_or_404(
        ReviewPeriod.objects.select_related("edition"), start_date__year=year
    )
    require(request.user, "toolkit.submit_reviewperiod", period)
    form = ReviewSubmitForm(
        request.POST if confirmations.confirmed(request) else None,
        suggestion=annual_review.suggested_exemption(period),
    )
    if not form.is_valid():
        if period.status != ReviewPeriod.Status.OPEN:
            messages.error(
                request, "This review period is not open, so its review cannot be submitted now."
            )
            return redirect(period)
        check = confirmations.annual_review_submit(period)
        return render(
            request,
            "toolkit/period_submit.html",
            {
                "form": form,
                "confirm": check,
                "empty_narratives": annual_review.empty_narratives(period),
                "action": request.path,
                "cancel_url": period.get_absolute_url(),
                "trail": breadcrumbs(
                    "Review periods",
                    "toolkit:period_list",
                    period.label,
                    period,
                    current=check.title,
                ),
            },
        )
    try:
        decision = annual_review.annual_review_submit(
            actor=request.user, period=period, exemption=form.choice()
        )
    except ValidationError as exc:
        web.flash_errors(request, exc)
        return redirect(period)
    messages.success(
        request,
        f"The annual review is now decision {decision.reference}, in consultation with the "
        "Treasurer and the Chief Executive.",
    )
    return redirect(decision)


# --- Later release of withheld content ------------------------------------------------------


def _hidden_answers(request) -> list[tuple[str, str]]:
    """The answers of the release form, carried as hidden fields by its check page."""
    return [
        (name, value)
        for name, values in request.POST.lists()
        if name not in ("csrfmiddlewaretoken", "confirm")
        for value in values
    ]


@require_http_methods(["GET", "POST"])
@verified_role_required
def release(request, reference: str):
    """The Chief Executive releases withheld content of a sealed record: the form, then a
    check page; only the check page's form (confirm=yes) records the release."""
    decision = selectors.get_decision_for(request.user, reference)
    require(request.user, "decisions.release_decision", decision)
    if not _can_release(request.user, decision):
        messages.error(request, "Nothing of this decision can be released now.")
        return redirect(decision)
    form = ReleaseForm(
        **web.bound(request), decision=decision, releasable=services.releasable(decision)
    )
    trail = breadcrumbs(
        "Decisions", "decisions:list", decision.reference, decision, current="Release"
    )
    changing = request.POST.get("change") == "yes"  # back from the check page
    if form.is_valid() and not changing:
        if not confirmations.confirmed(request):
            check = confirmations.Check(
                title="Check the release before you record it",
                caption=decision.reference,
                button="Record the release",
                rows=form.summary_rows(),
                effects=[
                    "The released content appears on the public decision log, marked "
                    "with the date of release.",
                    "The signed record and its seal stay exactly as they are; the release "
                    "is sealed on its own.",
                    "Your name is recorded as the person who decided the release.",
                ],
            )
            return render(
                request,
                "decisions/release_check.html",
                {
                    "confirm": check,
                    "decision": decision,
                    "answers": _hidden_answers(request),
                    "trail": trail,
                },
            )
        try:
            services.decision_release(
                actor=request.user, decision=decision, release=form.release_input()
            )
        except InvalidTransition as exc:
            return _refuse_state(request, decision, exc)
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(
                request, f"Release of withheld content of {decision.reference} recorded."
            )
            return redirect(decision)
    return render(request, "decisions/release_form.html", {"form": form, "decision": decision})
