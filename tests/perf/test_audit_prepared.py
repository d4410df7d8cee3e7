"""The audit log's SQL is compiled once per shape and reused with each page's own values.

Reused statements must give exactly the rows the ORM gives when it builds the same page from
scratch, for every kind of page: filters, cursors in both directions, page numbers, the
oldest page, one record type. A shape whose SQL does not come out the same is never reused.
"""

from datetime import date, timedelta

import pytest
from django.utils import timezone

from prevent_compliance.audit import selectors
from prevent_compliance.audit.selectors import AuditLog, LogCursor, LogFilters
from toolkit.models import Evidence


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def changes(officer, auditor, period):
    """Changes by two people in two tables, some at the same instant, over several days."""
    for person, count in ((officer, 40), (auditor, 25)):
        record = Evidence(
            added_by=person,
            title=f"Policy of {person.username}",
            kind=Evidence.Kind.POLICY,
            url="https://opcc.example/policy",
            effective_date=date(2025, 4, 1),
        )
        record._history_user = person
        record.save()
        for number in range(count):
            record.description = f"Revision {number}"
            record.save()
    for number in range(12):
        period.label = f"2025/{number:02d}"
        period._history_user = officer
        period.save()
    history = Evidence.history.model
    ids = list(history.objects.order_by("history_id").values_list("history_id", flat=True))
    now = timezone.now()
    for index, history_id in enumerate(ids):  # spread over days, with ties every third row
        when = now - timedelta(days=index // 3, hours=1)
        history.objects.filter(history_id=history_id).update(history_date=when)
    return officer


def _fresh(log: AuditLog, *, limit, offset=0, cursor=None, newest_first=True):
    """The rows as the ORM reads them with no statement reused."""
    rows = list(
        log._union(
            log.filters,
            cursor,
            offset=offset,
            keep=offset + limit,
            newest_first=newest_first,
        )
    )
    if len(log.sources) == 1:
        rows = rows[offset:]
    return [log._row(row) for row in rows]


def _cases(officer):
    today = timezone.localdate()
    yield LogFilters(), {}
    yield LogFilters(user_id=officer.pk), {}
    yield LogFilters(date_from=today - timedelta(days=5), date_to=today - timedelta(days=1)), {}
    yield LogFilters(record_type="evidence"), {}
    yield LogFilters(user_id=officer.pk, date_from=today - timedelta(days=9)), {"offset": 7}
    yield LogFilters(), {"offset": 13}
    yield LogFilters(), {"newest_first": False}


@pytest.mark.django_db
def test_reused_statements_give_the_rows_the_orm_gives(changes):
    selectors._PREPARED.statements.clear()
    for filters, options in _cases(changes):
        log = AuditLog(filters)
        first = log.rows(limit=11, **options)  # compiles the shape (and checks it)
        assert first == _fresh(log, limit=11, **options)
        # Cursors from the page: older and newer from several rows, in both directions.
        for row in first[::3]:
            for newest_first in (True, False):
                got = log.rows(limit=11, cursor=row["cursor"], newest_first=newest_first)
                want = _fresh(log, limit=11, cursor=row["cursor"], newest_first=newest_first)
                assert got == want
        assert log.rows(limit=11, **options) == first
    statements = selectors._PREPARED.statements
    assert statements and all(s is not None for s in statements.values()), (
        "every shape here compiles to the same SQL with stand-in values, so is reused"
    )


@pytest.mark.django_db
def test_a_reused_statement_takes_each_pages_own_values(changes, auditor):
    selectors._PREPARED.statements.clear()
    mine = AuditLog(LogFilters(user_id=changes.pk)).rows(limit=200)
    theirs = AuditLog(LogFilters(user_id=auditor.pk)).rows(limit=200)  # same shape, reused
    assert {r["username"] for r in mine} == {changes.username}
    assert {r["username"] for r in theirs} == {auditor.username}
    assert len(selectors._PREPARED.statements) == 1
    # A cursor deep in the log: only rows older than it, newest first.
    whole = AuditLog(LogFilters()).rows(limit=500)
    for depth in (5, 40, len(whole) - 2):
        older = AuditLog(LogFilters()).rows(limit=500, cursor=whole[depth]["cursor"])
        assert older == whole[depth + 1 :]
    # A row id past a 32-bit column's range (a hand-made link) is read afresh, not from the
    # statement of its shape: the rows are still right and nothing fails.
    at = whole[3]["cursor"]
    huge = LogCursor(at=at.at, key=at.key, history_id=2**40)
    log = AuditLog(LogFilters())
    assert log.rows(limit=500, cursor=huge) == _fresh(log, limit=500, cursor=huge)


@pytest.mark.django_db
def test_a_page_of_the_log_compiles_nothing_once_its_shape_is_known(changes, monkeypatch):
    """Another page of a known shape builds no queryset of any history table."""
    log = AuditLog(LogFilters())
    top = log.rows(limit=11)
    log.rows(limit=11, cursor=top[2]["cursor"])  # the shape "before a cursor in this table"
    built = []
    original = AuditLog._member

    def counting(self, source, *args, **kwargs):
        built.append(source.key)
        return original(self, source, *args, **kwargs)

    monkeypatch.setattr(AuditLog, "_member", counting)
    later = log.rows(limit=11, cursor=top[5]["cursor"])
    assert top[5]["cursor"].key == top[2]["cursor"].key
    assert later and later[0] == top[6] and built == []
