"""The dashboard's "waiting for you" panel is kept in the shared cache and is never stale.

A panel is kept under a version that every change to the records behind it replaces, at
once and again when the writer's transaction commits (prevent_compliance/waiting.py). These
tests write through the services and read the dashboard inside the transaction, after the
commit and after a rollback; another process reads while a write is in progress and right
after its commit; and one user's kept panel never shows on another user's dashboard.

They are transactional: inside a test's own transaction nothing is cached, as in any
transaction, so only a committed test exercises the cache.
"""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from decisions import annual_review
from decisions import services as decision_services
from decisions.models import Decision
from prevent_compliance import waiting
from prevent_compliance.models import LastVisit
from prevent_compliance.roles import Role
from tests.conftest import _make_user
from tests.decisions.helpers import advance, complete_sections, make_draft
from tests.perf.test_summary_two_processes import _database_url
from tests.prevent_compliance.two_factor import sign_in_verified
from toolkit import services as toolkit_services
from toolkit.models import ExportJob

pytestmark = pytest.mark.django_db(transaction=True)

ROOT = Path(__file__).resolve().parents[2]
DASHBOARD = "/"


class Rollback(Exception):
    """Raised to roll a test's transaction back."""


def _client(user) -> Client:
    client = Client()
    sign_in_verified(client, user)
    return client


def _panel(client) -> str:
    html = client.get(DASHBOARD).content.decode()
    start = html.index('data-testid="waiting-for-you"')
    return html[start : html.index("</section>", start)]


def _panel_read(client) -> tuple[str, bool]:
    """The panel, and whether the view read the waiting records (the combined query)."""
    with CaptureQueriesContext(connection) as queries:
        panel = _panel(client)
    return panel, any('"_kind"' in query["sql"] for query in queries)


def _overdue_action(officer, period, title):
    return toolkit_services.action_create(
        actor=officer,
        title=title,
        section=period.edition.sections.get(number=1),
        owner=officer,
        due_date=timezone.localdate() - timedelta(days=3),
        period=period,
    )


def _draft(personas, title):
    decision = make_draft(personas, title=title)
    complete_sections(decision, actor=personas["officer"])
    return decision


def test_the_panel_is_read_once_then_kept(personas, period):
    client = _client(personas["officer"])
    _overdue_action(personas["officer"], period, "Kept action")
    first, read_first = _panel_read(client)
    again, read_again = _panel_read(client)
    assert "Kept action" in first
    assert again == first
    assert (read_first, read_again) == (True, False)


def test_an_action_that_becomes_overdue_shows_in_the_transaction_and_after_commit(personas, period):
    officer = personas["officer"]
    client = _client(officer)
    assert "Overdue in a transaction" not in _panel(client)  # kept: nothing waits
    with transaction.atomic():
        _overdue_action(officer, period, "Overdue in a transaction")
        inside, read = _panel_read(client)
        assert "Overdue in a transaction" in inside
        assert read, "inside a transaction the panel is read, never taken from the cache"
    after, read = _panel_read(client)
    assert "Overdue in a transaction" in after
    assert read, "the commit replaced the version"


def test_an_action_given_to_the_officer_shows_at_once(personas, period):
    officer, other = personas["officer"], personas["chief_executive"]
    action = toolkit_services.action_create(
        actor=officer,
        title="Owned elsewhere first",
        section=period.edition.sections.get(number=1),
        owner=other,
        due_date=timezone.localdate() - timedelta(days=3),
        period=period,
    )
    client = _client(officer)
    assert "Owned elsewhere first" not in _panel(client)
    toolkit_services.action_update(actor=officer, action=action, owner=officer)
    assert "Owned elsewhere first" in _panel(client)
    # And one no longer overdue leaves it at once.
    toolkit_services.action_update(
        actor=officer, action=action, due_date=timezone.localdate() + timedelta(days=7)
    )
    assert "Owned elsewhere first" not in _panel(client)


def test_a_rolled_back_write_never_shows(personas, period):
    officer = personas["officer"]
    client = _client(officer)
    assert "Never committed" not in _panel(client)
    with pytest.raises(Rollback), transaction.atomic():
        _overdue_action(officer, period, "Never committed")
        assert "Never committed" in _panel(client)  # this transaction sees its own write
        raise Rollback
    # Nothing read inside the transaction was kept under the version it started.
    assert "Never committed" not in _panel(client)
    assert "Never committed" not in _panel(client)


def test_a_decision_submitted_for_comment_shows_to_both_commenters(personas):
    treasurer = _client(personas["treasurer"])
    chief = _client(personas["chief_executive"])
    decision = _draft(personas, "Submitted while kept")
    for client in (treasurer, chief):
        assert "Submitted while kept" not in _panel(client)
        assert not _panel_read(client)[1], "kept"
    with transaction.atomic():
        decision_services.decision_submit(actor=personas["officer"], decision=decision)
        assert "Submitted while kept" in _panel(chief)
    assert "Submitted while kept" in _panel(treasurer)
    assert "Submitted while kept" in _panel(chief)
    # The Treasurer comments: it leaves their panel at once, and stays on the other.
    decision_services.decision_comment_treasurer(
        actor=personas["treasurer"], decision=decision, comments="Fine."
    )
    assert "Submitted while kept" not in _panel(treasurer)
    assert "Submitted while kept" in _panel(chief)


