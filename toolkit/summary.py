"""The dashboard's counts, kept in the shared cache so the dashboard does not count on each read.

Counting every evidence item and action of the period on every request grows with the data,
which never shrinks. The counts (per section: evidence and open actions in the period; in all:
overdue actions and evidence due for review), which overdue actions come first and the
guidance the period has not been re-confirmed against and how many of each section's criteria
are met, not met or to re-confirm are computed once and kept in the configured
cache (settings.CACHES), which every app process shares, under a key that names the current
*generation*, the review period and the date (overdue and review-due depend on the day).

Every service that changes what is counted calls ``dashboard_changed()`` inside its
transaction: it starts a new generation at once and again when the transaction commits, so

* no process can keep serving counts computed before a committed change: the generation it
  reads after the commit is new, and the counts under it are computed after the commit;
* counts another process computed between the first bump and the commit (from the data before
  the change) sit under a generation the commit replaces, so nobody reads them after it.

A read inside a transaction (``connection.in_atomic_block``) neither reads nor stores the cache:
it may see changes of its own that are not committed yet (or, on SQLite, a snapshot taken
before someone else's commit), so it counts from the database, as the rows it sees.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING, TypeVar

from django.core.cache import cache
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from . import selectors

if TYPE_CHECKING:
    from .models import ReviewPeriod, Section

T = TypeVar("T")

GENERATION_KEY = "toolkit:dashboard:generation"
# Part of every key: raised when DashboardCounts changes shape, so no process unpickles
# counts of the old shape (2: criterion status per section; 3: the section rows themselves;
# 4: the dashboard's toolkit part rendered, DASHBOARD_PART).
SHAPE = 4
# The dashboard's part rendered by dashboard_view: it must not depend on the user.
DASHBOARD_PART = "toolkit/partials/dashboard_toolkit.html"
# Counts keyed by date are useless the next day; a day bounds what a key can hold on to.
TIMEOUT = 24 * 60 * 60
# How many overdue actions the summary lists (the dashboard shows up to this many).
FIRST_OVERDUE = 10


@dataclass(frozen=True)
class SectionRow:
    """A section as the dashboard lists it (kept with the counts: no query to list them)."""

    pk: int
    number: int
    title: str
    url: str


@dataclass(frozen=True)
class DashboardCounts:
    """Plain numbers, safe to pickle into any cache backend."""

    evidence: dict[int, int]  # section pk -> evidence counting towards the period
    live_actions: dict[int, int]  # section pk -> open or in-progress actions in the period
    overdue: int  # open or in-progress actions whose due date has passed
    review_due: int  # evidence past or within 30 days of its review-by date
    overdue_first: list[int]  # pks of the first overdue actions, in the dashboard's order
    pending_guidance: str | None  # the latest guidance the period is not re-confirmed against
    # section pk -> its criteria in each state ("met": 3, "total": 5, "to_reconfirm": 1 …)
    criteria: dict[int, dict[str, int]] = field(default_factory=dict)
    sections: list[SectionRow] = field(default_factory=list)  # the edition's, in order


def forget_dashboard() -> None:
    """Start a new generation: every process computes the counts afresh on its next read."""
    cache.set(GENERATION_KEY, secrets.token_hex(8), None)


def dashboard_changed() -> None:
    """Call inside the transaction of any change to what the dashboard counts.

    Forgets now (so the rest of this transaction, and any process reading meanwhile, does
    not reuse counts from before) and again on commit (so counts computed from the data
    before the commit are never read after it).
    """
    forget_dashboard()
    transaction.on_commit(forget_dashboard)


def _generation() -> str:
    generation = cache.get(GENERATION_KEY)
    if generation is None:
        cache.add(GENERATION_KEY, secrets.token_hex(8), None)
        generation = cache.get(GENERATION_KEY) or "none"
    return generation


def _key(generation: str, period: ReviewPeriod | None, today: date) -> str:
    period_pk = period.pk if period else 0
    return f"toolkit:dashboard:v{SHAPE}:{generation}:{period_pk}:{today.isoformat()}"


def compute(period: ReviewPeriod | None, today: date) -> DashboardCounts:
    """The counts from the database, in two queries (three when no toolkit is loaded)."""
    evidence, live_actions, criteria, rows, totals = {}, {}, {}, [], None
    for section in selectors.dashboard_counts(period, today):
        evidence[section.pk] = section.evidence_count
        live_actions[section.pk] = section.live_action_count
        if (rated := selectors.criterion_counts_of(section)) is not None:
            criteria[section.pk] = rated
        rows.append(
            SectionRow(section.pk, section.number, section.title, section.get_absolute_url())
        )
        totals = (section.overdue_total, section.review_due_total, section.pending_guidance)
    if totals is None:  # no sections loaded: nothing to count per section, totals apart
        totals = selectors.dashboard_totals(period, today)
    overdue, review_due, guidance = totals
    first = selectors.dashboard_overdue(today, FIRST_OVERDUE)
    return DashboardCounts(
        evidence, live_actions, overdue, review_due, first, guidance, criteria, rows
    )


def _cached(key_of: Callable[[str], str], computed: Callable[[], T]) -> T:
    """A value kept under the current generation: from the shared cache, or computed and
    stored there; never cached inside a transaction (see the module docstring)."""
    if connection.in_atomic_block:
        return computed()
    # The generation is read before the value is computed, so values stored under it were
    # computed after any commit that ended an earlier generation (see the module docstring).
    key = key_of(_generation())
    value = cache.get(key)
    if value is None:
        value = computed()
        cache.set(key, value, TIMEOUT)
    return value


def dashboard_counts(period: ReviewPeriod | None, today: date) -> DashboardCounts:
    """The counts for the dashboard: from the shared cache, or computed and stored there."""
    return _cached(
        lambda generation: _key(generation, period, today), lambda: compute(period, today)
    )


def current_period(today: date) -> ReviewPeriod | None:
    """The period the dashboard is about (``selectors.current_period``), kept under the
    generation: the services that open a period or change its dates or status start a new
    one, and the key names the day. Its report narratives (which the dashboard does not show)
    change without one, so only the dashboard reads the period from here."""

    def key_of(generation: str) -> str:
        return f"toolkit:current-period:v{SHAPE}:{generation}:{today.isoformat()}"

    return _cached(key_of, selectors.current_period)


def dashboard_view(period: ReviewPeriod | None, today: date, limit: int) -> dict:
    """Everything the dashboard shows of the toolkit (``selectors.dashboard``: plain rows,
    strings and numbers), kept under the generation as the counts are: the ratings and their
    history, the first overdue actions and evidence due for review change only through the
    services that start a new generation, and the key names the day.

    With them, ``toolkit_html``: that part of the page rendered (the ratings table, the
    ratings picture, the history, the overdue actions and evidence due). Drawing it cost as
    much as the rest of the page; it shows nothing of the user, so one rendering serves all.
    """

    def key_of(generation: str) -> str:
        period_pk = period.pk if period else 0
        return f"toolkit:dashboard-view:v{SHAPE}:{generation}:{period_pk}:{today}:{limit}"

    def computed() -> dict:
        counts = dashboard_counts(period, today)
        shown = selectors.dashboard(period, today, counts=counts, limit=limit)
        html = render_to_string(DASHBOARD_PART, {"period": period, **shown})
        return {**shown, "toolkit_html": mark_safe(html)}  # noqa: S308 (our template's output)

    return _cached(key_of, computed)


def section_evidence(
    section: Section, period: ReviewPeriod, today: date
) -> selectors.SectionEvidenceSummary:
    """The section page's evidence summary (``selectors.section_evidence_summary``), kept
    with the dashboard's counts: the same services change both (``dashboard_changed``), and
    it depends on the day as they do."""

    def key_of(generation: str) -> str:
        return f"toolkit:section:v{SHAPE}:{generation}:{period.pk}:{section.pk}:{today.isoformat()}"

    return _cached(key_of, lambda: selectors.section_evidence_summary(section, period, today))
