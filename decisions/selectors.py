"""Reads shared by the decision pages, with their joins done up front.

Reads never depend on writes: nothing here imports ``decisions.services``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from prevent_compliance.rules import allowed

from .models import Appendix, Decision, DecisionRelease, SupportingSection

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User

logger = logging.getLogger(__name__)


def decision_list() -> QuerySet[Decision]:
    # The status note and comment times are what the "whose step" column reads
    # (decisions/waiting.py whose_step).
    return Decision.objects.only(
        "reference",
        "register",
        "title",
        "decision_date",
        "status",
        "confidentiality",
        "lead_officer",
        "status_note",
        "treasurer_commented_at",
        "chief_executive_commented_at",
        "register",  # get_absolute_url reads it
    )


def _with_content(queryset: QuerySet[Decision]) -> QuerySet[Decision]:
    return queryset.select_related(
        "signed_by",
        "created_by",
        "approved_by",
        "treasurer_commented_by",
        "chief_executive_commented_by",
    ).prefetch_related(
        "sections",
        Prefetch("supporting_sections", queryset=SupportingSection.objects.order_by("position")),
        Prefetch("appendices", queryset=Appendix.objects.order_by("position")),
    )


def get_decision_for(
    user: User | AnonymousUser, reference: str, *, write: bool = False
) -> Decision:
    """The decision with this reference, if the user may see it (and change it, with write).

    Raises Http404 if there is none and PermissionDenied if the user may not.
    """
    decision = _with_content(Decision.objects.by_url_key(reference)).first()
    if decision is None:
        raise Http404("No decision has this reference.")
    if not allowed(user, "decisions.view_decision", decision):
        raise PermissionDenied
    if write and not allowed(user, "decisions.change_decision", decision):
        raise PermissionDenied
    return decision


# --- The public log: only what may be published ---------------------------------------------


def public_decisions(*, year: int | None = None, query: str = "") -> QuerySet[Decision]:
    """Published and withheld records, newest first; search never reaches withheld text."""
    queryset = Decision.objects.public()
    if year:
        queryset = queryset.filter(decision_date__year=year)
    if query:
        open_sections = SupportingSection.objects.filter(
            decision=OuterRef("pk"), withheld=False, body__icontains=query
        )
        open_text = (
            Q(summary__icontains=query) | Q(lead_officer__icontains=query) | Exists(open_sections)
        )
        queryset = queryset.filter(
            Q(reference__icontains=query)
            | Q(title__icontains=query)
            | (~Q(confidentiality=Decision.Confidentiality.CONFIDENTIAL) & open_text)
        )
    return queryset.order_by("-decision_date", "-reference")


# --- The public log's filters and sort orders (public_views.decision_log) ------------------

# The day each term of office of every Police and Crime Commissioner began: the seventh day
# after the poll (15 November 2012, 5 May 2016, 6 May 2021 after the year's postponement,
# 2 May 2024, then every fourth May). The organisation counts its terms from its own
# current term number (OrganisationProfile.term_number, the {term} of its references).
PCC_TERM_STARTS = (
    date(2012, 11, 22),
    date(2016, 5, 12),
    date(2021, 5, 13),
    date(2024, 5, 9),
    date(2028, 5, 11),
    date(2032, 5, 13),
)


@dataclass(frozen=True)
class PublicTerm:
    """One term of office as the organisation numbers it: from start to before end."""

    number: int
    start: date
    end: date | None

    @property
    def label(self) -> str:
        end = f"to {self.end - timedelta(days=1):%B %Y}" if self.end else "to date"
        return f"Term {self.number} ({self.start:%B %Y} {end})"

    def holds_month(self, year: int, month: int) -> bool:
        """Whether any day of the month falls in the term."""
        first = date(year, month, 1)
        last = (first + timedelta(days=31)).replace(day=1) - timedelta(days=1)
        return self.start <= last and (self.end is None or first < self.end)


def public_terms(*, current: int, today: date | None = None) -> list[PublicTerm]:
    """The organisation's terms, newest first: ``current`` is the term running today."""
    today = today or timezone.localdate()
    started = [start for start in PCC_TERM_STARTS if start <= today] or [PCC_TERM_STARTS[0]]
    terms = []
    for index, start in enumerate(started):
        number = current - (len(started) - 1 - index)
        if number < 1:
            continue
        end = started[index + 1] if index + 1 < len(started) else None
        terms.append(PublicTerm(number, start, end))
    return terms[::-1]


