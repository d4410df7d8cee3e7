"""Allocation of decision references from the organisation profile's format.

The counter row for the reference's stem is locked (SELECT … FOR UPDATE) inside the caller's
transaction, which also inserts the decision: concurrent allocations queue on that row, so
no two decisions get the same number and no number is skipped. A number already taken (an
imported historic record) is skipped, so an imported reference is never allocated again.
"""

from datetime import date

from django.db import transaction
from django.utils import timezone

from prevent_compliance.models import OrganisationProfile, get_organisation

from .models import Decision, ReferenceCounter


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


def allocate_reference(*, today: date | None = None) -> str:
    """The next free reference; call inside the transaction that saves the decision."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("allocate_reference must run inside transaction.atomic().")
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
    counter._change_reason = f"Allocated {candidate}"
    counter.save(update_fields=["last_number"])
    return candidate
