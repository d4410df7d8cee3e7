"""Pages for training records: the overview, people, courses, completions, import, export."""

import csv
import hashlib
import io
import uuid

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from prevent_compliance import web
from prevent_compliance.rules import allowed, require
from prevent_compliance.uploads import safe_original_name

from . import importer, selectors, services
from .forms import CompletionForm, CourseForm, ImportForm, PersonForm
from .models import Completion, Course, Person

# As the other lists: a page that is full at a small office too, so it costs the same in
# an office of thirty people and one of three hundred.
PAGE_SIZE = 25
SESSION_KEY = "training_import"


def _can_record(request) -> bool:
    return allowed(request.user, "toolkit.record_training")


@require_GET
def overview(request):
    require(request.user, "toolkit.view_training")
    return render(
        request,
        "training/overview.html",
        {
            "summary": selectors.training_summary(),
            "can_record": _can_record(request),
        },
    )


# --- People ---------------------------------------------------------------------------------


@require_GET
def person_list(request):
    require(request.user, "toolkit.view_training")
    return render(
        request,
        "training/person_list.html",
        {
            "page": web.page_of(request, selectors.person_list(), PAGE_SIZE),
            "can_record": _can_record(request),
        },
    )


@require_GET
def person_detail(request, public_id):
    person = get_object_or_404(Person.objects.select_related("user"), public_id=public_id)
    require(request.user, "toolkit.view_training", person)
    today = timezone.localdate()
    return render(
        request,
        "training/person_detail.html",
        {
            "person": person,
            "standings": selectors.person_standing(person, today),
            "completions": selectors.person_completions(person),
            "can_record": _can_record(request),
            "today": today,
        },
    )


def _person_values(form) -> dict:
    return {name: form.cleaned_data[name] for name in services.PERSON_FIELDS}


@require_http_methods(["GET", "POST"])
def person_create(request):
    require(request.user, "toolkit.record_training")
    form = PersonForm(**web.bound(request), initial={"active": True})
    if form.is_valid():
        try:
            person = services.person_create(actor=request.user, **_person_values(form))
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"{person.name} added.")
            return redirect(person)
    return render(request, "training/person_form.html", {"form": form, "person": None})


@require_http_methods(["GET", "POST"])
def person_edit(request, public_id):
    person = get_object_or_404(Person, public_id=public_id)
    require(request.user, "toolkit.record_training", person)
    form = PersonForm(**web.bound(request), instance=person)
    if form.is_valid():
        if not form.has_changed():
            return redirect(person)
        try:
            services.person_update(actor=request.user, person=person, **_person_values(form))
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"{person.name} saved.")
            return redirect(person)
    # The form's instance holds what was posted: the page names the record as saved.
    saved = Person.objects.get(pk=person.pk)
    return render(request, "training/person_form.html", {"form": form, "person": saved})


# --- Courses --------------------------------------------------------------------------------


@require_GET
def course_list(request):
    require(request.user, "toolkit.view_training")
    return render(
        request,
        "training/course_list.html",
        {"courses": selectors.course_list(), "can_record": _can_record(request)},
    )


def _course_values(form) -> dict:
    return {name: form.cleaned_data[name] for name in services.COURSE_FIELDS}


@require_http_methods(["GET", "POST"])
def course_create(request):
    require(request.user, "toolkit.record_training")
    form = CourseForm(**web.bound(request))
    if form.is_valid():
        try:
            course = services.course_create(
                actor=request.user,
                role_groups=form.cleaned_data["role_groups"],
                **_course_values(form),
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"Course “{course.name}” added.")
            return redirect("training:course_list")
    return render(request, "training/course_form.html", {"form": form, "course": None})


