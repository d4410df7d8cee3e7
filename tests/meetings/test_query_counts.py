"""Queries per meetings page stay within one bound, and the same, as the data grows
(the same check as tests/perf/test_query_counts.py, with this app's own data)."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions.meetings import services

from .helpers import add_paper, at, published_decision

MAX_QUERIES = 12


def _grow(officer, board, decision, start: int, count: int):
    for n in range(start, start + count):
        meeting = services.meeting_create(
            actor=officer,
            board=board,
            starts_at=at(2024 + n // 28, 1 + n % 12, 1 + n % 28),
            place=f"Room {n}",
            is_public=n % 3 != 0,
            significant_public_interest=n % 6 == 0,
        )
        for number in (1, 2):
            services.agenda_item_save(
                actor=officer,
                meeting=meeting,
                number=number,
                title=f"Item {number}",
                withheld=number == 2,
                exemption="s43" if number == 2 else "",
            )
        add_paper(officer, meeting, f"Minutes {n}")
        services.attendee_add(actor=officer, meeting=meeting, name=f"Person {n}", role="Member")
        services.meeting_link_decision(actor=officer, meeting=meeting, reference=decision.reference)
        services.plan_entry_create(
            actor=officer,
            title=f"Plan {n}",
            expected_year=2026,
            expected_month=1 + n % 12,
            decision_maker="pcc",
            expected_confidential=n % 4 == 0,
            public_subject="estates" if n % 4 == 0 else "",
        )
    return meeting


def _pages(meeting, decision):
    return [
        ("meetings", "officer", reverse("meetings:list")),
        ("meeting", "officer", meeting.get_absolute_url()),
        ("plan", "officer", reverse("meetings:plan_list")),
        ("decision", "officer", decision.get_absolute_url()),
        ("public meetings", None, reverse("meetings:public_list")),
        ("public meeting", None, meeting.get_public_url()),
        ("public plan", None, reverse("meetings:public_forward_plan")),
        ("public decision", None, decision.get_public_url()),
        ("meetings.csv", None, reverse("meetings:public_meetings_csv")),
        ("agenda.json", None, reverse("meetings:public_agenda_items_json")),
        ("plan.csv", None, reverse("meetings:public_forward_plan_csv")),
        ("scheme", None, reverse("meetings:publication_scheme")),
    ]


def _count(clients, pages) -> dict[str, int]:
    counts = {}
    for name, role, url in pages:
        client = clients[role]
        assert client.get(url).status_code == 200, name  # warm: session, caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, name
        counts[name] = len(queries)
    return counts


@pytest.mark.django_db
def test_meeting_pages_query_counts_are_bounded_and_flat(officer):
    clients = {None: Client(), "officer": Client()}
    clients["officer"].force_login(officer)
    decision = published_decision()
    board = services.board_create(actor=officer, name="Accountability board")
    _grow(officer, board, decision, 1, 4)
    # The last meeting made is public (4 % 3 != 0): the one whose pages are counted.
    meeting = board.meetings.filter(is_public=True).order_by("-starts_at").first()
    small = _count(clients, _pages(meeting, decision))
    _grow(officer, board, decision, 5, 40)  # past a page of 25
    large = _count(clients, _pages(meeting, decision))
    assert small == large, f"queries per page changed as the data grew: {small} -> {large}"
    over = {name: n for name, n in large.items() if n > MAX_QUERIES}
    assert not over, f"pages over {MAX_QUERIES} queries: {over}"
    print("query counts:", large)
