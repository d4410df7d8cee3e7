"""Every change to toolkit records goes through one of these functions.

Each is atomic, checks the actor's permission, validates with ``full_clean()`` and records
who changed what (django-simple-history) with a change reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, models, transaction
from django.db.models import Q
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from prevent_compliance.rules import allowed, require
from prevent_compliance.uploads import ValidatedUpload, random_storage_name

from . import rating_rules, reminders, selectors
from .models import (
    CRITERION_RATINGS,
    KEY_EVIDENCE_MAX,
    Action,
    Criterion,
    CriterionAssessment,
    Evidence,
    ExportJob,
    GuidanceUpdate,
    Rating,
    ReminderLog,
    ReviewPeriod,
    Section,
    SectionAssessment,
    ToolkitEdition,
)
from .rating_rules import CriterionInput
from .summary import dashboard_changed
from .tasks import build_audit_pack

if TYPE_CHECKING:
    from django.contrib.auth.models import User

STALE_EDIT = (
    "Someone else saved this record after you opened it, so your changes were not saved. "
    "Reload the page to see their version, then make your change again."
)


def _claim_version(model: type[models.Model], pk: int, expected_version: int | None) -> int:
    """Lock the row and refuse an edit based on a stale copy; returns the next version.

    With several app servers sharing one database, the row lock makes the check and the
    save one step, so two edits of the same version cannot both win.
    """
    current = (
        model._default_manager.select_for_update().values_list("version", flat=True).get(pk=pk)
    )
    if expected_version is not None and expected_version != current:
        raise ValidationError(STALE_EDIT, code="stale")
    return current + 1


def _save(instance: models.Model, *, actor: User | None, reason: str) -> None:
    """Validate and save, recording the actor and reason on the history row."""
    instance.full_clean()
    _record_as(instance, actor=actor, reason=reason)
    instance.save()


def _record_as(instance: models.Model, *, actor: User | None, reason: str | None) -> None:
    """Who makes the next change and why: django-simple-history reads these attributes."""
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason  # type: ignore[attr-defined]


# --- Toolkit editions -----------------------------------------------------------------------


@dataclass
class EditionLoadResult:
    edition: ToolkitEdition
    created: int = 0
    updated: int = 0


def _check_edition_data(data: object) -> None:
    """Refuse a malformed edition file with a message that says where the problem is."""
    if not isinstance(data, dict) or not isinstance(data.get("edition"), dict):
        raise ValidationError("The file must have an 'edition' mapping and a 'sections' list.")
    for key in ("code", "title"):
        if not data["edition"].get(key):
            raise ValidationError(f"edition: '{key}' is required.")
    sections = data.get("sections")
    if not isinstance(sections, list) or not sections:
        raise ValidationError("'sections' must be a non-empty list.")
    numbers: set[int] = set()
    for position, section in enumerate(sections, start=1):
        _check_edition_section(f"sections[{position}]", section, numbers)


def _check_edition_section(where: str, section: object, numbers: set[int]) -> None:
    if not isinstance(section, dict):
        raise ValidationError(f"{where}: must be a mapping with number, title and criteria.")
    for key in ("number", "title", "summary", "criteria"):
        if not section.get(key):
            raise ValidationError(f"{where}: '{key}' is required.")
    number = section["number"]
    if not isinstance(number, int) or isinstance(number, bool) or number < 1:
        raise ValidationError(f"{where}: 'number' must be a whole number from 1 up.")
    if number in numbers:
        raise ValidationError(f"{where}: section number {number} is used twice.")
    numbers.add(number)
    if not isinstance(section["criteria"], list):
        raise ValidationError(f"{where}: 'criteria' must be a list.")
    for index, criterion in enumerate(section["criteria"], start=1):
        _check_edition_criterion(f"{where}.criteria[{index}]", criterion)


def _check_edition_criterion(where: str, criterion: object) -> None:
    if (
        not isinstance(criterion, dict)
        or criterion.get("level") not in Criterion.Level.values
        or not criterion.get("text")
    ):
        raise ValidationError(f"{where}: needs 'text' and a 'level' of must, should or could.")
    holder = criterion.get("duty_holder", "")
    if holder and holder not in Criterion.DutyHolder.values:
        choices = ", ".join(Criterion.DutyHolder.values)
        raise ValidationError(f"{where}: 'duty_holder' must be one of {choices}.")
    replaces = criterion.get("replaces", [])
    if not isinstance(replaces, list) or not all(isinstance(c, str) for c in replaces):
        raise ValidationError(f"{where}: 'replaces' must be a list of criterion codes like '2.1'.")


def toolkit_edition_load(*, data: dict[str, Any]) -> EditionLoadResult:
    """Create or update an edition, its sections and criteria from parsed YAML; never deletes.

    Running it again with the same data changes nothing and writes no history. An edition
    that ``supersedes`` an earlier one maps its criteria to that edition's (``replaces``);
    the earlier edition must be loaded first, and each code must exist in it.
    """
    _check_edition_data(data)
    with transaction.atomic():
        meta = data["edition"]
        previous = _superseded_criteria(meta)
        edition_values = {
            "title": meta["title"],
            "published_on": meta.get("published_on"),
            "source_url": meta.get("source_url", ""),
        }
        edition, created = ToolkitEdition.objects.get_or_create(
            code=str(meta["code"]), defaults=edition_values
        )
        result = EditionLoadResult(edition=edition, created=int(created))
        dashboard_changed()
        _update_if_changed(edition, result, **edition_values)
        for section_data in data["sections"]:
            section, created = Section.objects.get_or_create(
                edition=edition,
                number=section_data["number"],
                defaults={"title": section_data["title"], "summary": section_data["summary"]},
            )
            result.created += int(created)
            _update_if_changed(
                section, result, title=section_data["title"], summary=section_data["summary"]
            )
            for number, criterion_data in enumerate(section_data["criteria"], start=1):
                values = {
                    "text": criterion_data["text"],
                    "level": criterion_data["level"],
                    "duty_holder": criterion_data.get("duty_holder", ""),
                    "source": criterion_data.get("source", ""),
                }
                criterion, created = Criterion.objects.get_or_create(
                    section=section, number=number, defaults=values
                )
                result.created += int(created)
                _update_if_changed(criterion, result, **values)
                _map_criterion(
                    criterion,
                    criterion_data.get("replaces", []),
                    previous,
                    where=f"criterion {section.number}.{number}",
                )
    return result


def _superseded_criteria(meta: dict[str, Any]) -> dict[str, Criterion]:
    """The criteria of the edition this one supersedes, by code ({} if it supersedes none)."""
    code = meta.get("supersedes")
    if not code:
        return {}
    earlier = ToolkitEdition.objects.filter(code=str(code)).first()
    if earlier is None:
        raise ValidationError(
            f"edition: it supersedes edition {code}, which is not loaded: load that file first."
        )
    return {
        c.code: c
        for c in Criterion.objects.filter(section__edition=earlier).select_related("section")
    }


def _map_criterion(
    criterion: Criterion, codes: list[str], previous: dict[str, Criterion], *, where: str
) -> None:
    if codes and not previous:
        raise ValidationError(f"{where}: 'replaces' needs the edition to name what it supersedes.")
    unknown = [code for code in codes if code not in previous]
    if unknown:
        raise ValidationError(
            f"{where}: replaces {', '.join(unknown)}, not a criterion of the superseded edition."
        )
    wanted = {previous[code].pk for code in codes}
    if set(criterion.replaces.values_list("pk", flat=True)) != wanted:
        criterion.replaces.set(wanted)


def _update_if_changed(instance: models.Model, result: EditionLoadResult, **values: Any) -> None:
    changed = {k: v for k, v in values.items() if getattr(instance, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(instance, key, value)
        instance.full_clean()
        _record_as(instance, actor=None, reason="Toolkit edition reloaded")
        instance.save()
        result.updated += 1


# --- Review periods and assessments ---------------------------------------------------------


def review_period_create(
    *, actor: User, label: str, start_date: date, end_date: date, edition: ToolkitEdition
) -> ReviewPeriod:
    """Open a review period with a "Not assessed" assessment for each section of the edition."""
    with transaction.atomic():
        overlapping = ReviewPeriod.objects.filter(
            start_date__lte=end_date, end_date__gte=start_date
        )
        if overlapping.exists():
            raise ValidationError("This review period overlaps an existing one.")
        period = ReviewPeriod(
            label=label, start_date=start_date, end_date=end_date, edition=edition
        )
        _save(period, actor=actor, reason="Review period opened")
        for section in edition.sections.all():
            assessment = SectionAssessment(period=period, section=section)
            _save(assessment, actor=actor, reason="Review period opened")
        # One "Not assessed" rating per criterion, with its history row, in two statements
        # (an edition has dozens of criteria; nothing in a new row needs validating).
        bulk_create_with_history(
            [
                CriterionAssessment(period=period, criterion=criterion)
                for criterion in Criterion.objects.filter(section__edition=edition)
            ],
            CriterionAssessment,
            default_user=actor,
            default_change_reason="Review period opened",
        )
        dashboard_changed()
    return period


def criterion_field(criterion: Criterion, part: str) -> str:
    """The assessment form's field for one part of a criterion's rating (errors are keyed
    by it, so a refused save shows its message beside the criterion)."""
    return f"criterion_{criterion.number}_{part}"


def _check_criterion(criterion: Criterion, value: CriterionInput, errors: dict) -> None:
    code = criterion.code
    if value.rating not in CRITERION_RATINGS:
        errors[criterion_field(criterion, "rating")] = f"Select a rating for criterion {code}"
    elif value.rating == Rating.NOT_APPLICABLE:
        if criterion.is_must:
            errors[criterion_field(criterion, "rating")] = (
                f"Criterion {code} is a legal requirement (must), so it cannot be not applicable"
            )
        elif not value.reason.strip():
            errors[criterion_field(criterion, "reason")] = (
                f"Say why criterion {code} does not apply"
            )


def assessment_update(
    *,
    actor: User,
    assessment: SectionAssessment,
    rating: str | None,
    narrative: str,
    override_justification: str = "",
    criteria: dict[int, CriterionInput] | None = None,
    expected_version: int | None = None,
    today: date | None = None,
) -> SectionAssessment:
    """Rate a section and (optionally) each of its criteria, all or nothing.

    ``criteria`` maps criterion pk to its new rating; criteria left out keep the rating they
    have. ``rating`` None takes the rating proposed from the criteria. The rules of
    ``toolkit.rating_rules`` are enforced here: a rating that is not the one proposed from
    the criteria needs ``override_justification``; "Met" or "Exceeding" is refused while a
    "must" criterion is not met or has no in-date evidence, and needs a narrative. Errors
    are keyed by the assessment form's field names. Stamps who assessed each changed record
    and when; everything saved is no longer "to re-confirm".
    """
    require(actor, "toolkit.change_sectionassessment", assessment)
    today = today or timezone.localdate()
    criteria = criteria or {}
    with transaction.atomic():
        next_version = _claim_version(SectionAssessment, assessment.pk, expected_version)
        assessment = SectionAssessment.objects.select_related("period", "section").get(
            pk=assessment.pk
        )
        require(actor, "toolkit.change_sectionassessment", assessment)
        rows = list(
            CriterionAssessment.objects.select_for_update()
            .filter(period=assessment.period, criterion__section=assessment.section)
            .select_related("criterion__section")
            .order_by("criterion__number")
        )
        stray = set(criteria) - {row.criterion_id for row in rows}
        if stray:
            raise ValidationError("Rate only the criteria of this section.")
        errors: dict[str, str] = {}
        for row in rows:
            if row.criterion_id in criteria:
                _check_criterion(row.criterion, criteria[row.criterion_id], errors)
        evidence = selectors.criterion_evidence(assessment.period, [assessment.section_id])
        states = [
            rating_rules.CriterionState(
                criterion=row.criterion,
                rating=criteria[row.criterion_id].rating
                if row.criterion_id in criteria
                else row.rating,
                evidence=evidence.get(row.criterion_id, []),
            )
            for row in rows
        ]
        if rating is None:  # the assessor accepts the rating proposed from the criteria
            rating = rating_rules.propose(states, today) if rows else Rating.NOT_ASSESSED
        _check_section_rating(
            rating=rating,
            narrative=narrative,
            justification=override_justification,
            states=states,
            today=today,
            errors=errors,
        )
        if errors:
            raise ValidationError(errors)
        proposed = rating_rules.propose(states, today) if rows else None
        if proposed is None or rating == proposed:
            override_justification = ""
        saved_any = _save_criteria(actor=actor, rows=rows, criteria=criteria)
        unchanged = (
            assessment.rating == rating
            and assessment.narrative == narrative
            and assessment.override_justification == override_justification
        )
        if unchanged and not assessment.to_reconfirm and not saved_any:
            return assessment
        reason = "Re-confirmed" if unchanged else f"Rated {Rating(rating).label}"
        assessment.rating = Rating(rating)
        assessment.narrative = narrative
        assessment.override_justification = override_justification
        assessment.assessed_by = actor
        assessment.assessed_at = timezone.now()
        assessment.to_reconfirm = False
        assessment.version = next_version
        _save(assessment, actor=actor, reason=reason)
        dashboard_changed()
    return assessment


def _check_section_rating(
    *,
    rating: str,
    narrative: str,
    justification: str,
    states: list[rating_rules.CriterionState],
    today: date,
    errors: dict[str, str],
) -> None:
    if rating not in Rating.values:
        errors["rating"] = "Select a rating for the section"
        return
    if rating in rating_rules.HIGH_RATINGS:
        problems = rating_rules.high_rating_problems(states, today)
        if problems:
            label = Rating(rating).label
            errors["rating"] = f"The section cannot be rated {label}: " + "; ".join(problems) + "."
    if rating in rating_rules.NEEDS_NARRATIVE and not narrative.strip():
        errors["narrative"] = (
            f"Explain the rating {Rating(rating).label}: say what the evidence shows"
        )
    if not states:
        return
    proposed = rating_rules.propose(states, today)
    if rating != proposed and not justification.strip():
        errors["override_justification"] = (
            f"Your rating ({Rating(rating).label}) is not the one proposed from the criteria "
            f"({proposed.label}): explain why in the justification"
        )


def _save_criteria(
    *, actor: User, rows: list[CriterionAssessment], criteria: dict[int, CriterionInput]
) -> bool:
    """Save each criterion whose rating, reason or note changed, or that was to re-confirm."""
    saved = False
    for row in rows:
        value = criteria.get(row.criterion_id)
        if value is None:
            continue
        reason = value.reason if value.rating == Rating.NOT_APPLICABLE else ""
        unchanged = (row.rating, row.reason, row.note) == (value.rating, reason, value.note)
        if unchanged and not row.to_reconfirm:
            continue
        row.rating, row.reason, row.note = value.rating, reason, value.note
        row.assessed_by = actor
        row.assessed_at = timezone.now()
        row.to_reconfirm = False
        row.version += 1
        label = Rating(value.rating).label
        _save(row, actor=actor, reason="Re-confirmed" if unchanged else f"Rated {label}")
        saved = True
    return saved


# --- Evidence -------------------------------------------------------------------------------


def _attach_file(evidence: Evidence, upload: File, info: ValidatedUpload | None) -> None:
    if info is None:
        raise TypeError(
            "A file needs its upload_info (prevent_compliance.uploads.validate_upload)."
        )
    evidence.file = upload
    # Named on the field's file: UploadedFile.name would silently drop the folders.
    evidence.file.name = random_storage_name(f"evidence/{timezone.now():%Y}", info.extension)
    evidence.original_filename = info.original_name
    evidence.content_type = info.content_type
    evidence.file_size = info.size
    evidence.sha256 = info.sha256
    evidence.url = ""


def _clear_file(evidence: Evidence) -> None:
    evidence.file = ""
    evidence.original_filename = evidence.content_type = evidence.sha256 = ""
    evidence.file_size = None


@contextmanager
def _new_file_removed_on_failure(evidence: Evidence, *, new_file: bool) -> Iterator[None]:
    """Around the whole atomic block: if any step fails (the save, or a link set after it),
    remove a newly stored file so nothing is half-saved."""
    try:
        yield
    except BaseException:
        if new_file and evidence.file and evidence.file.name:
            evidence.file.storage.delete(evidence.file.name)
        raise


def evidence_create(
    *,
    actor: User,
    title: str,
    kind: str,
    effective_date: date,
    sections: list[Section],
    description: str = "",
    review_by: date | None = None,
    marking: str = "OFFICIAL",
    criteria: Iterable[Criterion] = (),
    url: str = "",
    upload: File | None = None,
    upload_info: ValidatedUpload | None = None,
    periods: list[ReviewPeriod] | None = None,
) -> Evidence:
    """Record evidence with exactly one of a validated file or a URL.

    ``upload`` is any Django file (a browser upload, or a ``ContentFile`` copy of a stored
    paper): it is only assigned to the file field, already checked by ``validate_upload``.

    It counts towards the current review period unless other periods are given.
    """
    require(actor, "toolkit.add_evidence")
    evidence = Evidence(
        title=title,
        description=description,
        kind=kind,
        effective_date=effective_date,
        review_by=review_by,
        marking=marking,
        url=url,
        added_by=actor,
    )
    if upload is not None:
        _attach_file(evidence, upload, upload_info)
    _check_criteria_within_sections(criteria, sections)
    with _new_file_removed_on_failure(evidence, new_file=upload is not None), transaction.atomic():
        _save(evidence, actor=actor, reason="Evidence added")
        evidence.sections.set(sections)
        evidence.criteria.set(criteria)
        if periods is None:
            current = ReviewPeriod.objects.current()
            periods = [current] if current and not current.is_locked else []
        evidence.periods.set(periods)
        dashboard_changed()
    return evidence


def evidence_update(
    *,
    actor: User,
    evidence: Evidence,
    upload: UploadedFile | None = None,
    upload_info: ValidatedUpload | None = None,
    sections: list[Section] | None = None,
    criteria: list[Criterion] | None = None,
    expected_version: int | None = None,
    **fields: Any,
) -> Evidence:
    """Change evidence; a new file or a URL replaces the previous source (old files are kept).

    Refused if ``expected_version`` is given and someone saved the record since.
    """
    require(actor, "toolkit.change_evidence", evidence)
    for key, value in fields.items():
        setattr(evidence, key, value)
    if upload is not None:
        _attach_file(evidence, upload, upload_info)
    elif fields.get("url"):
        _clear_file(evidence)
    if sections is not None:
        _check_criteria_within_sections(
            criteria if criteria is not None else evidence.criteria.all(), sections
        )
    with _new_file_removed_on_failure(evidence, new_file=upload is not None), transaction.atomic():
        evidence.version = _claim_version(Evidence, evidence.pk, expected_version)
        _save(evidence, actor=actor, reason="Evidence changed")
        if sections is not None:
            evidence.sections.set(sections)
        if criteria is not None:
            evidence.criteria.set(criteria)
        dashboard_changed()
    return evidence


def _check_criteria_within_sections(
    criteria: Iterable[Criterion], sections: Iterable[Section]
) -> None:
    section_ids = {s.pk for s in sections}
    stray = [c for c in criteria if c.section_id not in section_ids]
    if stray:
        raise ValidationError(
            {"criteria": "Each criterion must belong to one of the sections you selected."}
        )


# --- Actions --------------------------------------------------------------------------------


def action_create(*, actor: User, **fields: Any) -> Action:
    """Raise an action in the action plan."""
    require(actor, "toolkit.add_action")
    action = Action(created_by=actor, **fields)
    if action.period_id and action.period.is_locked:
        raise ValidationError("The review period is signed off: raise the action in an open one.")
    _apply_completion(action)
    with transaction.atomic():
        _save(action, actor=actor, reason="Action raised")
        action.periods.add(action.period)
        dashboard_changed()
    return action


def action_update(
    *, actor: User, action: Action, expected_version: int | None = None, **fields: Any
) -> Action:
    """Change an action; marking it done stamps today's date unless one is given.

    Refused if ``expected_version`` is given and someone saved the action since.
    """
    require(actor, "toolkit.change_action", action)
    for key, value in fields.items():
        setattr(action, key, value)
    _apply_completion(action)
    with transaction.atomic():
        action.version = _claim_version(Action, action.pk, expected_version)
        _save(action, actor=actor, reason=f"Action {action.get_status_display().lower()}")
        dashboard_changed()
    return action


def _apply_completion(action: Action) -> None:
    if action.status == Action.Status.DONE:
        action.completed_on = action.completed_on or timezone.localdate()
    else:
        action.completed_on = None


# --- The review cycle -----------------------------------------------------------------------


def review_period_start(
    *,
    actor: User,
    label: str,
    start_date: date,
    end_date: date,
    edition: ToolkitEdition | None = None,
) -> ReviewPeriod:
    """Open the next review period using the latest one as its baseline.

    Each section's rating is carried forward marked "to re-confirm"; evidence still within
    its review-by date stays linked; open and in-progress actions carry over.
    """
    require(actor, "toolkit.add_reviewperiod")
    with transaction.atomic():
        previous = (
            ReviewPeriod.objects.select_for_update()
            .filter(start_date__lt=start_date)
            .order_by("-start_date")
            .first()
        )
        if edition is None and previous is not None:
            edition = previous.edition
        elif edition is None:
            # The very first period benchmarks the latest edition loaded.
            edition = ToolkitEdition.objects.order_by("-code").first()
        if edition is None:
            raise ValidationError("Load a toolkit edition before opening a review period.")
        period = review_period_create(
            actor=actor, label=label, start_date=start_date, end_date=end_date, edition=edition
        )
        if previous is not None:
            _carry_forward(actor=actor, previous=previous, period=period)
        dashboard_changed()
    return period


def _carry_forward(*, actor: User, previous: ReviewPeriod, period: ReviewPeriod) -> None:
    earlier = {
        a.section.number: a
        for a in SectionAssessment.objects.filter(period=previous).select_related("section")
    }
    for assessment in SectionAssessment.objects.filter(period=period).select_related("section"):
        baseline = earlier.get(assessment.section.number)
        if baseline is None or baseline.rating == Rating.NOT_ASSESSED:
            continue
        assessment.rating = baseline.rating
        assessment.narrative = baseline.narrative
        assessment.override_justification = baseline.override_justification
        assessment.carried_from = baseline
        assessment.to_reconfirm = True
        _save(assessment, actor=actor, reason=f"Carried forward from {previous.label}")
    mapping = criterion_mapping(previous.edition, period.edition)
    _carry_criteria(actor=actor, previous=previous, period=period, mapping=mapping)
    still_current = (
        Evidence.objects.filter(periods=previous)
        .filter(Q(review_by__isnull=True) | Q(review_by__gte=period.start_date))
        .prefetch_related("sections", "criteria")
        .distinct()
    )
    moved = previous.edition_id != period.edition_id
    new_sections = {s.number: s for s in period.edition.sections.all()}
    for evidence in still_current:
        evidence._history_user = actor
        evidence.periods.add(period)
        if moved:
            _move_links(evidence, new_sections, mapping)
    for action in Action.objects.filter(periods=previous).live().distinct():
        action._history_user = actor
        action.periods.add(period)
        if moved:
            _move_action(actor, action, new_sections, mapping, period.edition)


def criterion_mapping(old: ToolkitEdition, new: ToolkitEdition) -> dict[int, list[Criterion]]:
    """Old criterion pk -> the new edition's criteria that take it over.

    The same edition maps each criterion to itself. A new edition maps through its
    criteria's ``replaces`` (from its YAML file); with none, nothing maps.
    """
    new_criteria = list(
        Criterion.objects.filter(section__edition=new)
        .select_related("section")
        .prefetch_related("replaces")
        .order_by("section__number", "number")
    )
    if old.pk == new.pk:
        return {c.pk: [c] for c in new_criteria}
    mapping: dict[int, list[Criterion]] = {}
    for criterion in new_criteria:
        for replaced in criterion.replaces.all():
            if replaced.section.edition_id == old.pk:
                mapping.setdefault(replaced.pk, []).append(criterion)
    return mapping


def _combined(ratings: list[str]) -> str:
    """One rating for a new criterion that takes over several old ones."""
    rated = [r for r in ratings if r != Rating.NOT_ASSESSED]
    applicable = [r for r in rated if r != Rating.NOT_APPLICABLE]
    if not rated:
        return Rating.NOT_ASSESSED
    if not applicable:
        return Rating.NOT_APPLICABLE
    if all(r == Rating.MET for r in applicable) and len(rated) == len(ratings):
        return Rating.MET
    if all(r == Rating.NOT_MET for r in applicable):
        return Rating.NOT_MET
    return Rating.PARTLY_MET


def _carry_criteria(
    *,
    actor: User,
    previous: ReviewPeriod,
    period: ReviewPeriod,
    mapping: dict[int, list[Criterion]],
) -> None:
    """Each criterion's rating, reason and note carried forward "to re-confirm"."""
    sources: dict[int, list[CriterionAssessment]] = {}
    for old in (
        CriterionAssessment.objects.filter(period=previous)
        .exclude(rating=Rating.NOT_ASSESSED)
        .select_related("criterion__section")
        .order_by("criterion__section__number", "criterion__number")
    ):
        for new in mapping.get(old.criterion_id, []):
            sources.setdefault(new.pk, []).append(old)
    if not sources:
        return
    moved = previous.edition_id != period.edition_id
    for row in CriterionAssessment.objects.filter(period=period, criterion_id__in=sources):
        olds = sources[row.criterion_id]
        rating = _combined([o.rating for o in olds])
        if rating == Rating.NOT_ASSESSED:
            continue
        if row.criterion.is_must and rating == Rating.NOT_APPLICABLE:
            continue  # a legal requirement always applies: it is rated afresh
        row.rating = rating
        not_applicable = rating == Rating.NOT_APPLICABLE
        row.reason = "\n".join(o.reason for o in olds if o.reason) if not_applicable else ""
        if moved:
            codes = ", ".join(o.criterion.code for o in olds)
            notes = [f"{o.criterion.code}: {o.note}" for o in olds if o.note]
            row.note = "\n".join([f"From {codes} of edition {previous.edition.code}.", *notes])
        else:
            row.note = olds[0].note
        row.carried_from = olds[0]
        row.to_reconfirm = True
        _save(row, actor=actor, reason=f"Carried forward from {previous.label}")


