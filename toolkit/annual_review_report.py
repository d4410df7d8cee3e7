"""The annual-review report: its content for a period, rendered to a tagged PDF.

A report a Police and Crime Panel can read: cover; the Commissioner's foreword; how the
assessment was done; the executive summary with key findings, key risks and conclusions
(the period's narratives); the ratings over the last five periods (``ratings_grid``) and
criterion status per section; each section with its criteria, the key evidence the officer
chose, a count of the rest and its most urgent open actions; the action plan for the next
period; the decisions of the period; sign-off. Its length depends on the sections and
criteria only: every list of records is cut to a fixed number of rows (the limits below)
with a count of the rest, and the full registers are in the audit pack (CSV and XLSX).
Everything is read in a fixed number of queries, counted in the database, and each row's
flags (overdue, withheld) are worked out here so the template only prints.

Two versions: the internal one, and the public one (``public=True``) for the decision log
and the panel, in which people are named by their role, OFFICIAL-SENSITIVE evidence titles
are replaced by "withheld", and only decisions the provider says are public appear.

The decisions taken in the period and the decision that signed the review off come from a
provider that the decisions app registers (``register_decision_provider``, from
``decisions/providers.py``), as it does for the audit pack, the registers and the
reminders: this module never imports the decisions app, nor knows its fields or statuses.
Without a provider the report lists no decisions.
"""

from __future__ import annotations

import gc
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, Any

