"""The annual-review report: its content for a period, rendered to a tagged PDF.

The decisions taken in the period and the decision that signed the review off come from a
provider that the decisions app registers (``register_decision_provider``, from
``decisions/providers.py``), as it does for the audit pack, the registers and the
reminders: this module never imports the decisions app, nor knows its fields or statuses.
Without a provider the report lists no decisions.
"""

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Prefetch
from django.utils import timezone

from prevent_compliance.models import SecurityMarking, get_organisation
from prevent_compliance.pdf import render_html, render_pdf

from . import rating_rules
from .models import (
    Action,
    Criterion,
    CriterionAssessment,
    Evidence,
    Rating,
    ReviewPeriod,
    Section,
    SectionAssessment,
)

TEMPLATE = "toolkit/pdf/annual_review.html"
RATING_ORDER: list[str] = [Rating.EXCEEDING, Rating.MET, Rating.PARTLY_MET, Rating.NOT_MET]


@dataclass(frozen=True)
class ReportDecision:
    """A decision taken in the period, as the report shows it."""

    reference: str
    title: str
    decision_date: date
    status: str  # in words: "Signed", "Published"…
    section_ids: frozenset[int] = frozenset()  # the toolkit sections it concerns


@dataclass(frozen=True)
class ReportSignOff:
    """The signed decision that approved the period's review."""

    reference: str
    signatory: str
    signed_on: date | None


@dataclass(frozen=True)
class DecisionProvider:
    """What an app that records decisions gives the report.

    ``taken``: the decisions taken (signed) in the period about a section of its edition,
    oldest first; ``sign_off``: the signed decision that approved the period's review.
    """

    taken: Callable[[ReviewPeriod], Iterable[ReportDecision]]
    sign_off: Callable[[ReviewPeriod], ReportSignOff | None]


DECISION_PROVIDERS: list[DecisionProvider] = []


def register_decision_provider(provider: DecisionProvider) -> None:
    if provider not in DECISION_PROVIDERS:
        DECISION_PROVIDERS.append(provider)


# Other parts of the toolkit add entries to the report's context (the training records add
# ``training``, their percentages): each provider takes the period and returns a dict.
CONTEXT_PROVIDERS: list[Callable[[ReviewPeriod], dict[str, object]]] = []


def register_context_provider(provider: Callable[[ReviewPeriod], dict[str, object]]) -> None:
    if provider not in CONTEXT_PROVIDERS:
        CONTEXT_PROVIDERS.append(provider)


@dataclass
class SectionReport:
    section: Section
    assessment: SectionAssessment | None
    previous_rating: str | None
    criteria: list[tuple[Criterion, list[Evidence]]] = field(default_factory=list)
    # Each criterion's rating in the period, with its evidence and overdue flags (rows for
    # the template: criterion, rating, note, reason, to_reconfirm, evidence[(item, overdue)]).
    criterion_rows: list[dict[str, object]] = field(default_factory=list)
    criteria_summary: str = ""
    proposed: str = ""  # the rating proposed from the criteria, in words
    evidence: list[Evidence] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    decisions: list[ReportDecision] = field(default_factory=list)

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


def period_decisions(period: ReviewPeriod) -> list[ReportDecision]:
    """Decisions taken in the period about any toolkit section, oldest first."""
    taken = [d for provider in DECISION_PROVIDERS for d in provider.taken(period)]
    return sorted(taken, key=lambda d: (d.decision_date, d.reference))


def _sign_off(period: ReviewPeriod) -> ReportSignOff | None:
    for provider in DECISION_PROVIDERS:
        if (found := provider.sign_off(period)) is not None:
            return found
    return None


def _section_reports(period: ReviewPeriod, previous: ReviewPeriod | None) -> list[SectionReport]:
    """One report per section with its assessment and last period's rating."""
    sections = (
        Section.objects.filter(edition=period.edition)
        .order_by("number")
        .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("number")))
    )
    assessments = {
        a.section_id: a
        for a in SectionAssessment.objects.filter(period=period).select_related("assessed_by")
    }
    previous_ratings = {}
    if previous:
        previous_ratings = dict(
            SectionAssessment.objects.filter(period=previous).values_list(
                "section__number", "rating"
            )
        )
    return [
        SectionReport(
            section=s,
            assessment=assessments.get(s.pk),
            previous_rating=previous_ratings.get(s.number),
        )
        for s in sections
    ]


