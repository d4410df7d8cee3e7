"""Toolkit records with a History page (see prevent_compliance/audit/)."""

from django.db.models import CharField, F, Value
from django.db.models.functions import Concat, ExtractYear

from prevent_compliance.audit.registry import register_history

from .models import Action, CriterionAssessment, Evidence, ReviewPeriod, SectionAssessment

register_history(
    "evidence",
    Evidence,
    view_perm="toolkit.view_evidence",
    # The stored file's random name says nothing; its name, size and hash are shown instead.
    exclude=("file",),
)
register_history("action", Action, view_perm="toolkit.view_action")


def _period_lookup(identifier: str) -> dict:
    return {"start_date__year": int(identifier)}


register_history(
    "review-period",
    ReviewPeriod,
    view_perm="toolkit.view_records",
    lookup=_period_lookup,
    identify=lambda period: str(period.year),
    log_identifier=ExtractYear("start_date"),
    title=F("label"),
)


def _assessment_lookup(identifier: str) -> dict:
    year, number = identifier.split("-", 1)
    return {"period__start_date__year": int(year), "section__number": int(number)}


register_history(
    "assessment",
    SectionAssessment,
    view_perm="toolkit.view_sectionassessment",
    lookup=_assessment_lookup,
    identify=lambda a: f"{a.period.year}-{a.section.number}",
    log_identifier=Concat(
        ExtractYear("period__start_date"), Value("-"), "section__number", output_field=CharField()
    ),
    title=Concat(
        Value("Section "), "section__number", Value(", "), "period__label", output_field=CharField()
    ),
)


def _criterion_rating_lookup(identifier: str) -> dict:
    """``2026-2.3``: criterion 2.3 in the period starting in 2026."""
    year, code = identifier.split("-", 1)
    section, number = code.split(".", 1)
    return {
        "period__start_date__year": int(year),
        "criterion__section__number": int(section),
        "criterion__number": int(number),
    }


register_history(
    "criterion-rating",
    CriterionAssessment,
    view_perm="toolkit.view_sectionassessment",
    lookup=_criterion_rating_lookup,
    identify=lambda a: f"{a.period.year}-{a.criterion.section.number}.{a.criterion.number}",
    log_identifier=Concat(
        ExtractYear("period__start_date"),
        Value("-"),
        "criterion__section__number",
        Value("."),
        "criterion__number",
        output_field=CharField(),
    ),
    title=Concat(
        Value("Criterion "),
        "criterion__section__number",
        Value("."),
        "criterion__number",
        Value(", "),
        "period__label",
        output_field=CharField(),
    ),
)