def _move_links(
    evidence: Evidence, new_sections: dict[int, Section], mapping: dict[int, list[Criterion]]
) -> None:
    """Carried evidence also supports the new edition's sections and mapped criteria."""
    numbers = {s.number for s in evidence.sections.all()}
    evidence.sections.add(*[new_sections[n] for n in numbers if n in new_sections])
    mapped = [c for old in evidence.criteria.all() for c in mapping.get(old.pk, [])]
    if mapped:
        evidence.criteria.add(*mapped)


def _move_action(
    actor: User,
    action: Action,
    new_sections: dict[int, Section],
    mapping: dict[int, list[Criterion]],
    edition: ToolkitEdition,
) -> None:
    """A live action carried into a period on a new edition moves to that edition's section
    (by number) and criterion (through the mapping); the history keeps where it was."""
    section = new_sections.get(action.section.number)
    if section is None:
        return
    criterion = None
    if action.criterion_id:
        candidates = [c for c in mapping.get(action.criterion_id, []) if c.section_id == section.pk]
        criterion = candidates[0] if candidates else None
    action.section, action.criterion = section, criterion
    action.version += 1
    _save(action, actor=actor, reason=f"Moved to the {edition.title} ({edition.code})")


def guidance_record(
    *, actor: User, kind: str, title: str, published_on: date, url: str = ""
) -> GuidanceUpdate:
    """Record new national guidance; open periods show "review due" until re-confirmed."""
    require(actor, "toolkit.add_guidanceupdate")
    update = GuidanceUpdate(
        kind=kind, title=title, published_on=published_on, url=url, recorded_by=actor
    )
    with transaction.atomic():
        _save(update, actor=actor, reason="Guidance recorded")
        dashboard_changed()
    return update