from django.db.models import (
    Case,
    Count,
    F,
    IntegerField,
    Max,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import RowNumber
from django.utils import timezone

from prevent_compliance.models import SecurityMarking, get_organisation
from prevent_compliance.pdf import html_to_pdf, render_html
from prevent_compliance.roles import Role

from . import rating_rules, ratings_grid
from .models import (
    KEY_EVIDENCE_MAX,
    Action,
    Criterion,
    CriterionAssessment,
    Evidence,
    Rating,
    ReviewPeriod,
    Section,
    SectionAssessment,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

TEMPLATE = "toolkit/pdf/annual_review.html"
RATING_ORDER: list[str] = [Rating.EXCEEDING, Rating.MET, Rating.PARTLY_MET, Rating.NOT_MET]

# How many rows each list of records shows: the rest is counted and is in the audit pack.
SECTION_ACTIONS = 10  # open actions under each section, most urgent first
PLAN_ACTIONS = 25  # actions in the plan for the next period
PERIOD_DECISIONS = 20  # decisions of the period (the most recent)
SECTION_DECISIONS = 3  # decisions under each section (the most recent)
CRITERION_TITLES = 2  # evidence titles beside each criterion (those due for review first)
LATEST_EVIDENCE = 3  # shown for a section whose officer chose no key evidence

WITHHELD = "Withheld (OFFICIAL-SENSITIVE)"
STAFF = "OPCC staff"
# How the public version names a person: by their role (prevent_compliance.roles).
ROLE_TITLES = {
    Role.OFFICER: "OPCC officer",
    Role.TREASURER: "Treasurer",
    Role.CHIEF_EXECUTIVE: "Chief Executive",
    Role.COMMISSIONER: "Police and Crime Commissioner",
    Role.AUDITOR: "Auditor",
    Role.ADMINISTRATOR: "Administrator",
}

# The period's narratives, in the order the report prints them (ReviewPeriod fields).
NARRATIVES: list[tuple[str, str]] = [
    ("foreword", "Foreword"),
    ("method", "How the assessment was done"),
    ("executive_summary", "Executive summary"),
    ("key_findings", "Key findings"),
    ("key_risks", "Key risks"),
    ("conclusions", "Conclusions"),
]


def empty_narratives(period: ReviewPeriod) -> list[str]:
    """The names of the period's narratives not yet written (for the warning before the
    review is submitted)."""
    return [label for name, label in NARRATIVES if not getattr(period, name).strip()]


@dataclass(frozen=True)
class ReportDecision:
    """A decision taken in the period, as the report shows it."""

    reference: str
    title: str
    decision_date: date
    status: str  # in words: "Signed", "Published"…
    section_ids: frozenset[int] = frozenset()  # the toolkit sections it concerns
    # Whether the public version may show it (the provider knows: published, not
    # confidential). False unless the provider says so.
    public: bool = False


@dataclass(frozen=True)
class ReportSignOff:
    """The signed decision that approved the period's review."""

    reference: str
    signatory: str
    signed_on: date | None
    signatory_role: str = ROLE_TITLES[Role.COMMISSIONER]  # what the public version prints


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
# ``training``, their percentages): each provider takes the period and returns a dict. What
# they add must be fit for the public version too (figures, no names).
CONTEXT_PROVIDERS: list[Callable[[ReviewPeriod], dict[str, object]]] = []


def register_context_provider(provider: Callable[[ReviewPeriod], dict[str, object]]) -> None:
    if provider not in CONTEXT_PROVIDERS:
        CONTEXT_PROVIDERS.append(provider)


@dataclass(frozen=True)
class ReportEvidence:
    """A piece of evidence as the report prints it (its title withheld when it must be)."""

    title: str
    kind: str
    effective_date: date
    review_by: date | None
    marking: str
    overdue: bool
    withheld: bool


@dataclass(frozen=True)
class ReportAction:
    title: str
    section_number: int
    owner: str  # a name, or in the public version a role
    due_date: date
    status: str
    priority: str
    overdue: bool


@dataclass
class SectionReport:
    section: Section
    assessment: SectionAssessment | None
    previous_rating: str | None
    # Each criterion's rating in the period with its evidence counts and first titles (rows
    # for the template: criterion, rating, note, reason, to_reconfirm, evidence_count,
    # overdue_count, evidence[(item, overdue)], more_evidence).
    criterion_rows: list[dict[str, object]] = field(default_factory=list)
    criteria_summary: str = ""
    proposed: str = ""  # the rating proposed from the criteria, in words
    assessor: str = ""  # who assessed it: a name, or in the public version a role
    key_evidence: list[ReportEvidence] = field(default_factory=list)
    key_evidence_chosen: bool = False  # False: the latest items are shown instead
    evidence_count: int = 0
    actions: list[ReportAction] = field(default_factory=list)
    live_action_count: int = 0
    overdue_action_count: int = 0
    decisions: list[ReportDecision] = field(default_factory=list)
    decision_count: int = 0

    @property
    def previous_label(self) -> str:
        """Last period's rating in words ('' if there was none)."""
        return Rating(self.previous_rating).label if self.previous_rating else ""

    @property
    def rating_label(self) -> str:
        return self.assessment.get_rating_display() if self.assessment else "Not assessed"

    @property
    def further_evidence(self) -> int:
        """The section's evidence in the period not shown as key evidence."""
        return max(self.evidence_count - len(self.key_evidence), 0)

    @property
    def more_actions(self) -> int:
        return max(self.live_action_count - len(self.actions), 0)

    @property
    def more_decisions(self) -> int:
        return max(self.decision_count - len(self.decisions), 0)

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


# --- People, evidence and actions as the report prints them ---------------------------------


def role_title(user: User | None) -> str:
    """A person as the public version names them: their first role (groups prefetched)."""
    if user is None:
        return STAFF
    names = {g.name for g in user.groups.all()}
    return next((ROLE_TITLES[r] for r in Role if r.value in names), STAFF)


def _person(user: User | None, public: bool) -> str:
    if public:
        return role_title(user)
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _evidence(item: Evidence, today: date, public: bool) -> ReportEvidence:
    withheld = public and item.marking == SecurityMarking.OFFICIAL_SENSITIVE
    return ReportEvidence(
        title=WITHHELD if withheld else item.title,
        kind=item.get_kind_display(),
        effective_date=item.effective_date,
        review_by=item.review_by,
        marking=item.marking,
        overdue=rating_rules.overdue(item, today),
        withheld=withheld,
    )


def _action(action: Action, today: date, public: bool) -> ReportAction:
    return ReportAction(
        title=action.title,
        section_number=action.section.number,
        owner=_person(action.owner, public),
        due_date=action.due_date,
        status=action.get_status_display(),
        priority=action.get_priority_display(),
        overdue=action.is_overdue(today),
    )


# Most urgent first: earliest due (overdue ones lead), then high priority, then title.
_PRIORITY_RANK = Case(
    When(priority=Action.Priority.HIGH, then=Value(0)),
    When(priority=Action.Priority.MEDIUM, then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)
_URGENT_ORDER = [F("due_date").asc(), _PRIORITY_RANK.asc(), F("title").asc(), F("pk").asc()]


def _live_actions(period: ReviewPeriod, public: bool) -> QuerySet[Action]:
    queryset = Action.objects.filter(periods=period, status__in=Action.LIVE_STATES).select_related(
        "owner", "section"
    )
    return queryset.prefetch_related("owner__groups") if public else queryset


# --- Gathering, in a fixed number of queries ------------------------------------------------


def _section_reports(
    period: ReviewPeriod, previous: ReviewPeriod | None, public: bool
) -> list[SectionReport]:
    """One report per section with its assessment, its key evidence and last period's rating."""
    sections = (
        Section.objects.filter(edition=period.edition)
        .order_by("number")
        .prefetch_related(Prefetch("criteria", queryset=Criterion.objects.order_by("number")))
    )
    assessments = SectionAssessment.objects.filter(period=period).select_related("assessed_by")
    key = Evidence.objects.filter(periods=period).order_by("-effective_date", "title", "pk")
    assessments = assessments.prefetch_related(Prefetch("key_evidence", queryset=key))
    if public:
        assessments = assessments.prefetch_related("assessed_by__groups")
    by_section = {a.section_id: a for a in assessments}
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
            assessment=by_section.get(s.pk),
            previous_rating=previous_ratings.get(s.number),
        )
        for s in sections
    ]


def _period_evidence(period: ReviewPeriod) -> QuerySet[Any]:
    return Evidence.periods.through.objects.filter(reviewperiod_id=period.pk).values("evidence_id")


class _Dated:
    """Stands for a criterion's evidence in the rating rules, which only ask whether any of
    it is in date: the latest review-by date (None when one has none) answers that."""

    def __init__(self, review_by: date | None):
        self.review_by = review_by


def _file_criteria(
    period: ReviewPeriod, reports: list[SectionReport], today: date, public: bool
) -> None:
    """Each criterion's rating in the period, its evidence counted (and its first titles),
    and the rating the criteria propose for each section. Three queries."""
    ratings = {r.criterion_id: r for r in CriterionAssessment.objects.filter(period=period)}
    criteria = [c for r in reports for c in r.section.criteria.all()]
    links = Evidence.criteria.through.objects.filter(
        criterion_id__in=[c.pk for c in criteria], evidence_id__in=_period_evidence(period)
    )
    counts = {
        row["criterion_id"]: row
        for row in links.values("criterion_id").annotate(
            n=Count("evidence_id"),
            undated=Count("evidence_id", filter=Q(evidence__review_by__isnull=True)),
            latest=Max("evidence__review_by"),
            overdue=Count("evidence_id", filter=Q(evidence__review_by__lt=today)),
        )
    }
    first = (
        links.annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("criterion_id")],
                order_by=[
                    F("evidence__review_by").asc(nulls_last=True),
                    F("evidence__title").asc(),
                    F("evidence_id").asc(),
                ],
            )
        )
        .filter(**{"rank__lte": CRITERION_TITLES})
        .select_related("evidence")
        .order_by(F("rank"))
    )
    titles: dict[int, list[ReportEvidence]] = {}
    for link in first:
        titles.setdefault(link.criterion_id, []).append(_evidence(link.evidence, today, public))
    for report in reports:
        states = []
        for criterion in report.section.criteria.all():
            row = ratings.get(criterion.pk)
            rating = row.rating if row else Rating.NOT_ASSESSED
            count = counts.get(criterion.pk, {"n": 0, "undated": 0, "latest": None, "overdue": 0})
            dated = []
            if count["n"]:
                dated = [_Dated(None if count["undated"] else count["latest"])]
            states.append(
                rating_rules.CriterionState(
                    criterion=criterion,
                    rating=rating,
                    evidence=dated,  # type: ignore[arg-type]
                    to_reconfirm=bool(row and row.to_reconfirm),
                )
            )
            shown = titles.get(criterion.pk, [])
            report.criterion_rows.append(
                {
                    "criterion": criterion,
                    "rating": Rating(rating).label,
                    "note": row.note if row else "",
                    "reason": row.reason if row else "",
                    "to_reconfirm": bool(row and row.to_reconfirm),
                    "evidence_count": count["n"],
                    "overdue_count": count["overdue"],
                    "evidence": [(e, e.overdue) for e in shown],
                    "more_evidence": max(count["n"] - len(shown), 0),
                }
            )
        report.criteria_summary = rating_rules.status_summary(rating_rules.status_counts(states))
        report.proposed = rating_rules.propose(states, today).label if states else ""