@require_http_methods(["GET", "POST"])
def course_edit(request, public_id):
    course = get_object_or_404(Course, public_id=public_id)
    require(request.user, "toolkit.record_training", course)
    form = CourseForm(**web.bound(request), instance=course)
    if form.is_valid():
        if not form.has_changed():
            return redirect("training:course_list")
        try:
            services.course_update(
                actor=request.user,
                course=course,
                role_groups=form.cleaned_data["role_groups"],
                **_course_values(form),
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(request, f"Course “{course.name}” saved.")
            return redirect("training:course_list")
    saved = Course.objects.get(pk=course.pk)
    return render(request, "training/course_form.html", {"form": form, "course": saved})


# --- Completions ----------------------------------------------------------------------------


def _asked_for(request) -> dict:
    """``?person=<id>`` from a person's page: the form starts with that person."""
    raw = request.GET.get("person", "")
    try:
        public_id = uuid.UUID(raw) if raw.isascii() and len(raw) == 36 else None
    except ValueError:
        public_id = None
    person = Person.objects.filter(public_id=public_id).first() if public_id else None
    return {"person": person} if person else {}


@require_http_methods(["GET", "POST"])
def completion_create(request):
    require(request.user, "toolkit.record_training")
    form = CompletionForm(
        **web.bound(request),
        initial=_asked_for(request),
        max_mb=settings.UPLOAD_MAX_BYTES // (1024 * 1024),
    )
    if form.is_valid():
        data = form.cleaned_data
        try:
            completion = services.completion_record(
                actor=request.user,
                person=data["person"],
                course=data["course"],
                completed_on=data["completed_on"],
                upload=data.get("upload") or None,
                upload_info=form.upload_info,
            )
        except ValidationError as exc:
            web.add_service_errors(form, exc)
        else:
            messages.success(
                request,
                f"Recorded: {completion.person.name} completed {completion.course.name} on "
                f"{completion.completed_on:%-d %B %Y}.",
            )
            return redirect(completion.person)
    return render(request, "training/completion_form.html", {"form": form})


@require_GET
def certificate_download(request, public_id):
    completion = get_object_or_404(Completion, public_id=public_id)
    require(request.user, "toolkit.view_training", completion)
    if not completion.certificate:
        raise Http404("This completion has no certificate.")
    return web.stored_upload_response(
        completion.certificate,
        original_name=completion.original_filename,
        content_type=completion.content_type,
        fallback="certificate",
    )


# --- Import ---------------------------------------------------------------------------------


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@require_http_methods(["GET", "POST"])
def import_upload(request):
    """Step 1: choose a file; it is checked and, if every row is good, previewed."""
    require(request.user, "toolkit.record_training")
    form = ImportForm(**web.bound(request))
    problems = []
    if form.is_valid():
        upload = form.cleaned_data["upload"]
        data = upload.read()
        filename = safe_original_name(upload.name)
        try:
            checked = importer.check_csv(data, filename=filename)
        except importer.ImportRefused as refused:
            problems = refused.problems
        else:
            digest = _digest(data)
            request.session[SESSION_KEY] = {"digest": digest, **importer.to_session(checked)}
            return render(
                request,
                "training/import_preview.html",
                {"checked": checked, "digest": digest, "filename": filename},
            )
    return render(request, "training/import_form.html", {"form": form, "problems": problems})


@require_POST
def import_confirm(request):
    """Step 2: import the previewed file, checked again, all rows or none."""
    require(request.user, "toolkit.record_training")
    stored = request.session.get(SESSION_KEY) or {}
    if not stored or request.POST.get("digest") != stored.get("digest"):
        messages.error(
            request, "The file you checked is no longer waiting to be imported: choose it again."
        )
        return redirect("training:import")
    try:
        checked = importer.from_session(stored)
        created = services.completions_import(actor=request.user, checked=checked)
    except (importer.ImportRefused, ValidationError) as refused:
        problems = getattr(refused, "problems", None) or getattr(refused, "messages", [])
        context = {"form": ImportForm(), "problems": problems}
        return render(request, "training/import_form.html", context)
    request.session.pop(SESSION_KEY, None)
    skipped = stored["skipped"]
    note = f" {skipped} row{'s were' if skipped != 1 else ' was'} skipped." if skipped else ""
    messages.success(
        request,
        f"{len(created)} completion{'s' if len(created) != 1 else ''} imported from "
        f"{stored['filename']}.{note}",
    )
    return redirect("training:overview")


# --- Export ---------------------------------------------------------------------------------

REGISTER_HEADER = [
    "Person",
    "Job title",
    "Role group",
    "Course",
    "Last completed",
    "Due",
    "Status",
]


@require_GET
def register_export(request):
    require(request.user, "toolkit.view_training")
    today = timezone.localdate()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REGISTER_HEADER)
    for row in selectors.register(today):
        writer.writerow(
            [
                web.csv_safe(value)
                for value in (
                    row.person_name,
                    row.job_title,
                    row.role_label,
                    row.course_name,
                    row.standing.last_completed,
                    row.standing.due,
                    row.standing.state.label,
                )
            ]
        )
    return web.file_response(
        "\ufeff" + out.getvalue(),
        filename=f"training-register-{today.isoformat()}.csv",
        content_type="text/csv; charset=utf-8",
    )