def review_period_reconfirm(*, actor: User, period: ReviewPeriod) -> ReviewPeriod:
    """Confirm the period's ratings have been reviewed against the latest guidance."""
    require(actor, "toolkit.reconfirm_reviewperiod", period)
    with transaction.atomic():
        period = ReviewPeriod.objects.select_for_update().get(pk=period.pk)
        if period.is_locked:
            raise ValidationError("This review period is signed off and cannot change.")
        period.reconfirmed_at = timezone.now()
        _save(period, actor=actor, reason="Re-confirmed against new guidance")
        dashboard_changed()
    return period


def review_period_mark_in_review(*, actor: User, period: ReviewPeriod) -> ReviewPeriod:
    """The annual review has been submitted for sign-off (called by the annual review's
    submission, in its transaction): open → in review."""
    require(actor, "toolkit.submit_reviewperiod", period)
    with transaction.atomic():
        period = ReviewPeriod.objects.select_for_update().get(pk=period.pk)
        if period.status != ReviewPeriod.Status.OPEN:
            raise ValidationError("Only an open review period can be submitted for sign-off.")
        period.status = ReviewPeriod.Status.IN_REVIEW
        _save(period, actor=actor, reason="Annual review submitted for sign-off")
        dashboard_changed()
    return period


# Who may reopen a period under review or sign it off, by the decision steps that do it
# (decisions/rules.py; the toolkit names them but never imports the decisions app). Only a
# withdrawn review decision reopens its period (see decisions/annual_review.py); the roles
# that return or defer one may reopen too, as they may take their period out of sign-off.
REOPENING_STEPS = (
    "decisions.withdraw_decision",
    "decisions.return_decision",
    "decisions.defer_decision",
)
CLOSING_STEP = "decisions.sign_decision"