def financial_year_bounds(first_year: int) -> tuple[date, date]:
    """April to March: (1 April first_year, 1 April the next year)."""
    return date(first_year, 4, 1), date(first_year + 1, 4, 1)


def financial_year_label(first_year: int) -> str:
    """As offices write it and as the {fy} of references: 2024-25."""
    return f"{first_year}-{(first_year + 1) % 100:02d}"


# What the public log's status filter offers, and the states each one means. "Published"
# includes the confidential records listed with their exemption.
PUBLIC_STATUS_FILTERS = (
    ("published", "Published", ("published", "withheld")),
    ("deferred", "Deferred", ("deferred",)),
    ("withdrawn", "Withdrawn", ("withdrawn",)),
    ("not_published", "Not published", ("not_published",)),
)


def public_status_filters() -> list[tuple[str, str, tuple[str, ...]]]:
    """The status filters that can match something: states that are on the public log."""
    shown = {str(s) for s in Decision.PUBLIC_STATES}
    return [
        (value, label, tuple(s for s in states if s in shown))
        for value, label, states in PUBLIC_STATUS_FILTERS
        if any(s in shown for s in states)
    ]


def public_decision_makers() -> list[tuple[str, str]]:
    """The decision makers the log can be filtered by (none before the field exists)."""
    try:
        field = Decision._meta.get_field("decision_maker")
    except FieldDoesNotExist:
        return []
    return [(str(value), str(label)) for value, label in field.choices or [] if value]


PUBLIC_SORTS = {
    "date": "Newest first",
    "date-oldest": "Oldest first",
    "reference": "By reference",
}


def public_log(
    *,
    query: str = "",
    start: date | None = None,
    end: date | None = None,
    decision_maker: str = "",
    states: tuple[str, ...] = (),
    sort: str = "date",
) -> QuerySet[Decision]:
    """The public log filtered and sorted; ``start`` ≤ decision date < ``end``.

    By date: the decision date, then for decisions of one day the reference (as text: the
    higher of two numbers of the office's padded scheme is the newer decision), which is
    the order of an index, so a page is read without sorting the log. By reference: natural
    order, by the key stored with each record (prevent_compliance.sorting natural_sort_key)
    and indexed. Every filter is a range or an equality an index can serve; search never
    reaches withheld text (public_decisions).
    """
    queryset = public_decisions(query=query)
    if start:
        queryset = queryset.filter(decision_date__gte=start)
    if end:
        queryset = queryset.filter(decision_date__lt=end)
    if decision_maker:
        queryset = queryset.filter(decision_maker=decision_maker)
    if states:
        queryset = queryset.filter(status__in=states)
    register = [F("register").asc()] if _has_field("register") else []
    queryset = queryset.prefetch_related(*_public_prefetch())
    if sort == "reference":
        return queryset.order_by("reference_sort_key", *register, "decision_date", "pk")
    if sort == "date-oldest":
        return queryset.order_by("decision_date", "reference")
    # The index's order (decisions_status_log_order): a page is read without a sort.
    return queryset.order_by("-decision_date", "-reference")


def _public_prefetch() -> list[Prefetch]:
    """What each listed record's public facts read: its releases (in their own order: the
    model's default ordering would join the decisions to sort by theirs)."""
    return [Prefetch("releases", queryset=DecisionRelease.objects.order_by("released_on", "pk"))]


def public_newly_published(*, limit: int) -> list[Decision]:
    """The latest records first published on the log (for the Atom feed), newest first."""
    states = next(s for v, _l, s in public_status_filters() if v == "published")
    queryset = Decision.objects.public().filter(status__in=states)
    order = [F("published_at").desc(nulls_last=True), "-decision_date", "-pk"]
    if _has_field("published_on"):
        order.insert(0, F("published_on").desc(nulls_last=True))
    return list(queryset.order_by(*order).prefetch_related(*_public_prefetch())[:limit])


def _has_field(name: str) -> bool:
    try:
        Decision._meta.get_field(name)
    except FieldDoesNotExist:
        return False
    return True


PUBLIC_MONTHS_CACHE_KEY = "public-decision-months"


def public_months() -> list[tuple[int, int]]:
    """(year, month) of every month with a record on the public log, newest first: the
    years, financial years and terms the log offers come from it. Cached and dropped with
    public_years (forget_public_years)."""
    months: list[tuple[int, int]] | None = cache.get(PUBLIC_MONTHS_CACHE_KEY)
    if months is None:
        dates = Decision.objects.public().dates("decision_date", "month", order="DESC")
        months = [(d.year, d.month) for d in dates]
        cache.set(PUBLIC_MONTHS_CACHE_KEY, months, 300)
    return months


