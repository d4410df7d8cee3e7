"""Every change to training records goes through one of these functions.

Each is atomic, checks the actor's permission, validates with ``full_clean()``, records who
changed what (django-simple-history) with a change reason, and tells the cached figures that
they changed (``summary.training_changed``).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.utils import timezone

from prevent_compliance.rules import require
from prevent_compliance.uploads import ValidatedUpload, random_storage_name

from .models import Completion, Course, Person, RoleGroup, TrainingRequirement
from .summary import training_changed

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .importer import CheckedImport

PERSON_FIELDS = (
    "name",
    "job_title",
    "role_group",
    "email",
    "employee_id",
    "start_date",
    "end_date",
    "user",
    "active",
)
COURSE_FIELDS = ("name", "kind", "provider", "refresher_months", "lead")


def _save(instance: models.Model, *, actor: User, reason: str) -> None:
    instance.full_clean()
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]
    instance.save()


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")


# --- People ---------------------------------------------------------------------------------


def person_create(*, actor: User, **fields: Any) -> Person:
    """Add a person whose training is tracked."""
    require(actor, "toolkit.record_training")
    _check_fields(fields, PERSON_FIELDS)
    person = Person(**fields)
    with transaction.atomic():
        _save(person, actor=actor, reason="Person added")
        training_changed()
    return person


def person_update(*, actor: User, person: Person, **fields: Any) -> Person:
    """Change a person's details. Refused if it would leave completions before their start."""
    require(actor, "toolkit.record_training")
    _check_fields(fields, PERSON_FIELDS)
    with transaction.atomic():
        locked = Person.objects.select_for_update().get(pk=person.pk)
        for key, value in fields.items():
            setattr(locked, key, value)
        earliest = locked.completions.order_by("completed_on").values_list(
            "completed_on", flat=True
        )[:1]
        if earliest and earliest[0] < locked.start_date:
            raise ValidationError(
                {
                    "start_date": (
                        f"The start date cannot be after {earliest[0]:%-d %B %Y}, when "
                        f"{locked.name} completed a course that is already recorded"
                    )
                }
            )
        _save(locked, actor=actor, reason="Person changed")
        training_changed()
    for key in (*fields, "updated_at"):
        setattr(person, key, getattr(locked, key))
    return person


# --- Courses and the training needs analysis ------------------------------------------------


def _set_requirements(
    *, actor: User, course: Course, role_groups: Iterable[str]
) -> tuple[list[str], list[str]]:
    """Make the needs analysis for the course say exactly these role groups."""
    wanted = set(role_groups)
    unknown = wanted - set(RoleGroup.values)
    if unknown:
        raise ValidationError({"role_groups": "Select role groups from the list"})
    current = {r.role_group: r for r in course.requirements.all()}
    added = sorted(wanted - set(current))
    removed = sorted(set(current) - wanted)
    for role_group in added:
        requirement = TrainingRequirement(course=course, role_group=role_group)
        _save(requirement, actor=actor, reason="Added to the training needs analysis")
    for role_group in removed:
        requirement = current[role_group]
        requirement._history_user = actor  # type: ignore[attr-defined]
        requirement._change_reason = "Removed from the training needs analysis"  # type: ignore[attr-defined]
        requirement.delete()
    return added, removed


def course_create(*, actor: User, role_groups: Iterable[str] = (), **fields: Any) -> Course:
    """Add a course, and the role groups that need it."""
    require(actor, "toolkit.record_training")
    _check_fields(fields, COURSE_FIELDS)
    course = Course(**fields)
    with transaction.atomic():
        _save(course, actor=actor, reason="Course added")
        _set_requirements(actor=actor, course=course, role_groups=role_groups)
        training_changed()
    return course


