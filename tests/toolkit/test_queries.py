"""Query counts of the busiest pages: fixed, whatever the number of records (no N+1)."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from prevent_compliance.models import get_organisation
from prevent_compliance.roles import Role
from tests.toolkit.helpers import rate_section
from toolkit.models import SectionAssessment

# Measured with the data below (22 of each record) plus a margin of two; the organisation
# profile is cached, as it is in a running server. A page that starts querying per row
# exceeds these at once.
MAX_QUERIES = {
    # 17: the section counts, criterion counts per section (counted afresh inside a test's
    # transaction, cached in a server), "waiting for you", the last visit and training.
    "dashboard": 17 + 2,
    "section_list": 7 + 2,  # with the criterion counts per section
    "section_detail": 17 + 2,  # with each criterion's rating and evidence
    "evidence_list": 9 + 2,  # with the list's filters
    "action_list": 8 + 2,
}
URLS = {
    "dashboard": reverse("toolkit:dashboard"),
    "section_list": reverse("toolkit:section_list"),
    "section_detail": reverse("toolkit:section_detail", kwargs={"number": 1}),
    "evidence_list": reverse("toolkit:evidence_list"),
    "action_list": reverse("toolkit:action_list"),
}


@pytest.fixture
def add_records(toolkit, period, officer, django_user_model, make_evidence, make_action, today):
    """Add `size` pieces of evidence and actions, each action with its own owner, and rate all."""
    get_organisation()  # created and cached, as on any server that has served a page
    sections = list(toolkit.sections.order_by("number"))
    officers = Group.objects.get(name=Role.OFFICER.value)

    def add(size: int, start: int = 0):
        for n in range(start, start + size):
            section = sections[n % 8]
            owner = django_user_model.objects.create_user(
                username=f"owner{n}", first_name="Owner", last_name=str(n)
            )
            owner.groups.add(officers)
            make_evidence(
                title=f"Evidence {n}",
                url=f"https://example.org/{n}",
                sections=[section, sections[0]],
                criteria=[section.criteria.first()],
                review_by=today + timedelta(days=n - 5),
                effective_date=today - timedelta(days=400),
            )
            make_action(
                title=f"Action {n}",
                section=section,
                criterion=section.criteria.first(),
                owner=owner,
                due_date=today + timedelta(days=n - 8),
            )
        for assessment in SectionAssessment.objects.filter(period=period):
            rate_section(
                actor=officer,
                assessment=assessment,
                rating="partly_met",
                narrative=f"Rated at {size}",
            )

    return add


def _queries(client, url) -> int:
    # The session is re-saved at most once a minute (idle expiry); touch it first so that
    # write never lands in the count.
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("page", list(URLS))
def test_page_queries_are_bounded_and_do_not_grow_with_records(
    client_for, auditor, add_records, django_assert_max_num_queries, page
):
    # Over ten records each, so the dashboard's "first ten of N" lists are full both times.
    client = client_for(auditor)
    add_records(11)
    few = _queries(client, URLS[page])
    add_records(11, start=11)
    client.get(URLS[page])

    with django_assert_max_num_queries(MAX_QUERIES[page]) as captured:
        response = client.get(URLS[page])

    assert response.status_code == 200
    assert len(captured) == few, (
        f"{page}: {few} queries with 11 records each, {len(captured)} with 22"
    )
