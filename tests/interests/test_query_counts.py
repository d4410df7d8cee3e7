"""The register pages and open data run the same number of queries for 3 people or 9, each
with entries, confirmations and offers."""

from datetime import date
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions.interests.models import Gift, Holder, Interest

PAGES = [
    ("interests:public_register", None),
    ("interests:public_register_csv", None),
    ("interests:public_register_json", None),
    ("interests:public_gifts", None),
    ("interests:public_gifts_csv", None),
    ("interests:public_gifts_json", None),
    ("interests:holder_list", "chief_executive"),
]


def _grow(n: int, recorder) -> None:
    start = Holder.objects.count()
    for i in range(start, start + n):
        holder = Holder.objects.create(
            slug=f"person-{i}", name=f"Person {i}", role_title="Director", kind=Holder.Kind.SENIOR
        )
        for k in range(3):
            Interest.objects.create(
                holder=holder,
                category=Interest.Category.MEMBERSHIPS,
                organisation=f"Body {k}",
                description="Member.",
                start_date=date(2020, 1, 1),
            )
            Gift.objects.create(
                holder=holder,
                offered_on=date(2025, 1, 1),
                giver=f"Giver {k}",
                description="Lunch.",
                value=Decimal("75"),
                outcome=Gift.Outcome.ACCEPTED,
                reason="Work.",
                recorded_by=recorder,
            )


def _counts(clients) -> dict[str, int]:
    counts = {}
    for name, role in PAGES:
        client = clients[role]
        client.get(reverse(name))  # warm
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(name)).status_code == 200
        counts[name] = len(queries)
    return counts


def test_register_pages_queries_do_not_grow_with_the_data(personas, register):
    from django.test import Client

    from tests.prevent_compliance.two_factor import sign_in_verified

    clients = {
        None: Client(),
        "chief_executive": sign_in_verified(Client(), personas["chief_executive"]),
    }
    _grow(2, personas["officer"])
    small = _counts(clients)
    _grow(6, personas["officer"])
    large = _counts(clients)
    assert small == large
    assert max(small.values()) <= 12, small
