"""Staff pages: boards, meetings (agenda, papers, attendees, decisions), the forward plan and
the publication scheme's addresses. Thin views: permission, form, one service, redirect."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prevent_compliance import web
from prevent_compliance.rules import allowed, require

from . import scheme, selectors, services
from .forms import (
    AgendaItemForm,
    AttendeeForm,
    BoardForm,
    DecisionLinkForm,
    DocumentForm,
    EvidenceLinkForm,
    MeetingForm,
    PlanEntryForm,
    PublicationLinkForm,
)
from .models import (
    AgendaItem,
    Attendee,
    Board,
    ForwardPlanEntry,
    Meeting,
    MeetingDocument,
    PublicationLink,
)

PAGE_SIZE = 25


def _can_manage(request) -> bool:
    return allowed(request.user, "decisions.manage_meetings")


def _meeting_for(request, public_id, *, write: bool = False) -> Meeting:
    require(request.user, "decisions.manage_meetings" if write else "decisions.view_meetings")
    try:
        return selectors.meeting_detail(public_id)
    except Meeting.DoesNotExist as exc:
        raise Http404("No meeting has this address.") from exc


# --- Meetings -------------------------------------------------------------------------------


@require_GET
def meeting_list(request):
    require(request.user, "decisions.view_meetings")
    return render(
        request,
        "meetings/meeting_list.html",
        {
            "page": web.page_of(request, selectors.meeting_list(), PAGE_SIZE),
            "boards": selectors.board_list(),
            "can_manage": _can_manage(request),
        },
    )


@require_GET
def meeting_detail(request, public_id):
    meeting = _meeting_for(request, public_id)
    return render(
        request,
        "meetings/meeting_detail.html",
        {
            "meeting": meeting,
            "can_manage": _can_manage(request),
            "decision_form": DecisionLinkForm(),
        },
    )


@require_http_methods(["GET", "POST"])
def meeting_create(request):
    require(request.user, "decisions.manage_meetings")
    form = MeetingForm(**web.bound(request), initial={"is_public": True})
    if form.is_valid():
        try:
            meeting = services.meeting_create(actor=request.user, **form.values())
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, "Meeting added.")
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": None})


@require_http_methods(["GET", "POST"])
def meeting_edit(request, public_id):
    meeting = _meeting_for(request, public_id, write=True)
    form = MeetingForm(**web.bound(request), instance=meeting)
    if form.is_valid():
        try:
            services.meeting_update(actor=request.user, meeting=meeting, **form.values())
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, "Meeting saved.")
            return redirect(meeting)
    return render(request, "meetings/meeting_form.html", {"form": form, "meeting": meeting})


@require_POST
def decision_link(request, public_id):
    meeting = _meeting_for(request, public_id, write=True)
    form = DecisionLinkForm(request.POST)
    if form.is_valid():
        try:
            decision = services.meeting_link_decision(
                actor=request.user, meeting=meeting, reference=form.cleaned_data["reference"]
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"Decision {decision.reference} linked.")
            return redirect(meeting)
    return render(
        request,
        "meetings/meeting_detail.html",
        {"meeting": meeting, "can_manage": True, "decision_form": form},
        status=200,
    )


@require_POST
def decision_unlink(request, public_id):
    meeting = _meeting_for(request, public_id, write=True)
    key = request.POST.get("decision", "")
    decision = next((d for d in meeting.decisions.all() if d.url_key == key), None)
    if decision is None:
        messages.error(request, "That decision is not linked to this meeting.")
        return redirect(meeting)
    services.meeting_unlink_decision(actor=request.user, meeting=meeting, decision=decision)
    messages.success(request, f"Decision {decision.reference} unlinked.")
    return redirect(meeting)


# --- Agenda items ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def item_add(request, public_id):
    meeting = _meeting_for(request, public_id, write=True)
    next_number = max((i.number for i in meeting.agenda_items.all()), default=0) + 1
    form = AgendaItemForm(**web.bound(request), initial={"number": next_number})
    return _item_form(request, meeting, form, item=None)


@require_http_methods(["GET", "POST"])
def item_edit(request, public_id, item_id):
    meeting = _meeting_for(request, public_id, write=True)
    item = get_object_or_404(AgendaItem, meeting=meeting, public_id=item_id)
    form = AgendaItemForm(**web.bound(request), instance=item)
    return _item_form(request, meeting, form, item=item)


def _item_form(request, meeting, form, *, item):
    if form.is_valid():
        values = {k: form.cleaned_data[k] for k in ("number", "title", "withheld", "exemption")}
        if (
            meeting.agenda_items.filter(number=values["number"])
            .exclude(pk=item.pk if item else None)
            .exists()
        ):
            form.add_error("number", "Another item of this meeting has this number")
        else:
            try:
                services.agenda_item_save(actor=request.user, meeting=meeting, item=item, **values)
            except ValidationError as exc:
                web.add_service_errors(form, exc)
            else:
                messages.success(request, "Agenda item saved.")
                return redirect(meeting)
    return render(
        request, "meetings/item_form.html", {"form": form, "meeting": meeting, "item": item}
    )


@require_POST
def item_remove(request, public_id, item_id):
    meeting = _meeting_for(request, public_id, write=True)
    item = get_object_or_404(AgendaItem, meeting=meeting, public_id=item_id)
    services.agenda_item_remove(actor=request.user, item=item)
    messages.success(request, f"Item {item.number} removed.")
    return redirect(meeting)


# --- Papers ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def document_add(request, public_id):
    meeting = _meeting_for(request, public_id, write=True)
    form = DocumentForm(**web.bound(request), meeting=meeting)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.document_add(
                actor=request.user,
                meeting=meeting,
                kind=data["kind"],
                title=data["title"],
                upload=data["upload"],
                upload_info=form.upload_info,
                agenda_item=data["agenda_item"],
                withheld=data["withheld"],
                exemption=data["exemption"],
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, "Paper uploaded.")
            return redirect(meeting)
    return render(request, "meetings/document_form.html", {"form": form, "meeting": meeting})


def _document_for(request, document_id, *, write: bool = False) -> MeetingDocument:
    require(request.user, "decisions.manage_meetings" if write else "decisions.view_meetings")
    return get_object_or_404(
        MeetingDocument.objects.select_related("meeting__board"), public_id=document_id
    )


@require_GET
def document_download(request, document_id):
    document = _document_for(request, document_id)
    return web.stored_upload_response(
        document.file,
        original_name=document.original_filename,
        content_type=document.content_type,
        fallback="paper",
    )


@require_POST
def document_remove(request, document_id):
    document = _document_for(request, document_id, write=True)
    services.document_remove(actor=request.user, document=document)
    messages.success(request, f"{document.title} removed.")
    return redirect(document.meeting)


@require_http_methods(["GET", "POST"])
def document_evidence(request, document_id):
    document = _document_for(request, document_id, write=True)
    require(request.user, "toolkit.add_evidence")
    form = EvidenceLinkForm(**web.bound(request))
    if form.is_valid():
        data = form.cleaned_data
        try:
            evidence = services.document_link_evidence(
                actor=request.user,
                document=document,
                section=data["section"],
                criterion=data["criterion"],
                evidence=data["evidence"],
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"{document.title} is now evidence: {evidence.title}.")
            return redirect(document.meeting)
    return render(request, "meetings/evidence_form.html", {"form": form, "document": document})


# --- Attendees ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def attendee_add(request, public_id):
    meeting = _meeting_for(request, public_id, write=True)
    form = AttendeeForm(**web.bound(request))
    if form.is_valid():
        try:
            services.attendee_add(actor=request.user, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, "Attendee added.")
            return redirect(meeting)
    return render(request, "meetings/attendee_form.html", {"form": form, "meeting": meeting})


@require_POST
def attendee_remove(request, public_id, attendee_id):
    meeting = _meeting_for(request, public_id, write=True)
    attendee = get_object_or_404(Attendee, meeting=meeting, public_id=attendee_id)
    services.attendee_remove(actor=request.user, attendee=attendee)
    messages.success(request, f"{attendee.name} removed.")
    return redirect(meeting)


# --- Boards ---------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def board_create(request):
    require(request.user, "decisions.manage_meetings")
    form = BoardForm(**web.bound(request), initial={"active": True})
    if form.is_valid():
        try:
            services.board_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, "Board added.")
            return redirect("meetings:list")
    return render(request, "meetings/board_form.html", {"form": form, "board": None})


@require_http_methods(["GET", "POST"])
def board_edit(request, board_id):
    require(request.user, "decisions.manage_meetings")
    board = get_object_or_404(Board, public_id=board_id)
    form = BoardForm(**web.bound(request), instance=Board.objects.get(pk=board.pk))
    if form.is_valid():
        try:
            services.board_update(actor=request.user, board=board, **form.cleaned_data)
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, "Board saved.")
            return redirect("meetings:list")
    return render(request, "meetings/board_form.html", {"form": form, "board": board})


# --- Forward plan ---------------------------------------------------------------------------


@require_GET
def plan_list(request):
    require(request.user, "decisions.view_meetings")
    return render(
        request,
        "meetings/plan_list.html",
        {
            "page": web.page_of(request, selectors.plan_list(), PAGE_SIZE),
            "can_manage": allowed(request.user, "decisions.manage_forward_plan"),
            "can_start": allowed(request.user, "decisions.add_decision"),
        },
    )


@require_http_methods(["GET", "POST"])
def plan_create(request):
    require(request.user, "decisions.manage_forward_plan")
    form = PlanEntryForm(**web.bound(request), initial={"status": ForwardPlanEntry.Status.PLANNED})
    if form.is_valid():
        try:
            services.plan_entry_create(actor=request.user, **form.values())
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, "Forward plan entry added.")
            return redirect("meetings:plan_list")
    return render(request, "meetings/plan_form.html", {"form": form, "entry": None})


@require_http_methods(["GET", "POST"])
def plan_edit(request, public_id):
    require(request.user, "decisions.manage_forward_plan")
    entry = get_object_or_404(
        ForwardPlanEntry.objects.select_related("decision"), public_id=public_id
    )
    form = PlanEntryForm(**web.bound(request), instance=entry)
    if form.is_valid():
        try:
            services.plan_entry_update(actor=request.user, entry=entry, **form.values())
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, "Forward plan entry saved.")
            return redirect("meetings:plan_list")
    return render(request, "meetings/plan_form.html", {"form": form, "entry": entry})


@require_POST
def plan_start_draft(request, public_id):
    require(request.user, "decisions.add_decision")
    entry = get_object_or_404(ForwardPlanEntry, public_id=public_id)
    try:
        decision = services.plan_entry_start_draft(actor=request.user, entry=entry)
    except ValidationError as exc:
        web.flash_errors(request, exc)
        return redirect("meetings:plan_list")
    messages.success(request, f"Draft decision {decision.reference} started from the plan.")
    return redirect("decisions:edit", reference=decision.url_key)


# --- Publication scheme addresses -------------------------------------------------------------


@require_GET
def link_list(request):
    require(request.user, "decisions.manage_publication_links")
    links = {link.class_key: link for link in PublicationLink.objects.all()}
    groups = [
        (group, [(c, scheme.page_url(c.url_name), links.get(c.key)) for c in group.classes])
        for group in scheme.GROUPS
    ]
    return render(request, "meetings/link_list.html", {"groups": groups})


@require_http_methods(["GET", "POST"])
def link_edit(request, class_key):
    require(request.user, "decisions.manage_publication_links")
    info = scheme.CLASSES.get(class_key)
    if info is None or scheme.held_here(info):
        raise Http404("This class of information is not one the office links to.")
    link = PublicationLink.objects.filter(class_key=class_key).first()
    form = PublicationLinkForm(**web.bound(request), instance=link)
    if form.is_valid():
        try:
            services.publication_link_set(
                actor=request.user,
                class_key=class_key,
                url=form.cleaned_data["url"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"Address for “{info.label}” saved.")
            return redirect("meetings:link_list")
    return render(request, "meetings/link_form.html", {"form": form, "info": info})