def course_update(
    *, actor: User, course: Course, role_groups: Iterable[str] | None = None, **fields: Any
) -> Course:
    """Change a course; with ``role_groups``, also who needs it."""
    require(actor, "toolkit.record_training")
    _check_fields(fields, COURSE_FIELDS)
    with transaction.atomic():
        locked = Course.objects.select_for_update().get(pk=course.pk)
        for key, value in fields.items():
            setattr(locked, key, value)
        _save(locked, actor=actor, reason="Course changed")
        if role_groups is not None:
            _set_requirements(actor=actor, course=locked, role_groups=role_groups)
        training_changed()
    for key in (*fields, "updated_at"):
        setattr(course, key, getattr(locked, key))
    return course


# --- Completions ----------------------------------------------------------------------------


def completion_problem(person: Person, completed_on: date, today: date) -> str | None:
    """Why a completion on this date cannot be recorded for the person, or None."""
    if completed_on > today:
        return f"The date completed cannot be in the future (today is {today:%-d %B %Y})"
    if completed_on < person.start_date:
        return (
            f"The date completed cannot be before {person.name} started on "
            f"{person.start_date:%-d %B %Y}"
        )
    return None


def _attach_certificate(
    completion: Completion, upload: UploadedFile, info: ValidatedUpload
) -> None:
    completion.certificate = upload
    # Named on the field's file: UploadedFile.name would silently drop the folders.
    completion.certificate.name = random_storage_name(
        f"training/{timezone.now():%Y}", info.extension
    )
    completion.original_filename = info.original_name
    completion.content_type = info.content_type
    completion.file_size = info.size
    completion.sha256 = info.sha256


@contextmanager
def _new_file_removed_on_failure(completion: Completion) -> Iterator[None]:
    try:
        yield
    except BaseException:
        if completion.certificate and completion.certificate.name:
            completion.certificate.storage.delete(completion.certificate.name)
        raise


def completion_record(
    *,
    actor: User,
    person: Person,
    course: Course,
    completed_on: date,
    upload: UploadedFile | None = None,
    upload_info: ValidatedUpload | None = None,
) -> Completion:
    """Record that the person completed the course, with a validated certificate if given.

    The date cannot be in the future nor before the person's start date.
    """
    require(actor, "toolkit.record_training")
    if problem := completion_problem(person, completed_on, timezone.localdate()):
        raise ValidationError({"completed_on": problem})
    completion = Completion(
        person=person, course=course, completed_on=completed_on, recorded_by=actor
    )
    if upload is not None:
        if upload_info is None:
            raise TypeError("A certificate needs its upload_info (uploads.validate_upload).")
        _attach_certificate(completion, upload, upload_info)
    with _new_file_removed_on_failure(completion), transaction.atomic():
        _save(completion, actor=actor, reason="Completion recorded")
        training_changed()
    return completion


def completions_import(*, actor: User, checked: CheckedImport) -> list[Completion]:
    """Save every row of a checked import, or none of them.

    Each row is checked again inside the transaction (a person's start date may have changed
    since the preview); any problem refuses the whole import.
    """
    require(actor, "toolkit.record_training")
    today = timezone.localdate()
    created = []
    with transaction.atomic():
        people = {
            p.pk: p
            for p in Person.objects.select_for_update().filter(
                pk__in={row.person.pk for row in checked.rows}
            )
        }
        problems = []
        for row in checked.rows:
            person = people.get(row.person.pk)
            if person is None:
                problems.append(f"Row {row.line}: the person is no longer recorded")
            elif problem := completion_problem(person, row.completed_on, today):
                problems.append(f"Row {row.line}, column '{checked.date_column}': {problem}")
        if problems:
            raise ValidationError(problems)
        for row in checked.rows:
            completion = Completion(
                person=people[row.person.pk],
                course=row.course,
                completed_on=row.completed_on,
                recorded_by=actor,
                source=Completion.Source.IMPORTED,
            )
            try:
                _save(completion, actor=actor, reason=f"Imported from {checked.filename}"[:100])
            except ValidationError as exc:
                raise ValidationError([f"Row {row.line}: {m}" for m in exc.messages]) from exc
            created.append(completion)
        training_changed()
    return created
