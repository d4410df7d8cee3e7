"""Reads of the register of interests: what is public, whether a register is fresh enough to
sign with, and what a decision being signed may touch."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet
from django.utils import timezone

from .matching import DecisionText, Match, match
from .models import Confirmation, Gift, Holder, Interest

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from decisions.models import Decision

# The fields of an entry the public sees, in this order (CSV columns, JSON keys, snapshot).
PUBLIC_ENTRY_FIELDS = ("category", "organisation", "description", "start_date", "end_date")


def confirm_within_days() -> int:
    return int(settings.INTERESTS_CONFIRM_WITHIN_DAYS)


def gift_threshold() -> Decimal:
    return Decimal(str(settings.INTERESTS_GIFT_PUBLISH_THRESHOLD))


def entry_public(interest: Interest) -> dict:
    """An entry as the public sees it (never the internal note)."""
    return {
        "id": str(interest.public_id),
        "category": interest.category,
        "category_label": interest.get_category_display(),
        "organisation": interest.organisation,
        "description": interest.description,
        "start_date": interest.start_date.isoformat(),
        "end_date": interest.end_date.isoformat() if interest.end_date else None,
    }


def register_entries(holder: Holder) -> list[dict]:
    """Every entry of the holder's register (current and ended), public fields only, in a
    fixed order: what a confirmation snapshots and hashes."""
    rows = sorted(holder.interests.all(), key=lambda i: (i.category, i.start_date, i.pk))
    return [entry_public(i) for i in rows]


# --- Freshness ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Freshness:
    """Whether a holder's register may be signed against today, and why not."""

    holder: Holder | None
    latest: Confirmation | None
    due: date | None  # the last day the latest confirmation counts
    changed_since: bool  # entries changed after the latest confirmation
    within_days: int

    @property
    def ok(self) -> bool:
        return (
            self.holder is not None
            and self.latest is not None
            and not self.changed_since
            and self.due is not None
            and timezone.localdate() <= self.due
        )

    @property
    def problem(self) -> str:
        if self.holder is None:
            return (
                "You have no register of interests in this service, so the declaration cannot "
                "be checked. Ask the Chief Executive to add you to the register, then confirm it."
            )
        if self.latest is None:
            return (
                "You have not confirmed your register of interests yet. Review your entries "
                "and confirm the register is complete and up to date, then sign."
            )
        if self.changed_since:
            return (
                "Your register of interests has changed since you last confirmed it. Review "
                "your entries and confirm it again, then sign."
            )
        if not self.ok:
            return (
                f"Your register of interests was last confirmed on "
                f"{_day(self.latest.confirmed_at)}, more than {self.within_days} days ago. "
                "Review your entries and confirm it again, then sign."
            )
        return ""


def _day(moment: datetime) -> str:
    local = timezone.localtime(moment)
    return f"{local.day} {local:%B %Y}"


def holder_for(user: User) -> Holder | None:
    if not user.is_authenticated:
        return None
    return Holder.objects.filter(user=user, active=True).first()


def freshness(holder: Holder | None) -> Freshness:
    days = confirm_within_days()
    if holder is None:
        return Freshness(None, None, None, False, days)
    # .all() so a prefetched holder (staff_holders) costs no query.
    latest = max(holder.confirmations.all(), key=lambda c: c.number, default=None)
    if latest is None:
        return Freshness(holder, None, None, False, days)
    due = timezone.localdate(latest.confirmed_at) + timedelta(days=days)
    changed = latest.entries != register_entries(holder)
    return Freshness(holder, latest, due, changed, days)


# --- The sign page --------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryMatch:
    interest: Interest
    match: Match


@dataclass(frozen=True)
class GiftMatch:
    gift: Gift
    match: Match


@dataclass
class SignCheck:
    """What the sign page shows about the signer's register and the decision."""

    freshness: Freshness
    entries: list[Interest] = field(default_factory=list)
    entry_matches: list[EntryMatch] = field(default_factory=list)
    gift_matches: list[GiftMatch] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        return not self.freshness.ok


def decision_text(decision: Decision) -> DecisionText:
    bodies = decision.supporting_sections.values_list("heading", "body")
    texts = [decision.summary, *(f"{h} {b}" for h, b in bodies)]
    return DecisionText.of(decision.title, *texts)


def sign_check(*, user: User, decision: Decision) -> SignCheck:
    holder = holder_for(user)
    check = SignCheck(freshness=freshness(holder))
    if holder is None:
        return check
    text = decision_text(decision)
    check.entries = list(holder.interests.filter(end_date__isnull=True).order_by("category", "pk"))
    for interest in check.entries:
        if found := match(interest.organisation, text):
            check.entry_matches.append(EntryMatch(interest, found))
    for gift in holder.gifts.order_by("-offered_on", "-pk"):
        if found := match(gift.giver, text):
            check.gift_matches.append(GiftMatch(gift, found))
    return check


# --- Public reads ---------------------------------------------------------------------------


def staff_holders(*, listed: bool = True) -> QuerySet[Holder]:
    """The people on the register now (``listed``), or those no longer listed, ready for
    freshness() without more queries: their entries and their latest confirmation only
    (freshness reads no other, and every earlier one carries its own snapshot)."""
    newer = Confirmation.objects.filter(holder=OuterRef("holder"), number__gt=OuterRef("number"))
    latest = Confirmation.objects.filter(~Exists(newer))
    return (
        Holder.objects.filter(active=listed)
        .prefetch_related("interests", Prefetch("confirmations", queryset=latest))
        .order_by("kind", "name", "pk")
    )


def public_holders() -> QuerySet[Holder]:
    """Active holders with their entries and latest confirmation, for the public register."""
    return Holder.objects.filter(active=True).prefetch_related(
        Prefetch("interests", queryset=Interest.objects.order_by("category", "-start_date", "pk")),
        Prefetch("confirmations", queryset=Confirmation.objects.order_by("-number")),
    )


def latest_confirmation(holder: Holder) -> Confirmation | None:
    """From a prefetched holder (public_holders), without another query."""
    confirmations = list(holder.confirmations.all())
    return confirmations[0] if confirmations else None


def public_gifts() -> QuerySet[Gift]:
    """Offers at or above the publication threshold, of active holders: the public list."""
    return (
        Gift.objects.filter(value__gte=gift_threshold(), holder__active=True)
        .select_related("holder")
        .order_by("-offered_on", "-pk")
    )


def gift_public(gift: Gift) -> dict:
    return {
        "id": str(gift.public_id),
        "holder": gift.holder.name,
        "role_title": gift.holder.role_title,
        "date_offered": gift.offered_on.isoformat(),
        "type": gift.get_kind_display(),
        "from": gift.giver,
        "description": gift.description,
        "estimated_value_gbp": f"{gift.value:.2f}",
        "outcome": gift.get_outcome_display(),
        "reason": gift.reason,
    }


def by_category(entries: Iterable[Interest | dict[str, Any]]) -> list[dict[str, Any]]:
    """Entries (rows or snapshot dicts) grouped under each category's label, in category order."""
    entries = list(entries)

    def category(entry: Interest | dict[str, Any]) -> str:
        return entry["category"] if isinstance(entry, dict) else entry.category

    return [
        {"label": label, "entries": [e for e in entries if category(e) == value]}
        for value, label in Interest.Category.choices
    ]