def _file_evidence(
    period: ReviewPeriod, reports: list[SectionReport], today: date, public: bool
) -> None:
    """Each section's evidence count and the key evidence to show: the officer's choice, or
    else the latest items. Two queries (one when every section has a choice)."""
    by_pk = {r.section.pk: r for r in reports}
    links = Evidence.sections.through.objects.filter(
        section_id__in=list(by_pk), evidence_id__in=_period_evidence(period)
    )
    for section_id, count in links.values_list("section_id").annotate(n=Count("evidence_id")):
        by_pk[section_id].evidence_count = count
    unchosen = []
    for report in reports:
        chosen = list(report.assessment.key_evidence.all()) if report.assessment else []
        if chosen:
            report.key_evidence_chosen = True
            report.key_evidence = [_evidence(e, today, public) for e in chosen[:KEY_EVIDENCE_MAX]]
        elif report.evidence_count:
            unchosen.append(report.section.pk)
    if not unchosen:
        return
    latest = (
        links.filter(section_id__in=unchosen)
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("section_id")],
                order_by=[
                    F("evidence__effective_date").desc(),
                    F("evidence__title").asc(),
                    F("evidence_id").asc(),
                ],
            )
        )
        .filter(**{"rank__lte": LATEST_EVIDENCE})
        .select_related("evidence")
        .order_by(F("rank"))
    )
    for link in latest:
        by_pk[link.section_id].key_evidence.append(_evidence(link.evidence, today, public))


