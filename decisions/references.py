"""Decision references: allocation from the organisation profile's format, and the rules a
reference and its register must satisfy (``validate_reference_in_register``).

References are kept as offices number them: any printable text of letters, digits, spaces,
dashes (hyphen or en dash), dots, underscores, brackets and "/" (``57 – 2014``,
``PCC/D/2023/03``, ``001``). A reference is unique within its register: the whole log
(register "") or, where numbering restarts every year, the calendar year ("2013") or the
financial year ("2013-14") it belongs to. Page addresses carry the register only when it is
not the whole log (``decisions.models.url_key``).

Allocation:

The counter row for the reference's stem is locked (SELECT … FOR UPDATE) inside the caller's
transaction, which also inserts the decision: concurrent allocations queue on that row, so
no two decisions get the same number and no number is skipped. A number already taken (an
imported historic record) is skipped, so an imported reference is never allocated again.
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from prevent_compliance.models import (
    OrganisationProfile,
    financial_year,
    get_organisation,
    validate_reference,
)

from .models import REGISTER_MARK, Decision, ReferenceCounter

# How a register is chosen for a decision date (register_for).
WHOLE_LOG = "whole"
CALENDAR_YEAR = "year"
FINANCIAL_YEAR = "fy"
REGISTER_SCHEMES = (
    (WHOLE_LOG, "One register for the whole log"),
    (CALENDAR_YEAR, "Numbering restarts every calendar year"),
    (FINANCIAL_YEAR, "Numbering restarts every financial year (April to March)"),
)
_REGISTER = re.compile(r"^[0-9]{4}(-[0-9]{2})?$")


def register_for(scheme: str, on: date) -> str:
    """The register a decision dated ``on`` belongs to: "" (whole log), "2013" or "2013-14"."""
    if scheme == CALENDAR_YEAR:
        return f"{on.year:04d}"
    if scheme == FINANCIAL_YEAR:
        return financial_year(on.year, on.month)[0]
    if scheme == WHOLE_LOG:
        return ""
    raise ValueError(f"Unknown register scheme {scheme!r}.")


def organisation_register_scheme(profile: OrganisationProfile | None = None) -> str:
    """The register scheme the organisation's reference format implies: a format with
    {fy} or {fy_short} restarts each financial year, one with {year} each calendar year.

    Allocated references always carry that year in their text, so they are unique in the
    whole log and are kept in register ""; the scheme is the default for imported records,
    whose bare numbers (001, 002 …) need their year to be told apart.
    """
    fmt = (profile or _profile()).reference_format
    if "{fy" in fmt:
        return FINANCIAL_YEAR
    if "{year" in fmt:
        return CALENDAR_YEAR
    return WHOLE_LOG


def validate_register(register: str) -> None:
    """ "" or a year (2013) or a financial year whose second year follows (2013-14)."""
    if register == "":
        return
    if not _REGISTER.match(register):
        raise ValidationError(
            "A register is a year such as 2013 or a financial year such as 2013-14.",
            code="register_format",
        )
    if len(register) == 7 and int(register[5:]) != (int(register[:4]) + 1) % 100:
        raise ValidationError(
            "A financial year runs into the next year: write for example 2013-14.",
            code="register_financial_year",
        )


def validate_reference_in_register(
    reference: str, register: str = "", *, exclude_pk: int | None = None, unique: bool = False
) -> None:
    """Refuse a reference (or register) that cannot be kept: not printable as offices print
    references, a register that is neither "" nor a year, or (with ``unique``) a reference
    already used in the same register. The importer calls it for every row.
    """
    errors = []
    try:
        validate_reference(reference)
    except ValidationError as exc:
        errors.extend(exc.error_list)
    if REGISTER_MARK in (reference or ""):
        errors.append(ValidationError(f"A reference cannot contain “{REGISTER_MARK}”."))
    try:
        validate_register(register)
    except ValidationError as exc:
        errors.extend(exc.error_list)
    if not errors and unique:
        taken = Decision.objects.filter(register=register, reference=reference)
        if exclude_pk is not None:
            taken = taken.exclude(pk=exclude_pk)
        if taken.exists():
            where = f"register {register}" if register else "the decision log"
            errors.append(
                ValidationError(
                    f"The reference {reference} is already used in {where}.",
                    code="reference_taken",
                )
            )
    if errors:
        raise ValidationError(errors)


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
    before, spec, after = _profile().reference_parts(year=today.year, month=today.month)
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