def test_one_users_kept_panel_never_shows_to_another(personas, period, django_user_model):
    officer = personas["officer"]
    second_officer = _make_user(django_user_model, "second.officer", Role.OFFICER)
    _overdue_action(officer, period, "MARK-OFFICER-4c1e")
    decision = _draft(personas, "MARK-CHIEF-9b27")
    advance(decision, personas, "awaiting_approval")
    readers = {
        "officer": (_client(officer), "MARK-OFFICER-4c1e"),
        "second officer": (_client(second_officer), None),
        "chief executive": (_client(personas["chief_executive"]), "MARK-CHIEF-9b27"),
        "commissioner": (_client(personas["commissioner"]), None),
    }
    for _ in range(2):  # read, then kept
        for name, (client, own) in readers.items():
            panel = _panel(client)
            for marker in ("MARK-OFFICER-4c1e", "MARK-CHIEF-9b27"):
                assert (marker in panel) == (marker == own), (name, marker)
    # A role given is a different panel at once (the roles are part of the key).
    second_officer.groups.add(Group.objects.get(name=Role.CHIEF_EXECUTIVE))
    assert "MARK-CHIEF-9b27" in _panel(_client(second_officer))
    assert "MARK-OFFICER-4c1e" not in _panel(_client(second_officer))


def test_an_auditors_visit_and_packs_are_read_on_every_view(personas, period):
    auditor = personas["auditor"]
    client = _client(auditor)
    signed = advance(_draft(personas, "Signed for the auditor"), personas, "signed")
    assert "Signed for the auditor" in _panel(client)
    # The next visit, after an hour away (no decision changed: nothing replaced the version).
    Decision.objects.filter(pk=signed.pk).update(signed_at=timezone.now() - timedelta(hours=2))
    LastVisit.objects.filter(user=auditor).update(seen_at=timezone.now() - timedelta(hours=1))
    assert "Signed since your last visit" not in _panel(client)
    # A pack that leaves the last 30 days goes with no record changed.
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.AUDIT_PACK,
        period=period,
        requested_by=auditor,
        status=ExportJob.Status.READY,
        finished_at=timezone.now(),
    )
    assert job.get_absolute_url() in _panel(client)
    ExportJob.objects.filter(pk=job.pk).update(finished_at=timezone.now() - timedelta(days=31))
    assert job.get_absolute_url() not in _panel(client)


def test_the_annual_review_to_submit_follows_its_period(personas, period):
    chief = personas["chief_executive"]
    client = _client(chief)
    assert "Annual review to submit" not in _panel(client)
    period.end_date = timezone.localdate() + timedelta(days=5)
    period.save()  # a change to a period replaces the version (post_save)
    assert "Annual review to submit (1)" in _panel(client)
    annual_review.annual_review_submit(actor=chief, period=period)
    assert "Annual review to submit" not in _panel(client)
    # The period the dashboard names is kept too (toolkit/summary.py), and follows at once.
    assert f"{period.end_date:%-d %B %Y}): in review." in client.get(DASHBOARD).content.decode()


def test_the_navigation_count_follows_the_kept_panel_with_no_query(personas, period):
    officer = personas["officer"]
    client = _client(officer)
    _overdue_action(officer, period, "Counted")
    client.get(DASHBOARD)
    with CaptureQueriesContext(connection) as queries:
        assert waiting.count_for(officer) == 1
    assert len(queries) <= 1  # at most the user's roles, never the waiting records
    _overdue_action(officer, period, "Counted too")
    assert waiting.count_for(officer) == 2


# --- Two processes --------------------------------------------------------------------------

READER = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from prevent_compliance import waiting
user = get_user_model().objects.get(pk=int(sys.argv[1]))
groups = waiting.dashboard_groups(user)
with CaptureQueriesContext(connection) as queries:
    waiting.dashboard_groups(user)
print(json.dumps({"kinds": {g.kind: g.total for g in groups}, "kept": len(queries) == 0}))
"""


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


def _read_in_another_process(user, cache_folder: Path) -> dict:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "prevent_compliance.settings",
        "DEBUG": "on",
        "DATABASE_URL": _database_url(),
        "CACHE_URL": f"filecache://{cache_folder}",
    }
    done = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", READER, str(user.pk)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def _kept_in_this_process(user) -> dict[str, int]:
    """The panel as this process reads it, asserting it came from the shared cache."""
    with CaptureQueriesContext(connection) as queries:
        groups = waiting.dashboard_groups(user)
    assert not any('"_kind"' in query["sql"] for query in queries)
    return {g.kind: g.total for g in groups}


def test_another_process_sees_an_overdue_action_right_after_its_commit(
    personas, period, shared_cache
):
    # Only the models' signals replace the version here: no e-mail step is involved.
    officer = personas["officer"]
    assert _read_in_another_process(officer, shared_cache) == {"kinds": {}, "kept": True}

    with transaction.atomic():
        _overdue_action(officer, period, "Two processes, one action")
        # Meanwhile the other process reads (and keeps) what is committed: nothing waits.
        during = _read_in_another_process(officer, shared_cache)
        assert during == {"kinds": {}, "kept": True}

    after = _read_in_another_process(officer, shared_cache)
    assert after == {"kinds": {"overdue-actions": 1}, "kept": True}
    assert _kept_in_this_process(officer) == {"overdue-actions": 1}


def test_another_process_sees_a_submission_right_after_its_commit(personas, shared_cache):
    chief = personas["chief_executive"]
    decision = _draft(personas, "Two processes")
    assert _read_in_another_process(chief, shared_cache) == {"kinds": {}, "kept": True}

    with transaction.atomic():
        decision_services.decision_submit(actor=personas["officer"], decision=decision)
        during = _read_in_another_process(chief, shared_cache)
        assert during == {"kinds": {}, "kept": True}

    after = _read_in_another_process(chief, shared_cache)
    assert after == {"kinds": {"comment-chief-executive": 1}, "kept": True}
    assert _kept_in_this_process(chief) == {"comment-chief-executive": 1}