def review_period_reopen(*, actor: User, period: ReviewPeriod, reason: str) -> ReviewPeriod:
    """In review → open again, when the period's review decision is withdrawn.

    Only someone who may take a step on a review decision (withdraw, return or defer it)
    may reopen a period; a period that is not in review is left as it is.
    """
    if not any(allowed(actor, perm) for perm in REOPENING_STEPS):
        raise PermissionDenied("Only a step on the period's review decision reopens it.")
    with transaction.atomic():
        period = ReviewPeriod.objects.select_for_update().get(pk=period.pk)
        if period.status == ReviewPeriod.Status.IN_REVIEW:
            period.status = ReviewPeriod.Status.OPEN
            _save(period, actor=actor, reason=reason)
            dashboard_changed()
    return period


def review_period_close(*, actor: User, period: ReviewPeriod, final_pdf: bytes) -> ReviewPeriod:
    """Lock the period once its annual review decision is signed, storing the final PDF.

    Called inside the signing transaction (by the Commissioner, who signs); the stored PDF
    is served unchanged ever after.
    """
    require(actor, CLOSING_STEP)
    with transaction.atomic():
        period = ReviewPeriod.objects.select_for_update().get(pk=period.pk)
        if period.is_locked:
            raise ValidationError("This review period is already signed off.")
        period.status = ReviewPeriod.Status.SIGNED_OFF
        period.signed_off_at = timezone.now()
        period.final_pdf_sha256 = hashlib.sha256(final_pdf).hexdigest()
        name = random_storage_name(f"reviews/{period.year}", ".pdf")
        period.final_pdf.save(name, ContentFile(final_pdf), save=False)
        try:
            _save(period, actor=actor, reason="Signed off: annual review decision signed")
        except Exception:
            period.final_pdf.storage.delete(period.final_pdf.name)
            raise
        dashboard_changed()
    return period


