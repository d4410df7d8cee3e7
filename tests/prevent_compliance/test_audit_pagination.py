"""The audit log read by cursor: Older and Newer links, no counting, bad cursors refused."""

import csv
import io
from datetime import date, timedelta
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from prevent_compliance.audit import selectors, views
from prevent_compliance.audit.selectors import AuditLog, LogCursor, LogFilters
from toolkit.models import Evidence

SIZE = views.LOG_PAGE_SIZE


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def busy_log(officer, period):
    """Over two pages of changes in two tables, many of them at the very same instant."""
    record = Evidence(
        added_by=officer,
        title="Prevent policy",
        kind=Evidence.Kind.POLICY,
        url="https://opcc.example/policy",
        effective_date=date(2025, 4, 1),
    )
    record._history_user = officer
    record.save()
    for number in range(SIZE + 20):
        record.description = f"Revision {number}"
        record.save()
    for number in range(SIZE // 2):
        period.label = f"2025/{number:02d}"
        period.save()
    # Ties across tables and within one: the cursor must still give each row exactly once.
    instant = timezone.now() - timedelta(days=3)
    for model in (type(record), type(period)):
        history = model.history.model
        ids = list(history.objects.order_by("history_id").values_list("history_id", flat=True))
        history.objects.filter(history_id__in=ids[5:25]).update(history_date=instant)
    return record


def _keys(rows):
    return [(row["when"], row["record_type"], row["cursor"].history_id) for row in rows]


def _link(response, rel):
    """The query of the page's Older (rel=next) or Newer (rel=prev) link, or None."""
    marker = f'" rel="{rel}"'
    body = response.content.decode()
    if marker not in body:
        return None
    href = body[: body.index(marker)].rsplit('href="', 1)[1].replace("&amp;", "&")
    return {k: v[0] for k, v in parse_qs(urlparse(href).query).items()}


def _every_row(**filters):
    return _keys(AuditLog(LogFilters(**filters)).iterate(chunk_size=7))


def test_older_links_walk_the_whole_log_once_in_order_and_newer_links_walk_back(
    client_for, auditor, busy_log
):
    client = client_for(auditor)
    client.get(reverse("audit:log"))  # the first page view saves the organisation profile
    expected = _every_row()
    assert len(expected) > 2 * SIZE and len(set(expected)) == len(expected)
    assert expected == sorted(expected, reverse=True)
    pages, params = [], {}
    while params is not None:
        response = client.get(reverse("audit:log"), params)
        assert response.status_code == 200
        pages.append(_keys(response.context["page"].object_list))
        params = _link(response, "next")
    assert [key for page in pages for key in page] == expected
    assert len(pages) >= 3 and all(len(page) == SIZE for page in pages[:-1])
    # Back again with Newer from the oldest page: runs of the log, ending on the newest page.
    response = client.get(reverse("audit:log"), {"page": "last"})
    back = [_keys(response.context["page"].object_list)]
    params = _link(response, "prev")
    while params is not None:
        response = client.get(reverse("audit:log"), params)
        back.append(_keys(response.context["page"].object_list))
        params = _link(response, "prev")
    for page in back:
        start = expected.index(page[0])
        assert page == expected[start : start + len(page)] and len(page) == SIZE
    assert {key for page in back for key in page} == set(expected)
    assert back[-1] == expected[:SIZE] and back[0] == expected[-SIZE:]


def test_links_keep_the_filters(client_for, auditor, busy_log):
    response = client_for(auditor).get(reverse("audit:log"), {"record_type": "evidence"})
    older = _link(response, "next")
    assert older["record_type"] == "evidence" and "before" in older
    rows = client_for(auditor).get(reverse("audit:log"), older).context["page"].object_list
    assert rows and {row["record_type"] for row in rows} == {"evidence"}


def test_the_export_reads_every_row_in_chunks_in_log_order(client_for, auditor, busy_log):
    response = client_for(auditor).get(reverse("audit:export"))
    lines = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(lines) == 1 + len(_every_row())


def test_a_page_costs_the_same_queries_at_the_top_and_deep_and_counts_nothing(
    client_for, auditor, busy_log
):
    client = client_for(auditor)
    client.get(reverse("audit:log"))
    deep = {"before": str(AuditLog(LogFilters()).rows(limit=1, offset=SIZE + 10)[0]["cursor"])}
    counts = []
    for params in ({}, deep, {"page": "2"}, {"page": "100000"}):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("audit:log"), params).status_code == 200
        assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
        counts.append(len(queries.captured_queries))
    assert len(set(counts)) == 1 and counts[0] <= 12


def test_a_page_number_past_the_end_is_the_oldest_page(client_for, auditor, busy_log):
    client = client_for(auditor)
    client.get(reverse("audit:log"))  # the first page view saves the organisation profile
    response = client.get(reverse("audit:log"), {"page": "100000"})
    page = response.context["page"]
    assert response.status_code == 200
    assert _keys(page.object_list) == _every_row()[-SIZE:]
    assert not page.has_older and page.has_newer
    assert selectors.MAX_PAGE_NUMBER < 100000


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "nonsense",
        "2025-01-01T00:00:00+00:00,evidence",
        "not-a-date,evidence,1",
        "2025-01-01T00:00:00+00:00,no-such-type,1",
        "2025-01-01T00:00:00+00:00,evidence,-1",
        "2025-01-01T00:00:00+00:00,evidence,99999999999999999999999",
        "2025-01-01T00:00:00+00:00,evidence,١٢",
        "2025-01-01T00:00:00\x00,evidence,1",
        "9" * 5000,
    ],
)
@pytest.mark.parametrize("direction", ["before", "after"])
def test_a_bad_cursor_is_a_clear_error_over_the_newest_page(
    client_for, auditor, period, cursor, direction
):
    response = client_for(auditor).get(reverse("audit:log"), {direction: cursor})
    if cursor == "":
        assert response.status_code == 200  # an empty link is the newest page
        return
    assert response.status_code == 400
    body = response.content.decode()
    assert "There is a problem" in body and "showing the newest changes instead" in body
    assert response.context["page"].object_list


def test_a_cursor_far_in_the_past_or_future_answers_with_what_is_there(
    client_for, auditor, busy_log
):
    client = client_for(auditor)
    client.get(reverse("audit:log"))  # the first page view saves the organisation profile
    future = client.get(reverse("audit:log"), {"before": "9999-12-31T00:00:00+00:00,evidence,1"})
    assert _keys(future.context["page"].object_list) == _every_row()[:SIZE]
    past = client.get(reverse("audit:log"), {"before": "0001-01-01T00:00:00+00:00,evidence,1"})
    assert past.status_code == 200 and past.context["page"].object_list == []
    assert "No changes" in past.content.decode()


def test_a_cursor_reads_back_as_written_whatever_the_time_zone(busy_log):
    cursor = AuditLog(LogFilters()).rows(limit=1, offset=SIZE)[0]["cursor"]
    assert LogCursor.parse(str(cursor), [cursor.key]) == cursor
    naive = str(cursor).replace("+00:00", "")
    assert LogCursor.parse(naive, [cursor.key]) == cursor  # UTC when no offset is given
