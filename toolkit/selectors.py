"""Reads shared by toolkit pages, with their joins done up front."""

from django.db.models import Count, Prefetch, Q
from django.http import Http404

from .models import (
    Action,
    Criterion,
    Evidence,
    ReviewPeriod,
    Section,
    SectionAssessment,
    ToolkitEdition,
)


def current_period() -> ReviewPeriod | None:
    return ReviewPeriod.objects.select_related("edition").current()


def current_edition(period: ReviewPeriod | None) -> ToolkitEdition | None:
    """The edition benchmarked in the period, or the latest edition if there is no period."""
    return period.edition if period else ToolkitEdition.objects.order_by("-code").first()


def current_edition_sections(period: ReviewPeriod | None):
    return Section.objects.filter(edition=current_edition(period)).order_by("number")


def section_overview(period: ReviewPeriod | None):
    """Each section with its assessment in the period and counts of its records."""
    sections = current_edition_sections(period).annotate(
        evidence_count=Count("evidence", distinct=True),
        live_action_count=Count(
            "actions",
            filter=Q(actions__status__in=[Action.Status.OPEN, Action.Status.IN_PROGRESS])
            & Q(actions__period=period),
            distinct=True,
        ),
    )
    assessments = {}
    if period:
        assessments = {
            a.section_id: a
            for a in SectionAssessment.objects.filter(period=period).select_related("section")
        }
    return [(section, assessments.get(section.pk)) for section in sections]


def get_section(number: int, period: ReviewPeriod | None) -> Section:
    section = (
        current_edition_sections(period)
        .filter(number=number)
        .prefetch_related(
            Prefetch(
                "criteria",
                queryset=Criterion.objects.annotate(evidence_count=Count("evidence")),
            )
        )
        .first()
    )
    if section is None:
        raise Http404("No such toolkit section.")
    return section


def evidence_list():
    return Evidence.objects.select_related("added_by").prefetch_related("sections")


def action_list():
    return Action.objects.select_related("owner", "section", "criterion__section", "period")