# --- Exports and reminders ------------------------------------------------------------------


def audit_pack_request(*, actor: User, period: ReviewPeriod) -> ExportJob:
    """Queue an audit pack for the period; the worker builds it after this transaction."""
    require(actor, "toolkit.export_period", period)
    with transaction.atomic():
        job = ExportJob(kind=ExportJob.Kind.AUDIT_PACK, period=period, requested_by=actor)
        job.full_clean()
        job.save()
        transaction.on_commit(lambda: build_audit_pack.enqueue(job.pk))
    return job


def reminders_send(*, today: date) -> tuple[int, int]:
    """Send each user with something to do one digest for ``today``; returns (sent, skipped).

    Run by ``manage.py send_reminders`` (no user: the scheduler is trusted). Each digest's
    ReminderLog row and its e-mail succeed or fail together, one user at a time, so a second
    run on the same day sends nothing and a failed send is retried by the next run.
    """
    sent = skipped = 0
    for user in reminders.recipients():
        if ReminderLog.objects.filter(user=user, sent_on=today).exists():
            skipped += 1
            continue
        digest = reminders.digest_for(user, today)
        if not digest:
            continue
        count = sum(len(r.lines) for r in digest)
        try:
            with transaction.atomic():
                ReminderLog.objects.create(user=user, sent_on=today, item_count=count)
                reminders.send_digest(user, digest, count=count)
        except IntegrityError:  # another run sent it a moment ago
            skipped += 1
            continue
        sent += 1
    return sent, skipped