def _file_actions(
    period: ReviewPeriod, reports: list[SectionReport], today: date, public: bool
) -> dict[str, Any]:
    """Each section's most urgent open actions and counts, and the plan for the next
    period (the first open actions of all). Four queries (six in the public version)."""
    # By number: an action carried into a period on a newer edition moved to that edition's
    # section, and still belongs under the same section of the earlier period's report.
    by_number = {r.section.number: r for r in reports}
    live = Q(status__in=Action.LIVE_STATES)
    totals = Counter[str]()
    rows = (
        Action.objects.filter(periods=period)
        .values("section__number")
        .annotate(
            total=Count("pk"),
            live=Count("pk", filter=live),
            overdue=Count("pk", filter=live & Q(due_date__lt=today)),
            done=Count("pk", filter=Q(status=Action.Status.DONE)),
        )
    )
    for row in rows:
        totals.update({k: row[k] for k in ("total", "live", "overdue", "done")})
        if (report := by_number.get(row["section__number"])) is not None:
            report.live_action_count = row["live"]
            report.overdue_action_count = row["overdue"]
    urgent = (
        _live_actions(period, public)
        .filter(section__number__in=list(by_number))
        .annotate(
            rank=Window(RowNumber(), partition_by=[F("section__number")], order_by=_URGENT_ORDER)
        )
        .filter(**{"rank__lte": SECTION_ACTIONS})
        .order_by(F("rank"))
    )
    for action in urgent:
        by_number[action.section.number].actions.append(_action(action, today, public))
    plan = _live_actions(period, public).order_by(*_URGENT_ORDER)[:PLAN_ACTIONS]
    return {
        "action_totals": dict(totals),
        "overdue_count": totals["overdue"],
        "next_plan": [_action(a, today, public) for a in plan],
        "next_plan_count": totals["live"],
    }


def _file_decisions(
    reports: list[SectionReport], decisions: list[ReportDecision]
) -> list[ReportDecision]:
    """Each section's most recent decisions with their count; the period's most recent."""
    by_pk = {r.section.pk: r for r in reports}
    for decision in reversed(decisions):  # newest first
        for section_id in decision.section_ids:
            if (report := by_pk.get(section_id)) is not None:
                report.decision_count += 1
                if len(report.decisions) < SECTION_DECISIONS:
                    report.decisions.append(decision)
    for report in reports:
        report.decisions.reverse()  # printed oldest first
    return decisions[-PERIOD_DECISIONS:]