def _file_evidence(
    reports: dict[int, SectionReport],
    evidence: list[Evidence],
    ratings: dict[int, CriterionAssessment],
    today: date,
) -> None:
    """Each piece of evidence under its sections, and under each criterion it supports, with
    each criterion's rating in the period and the rating its criteria propose."""
    by_criterion = defaultdict(list)
    for item in evidence:
        for section in item.sections.all():
            if section.pk in reports:
                reports[section.pk].evidence.append(item)
        for criterion in item.criteria.all():
            by_criterion[criterion.pk].append(item)
    for report in reports.values():
        criteria = list(report.section.criteria.all())
        report.criteria = [(c, by_criterion[c.pk]) for c in criteria]
        states = []
        for criterion in criteria:
            row = ratings.get(criterion.pk)
            rating = row.rating if row else Rating.NOT_ASSESSED
            items = by_criterion[criterion.pk]
            states.append(
                rating_rules.CriterionState(
                    criterion=criterion,
                    rating=rating,
                    evidence=items,
                    to_reconfirm=bool(row and row.to_reconfirm),
                )
            )
            report.criterion_rows.append(
                {
                    "criterion": criterion,
                    "rating": Rating(rating).label,
                    "note": row.note if row else "",
                    "reason": row.reason if row else "",
                    "to_reconfirm": bool(row and row.to_reconfirm),
                    "evidence": [(e, rating_rules.overdue(e, today)) for e in items],
                }
            )
        report.criteria_summary = rating_rules.status_summary(rating_rules.status_counts(states))
        report.proposed = rating_rules.propose(states, today).label if criteria else ""


def _file_under_sections(
    reports: dict[int, SectionReport],
    evidence: list[Evidence],
    actions: list[Action],
    decisions: list[ReportDecision],
    ratings: dict[int, CriterionAssessment],
    today: date,
) -> None:
    """Put each record under the sections it concerns."""
    _file_evidence(reports, evidence, ratings, today)
    # By number: an action carried into a period on a newer edition moved to that edition's
    # section, and still belongs under the same section of the earlier period's report.
    by_number = {r.section.number: r for r in reports.values()}
    for action in actions:
        if action.section.number in by_number:
            by_number[action.section.number].actions.append(action)
    for decision in decisions:
        for section_id in decision.section_ids:
            if section_id in reports:
                reports[section_id].decisions.append(decision)


def annual_review_context(period: ReviewPeriod, *, final: bool = False) -> dict[str, object]:
    """Everything the annual-review template shows, gathered in a fixed number of queries."""
    today = timezone.localdate()
    previous = period.previous()
    section_reports = _section_reports(period, previous)
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
    decisions = period_decisions(period)
    reports = {r.section.pk: r for r in section_reports}
    ratings = {r.criterion_id: r for r in CriterionAssessment.objects.filter(period=period)}
    _file_under_sections(reports, evidence, actions, decisions, ratings, today)

    ratings = Counter(r.assessment.rating for r in section_reports if r.assessment)
    sensitive = any(e.marking == SecurityMarking.OFFICIAL_SENSITIVE for e in evidence)
    organisation = get_organisation()
    context: dict[str, object] = {
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
        "sections": section_reports,
        "rating_counts": [(Rating(r).label, ratings.get(r, 0)) for r in Rating.values],
        "changes": sorted(Counter(r.change for r in section_reports).items()),
        "overdue_actions": [a for a in actions if a.is_overdue(today)],
        "next_plan": [
            a for a in actions if a.status in (Action.Status.OPEN, Action.Status.IN_PROGRESS)
        ],
        "decisions": decisions,
        "evidence_count": len(evidence),
        "sign_off": _sign_off(period),
    }
    for provider in CONTEXT_PROVIDERS:
        context.update(provider(period))
    return context


def annual_review_html(period: ReviewPeriod, *, final: bool = False) -> str:
    return render_html(TEMPLATE, annual_review_context(period, final=final))


def annual_review_pdf(period: ReviewPeriod, *, final: bool = False) -> bytes:
    """The report as tagged PDF: marked DRAFT on every page unless ``final``."""
    return render_pdf(TEMPLATE, annual_review_context(period, final=final))