# --- The annual report's narratives and key evidence ----------------------------------------

# The period's narratives the annual report prints (ReviewPeriod fields), and how long each
# may be: the report's length depends on them, so they are bounded like everything else.
REPORT_NARRATIVE_FIELDS = (
    "foreword",
    "method",
    "executive_summary",
    "key_findings",
    "key_risks",
    "conclusions",
)
NARRATIVE_MAX_LENGTH = 6000


def report_narratives_key(period: ReviewPeriod) -> str:
    """A fingerprint of the narratives as they are: the form sends back the one it was
    opened on, so an edit of a stale copy is refused (periods carry no version counter)."""
    text = "\x1f".join(getattr(period, name) for name in REPORT_NARRATIVE_FIELDS)
    return hashlib.sha256(text.encode()).hexdigest()


def review_period_narratives_update(
    *,
    actor: User,
    period: ReviewPeriod,
    values: dict[str, str],
    expected_key: str | None = None,
) -> ReviewPeriod:
    """Write the period's report narratives (foreword, method, executive summary, key
    findings, key risks, conclusions); fields left out keep their text.

    Refused once the period is signed off, for anyone who may not edit its assessments, if
    a text is longer than NARRATIVE_MAX_LENGTH, or if ``expected_key`` is given and someone
    saved the narratives since (``report_narratives_key``).
    """
    require(actor, "toolkit.change_report_narratives", period)
    stray = set(values) - set(REPORT_NARRATIVE_FIELDS)
    if stray:
        raise ValidationError("Only the report's narratives can be changed here.")
    errors = {
        name: f"Keep this to {NARRATIVE_MAX_LENGTH:,} characters or fewer"
        for name, text in values.items()
        if len(text) > NARRATIVE_MAX_LENGTH
    }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        period = ReviewPeriod.objects.select_for_update().get(pk=period.pk)
        require(actor, "toolkit.change_report_narratives", period)
        if expected_key is not None and expected_key != report_narratives_key(period):
            raise ValidationError(STALE_EDIT, code="stale")
        changed = [name for name, text in values.items() if getattr(period, name) != text]
        if not changed:
            return period
        for name in changed:
            setattr(period, name, values[name])
        labels = ", ".join(
            str(getattr(ReviewPeriod._meta.get_field(n), "verbose_name", n)) for n in changed
        )
        reason = f"Report narratives changed: {labels}"
        if len(reason) > 100:  # the history's change reason holds 100 characters
            reason = f"Report narratives changed: {len(changed)} of {len(REPORT_NARRATIVE_FIELDS)}"
        _save(period, actor=actor, reason=reason)
    return period


