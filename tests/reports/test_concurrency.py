"""PostgreSQL: many people asking at once for the same report make one job, queued once."""

import threading

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from toolkit.reports import selectors, services
from toolkit.reports.models import ReportJob

THREADS = 8

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Concurrent inserts need PostgreSQL; SQLite runs one writer at a time.",
)
pytestmark = [postgres_only, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_the_same_content_asked_for_at_once_is_one_job(roles_present, personas, period):
    variant = ReportJob.Variant.INTERNAL
    key = selectors.content_key(period, variant=variant, final=False)
    people = [personas[name] for name in ("officer", "auditor", "treasurer", "chief_executive")]
    barrier = threading.Barrier(THREADS)
    results, errors = [None] * THREADS, []

    def ask(i):
        try:
            barrier.wait(timeout=30)
            # The service's own path once the key is known: the race is on the insert.
            results[i] = services._job_for_content(
                period=period, variant=variant, final=False, key=key, actor=people[i % 4]
            ).pk
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert errors == []
    assert len(set(results)) == 1 and ReportJob.objects.count() == 1
    assert DBTaskResult.objects.count() == 1
