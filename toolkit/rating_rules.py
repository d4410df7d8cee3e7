"""How a section's rating follows from its criteria: the rules the services enforce.

Each criterion in a period is rated met, partly met, not met, not applicable (with a reason)
or not assessed. The section rating is **proposed** from them, in this order:

1. any criterion not assessed yet: "Not assessed" (rate every criterion first);
2. every criterion not applicable: "Not applicable";
3. every applicable criterion met, and every "must" criterion with in-date evidence: "Met";
4. a "must" criterion not met, or every applicable criterion not met: "Not met";
5. otherwise (some met, some not, or a "must" met without in-date evidence): "Partly met".

"Exceeding" is never proposed: it is a judgement on the section as a whole.

The assessor may choose another rating only with a written justification (an *override*).
Two rules hold whatever the justification:

* a section cannot be "Met" or "Exceeding" while a "must" criterion is not rated met or has
  no in-date evidence: evidence linked to that criterion, counting towards the period, whose
  review-by date is empty or today or later (due today is in date; due yesterday is overdue);
* "Met" or "Exceeding" needs a narrative.

A "must" criterion is a legal requirement, so it cannot be "not applicable".

These functions are pure: they take the ratings and evidence already read, so the form, the
section page, the annual review and the services all apply the same rules.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from .models import Rating

if TYPE_CHECKING:
    from .models import Criterion, Evidence

HIGH_RATINGS = (Rating.MET, Rating.EXCEEDING)
# Section ratings that need a narrative saying why.
NEEDS_NARRATIVE = (Rating.EXCEEDING, Rating.MET, Rating.PARTLY_MET, Rating.NOT_MET)


def in_date(evidence: Evidence, today: date) -> bool:
    """Evidence is in date when it has no review-by date or that date is today or later."""
    return evidence.review_by is None or evidence.review_by >= today


def overdue(evidence: Evidence, today: date) -> bool:
    return evidence.review_by is not None and evidence.review_by < today


@dataclass(frozen=True)
class CriterionInput:
    """What the assessor says about one criterion: its rating, a reason if it does not
    apply, and a short note."""

    rating: str
    reason: str = ""
    note: str = ""


@dataclass
class CriterionState:
    """One criterion's rating in a period with the evidence linked to it in that period."""

    criterion: Criterion
    rating: str
    evidence: Sequence[Evidence] = field(default_factory=list)
    to_reconfirm: bool = False

    def has_in_date_evidence(self, today: date) -> bool:
        return any(in_date(e, today) for e in self.evidence)

    def overdue_evidence(self, today: date) -> list[Evidence]:
        return [e for e in self.evidence if overdue(e, today)]


def propose(states: Iterable[CriterionState], today: date) -> Rating:
    """The section rating that follows from its criteria (see the module docstring)."""
    states = list(states)
    if not states or any(s.rating == Rating.NOT_ASSESSED for s in states):
        return Rating.NOT_ASSESSED
    applicable = [s for s in states if s.rating != Rating.NOT_APPLICABLE]
    if not applicable:
        return Rating.NOT_APPLICABLE
    musts = [s for s in applicable if s.criterion.is_must]
    if all(s.rating == Rating.MET for s in applicable) and all(
        s.has_in_date_evidence(today) for s in musts
    ):
        return Rating.MET
    must_not_met = any(s.rating == Rating.NOT_MET for s in musts)
    if must_not_met or all(s.rating == Rating.NOT_MET for s in applicable):
        return Rating.NOT_MET
    return Rating.PARTLY_MET


def _date(value: date) -> str:
    return f"{value.day} {value:%B %Y}"


def must_problem(state: CriterionState, today: date) -> str:
    """Why this "must" criterion stops the section being Met ('' if it does not)."""
    criterion = state.criterion
    if not criterion.is_must:
        return ""
    label = f"criterion {criterion.code} is a legal requirement (must)"
    if state.rating != Rating.MET:
        rated = Rating(state.rating).label.lower()
        return f"{label} and is rated {rated}"
    if state.has_in_date_evidence(today):
        return ""
    late = state.overdue_evidence(today)
    if late:
        titles = "; ".join(
            f"“{e.title}” was due for review on {_date(e.review_by) if e.review_by else 'no date'}"
            for e in late
        )
        return f"{label} and has no in-date evidence: {titles}"
    return f"{label} and has no evidence linked to it in this review period"


def high_rating_problems(states: Iterable[CriterionState], today: date) -> list[str]:
    """Each reason the section cannot be Met or Exceeding, naming the criterion."""
    return [p for s in states if (p := must_problem(s, today))]


def status_counts(states: Iterable[CriterionState]) -> dict[str, int]:
    """How many criteria are in each state, for "3 of 5 met, 1 not met, 1 to re-confirm"."""
    counts = {"total": 0, "to_reconfirm": 0, **{r.value: 0 for r in Rating}}
    for s in states:
        counts["total"] += 1
        counts[s.rating] += 1
        counts["to_reconfirm"] += int(s.to_reconfirm)
    return counts


def status_summary(counts: dict[str, int]) -> str:
    """The counts in words, for example "3 of 5 met, 1 not met, 1 to re-confirm"."""
    total = counts.get("total", 0)
    if not total:
        return "No criteria"
    parts = [f"{counts.get(Rating.MET, 0)} of {total} met"]
    for rating, words in (
        (Rating.PARTLY_MET, "partly met"),
        (Rating.NOT_MET, "not met"),
        (Rating.NOT_APPLICABLE, "not applicable"),
        (Rating.NOT_ASSESSED, "not assessed"),
    ):
        if counts.get(rating):
            parts.append(f"{counts[rating]} {words}")
    if counts.get("to_reconfirm"):
        parts.append(f"{counts['to_reconfirm']} to re-confirm")
    return ", ".join(parts)
