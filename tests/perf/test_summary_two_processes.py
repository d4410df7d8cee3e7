"""The cached dashboard counts and section evidence are never stale across processes.

Two processes share the database and the cache (a file cache, as production configures):
this test process writes through the services, another process reads the counts as a page
would. The reader runs while the write is in progress (so it may cache the counts from before
it) and again after the commit, when it must see the write.

The other process needs the database this test writes to, so an in-memory SQLite test
database (the default on SQLite) cannot be shared: run with DATABASE_URL naming PostgreSQL
(or a SQLite file) for this test to run.
"""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection, transaction
from django.utils import timezone

from toolkit import services, summary

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
READER = """
import json, sys
import django
django.setup()
from django.utils import timezone
from toolkit import selectors, summary
period = selectors.current_period()
section = selectors.get_section(int(sys.argv[1]), period)
today = timezone.localdate()
counts = summary.dashboard_counts(period, today)
evidence = summary.section_evidence(section, period, today)
print(json.dumps({"dashboard": counts.evidence.get(section.pk, 0),
                  "section": evidence.evidence_count}))
"""


def _database_url() -> str:
    settings = connection.settings_dict
    name = str(settings["NAME"])
    if connection.vendor == "postgresql":
        user, host, port = settings["USER"], settings["HOST"] or "127.0.0.1", settings["PORT"]
        password = f":{settings['PASSWORD']}" if settings["PASSWORD"] else ""
        return f"postgres://{user}{password}@{host}:{port or 5432}/{name}"
    if "memory" in name or name == ":memory:":
        pytest.skip("an in-memory SQLite test database cannot be shared with another process")
    return f"sqlite:///{name}"


@pytest.fixture
def shared_cache(settings, tmp_path):
    folder = tmp_path / "cache"
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(folder),
        }
    }
    return folder


def _read_in_another_process(section_number: int, cache_folder: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "prevent_compliance.settings",
        "DEBUG": "on",
        "DATABASE_URL": _database_url(),
        "CACHE_URL": f"filecache://{cache_folder}",
    }
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", READER, str(section_number)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _evidence(officer, section, title):
    today = timezone.localdate()
    return services.evidence_create(
        actor=officer,
        title=title,
        kind="minutes",
        effective_date=today - timedelta(days=5),
        review_by=today + timedelta(days=200),
        sections=[section],
        url="https://example.org/minutes",
    )


def test_another_process_never_reads_counts_from_before_a_commit(period, officer, shared_cache):
    section = period.edition.sections.order_by("number").first()
    _evidence(officer, section, "First minutes")
    first = _read_in_another_process(section.number, shared_cache)
    assert first == {"dashboard": 1, "section": 1}
    # This process reads the same cached values (the file cache is shared).
    today = timezone.localdate()
    assert summary.dashboard_counts(period, today).evidence[section.pk] == 1

    with transaction.atomic():
        _evidence(officer, section, "Second minutes")
        # Meanwhile the other process reads (and caches) what is committed: one item.
        during = _read_in_another_process(section.number, shared_cache)
        assert during == {"dashboard": 1, "section": 1}

    after = _read_in_another_process(section.number, shared_cache)
    assert after == {"dashboard": 2, "section": 2}
    assert summary.dashboard_counts(period, today).evidence[section.pk] == 2
    assert summary.section_evidence(section, period, today).evidence_count == 2
