"""Demonstration register of interests and gifts, loaded by ``manage.py load_demo`` before
the decision records (idempotent).

The demo Commissioner's register is confirmed again whenever it is older than the signing
limit, so the demo records can always be signed. Every name here is made up.
"""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from decisions.interests import selectors, services
from decisions.interests.models import Gift, Holder, Interest

Category = Interest.Category

COMMISSIONER_ENTRIES = [
    (Category.EMPLOYMENT, "", "Police and Crime Commissioner (salaried office).", 900),
    (
        Category.BUSINESS,
        "Marsh Consulting Ltd",
        "Director and sole shareholder of a dormant consultancy; no trading since election.",
        2000,
    ),
    (Category.LAND, "", "A house in the police area, the family home.", 4000),
    (
        Category.MEMBERSHIPS,
        "Warwickshire Youth Sailing Trust",
        "Unpaid trustee of a youth charity.",
        1500,
    ),
    (Category.MEMBERSHIPS, "Unison", "Member of a trade union.", 6000),
]
COMMISSIONER_GIFTS = [
    (
        40,
        Gift.Kind.HOSPITALITY,
        "Midlands Venue Hire Partnership",
        "Dinner at the annual community safety awards.",
        "85.00",
        Gift.Outcome.ACCEPTED,
        "Attended as guest speaker.",
    ),
    (
        75,
        Gift.Kind.GIFT,
        "Local Chamber of Commerce",
        "Box of biscuits.",
        "12.00",
        Gift.Outcome.ACCEPTED,
        "Shared with the office.",
    ),
    (
        120,
        Gift.Kind.HOSPITALITY,
        "SecureTech Training Ltd",
        "Two tickets to a county cricket match.",
        "160.00",
        Gift.Outcome.DECLINED,
        "The company was bidding for an OPCC training contract.",
    ),
]


def load(users) -> None:
    """Give the demo Commissioner a register, some offers, and a recent confirmation."""
    commissioner, chief = users["commissioner"], users["chief.executive"]
    holder = Holder.objects.filter(user=commissioner).first()
    if holder is None:
        holder = services.holder_create(
            actor=chief,
            slug="connor-marsh",
            name=commissioner.get_full_name() or "Connor Marsh",
            role_title="Police and Crime Commissioner",
            kind=Holder.Kind.COMMISSIONER,
            user=commissioner,
        )
        today = timezone.localdate()
        for category, organisation, description, age in COMMISSIONER_ENTRIES:
            services.interest_create(
                actor=chief,
                holder=holder,
                category=category,
                organisation=organisation,
                description=description,
                start_date=today - timedelta(days=age),
            )
        for age, kind, giver, what, value, outcome, reason in COMMISSIONER_GIFTS:
            services.gift_create(
                actor=chief,
                holder=holder,
                offered_on=today - timedelta(days=age),
                kind=kind,
                giver=giver,
                description=what,
                value=Decimal(value),
                outcome=outcome,
                reason=reason,
            )
    fresh = selectors.freshness(holder)
    if not fresh.ok:
        services.register_confirm(actor=commissioner, holder=holder, confirmed=True)
