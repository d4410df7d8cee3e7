"""The annual-review report: its content for a period, rendered to a tagged PDF.

Decisions of the period are read through ``Section.decisions`` (the decisions app's
relation to the toolkit), so this module never imports the decisions app.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from prevent_compliance.models import SecurityMarking, get_organisation
from prevent_compliance.pdf import render_html, render_pdf

from .models import (
    Action,
    Criterion,
    Evidence,
    Rating,
    ReviewPeriod,
    Section,
    SectionAssessment,
)

TEMPLATE = "toolkit/pdf/annual_review.html"
# Statuses of a decision that has been taken (signed), whatever happened next.
TAKEN_DECISION_STATUSES = ("signed", "published", "withheld")
RATING_ORDER = [Rating.EXCEEDING, Rating.MET, Rating.PARTLY_MET, Rating.NOT_MET]


@dataclass
class SectionReport:
    section: Section
    assessment: SectionAssessment | None
    previous_rating: str | None
    criteria: list[tuple[Criterion, list[Evidence]]] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    decisions: list = field(default_factory=list)

    @property
    def previous_label(self) -> str:
        """Last period's rating in words ('' if there was none)."""
        return Rating(self.previous_rating).label if self.previous_rating else ""

    @property
    def change(self) -> str:
        """How the rating moved since the previous period, in words."""
        if not self.assessment or self.previous_rating is None:
            return "No earlier rating"
        now, before = self.assessment.rating, self.previous_rating
        if now == before:
            return "No change"
        if now in RATING_ORDER and before in RATING_ORDER:
            better = RATING_ORDER.index(now) < RATING_ORDER.index(before)
            return "Improved" if better else "Declined"
        return f"Changed from {Rating(before).label}"


def period_decisions(period: ReviewPeriod):
    """Decisions taken in the period about any toolkit section, oldest first.

    Empty when no app records decisions (the toolkit works without the decisions app).
    """
    relation = getattr(Section, "decisions", None)
    if relation is None:
        return []
    related = relation.rel.related_model
    return (
        related.objects.filter(
            sections__edition=period.edition,
            decision_date__gte=period.start_date,
            decision_date__lte=period.end_date,
            status__in=TAKEN_DECISION_STATUSES,
        )
        .distinct()
        .prefetch_related("sections")
        .order_by("decision_date", "reference")
    )


def annual_review_context(period: ReviewPeriod, *, final: bool = False) -> dict:
    """Everything the annual-review template shows, gathered in a fixed number of queries."""
    today = timezone.localdate()
    sections = list(
        Section.objects.filter(edition=period.edition)
        .order_by("number")
        .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("number")))
    )
    assessments = {
        a.section_id: a
        for a in SectionAssessment.objects.filter(period=period).select_related("assessed_by")
    }
    previous = period.previous()
    previous_ratings = {}
    if previous:
        previous_ratings = {
            number: rating
            for number, rating in SectionAssessment.objects.filter(period=previous).values_list(
                "section__number", "rating"
            )
        }
    evidence = list(
        Evidence.objects.filter(periods=period)
        .prefetch_related("sections", "criteria")
        .order_by("effective_date", "title")
    )
    actions = list(
        Action.objects.filter(periods=period)
        .select_related("owner", "section", "criterion__section")
        .order_by("due_date", "title")
    )
    decisions = list(period_decisions(period))

    reports = {
        s.pk: SectionReport(
            section=s,
            assessment=assessments.get(s.pk),
            previous_rating=previous_ratings.get(s.number),
        )
        for s in sections
    }
    by_criterion = defaultdict(list)
    for item in evidence:
        for section in item.sections.all():
            if section.pk in reports:
                reports[section.pk].evidence.append(item)
        for criterion in item.criteria.all():
            by_criterion[criterion.pk].append(item)
    for section in sections:
        reports[section.pk].criteria = [(c, by_criterion[c.pk]) for c in section.criteria.all()]
    for action in actions:
        if action.section_id in reports:
            reports[action.section_id].actions.append(action)
    for decision in decisions:
        for section in decision.sections.all():
            if section.pk in reports:
                reports[section.pk].decisions.append(decision)

    ratings = Counter(a.rating for a in assessments.values())
    sensitive = any(e.marking == SecurityMarking.OFFICIAL_SENSITIVE for e in evidence)
    organisation = get_organisation()
    return {
        "organisation": organisation,
        "period": period,
        "previous": previous,
        "final": final,
        "doc_draft": not final,
        "today": today,
        "doc_reference": f"Annual Prevent duty review {period.label}",
        "doc_marking": SecurityMarking.OFFICIAL_SENSITIVE
        if sensitive
        else organisation.default_marking,
        "sections": [reports[s.pk] for s in sections],
        "rating_counts": [(Rating(r).label, ratings.get(r, 0)) for r in Rating.values],
        "changes": sorted(Counter(r.change for r in reports.values()).items()),
        "overdue_actions": [a for a in actions if a.is_overdue(today)],
        "next_plan": [
            a for a in actions if a.status in (Action.Status.OPEN, Action.Status.IN_PROGRESS)
        ],
        "decisions": decisions,
        "evidence_count": len(evidence),
        "sign_off": _sign_off(period),
    }


def _sign_off(period: ReviewPeriod) -> object | None:
    """The signed decision that closed the period (decisions link it as review_decisions)."""
    if not hasattr(period, "review_decisions"):
        return None
    return (
        period.review_decisions.filter(status__in=TAKEN_DECISION_STATUSES)
        .select_related("signed_by")
        .first()
    )


def annual_review_html(period: ReviewPeriod, *, final: bool = False) -> str:
    return render_html(TEMPLATE, annual_review_context(period, final=final))


def annual_review_pdf(period: ReviewPeriod, *, final: bool = False) -> bytes:
    """The report as tagged PDF: marked DRAFT on every page unless ``final``."""
    return render_pdf(TEMPLATE, annual_review_context(period, final=final))