def assessment_key_evidence_set(
    *, actor: User, assessment: SectionAssessment, evidence: Iterable[Evidence]
) -> SectionAssessment:
    """Choose the section's key evidence for the annual report (at most KEY_EVIDENCE_MAX).

    Each item must count towards the assessment's period and be linked to its section or
    one of the section's criteria. Recorded in the assessment's history (its key evidence
    is a tracked many-to-many field) with the actor and a reason.
    """
    require(actor, "toolkit.change_sectionassessment", assessment)
    wanted = {e.pk for e in evidence}
    if len(wanted) > KEY_EVIDENCE_MAX:
        raise ValidationError(
            {"key_evidence": f"Choose up to {KEY_EVIDENCE_MAX} pieces of key evidence"}
        )
    with transaction.atomic():
        assessment = (
            SectionAssessment.objects.select_for_update()
            .select_related("period", "section")
            .get(pk=assessment.pk)
        )
        require(actor, "toolkit.change_sectionassessment", assessment)
        allowed_pks = set(
            Evidence.objects.filter(pk__in=wanted, periods=assessment.period)
            .filter(Q(sections=assessment.section) | Q(criteria__section=assessment.section))
            .values_list("pk", flat=True)
        )
        if wanted - allowed_pks:
            raise ValidationError(
                {
                    "key_evidence": "Choose evidence of this section that counts towards "
                    "this review period"
                }
            )
        current = set(assessment.key_evidence.values_list("pk", flat=True))
        if current == wanted:
            return assessment
        _record_as(assessment, actor=actor, reason="Key evidence for the annual report chosen")
        assessment.key_evidence.set(list(wanted))
    return assessment
