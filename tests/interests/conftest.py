"""Fixtures for the register of interests: the decisions fixtures (records in each state, a
client signed in with a confirmed code), and a holder with entries and offers."""

from datetime import date
from decimal import Decimal

import pytest

from decisions.interests import services
from decisions.interests.models import Gift, Holder, Interest
from tests.decisions.conftest import (  # noqa: F401  (shared with the decisions tests)
    _fast_passwords,
    client_for,
    make_decision,
    wpcc4_0028,
)

from .helpers import holder_for

PRIVATE_NOTE = "PRIVATE-NOTE-7f3a"
SMALL_GIFT = "SMALL-GIFT-91c2"
GIFT_NOTE = "GIFT-NOTE-55d0"


@pytest.fixture
def register(personas):
    """The Commissioner's holder (confirmed by the personas fixture) with entries and offers
    added by the Chief Executive, then confirmed again by the Commissioner."""
    ce, pcc = personas["chief_executive"], personas["commissioner"]
    holder = holder_for(pcc)
    services.interest_create(
        actor=ce,
        holder=holder,
        category=Interest.Category.MEMBERSHIPS,
        organisation="Warwickshire Youth Sailing Trust",
        description="Unpaid trustee.",
        start_date=date(2020, 1, 1),
        internal_note=PRIVATE_NOTE,
    )
    services.interest_create(
        actor=ce,
        holder=holder,
        category=Interest.Category.LAND,
        description="A house in Leamington Spa.",
        start_date=date(2015, 6, 1),
    )
    for giver, value, what, note in (
        ("SecureTech Training Ltd", "160.00", "Cricket tickets", GIFT_NOTE),
        ("Local Chamber of Commerce", "12.00", SMALL_GIFT, ""),
    ):
        services.gift_create(
            actor=ce,
            holder=holder,
            offered_on=date(2025, 3, 1),
            kind=Gift.Kind.HOSPITALITY,
            giver=giver,
            description=what,
            value=Decimal(value),
            outcome=Gift.Outcome.DECLINED,
            reason="Bidding for a contract.",
            internal_note=note,
        )
    services.register_confirm(actor=pcc, holder=holder, confirmed=True)
    holder.refresh_from_db()
    return holder


@pytest.fixture
def other_holder(personas):
    return Holder.objects.create(
        slug="dee-puty", name="Dee Puty", role_title="Deputy PCC", kind=Holder.Kind.DEPUTY
    )
