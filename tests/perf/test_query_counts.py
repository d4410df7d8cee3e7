"""Queries per key page stay within one bound, and the same, as the data grows.

Timings are measured by ``make bench``; these tests guard the query counts, so a page that
starts to run a query per row fails CI. The data comes from the scale generator
(prevent_compliance/devdata/scale/) with smaller units: one unit, then three.
"""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decisions.models import Decision
from prevent_compliance.devdata import scale

# Each unit: 10 review periods, 30 users; evidence, actions and decisions per unit below.
SIZES = {"evidence": 80, "actions": 60, "decisions": 40}
MAX_QUERIES = 12
# The section page also reads each criterion's rating and its evidence (criterion-level
# assessment): one query over the bound until its evidence list and count become one query.
OVER_THE_BOUND = {"section page": 13}


def _pages(reference: str):
    return [
        ("dashboard", "officer", "/"),
        ("section page", "officer", "/toolkit/1/"),
        ("evidence list", "officer", "/evidence/"),
        ("action plan", "officer", "/actions/"),
        ("decisions list", "officer", "/decisions/"),
        ("decision detail", "officer", f"/decisions/{reference}/"),
        ("public log", None, "/public/decisions/"),
        ("public decision", None, f"/public/decisions/{reference}/"),
        ("audit log", "auditor", "/audit/"),
    ]


def _clients(django_user_model):
    from django.test import Client

    clients = {None: Client()}
    for role, username in (("officer", "officer.00"), ("auditor", "auditor.00")):
        client = Client()
        client.force_login(django_user_model.objects.get(username=f"scale.u01.{username}"))
        clients[role] = client
    return clients


def _count_pages(clients, django_assert_max_num_queries) -> dict[str, int]:
    reference = (
        Decision.objects.filter(status=Decision.Status.PUBLISHED).order_by("pk").first().reference
    )
    counts = {}
    for name, role, url in _pages(reference):
        client = clients[role]
        assert client.get(url).status_code == 200, name  # warm: session refresh, caches
        with (
            django_assert_max_num_queries(OVER_THE_BOUND.get(name, MAX_QUERIES), info=name),
            CaptureQueriesContext(connection) as queries,
        ):
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_key_pages_query_counts_are_bounded_and_flat(
    toolkit, django_user_model, django_assert_max_num_queries
):
    scale.generate(1, stream=io.StringIO(), sizes=SIZES)
    clients = _clients(django_user_model)
    small = _count_pages(clients, django_assert_max_num_queries)

    scale.generate(3, stream=io.StringIO(), sizes=SIZES)
    large = _count_pages(clients, django_assert_max_num_queries)

    assert small == large, "queries per page changed as the data grew threefold"
