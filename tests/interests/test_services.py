"""Keeping the register: who may do what, confirmations, history and bad input."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from decisions.interests import selectors, services
from decisions.interests.models import Gift, Interest


def _entry(actor, holder, **overrides):
    values = {
        "category": Interest.Category.EMPLOYMENT,
        "organisation": "Acme",
        "description": "Director.",
        "start_date": date(2024, 1, 1),
    }
    values.update(overrides)
    return services.interest_create(actor=actor, holder=holder, **values)


def _gift(actor, holder, **overrides):
    values = {
        "offered_on": date(2025, 1, 1),
        "kind": Gift.Kind.GIFT,
        "giver": "Acme",
        "description": "A pen.",
        "value": Decimal("10"),
        "outcome": Gift.Outcome.ACCEPTED,
        "reason": "Courtesy.",
    }
    values.update(overrides)
    return services.gift_create(actor=actor, holder=holder, **values)


def test_only_the_holder_confirms_their_register(register, personas, other_holder):
    for role in ("chief_executive", "officer", "auditor", "administrator"):
        with pytest.raises(PermissionDenied):
            services.register_confirm(actor=personas[role], holder=register, confirmed=True)
    with pytest.raises(PermissionDenied):
        services.register_confirm(
            actor=personas["commissioner"], holder=other_holder, confirmed=True
        )
    with pytest.raises(ValidationError):
        services.register_confirm(actor=personas["commissioner"], holder=register, confirmed=False)


def test_a_confirmation_snapshots_public_fields_and_hashes_them(register, personas):
    latest = register.confirmations.latest()
    assert latest.entries == selectors.register_entries(register)
    assert all("internal_note" not in e for e in latest.entries)
    assert len(latest.content_hash) == 64
    again = services.register_confirm(
        actor=personas["commissioner"], holder=register, confirmed=True
    )
    assert again.number == latest.number + 1 and again.content_hash != latest.content_hash


def test_keepers_and_holders_change_entries_others_cannot(register, personas, other_holder):
    _entry(personas["commissioner"], register)  # their own
    for role in ("officer", "treasurer", "auditor", "administrator"):
        with pytest.raises(PermissionDenied):
            _entry(personas[role], register)
    with pytest.raises(PermissionDenied):
        _entry(personas["commissioner"], other_holder)
    _entry(personas["chief_executive"], other_holder)


def test_every_change_is_in_the_history(register, personas):
    interest = _entry(personas["chief_executive"], register)
    services.interest_update(
        actor=personas["commissioner"], interest=interest, end_date=date(2025, 1, 1)
    )
    reasons = list(interest.history.values_list("history_change_reason", flat=True))
    assert reasons[0] == "Entry ended" and len(reasons) == 2


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"start_date": timezone.localdate() + timedelta(days=1)}, "start_date"),
        ({"start_date": date(2024, 5, 1), "end_date": date(2024, 4, 1)}, "end_date"),
        ({"description": "x" * 2001}, "description"),
        ({"organisation": "o" * 201}, "organisation"),
        ({"description": "Flat 2, 14 High Street, Leamington"}, "description"),
        ({"description": "Our home at CV32 4AB"}, "description"),
        ({"description": ""}, "description"),
    ],
)
def test_bad_entries_are_refused(register, personas, fields, field):
    with pytest.raises(ValidationError) as refused:
        _entry(personas["chief_executive"], register, **fields)
    assert field in refused.value.message_dict


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"value": Decimal("-1")}, "value"),
        ({"value": Decimal("1000000.01")}, "value"),
        ({"offered_on": timezone.localdate() + timedelta(days=3)}, "offered_on"),
        ({"giver": ""}, "giver"),
        ({"reason": "r" * 2001}, "reason"),
    ],
)
def test_bad_gifts_are_refused(register, personas, fields, field):
    with pytest.raises(ValidationError) as refused:
        _gift(personas["chief_executive"], register, **fields)
    assert field in refused.value.message_dict


def test_unicode_and_html_are_kept_as_text(register, personas):
    entry = _entry(personas["chief_executive"], register, organisation="Société <b>Générale</b>")
    entry.refresh_from_db()
    assert entry.organisation == "Société <b>Générale</b>"
