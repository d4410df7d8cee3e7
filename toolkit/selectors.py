"""Reads shared by toolkit pages, with their joins done up front."""

import secrets
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce, RowNumber
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.dates import MONTHS, MONTHS_3
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

from prevent_compliance.audit.registry import history_url
from prevent_compliance.roles import Role

from . import rating_rules
from .models import (
    ACTION_LIVE_STATES,
    ACTION_STATUS_TAG_CLASSES,
    CRITERION_RATINGS,
    LEVEL_TAG_CLASSES,
    RATING_TAG_CLASSES,
    Action,
    Criterion,
    CriterionAssessment,
    Evidence,
    Rating,
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
    sections = list(_sections_with_counts(period))
    assessments = {}
    if period:
        assessments = {a.section_id: a for a in SectionAssessment.objects.filter(period=period)}
        criteria = criterion_status_by_section(period)
        for section in sections:
            summary = rating_rules.status_summary(criteria.get(section.pk, {}))
            section.criteria_summary = summary  # type: ignore[attr-defined]
    return [(section, assessments.get(section.pk)) for section in sections]


def _sections_with_counts(period: ReviewPeriod | None) -> QuerySet[Section]:
    """The edition's sections, each with its evidence and open actions in the period."""
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
    return current_edition_sections(period).annotate(
        evidence_count=_count(evidence, "evidence_id"),
        live_action_count=_count(live_actions, "pk"),
    )


def dashboard_counts(period: ReviewPeriod | None, today: date) -> QuerySet[Section]:
    """The sections with their counts, each row also carrying the dashboard's totals.

    One query: the totals (overdue actions, evidence due for review) and the title of the
    latest guidance the period has not re-confirmed against are scalar subqueries, the same
    in every row. toolkit/summary.py keeps the result in the shared cache.
    """
    overdue, review_due = _totals(today)
    return _sections_with_counts(period).annotate(
        overdue_total=overdue,
        review_due_total=review_due,
        pending_guidance=_pending_guidance(period),
        **_criterion_counts(period),
    )


def _criterion_counts(period: ReviewPeriod | None) -> dict[str, Subquery]:
    """Per section row: its criteria in the period in all, in each rating and to re-confirm
    (``crit_total``, ``crit_<rating>``, ``crit_to_reconfirm``), as scalar subqueries."""
    if period is None:
        return {}
    rated = CriterionAssessment.objects.filter(period=period, criterion__section_id=OuterRef("pk"))
    counts = {"crit_total": _scalar_count(rated)}
    counts["crit_to_reconfirm"] = _scalar_count(rated.filter(to_reconfirm=True))
    for rating in CRITERION_RATINGS:
        counts[f"crit_{rating.value}"] = _scalar_count(rated.filter(rating=rating))
    return counts


def criterion_counts_of(section: Section) -> dict[str, int] | None:
    """The criterion counts a ``dashboard_counts`` row carries, in the shape of
    ``rating_rules.status_counts`` (None when the section has no rated criteria)."""
    total = getattr(section, "crit_total", 0)
    if not total:
        return None
    counts = rating_rules.status_counts([])
    counts["total"] = total
    counts["to_reconfirm"] = getattr(section, "crit_to_reconfirm", 0)
    for rating in CRITERION_RATINGS:
        counts[rating.value] = getattr(section, f"crit_{rating.value}")
    return counts


def _pending_guidance(period: ReviewPeriod | None) -> Subquery | Value:
    if period is None:
        return Value(None, output_field=CharField())
    titles = period.pending_guidance().order_by("-recorded_at", "-pk").values("title")[:1]
    return Subquery(titles, output_field=CharField())


def dashboard_overdue(today: date, limit: int) -> list[int]:
    """The pks of the first overdue actions, in the order the dashboard lists them.

    Finding them sorts every overdue action, so toolkit/summary.py keeps the answer with
    the counts; the dashboard then reads those few rows by primary key.
    """
    first = Action.objects.overdue(today).order_by("due_date", "title", "pk")[:limit]
    return list(first.values_list("pk", flat=True))


def dashboard_totals(period: ReviewPeriod | None, today: date) -> tuple[int, int, str | None]:
    """The dashboard totals when there is no section to carry them (toolkit not loaded)."""
    guidance = period.pending_guidance().values_list("title", flat=True).first() if period else None
    return (
        Action.objects.overdue(today).count(),
        Evidence.objects.review_due(today).count(),
        guidance,
    )


def _totals(today: date) -> tuple[Subquery, Subquery]:
    return (
        _scalar_count(Action.objects.overdue(today)),
        _scalar_count(Evidence.objects.review_due(today)),
    )


def _scalar_count(queryset: QuerySet[Any]) -> Subquery:
    """SELECT COUNT(*) of a queryset as a scalar subquery (Func, so no GROUP BY is added)."""
    counted = queryset.order_by().values(_n=Func(F("pk"), function="COUNT"))
    return Subquery(counted, output_field=IntegerField())


def _count(queryset: QuerySet[Any], column: str) -> Coalesce:
    """COUNT(column) of a queryset correlated on section_id, as an annotation.

    The link tables are unique on (record, section) and (record, period), so no row is
    counted twice and COUNT needs no DISTINCT (which would sort in a temporary B-tree).
    """
    counted = queryset.order_by().values("section_id").annotate(_n=Count(column)).values("_n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), 0)


def get_section(number: int, period: ReviewPeriod | None) -> Section:
    section = current_edition_sections(period).filter(number=number).first()
    if section is None:
        raise Http404("No such toolkit section.")
    return section


def criterion_rows(period: ReviewPeriod, section: Section) -> list[CriterionAssessment]:
    """The section's criterion ratings in the period, in criterion order; the period and
    section given are set on them rather than joined and built again for every row."""
    rows = list(
        CriterionAssessment.objects.filter(period=period, criterion__section=section)
        .select_related("criterion", "assessed_by")
        .order_by("criterion__number")
    )
    for row in rows:
        row.period = period
        row.criterion.section = section
    return rows


def criterion_evidence(period: ReviewPeriod, section_ids: list[int]) -> dict[int, list[Evidence]]:
    """Criterion pk -> the evidence linked to it that counts towards the period, in one query
    (review-by date first, so overdue items lead)."""
    links = (
        Evidence.criteria.through.objects.filter(
            criterion__section_id__in=section_ids,
            evidence_id__in=Evidence.periods.through.objects.filter(
                reviewperiod_id=period.pk
            ).values("evidence_id"),
        )
        .select_related("evidence")
        .order_by("evidence__review_by", "evidence__title")
    )
    found: dict[int, list[Evidence]] = {}
    for link in links:
        found.setdefault(link.criterion_id, []).append(link.evidence)
    return found


def criterion_states(
    rows: list[CriterionAssessment], evidence: dict[int, list[Evidence]]
) -> list[rating_rules.CriterionState]:
    return [
        rating_rules.CriterionState(
            criterion=row.criterion,
            rating=row.rating,
            evidence=evidence.get(row.criterion_id, []),
            to_reconfirm=row.to_reconfirm,
        )
        for row in rows
    ]


def criterion_status_by_section(period: ReviewPeriod | None) -> dict[int, dict[str, int]]:
    """Section pk -> how many of its criteria are in each state in the period (one query)."""
    if period is None:
        return {}
    rows = (
        CriterionAssessment.objects.filter(period=period)
        .values("criterion__section_id", "rating", "to_reconfirm")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[int, dict[str, int]] = {}
    for row in rows:
        entry = counts.setdefault(row["criterion__section_id"], rating_rules.status_counts([]))
        entry["total"] += row["n"]
        entry[row["rating"]] += row["n"]
        if row["to_reconfirm"]:
            entry["to_reconfirm"] += row["n"]
    return counts


def section_evidence(section: Section, period: ReviewPeriod | None) -> QuerySet[Evidence]:
    """Evidence for a section that counts towards the period (all of it if there is none).

    EXISTS rather than joins: the database walks the list order's index
    (``toolkit_evidence_list_order``) and stops at the page's LIMIT, instead of sorting
    every item of the section in the period (on SQLite at factor 10: 1.2 ms, not 15 ms).
    """
    links = Evidence.sections.through.objects.filter(
        section_id=section.pk, evidence_id=OuterRef("pk")
    )
    queryset = evidence_rows().filter(Exists(links))
    if period:
        counted = Evidence.periods.through.objects.filter(
            reviewperiod_id=period.pk, evidence_id=OuterRef("pk")
        )
        queryset = queryset.filter(Exists(counted))
    return queryset


def evidence_list() -> QuerySet[Evidence]:
    """Evidence with who added it and its sections, as one record's page shows them."""
    return Evidence.objects.select_related("added_by").prefetch_related("sections")


def evidence_rows() -> QuerySet[Evidence]:
    """Evidence as the tables list it (partials/evidence_table.html): its own columns only,
    so a page of it is one query (no join to who added it, no query for its sections)."""
    return Evidence.objects.all()


def section_and_assessment(
    number: int, period: ReviewPeriod | None
) -> tuple[Section, SectionAssessment | None]:
    """A section of the period's edition and its assessment in the period, in one query
    when the assessment exists (as it does for every section of an open period)."""
    assessment = None
    if period is not None:
        assessment = (
            SectionAssessment.objects.filter(
                period=period, section__edition_id=period.edition_id, section__number=number
            )
            .select_related("assessed_by", "section")
            .first()
        )
    if assessment is None or period is None:
        return get_section(number, period), None
    assessment.period = period
    return assessment.section, assessment


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


# --- The dashboard: plain rows for the template, counted once (toolkit/summary.py) ----------


def _rating_cell(assessment: SectionAssessment | None) -> dict[str, str]:
    if assessment is None:
        return {"label": "", "tag_class": "", "meaning": ""}
    return {
        "label": assessment.get_rating_display(),
        "tag_class": assessment.rating_tag_class,
        "meaning": assessment.rating_meaning,
    }


def _history_cells(cells: list[SectionAssessment | None]) -> SafeString:
    """One row of the rating-history grid as a fragment, so the template loops only once."""
    return format_html_join(
        "",
        '<td class="govuk-table__cell">{}</td>',
        (
            (
                format_html(
                    '<strong class="govuk-tag {}">{}</strong>',
                    a.rating_tag_class,
                    a.get_rating_display(),
                )
                if a
                else mark_safe('<span class="app-meta">No record</span>'),
            )
            for a in cells
        ),
    )


def dashboard(
    period: ReviewPeriod | None, today: date, *, counts: Any, limit: int
) -> dict[str, Any]:
    """Everything the dashboard shows, as plain data; ``counts`` from toolkit/summary.py.

    The totals, the first overdue actions and the pending guidance come with ``counts``;
    the rest is read by primary key or with LIMIT through an index. Seven queries, whatever
    the size of the data.
    """
    sections = counts.sections
    periods, history = rating_history(sections, 5)
    assessments = {}
    column = next((i for i, p in enumerate(periods) if period and p.pk == period.pk), None)
    if column is not None:  # the period is among the last five: its ratings came with them
        assessments = {s.pk: cells[column] for s, cells in history if cells[column]}
    elif period:
        assessments = {a.section_id: a for a in SectionAssessment.objects.filter(period=period)}
    ratings = [
        {
            "number": s.number,
            "title": s.title,
            "url": s.url,
            **_rating_cell(assessments.get(s.pk)),
            "evidence": counts.evidence.get(s.pk, 0),
            "live_actions": counts.live_actions.get(s.pk, 0),
            "criteria": rating_rules.status_summary(counts.criteria.get(s.pk, {}))
            if period
            else "",
        }
        for s in sections
    ]
    by_pk = Action.objects.select_related("owner", "section").in_bulk(counts.overdue_first[:limit])
    overdue = [by_pk[pk] for pk in counts.overdue_first[:limit] if pk in by_pk]
    due = Evidence.objects.review_due(today).order_by("review_by", "title")[:limit]
    return {
        "ratings": ratings,
        "history_periods": [p.label for p in periods],
        "history_rows": [
            {"number": s.number, "title": s.title, "cells": _history_cells(cells)}
            for s, cells in history
        ],
        "overdue_actions": [
            {
                "url": a.get_absolute_url(),
                "title": a.title,
                "section_number": a.section.number,
                "owner": a.owner.get_full_name() or a.owner.username,
                "due_date": a.due_date,
            }
            for a in overdue
        ],
        "overdue_count": counts.overdue,
        "review_due": [
            {
                "url": e.get_absolute_url(),
                "title": e.title,
                "review_by": e.review_by,
                "overdue": e.review_by < today,
            }
            for e in due
        ],
        "review_due_count": counts.review_due,
        "pending_guidance": counts.pending_guidance,
    }


# A section page lists this many of each criterion's evidence (overdue first), then says how
# many more there are: a criterion gathers evidence every year, and the page must not grow.
CRITERION_EVIDENCE_SHOWN = 5


@dataclass(frozen=True)
class CriterionEvidence:
    """What a section page shows of one criterion's evidence in the period."""

    shown: list[Evidence]  # the first ones by review-by date (overdue first)
    total: int  # how many in all
    in_date: Evidence | None  # one that is in date, if any is (for the rating rules)

    def for_rules(self) -> list[Evidence]:
        """Evidence that gives the rating rules the answers the whole list would give: the
        rules ask only whether any item is in date and which are overdue."""
        extra = [self.in_date] if self.in_date and self.in_date not in self.shown else []
        return [*self.shown, *extra]


def criterion_evidence_shown(
    period: ReviewPeriod, section_ids: list[int], today: date, limit: int = CRITERION_EVIDENCE_SHOWN
) -> dict[int, CriterionEvidence]:
    """Criterion pk -> its first ``limit`` evidence items of the period, their number and one
    in-date item: one query, which returns at most ``limit + 1`` rows a criterion."""
    in_period = Evidence.periods.through.objects.filter(reviewperiod_id=period.pk)
    in_date = Q(evidence__review_by__isnull=True) | Q(evidence__review_by__gte=today)
    flag = Case(When(in_date, then=Value(1)), default=Value(0), output_field=IntegerField())
    by_criterion = [F("criterion_id")]
    links = (
        Evidence.criteria.through.objects.filter(
            criterion__section_id__in=section_ids,
            evidence_id__in=in_period.values("evidence_id"),
        )
        .annotate(
            in_date_flag=flag,
            rank=Window(
                RowNumber(),
                partition_by=by_criterion,
                order_by=[
                    F("evidence__review_by").asc(nulls_last=True),
                    F("evidence__title").asc(),
                    F("evidence_id").asc(),
                ],
            ),
            in_date_rank=Window(
                RowNumber(),
                partition_by=[F("criterion_id"), flag],
                order_by=[F("evidence__review_by").desc(nulls_first=True), F("evidence_id").asc()],
            ),
            total=Window(Count("pk"), partition_by=by_criterion),
        )
        .filter(Q(rank__lte=limit) | Q(in_date_flag=1, in_date_rank=1))
        .select_related("evidence")
        .order_by("criterion_id", "rank")
    )
    rows: dict[int, dict[str, Any]] = {}
    for link in links:
        entry = rows.setdefault(link.criterion_id, {"shown": [], "total": 0, "in_date": None})
        entry["total"] = link.total  # type: ignore[attr-defined]  # the annotations above
        if link.rank <= limit:  # type: ignore[attr-defined]
            entry["shown"].append(link.evidence)
        if link.in_date_flag and link.in_date_rank == 1:  # type: ignore[attr-defined]
            entry["in_date"] = link.evidence
    return {pk: CriterionEvidence(**entry) for pk, entry in rows.items()}


@dataclass(frozen=True)
class SectionEvidenceSummary:
    """A section's evidence in a period as its page shows it, in plain values that any cache
    can keep: each criterion's first items, their number and one in-date item, and how many
    evidence items the section has in the period (counted up to COUNT_LIMIT + 1)."""

    # criterion pk -> ([(pk, public_id, title, review_by)], total, in-date item or None)
    criteria: dict[int, tuple[list[tuple[Any, ...]], int, tuple[Any, ...] | None]]
    evidence_count: int

    def criterion_evidence(self) -> dict[int, CriterionEvidence]:
        def item(values: tuple[Any, ...]) -> Evidence:
            # As .only() builds them: the other fields deferred rather than each given its
            # default (Evidence(...) with keywords cost most of this page's criteria).
            return Evidence.from_db(None, ["id", "public_id", "title", "review_by"], values)

        return {
            pk: CriterionEvidence(
                shown=[item(v) for v in shown],
                total=total,
                in_date=item(in_date) if in_date else None,
            )
            for pk, (shown, total, in_date) in self.criteria.items()
        }


def section_evidence_summary(
    section: Section, period: ReviewPeriod, today: date
) -> SectionEvidenceSummary:
    """Two queries: the criteria's first evidence items, and the section's evidence count."""
    from prevent_compliance.web import COUNT_LIMIT

    def plain(e: Evidence) -> tuple[Any, ...]:
        return (e.pk, e.public_id, e.title, e.review_by)

    found = criterion_evidence_shown(period, [section.pk], today)
    counted = section_evidence(section, period).order_by().values("pk")[: COUNT_LIMIT + 1]
    return SectionEvidenceSummary(
        criteria={
            pk: (
                [plain(e) for e in ce.shown],
                ce.total,
                plain(ce.in_date) if ce.in_date else None,
            )
            for pk, ce in found.items()
        },
        evidence_count=counted.count(),
    )


def _evidence_items(
    shown: list[Evidence], today: date, url: Callable[[Any], str], day: Callable[[date], str]
) -> SafeString:
    """A criterion's evidence as list items, prepared here so the template loops only once."""
    return format_html_join(
        "",
        "<li>{}</li>",
        (
            (
                format_html(
                    '<a class="govuk-link" href="{}">{}</a>{}',
                    url(e.public_id),
                    e.title,
                    format_html(
                        ' <strong class="govuk-tag govuk-tag--red">Overdue for review</strong>'
                        ' <span class="app-meta">due {}</span>',
                        day(e.review_by),
                    )
                    if e.review_by is not None and rating_rules.overdue(e, today)
                    else "",
                ),
            )
            for e in shown
        ),
    )


def section_criteria(
    period: ReviewPeriod | None,
    section: Section,
    assessment: SectionAssessment | None,
    today: date,
    evidence: SectionEvidenceSummary | None = None,
) -> dict[str, Any]:
    """What a section page shows about its criteria in the period: each criterion with its
    rating and first evidence items (overdue flagged), the counts, the proposed rating and
    any rule the saved section rating no longer keeps (evidence goes overdue as days pass).
    ``evidence``: the summary kept in the cache (toolkit/summary.py), else read here."""
    if period is None:
        return {"criterion_rows": [], "criteria_summary": "", "proposed": None, "rule_problems": []}
    rows = criterion_rows(period, section)
    if evidence is not None:
        found = evidence.criterion_evidence()
    else:
        found = criterion_evidence_shown(period, [section.pk], today)
    nothing = CriterionEvidence(shown=[], total=0, in_date=None)
    states = criterion_states(rows, {pk: items.for_rules() for pk, items in found.items()})
    problems = []
    if assessment is not None and assessment.rating in rating_rules.HIGH_RATINGS:
        problems = rating_rules.high_rating_problems(states, today)
    write = {"url": detail_url("toolkit:evidence_detail"), "day": date_writer(long=True)}
    return {
        "criterion_rows": [
            _criterion_card(row, found.get(row.criterion_id, nothing), today, **write)
            for row in rows
        ],
        "criteria_summary": rating_rules.status_summary(rating_rules.status_counts(states)),
        "proposed": rating_rules.propose(states, today) if rows else None,
        "rule_problems": problems,
    }


LEVEL_LABELS = dict(Criterion.Level.choices)
DUTY_HOLDER_LABELS = dict(Criterion.DutyHolder.choices)
RATING_LABELS = dict(Rating.choices)


def _criterion_card(
    row: CriterionAssessment,
    items: CriterionEvidence,
    today: date,
    url: Callable[[Any], str],
    day: Callable[[date], str],
) -> dict:
    """One criterion's card on the section page, in plain values: the template reads keys,
    not model properties, display lookups and filters (eight cards were a fifth of the page).
    ``row``, ``criterion`` and ``evidence`` (the items shown) stay for the callers that check
    the records; whether each is overdue is worked out once, in ``evidence_items``."""
    criterion, by = row.criterion, row.assessed_by
    return {
        "row": row,
        "criterion": criterion,
        "heading": f"{criterion.code} {criterion.text}",
        "level": LEVEL_LABELS[criterion.level],
        "level_tag_class": LEVEL_TAG_CLASSES.get(
            Criterion.Level(criterion.level), "govuk-tag--blue"
        ),
        "duty_holder": DUTY_HOLDER_LABELS.get(criterion.duty_holder, ""),
        "source": criterion.source,
        "code": criterion.code,
        "rating": RATING_LABELS[row.rating],
        "rating_tag_class": RATING_TAG_CLASSES[Rating(row.rating)],
        "to_reconfirm": row.to_reconfirm,
        "assessed": (
            f"{by.get_full_name() or by.username}, {day(timezone.localtime(row.assessed_at))}"
            if by and row.assessed_at
            else ""
        ),
        "history_url": history_url(row),
        "reason": row.reason,
        "note": row.note,
        "evidence": items.shown,
        "evidence_items": _evidence_items(items.shown, today, url, day),
        "evidence_total": items.total,
        "evidence_more": items.total - len(items.shown),
    }


# --- Tables: plain rows, so a page of them renders without a model instance per row ---------


def detail_url(name: str) -> Callable[[Any], str]:
    """The URL of route ``name`` for a public_id, resolved once: reverse() per row of a table
    cost as much as the rest of the row, and only the UUID differs from row to row."""
    stand_in = str(uuid.UUID(int=0))
    url = reverse(name, kwargs={"public_id": stand_in})
    return lambda public_id: url.replace(stand_in, str(public_id))


def date_writer(*, long: bool = False) -> Callable[[date], str]:
    """Writes dates as the ``date:"j M Y"`` filter does (``"j F Y"`` if ``long``), with the
    month names translated once for a whole table rather than in every cell."""
    names = {
        n: str(m) if long else str(m).title() for n, m in (MONTHS if long else MONTHS_3).items()
    }
    return lambda day: f"{day.day} {names[day.month]} {day.year:04d}"


@dataclass(frozen=True, slots=True)
class EvidenceRow:
    """Evidence as partials/evidence_table.html lists it."""

    pk: int
    url: str
    title: str
    kind: str
    effective: str
    review_by: str
    marking: str


def evidence_values(queryset: QuerySet[Evidence]) -> QuerySet[Evidence, Any]:
    """The columns evidence_table needs, read as values (no model instances)."""
    return queryset.values(
        "pk", "public_id", "title", "kind", "effective_date", "review_by", "marking"
    )


def evidence_table(rows: Iterable[dict[str, Any]]) -> list[EvidenceRow]:
    """``evidence_values`` rows as the table shows them."""
    url, kinds = detail_url("toolkit:evidence_detail"), dict(Evidence.Kind.choices)
    day = date_writer()
    return [
        EvidenceRow(
            pk=r["pk"],
            url=url(r["public_id"]),
            title=r["title"],
            kind=kinds.get(r["kind"], r["kind"]),
            effective=day(r["effective_date"]),
            review_by=day(r["review_by"]) if r["review_by"] else "Not set",
            marking=r["marking"],
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class ActionRow:
    """An action as partials/action_table.html lists it (overdue: live and past its due date)."""

    pk: int
    url: str
    title: str
    priority: str
    section_number: int
    owner: str
    due: str
    status: str
    status_tag_class: str
    overdue: bool


def action_values(queryset: QuerySet[Action]) -> QuerySet[Action, Any]:
    """The columns action_table needs, owner and section joined, read as values."""
    return queryset.values(
        "pk",
        "public_id",
        "title",
        "priority",
        "status",
        "due_date",
        "section__number",
        "owner__first_name",
        "owner__last_name",
        "owner__username",
    )


def action_table(rows: Iterable[dict[str, Any]], today: date) -> list[ActionRow]:
    """``action_values`` rows as the table shows them."""
    url = detail_url("toolkit:action_detail")
    priorities, statuses = dict(Action.Priority.choices), dict(Action.Status.choices)
    day = date_writer()
    return [
        ActionRow(
            pk=r["pk"],
            url=url(r["public_id"]),
            title=r["title"],
            priority=priorities.get(r["priority"], r["priority"]),
            section_number=r["section__number"],
            # As User.get_full_name(), else the username.
            owner=f"{r['owner__first_name']} {r['owner__last_name']}".strip()
            or r["owner__username"],
            due=day(r["due_date"]),
            status=statuses.get(r["status"], r["status"]),
            status_tag_class=ACTION_STATUS_TAG_CLASSES.get(r["status"], "govuk-tag--blue"),
            overdue=r["status"] in ACTION_LIVE_STATES and r["due_date"] < today,
        )
        for r in rows
    ]


# --- Who can own an action (the action plan's owner filter) --------------------------------


def staff_users() -> QuerySet[Any]:
    """Active users who hold any role: the people who can own an action."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[r.value for r in Role])
        .distinct()
        .order_by("first_name", "last_name", "username")
    )


OWNERS_GENERATION_KEY = "toolkit:action-owners:generation"
OWNERS_TIMEOUT = 24 * 60 * 60


def action_owner_choices() -> list[tuple[int, str]]:
    """(pk, name) of everyone who can own an action, in name order, kept in the shared cache:
    reading every member of staff on each request made the action plan grow with the staff.

    The list is kept under a generation that any change to a user or to role membership
    renews, at once and again on commit (``forget_action_owners``, connected in
    toolkit/rules.py), as the dashboard's counts are (toolkit/summary.py); a read inside a
    transaction may see changes not yet committed, so it reads the database.
    """
    if connection.in_atomic_block:
        return _action_owners()
    generation = cache.get(OWNERS_GENERATION_KEY)
    if generation is None:
        cache.add(OWNERS_GENERATION_KEY, secrets.token_hex(8), None)
        generation = cache.get(OWNERS_GENERATION_KEY) or "none"
    key = f"toolkit:action-owners:{generation}"
    choices = cache.get(key)
    if choices is None:
        choices = _action_owners()
        cache.set(key, choices, OWNERS_TIMEOUT)
    return choices


def _action_owners() -> list[tuple[int, str]]:
    users = staff_users().values_list("pk", "first_name", "last_name", "username")
    return [(pk, f"{first} {last}".strip() or username) for pk, first, last, username in users]


def forget_action_owners() -> None:
    """A user or a role changed: start a new generation of the owner list now, and again
    when the change commits, so no list computed from the data before it is read after."""
    _new_owners_generation()
    if connection.in_atomic_block:
        transaction.on_commit(_new_owners_generation)


def _new_owners_generation() -> None:
    cache.set(OWNERS_GENERATION_KEY, secrets.token_hex(8), None)
