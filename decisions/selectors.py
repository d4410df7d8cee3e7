"""Reads shared by the decision pages, with their joins done up front.

Reads never depend on writes: nothing here imports ``decisions.services``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404

from prevent_compliance.rules import allowed

from .models import Appendix, Decision, SupportingSection

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser, User


def decision_list() -> QuerySet[Decision]:
    return Decision.objects.only(
        "reference", "title", "decision_date", "status", "confidentiality", "lead_officer"
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
    decision = _with_content(Decision.objects.all()).filter(reference=reference).first()
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
    cache.delete(PUBLIC_YEARS_CACHE_KEY)


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
        .filter(reference=reference)
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