PUBLIC_YEARS_CACHE_KEY = "public-decision-years"


def public_years() -> list[int]:
    """The years the public log can be filtered by, kept in the shared cache: reading them
    scans every public record (about 20 ms for 6,500 on SQLite), and they rarely change.

    Dropped for every process whenever a public record is saved or deleted (DecisionsConfig
    connects forget_public_years_after_change), so no server shows an old list.
    """
    years: list[int] | None = cache.get(PUBLIC_YEARS_CACHE_KEY)
    if years is None:
        dates = Decision.objects.public().dates("decision_date", "year", order="DESC")
        years = [d.year for d in dates]
        cache.set(PUBLIC_YEARS_CACHE_KEY, years, 300)
    return years


def forget_public_years() -> None:
    cache.delete_many([PUBLIC_YEARS_CACHE_KEY, PUBLIC_MONTHS_CACHE_KEY])


def forget_public_years_after_change(
    sender: type[Decision], instance: Decision, **kwargs: Any
) -> None:
    """post_save / post_delete of a Decision: a public record changed, so may the years.

    Now and again after commit, in case another request read the old rows in between.
    """
    if instance.is_public:
        forget_public_years()
        transaction.on_commit(forget_public_years)


def get_public_decision(reference: str) -> Decision:
    """A record on the public log, with only its publishable parts loaded; 404 otherwise."""
    decision = (
        Decision.objects.public()
        .by_url_key(reference)
        .prefetch_related(
            "sections",
            Prefetch(
                "supporting_sections",
                queryset=SupportingSection.objects.order_by("position"),
            ),
            Prefetch(
                "appendices", queryset=Appendix.objects.filter(withheld=False).order_by("position")
            ),
        )
        .first()
    )
    if decision is None:
        raise Http404("No published decision has this reference.")
    return decision


# --- Later releases of withheld content -----------------------------------------------------


def released_parts(decision: Decision) -> dict[str, Any]:
    """What the releases of this record opened so far: {"sections": {numbers},
    "appendices": {public ids}, "summary": bool, "whole": bool}."""
    sections: set[int] = set()
    appendices: set[str] = set()
    summary = whole = False
    for release in decision.releases.all():
        sections.update(release.section_positions)
        appendices.update(str(a) for a in release.appendix_ids)
        summary = summary or release.summary_released
        whole = whole or release.scope == "whole"
    return {"sections": sections, "appendices": appendices, "summary": summary, "whole": whole}


@dataclass(frozen=True)
class ReleaseEvent:
    """One later release as the public sees it: what was opened, when and why."""

    release: Any  # DecisionRelease
    released_on: date
    whole: bool
    reason: str
    summary: str
    sections: list  # SupportingSection
    appendices: list  # Appendix
    text: str
    url_key: str  # the record's part of page addresses


def release_events(decision: Decision, *, public: bool = True) -> list[ReleaseEvent]:
    """The record's later releases, oldest first, each with the content it opened.

    On the public log (``public``) only releases whose own seal verifies and which belong to
    the record's current seal are shown; the others are logged as an error and left out.
    """
    from . import integrity

    releases = list(decision.releases.select_related("decision").order_by("released_on", "pk"))
    if not releases:
        return []
    sections = {s.position: s for s in SupportingSection.objects.filter(decision=decision)}
    appendices = {str(a.public_id): a for a in Appendix.objects.filter(decision=decision)}
    events = []
    for release in releases:
        if public:
            check = integrity.check_release(release)
            if not check.ok:
                logger.error(
                    "A release of decision %s is not shown: %s.", decision.reference, check.problem
                )
                continue
        events.append(
            ReleaseEvent(
                release=release,
                released_on=release.released_on,
                whole=release.scope == "whole",
                reason=release.reason,
                summary=decision.summary if release.summary_released else "",
                sections=[sections[n] for n in sorted(release.section_positions) if n in sections],
                appendices=[appendices[a] for a in sorted(release.appendix_ids) if a in appendices],
                text=release.released_text,
                url_key=decision.url_key,
            )
        )
    return events


def released_appendix_ids(decision: Decision) -> set[str]:
    """Public ids of the withheld appendices a verified release has opened: the public log may
    serve these files too (with the ones never withheld)."""
    return {str(a.public_id) for event in release_events(decision) for a in event.appendices}
