"""Allocation of decision references from the organisation profile's format.

The counter row for the reference's stem is locked (SELECT … FOR UPDATE) inside the caller's
transaction, which also inserts the decision: concurrent allocations queue on that row, so
no two decisions get the same number and no number is skipped. A number already taken (an
imported historic record) is skipped, so an imported reference is never allocated again.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from prevent_compliance.models import OrganisationProfile, get_organisation

from .models import Decision, ReferenceCounter

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def _profile() -> OrganisationProfile:
    """The profile as stored now (not the cached copy another process may have changed)."""
    return OrganisationProfile.objects.order_by("pk").first() or get_organisation()


def _highest_taken(before: str, after: str) -> int:
    """The highest number already used with this stem, e.g. by imported records."""
    references = Decision.objects.filter(
        reference__startswith=before, reference__endswith=after
    ).values_list("reference", flat=True)
    highest = 0
    for reference in references:
        middle = reference[len(before) : len(reference) - len(after) or None]
        if middle.isdigit():
            highest = max(highest, int(middle))
    return highest


def reference_allocate(*, actor: User | None, today: date | None = None) -> str:
    """The next free reference, taken for good by the transaction that saves the decision.

    A trusted step of the decision services (``decisions.services._decision_create_row``),
    which check the actor's permission first; it refuses to run outside a transaction,
    because the counter's row lock must be held until the decision itself is inserted.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("reference_allocate must run inside transaction.atomic().")
    today = today or timezone.localdate()
    before, spec, after = _profile().reference_parts(year=today.year)
    stem = f"{before}{{seq}}{after}"
    # Creating the counter may race with another transaction; get_or_create retries the read
    # after the unique constraint refuses the second insert.
    ReferenceCounter.objects.get_or_create(
        stem=stem, defaults={"last_number": _highest_taken(before, after)}
    )
    counter = ReferenceCounter.objects.select_for_update().get(stem=stem)
    number = counter.last_number
    while True:
        number += 1
        candidate = f"{before}{format(number, spec)}{after}"
        if not Decision.objects.filter(reference=candidate).exists():
            break
    counter.last_number = number
    # Read by django-simple-history: who allocated it.
    counter._history_user = actor  # type: ignore[attr-defined]
    counter._change_reason = f"Allocated {candidate}"  # type: ignore[attr-defined]
    counter.save(update_fields=["last_number"])
    return candidate