def annual_review_context(
    period: ReviewPeriod, *, final: bool = False, public: bool = False
) -> dict[str, object]:
    """Everything the annual-review template shows, gathered in a fixed number of queries
    and cut to a fixed number of rows, whatever the volume of records."""
    today = timezone.localdate()
    grid = ratings_grid.ratings_grid(period)
    previous = period.previous()
    reports = _section_reports(period, previous, public)
    for report in reports:
        if report.assessment and report.assessment.assessed_by_id:
            report.assessor = _person(report.assessment.assessed_by, public)
    _file_criteria(period, reports, today, public)
    _file_evidence(period, reports, today, public)
    actions = _file_actions(period, reports, today, public)
    decisions = period_decisions(period)
    if public:
        decisions = [d for d in decisions if d.public]
    shown_decisions = _file_decisions(reports, decisions)
    evidence = Evidence.objects.filter(periods=period).aggregate(
        total=Count("pk"),
        sensitive=Count("pk", filter=Q(marking=SecurityMarking.OFFICIAL_SENSITIVE)),
    )
    ratings = Counter(r.assessment.rating for r in reports if r.assessment)
    organisation = get_organisation()
    marking: str
    if public:
        marking = SecurityMarking.OFFICIAL
    elif evidence["sensitive"]:
        marking = SecurityMarking.OFFICIAL_SENSITIVE
    else:
        marking = organisation.default_marking
    sign_off = _sign_off(period)
    context: dict[str, object] = {
        "organisation": organisation,
        "period": period,
        "previous": previous,
        "final": final,
        "public": public,
        "doc_draft": not final,
        "today": today,
        "doc_reference": f"Annual Prevent duty review {period.label}"
        + (" (public version)" if public else ""),
        "doc_marking": marking,
        "narratives": {name: getattr(period, name) for name, _label in NARRATIVES},
        "sections": reports,
        "grid": grid,
        "grid_image": ratings_grid.svg_data_uri(grid) if grid else "",
        "rating_counts": [(Rating(r).label, ratings.get(r, 0)) for r in Rating.values],
        "changes": sorted(Counter(r.change for r in reports).items()),
        **actions,
        "decisions": shown_decisions,
        "decision_count": len(decisions),
        "evidence_count": evidence["total"],
        "sensitive_count": evidence["sensitive"],
        "limits": {
            "section_actions": SECTION_ACTIONS,
            "plan_actions": PLAN_ACTIONS,
            "decisions": PERIOD_DECISIONS,
            "section_decisions": SECTION_DECISIONS,
        },
        "sign_off": sign_off,
        "signatory": (sign_off.signatory_role if public else sign_off.signatory)
        if sign_off
        else "",
    }
    for provider in CONTEXT_PROVIDERS:
        context.update(provider(period))
    return context


def annual_review_html(period: ReviewPeriod, *, final: bool = False, public: bool = False) -> str:
    return render_html(TEMPLATE, annual_review_context(period, final=final, public=public))


def annual_review_pdf(period: ReviewPeriod, *, final: bool = False, public: bool = False) -> bytes:
    """The report as tagged PDF: marked DRAFT on every page unless ``final``; the public
    version with ``public``."""
    html = annual_review_html(period, final=final, public=public)
    # The queries and the template leave tens of thousands of young objects behind; collected
    # now, WeasyPrint's many collections do not walk them again (bench/report.py: the
    # render ran about 8 % slower than WeasyPrint alone on the same HTML without this).
    gc.collect()
    return html_to_pdf(html)


def content_key(period: ReviewPeriod, *, public: bool = False, final: bool = False) -> str:
    """SHA-256 of the report's HTML: the same key means the same PDF, so a report asked
    for twice can be built once. (The HTML carries the day it was produced on, so the key
    changes from one day to the next as the printed report does.)"""
    html = annual_review_html(period, final=final, public=public)
    return hashlib.sha256(html.encode()).hexdigest()
