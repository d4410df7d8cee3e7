"""Reads shared by toolkit pages, with their joins done up front."""

from typing import Any

from django.db.models import (
    Count,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Window,
)
from django.db.models.functions import Coalesce
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


def current_edition_sections(period: ReviewPeriod | None) -> QuerySet[Section]:
    return Section.objects.filter(edition=current_edition(period)).order_by("number")


def section_overview(
    period: ReviewPeriod | None,
) -> list[tuple[Section, SectionAssessment | None]]:
    """Each section with its assessment in the period and counts of its records."""
    # Correlated subqueries, one per count: counting over two joins at once multiplies the
    # rows (evidence x actions) and grows with the square of the data.
    evidence = Evidence.sections.through.objects.filter(section_id=OuterRef("pk"))
    if period:
        in_period = Evidence.periods.through.objects.filter(reviewperiod_id=period.pk)
        evidence = evidence.filter(evidence_id__in=in_period.values("evidence_id"))
    live_actions = Action.objects.filter(
        section_id=OuterRef("pk"),
        status__in=[Action.Status.OPEN, Action.Status.IN_PROGRESS],
        periods=period,
    )
    sections = current_edition_sections(period).annotate(
        evidence_count=_count(evidence, "evidence_id"),
        live_action_count=_count(live_actions, "pk"),
    )
    assessments = {}
    if period:
        assessments = {a.section_id: a for a in SectionAssessment.objects.filter(period=period)}
    return [(section, assessments.get(section.pk)) for section in sections]


def _count(queryset: QuerySet[Any], column: str) -> Coalesce:
    """COUNT(column) of a queryset correlated on section_id, as an annotation.

    The link tables are unique on (record, section) and (record, period), so no row is
    counted twice and COUNT needs no DISTINCT (which would sort in a temporary B-tree).
    """
    counted = queryset.order_by().values("section_id").annotate(_n=Count(column)).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


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


def section_evidence(section: Section, period: ReviewPeriod | None) -> QuerySet[Evidence]:
    """Evidence for a section that counts towards the period (all of it if there is none)."""
    queryset = evidence_list().filter(sections=section)
    return queryset.filter(periods=period) if period else queryset


def evidence_list() -> QuerySet[Evidence]:
    return Evidence.objects.select_related("added_by").prefetch_related("sections")


def action_list() -> QuerySet[Action]:
    return Action.objects.select_related("owner", "section", "criterion__section", "period")


def rating_history(
    sections: list[Section], limit: int = 5
) -> tuple[list[ReviewPeriod], list[tuple[Section, list[SectionAssessment | None]]]]:
    """The last periods (oldest first) and, for each given section, its assessment in each.

    Sections are matched by number across toolkit editions. Two queries in all.
    """
    periods: list[ReviewPeriod] = list(ReviewPeriod.objects.order_by("-start_date")[:limit])[::-1]
    if not periods:
        return [], []
    assessments = SectionAssessment.objects.filter(period__in=periods).annotate(
        number=F("section__number")
    )
    by_key: dict[tuple[int, int], SectionAssessment] = {
        (a.period_id, a.number): a for a in assessments
    }
    rows = [(s, [by_key.get((p.pk, s.number)) for p in periods]) for s in sections]
    return periods, rows


def first_and_count(queryset: QuerySet[Any], limit: int) -> tuple[list[Any], int]:
    """Up to ``limit`` rows and the total, in one query (the total is a window count)."""
    rows = list(queryset.annotate(_total=Window(Count("pk")))[:limit])
    return rows, (rows[0]._total if rows else 0)
