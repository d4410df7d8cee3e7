"""Every change to the register of interests and the gifts register goes through here.

Each function is atomic, checks the actor's permission, validates with ``full_clean()`` and
records who changed what (django-simple-history) with a change reason. A confirmation is
made once and never changed: there is no function that edits one.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone

from prevent_compliance.rules import require

from . import selectors
from .models import Confirmation, Gift, Holder, Interest

if TYPE_CHECKING:
    from django.contrib.auth.models import User

CONFIRM_STATEMENT = "I confirm my register of interests is complete and up to date."
HOLDER_FIELDS = ("slug", "name", "role_title", "kind", "user", "active")
INTEREST_FIELDS = (
    "category",
    "organisation",
    "description",
    "start_date",
    "end_date",
    "internal_note",
)
GIFT_FIELDS = (
    "offered_on",
    "kind",
    "giver",
    "description",
    "value",
    "outcome",
    "reason",
    "internal_note",
)


def _save(instance: models.Model, *, actor: User, reason: str) -> None:
    instance.full_clean()
    instance._history_user = actor  # type: ignore[attr-defined]
    instance._change_reason = reason[:100]  # type: ignore[attr-defined]
    instance.save()


def _check_fields(fields: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(fields) - set(allowed)
    if unknown:
        raise TypeError(f"Unknown fields: {', '.join(sorted(unknown))}")


def _no_future(value: date | None, label: str, field: str) -> None:
    if value and value > timezone.localdate():
        raise ValidationError({field: f"The {label} must be today or in the past"})


# --- People on the register -----------------------------------------------------------------


def holder_create(*, actor: User, **fields: Any) -> Holder:
    """Put someone on the register of interests."""
    require(actor, "decisions.keep_register_of_interests")
    _check_fields(fields, HOLDER_FIELDS)
    holder = Holder(**fields)
    with transaction.atomic():
        _save(holder, actor=actor, reason="Added to the register of interests")
    return holder


def holder_update(*, actor: User, holder: Holder, **fields: Any) -> Holder:
    """Change a holder's published name, role, account or whether they are listed."""
    require(actor, "decisions.keep_register_of_interests")
    _check_fields(fields, HOLDER_FIELDS)
    with transaction.atomic():
        locked = Holder.objects.select_for_update().get(pk=holder.pk)
        for key, value in fields.items():
            setattr(locked, key, value)
        _save(locked, actor=actor, reason="Holder details changed")
    return locked


# --- Entries --------------------------------------------------------------------------------


def _check_interest(interest: Interest) -> None:
    _no_future(interest.start_date, "start date", "start_date")
    _no_future(interest.end_date, "end date", "end_date")
    if interest.start_date and interest.end_date and interest.end_date < interest.start_date:
        raise ValidationError(
            {"end_date": "The end date must be the same as or after the start date"}
        )


def interest_create(*, actor: User, holder: Holder, **fields: Any) -> Interest:
    """Add an entry to a holder's register (the holder must confirm it again afterwards)."""
    require(actor, "decisions.change_holder_entries", holder)
    _check_fields(fields, INTEREST_FIELDS)
    interest = Interest(holder=holder, **fields)
    _check_interest(interest)
    with transaction.atomic():
        _save(interest, actor=actor, reason=f"Entry added: {interest.get_category_display()}")
    return interest


def interest_update(*, actor: User, interest: Interest, **fields: Any) -> Interest:
    """Change an entry, or end it by giving an end date; every version stays in its history."""
    require(actor, "decisions.change_holder_entries", interest.holder)
    _check_fields(fields, INTEREST_FIELDS)
    with transaction.atomic():
        locked = Interest.objects.select_for_update().get(pk=interest.pk)
        for key, value in fields.items():
            setattr(locked, key, value)
        _check_interest(locked)
        reason = "Entry ended" if locked.end_date and not interest.end_date else "Entry changed"
        _save(locked, actor=actor, reason=reason)
    return locked


# --- Confirming a register (a register version) ---------------------------------------------


def version_hash(
    *, holder: Holder, number: int, confirmed_at: datetime, entries: list[dict]
) -> str:
    """SHA-256 of the confirmed register: canonical JSON of who, which version, when, what."""
    payload = {
        "holder": str(holder.public_id),
        "name": holder.name,
        "role_title": holder.role_title,
        "number": number,
        "confirmed_at": confirmed_at.isoformat(),
        "entries": entries,
    }
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def register_confirm(*, actor: User, holder: Holder, confirmed: bool) -> Confirmation:
    """The holder (only the holder) confirms their register as it stands: a new version."""
    require(actor, "decisions.confirm_register", holder)
    if not confirmed:
        raise ValidationError(
            {"confirmed": "Confirm that your register is complete and up to date"}
        )
    with transaction.atomic():
        locked = Holder.objects.select_for_update().get(pk=holder.pk)
        if not locked.active:
            raise ValidationError("This register is no longer kept: it cannot be confirmed.")
        last = locked.confirmations.order_by("-number").values_list("number", flat=True).first()
        number = (last or 0) + 1
        now = timezone.now()
        entries = selectors.register_entries(locked)
        confirmation = Confirmation(
            holder=locked,
            number=number,
            confirmed_at=now,
            confirmed_by=actor,
            statement=CONFIRM_STATEMENT,
            entries=entries,
            content_hash=version_hash(
                holder=locked, number=number, confirmed_at=now, entries=entries
            ),
        )
        confirmation.full_clean()
        confirmation.save()
    return confirmation


# --- Gifts and hospitality ------------------------------------------------------------------


def gift_create(*, actor: User, holder: Holder, **fields: Any) -> Gift:
    """Record an offer of a gift or hospitality, accepted or declined."""
    require(actor, "decisions.change_holder_entries", holder)
    _check_fields(fields, GIFT_FIELDS)
    gift = Gift(holder=holder, recorded_by=actor, **fields)
    _no_future(gift.offered_on, "date offered", "offered_on")
    with transaction.atomic():
        _save(gift, actor=actor, reason=f"Offer from {gift.giver}")
    return gift


def gift_update(*, actor: User, gift: Gift, **fields: Any) -> Gift:
    """Correct a recorded offer; every version stays in its history."""
    require(actor, "decisions.change_holder_entries", gift.holder)
    _check_fields(fields, GIFT_FIELDS)
    with transaction.atomic():
        locked = Gift.objects.select_for_update().get(pk=gift.pk)
        for key, value in fields.items():
            setattr(locked, key, value)
        _no_future(locked.offered_on, "date offered", "offered_on")
        _save(locked, actor=actor, reason="Offer changed")
    return locked
