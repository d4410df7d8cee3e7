"""/healthz/live and /healthz/ready: outside sign-in, JSON, 200 or 503, nothing sensitive."""

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from prevent_compliance import health
from prevent_compliance.models import WorkerHeartbeat

PROJECT = Path(__file__).resolve().parents[2]
RESULTS = {"ok", "failing", "not applicable"}
CHECK_NAMES = {"database", "storage", "migrations", "worker"}


def _beat(*, seconds_ago: float = 0, worker_id: str = "worker-1") -> None:
    seen = timezone.now() - timedelta(seconds=seconds_ago)
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"started_at": seen, "last_seen": seen}
    )


def _ready(client):
    response = client.get("/healthz/ready")
    body = json.loads(response.content)
    _assert_nothing_sensitive(response, body)
    return response.status_code, body


def _assert_nothing_sensitive(response, body) -> None:
    """Only check names and their one-word results: no versions, hosts or error text."""
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"] == "no-store"
    assert not response.cookies
    assert set(body) <= {"status", "checks"}
    assert body["status"] in {"ok", "failing"}
    if "checks" in body:
        assert set(body["checks"]) == CHECK_NAMES
        assert set(body["checks"].values()) <= RESULTS
    text = response.content.decode()
    for word in ("Error", "error", "Traceback", "sqlite", "postgres", "Django", "127.0.0.1"):
        assert word not in text


# --- Live ---------------------------------------------------------------------------------------


def test_live_answers_anonymous_visitors(client, db):
    response = client.get("/healthz/live")
    assert response.status_code == 200
    body = json.loads(response.content)
    assert body == {"status": "ok"}
    _assert_nothing_sensitive(response, body)


def test_live_answers_head_and_refuses_post(client, db):
    assert client.head("/healthz/live").status_code == 200
    assert client.post("/healthz/live").status_code == 405
    assert client.post("/healthz/ready").status_code == 405


def test_live_does_not_touch_the_database(client, db, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert client.get("/healthz/live").status_code == 200


def test_health_is_exempt_from_the_https_redirect(client, db, settings):
    """Load balancers probe the app port over plain HTTP; every other page still redirects."""
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz/live").status_code == 200
    assert client.get("/public/decisions/").status_code == 301


# --- Ready --------------------------------------------------------------------------------------


def test_ready_when_every_check_passes(client, db):
    _beat()
    status, body = _ready(client)
    assert status == 200
    assert body == {
        "status": "ok",
        "checks": {"database": "ok", "storage": "ok", "migrations": "ok", "worker": "ok"},
    }


def test_ready_leaves_no_probe_file_behind(client, db, settings):
    _beat()
    assert _ready(client)[0] == 200
    probes = Path(settings.MEDIA_ROOT) / health.PROBE_PREFIX
    assert probes.is_dir() and not any(probes.iterdir())


def test_not_ready_without_any_worker_heartbeat(client, db):
    status, body = _ready(client)
    assert status == 503
    assert body["status"] == "failing"
    assert body["checks"] == {
        "database": "ok",
        "storage": "ok",
        "migrations": "ok",
        "worker": "failing",
    }


def test_not_ready_when_the_worker_was_last_seen_too_long_ago(client, db, settings):
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 300
    _beat(seconds_ago=301)
    status, body = _ready(client)
    assert status == 503 and body["checks"]["worker"] == "failing"
    _beat(seconds_ago=299, worker_id="worker-2")  # another worker, still running
    status, body = _ready(client)
    assert status == 200 and body["checks"]["worker"] == "ok"


def test_worker_is_not_applicable_when_tasks_run_in_the_request(client, db, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    status, body = _ready(client)
    assert status == 200
    assert body["checks"]["worker"] == "not applicable"


def test_not_ready_when_storage_cannot_be_written(client, db, settings, tmp_path):
    """A regular file where the media folder should be: no folder can be made (even as root)."""
    _beat()
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("in the way")
    settings.MEDIA_ROOT = blocker / "media"
    status, body = _ready(client)
    assert status == 503
    assert body["checks"]["storage"] == "failing"
    assert body["checks"]["database"] == "ok"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_not_ready_when_the_media_folder_is_read_only(client, db, settings, tmp_path):
    _beat()
    media = tmp_path / "media"
    media.mkdir()
    media.chmod(0o555)
    settings.MEDIA_ROOT = media
    try:
        status, body = _ready(client)
    finally:
        media.chmod(0o755)
    assert status == 503 and body["checks"]["storage"] == "failing"


def test_not_ready_when_a_migration_is_not_applied(client, db):
    """The database's own record of one applied migration is removed: a deploy that has not
    run `migrate` yet looks exactly like this to the migration executor."""
    _beat()
    recorder = MigrationRecorder(connection)
    migration = recorder.migration_qs.filter(app="prevent_compliance").order_by("-id").first()
    recorder.record_unapplied(migration.app, migration.name)
    status, body = _ready(client)
    assert status == 503
    assert body["checks"]["migrations"] == "failing"
    assert body["checks"]["database"] == "ok"
    recorder.record_applied(migration.app, migration.name)
    assert _ready(client)[0] == 200


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:////{tmp}/no-such-folder/db.sqlite3",
        "postgres://postgres@127.0.0.1:1/unreachable",  # nothing listens on port 1
    ],
    ids=["sqlite-missing-folder", "postgres-refused"],
)
def test_not_ready_when_the_database_cannot_be_reached(url, tmp_path):
    """A real process whose database is not there: failing, and still no error text."""
    script = (
        "import django, json; django.setup(); from django.test import Client; "
        "r = Client().get('/healthz/ready'); "
        "print(json.dumps({'status': r.status_code, 'body': r.content.decode(), "
        "'cache': r['Cache-Control']}))"
    )
    env = {
        **os.environ,
        "DEBUG": "on",
        "DJANGO_SETTINGS_MODULE": "prevent_compliance.settings",
        "DATABASE_URL": url.format(tmp=str(tmp_path).lstrip("/")),
        "MEDIA_ROOT": str(tmp_path / "media"),
        "TASKS_BACKEND": "database",
    }
    result = subprocess.run(  # noqa: S603 (our own interpreter, fixed arguments)
        [sys.executable, "-c", script],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    assert answer["status"] == 503
    body = json.loads(answer["body"])
    assert body == {
        "status": "failing",
        "checks": {
            "database": "failing",
            "storage": "ok",
            "migrations": "failing",
            "worker": "failing",
        },
    }
    assert answer["cache"] == "no-store"
    assert "Health check 'database' is failing" in result.stderr, "the reason is logged"


# --- The worker's heartbeat ---------------------------------------------------------------------


# Transactional: the worker loop closes a connection it finds inside a transaction.
@pytest.mark.django_db(transaction=True)
def test_task_worker_records_a_heartbeat_and_runs_like_db_worker(client):
    assert _ready(client)[1]["checks"]["worker"] == "failing"
    call_command(
        "task_worker", "--batch", "--no-startup-delay", "--worker-id", "w-test", verbosity=0
    )
    beat = WorkerHeartbeat.objects.get(worker_id="w-test")
    assert timezone.now() - beat.last_seen < timedelta(minutes=1)
    status, body = _ready(client)
    assert status == 200 and body["checks"]["worker"] == "ok"


@pytest.mark.django_db(transaction=True)
def test_old_heartbeats_are_forgotten_when_a_worker_starts():
    _beat(seconds_ago=2 * 24 * 3600, worker_id="gone")
    _beat(seconds_ago=60, worker_id="recent")
    call_command("task_worker", "--batch", "--no-startup-delay", "--worker-id", "new", verbosity=0)
    assert set(WorkerHeartbeat.objects.values_list("worker_id", flat=True)) == {"recent", "new"}


def test_heartbeat_interval_follows_the_allowed_age(settings):
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 300
    assert health.heartbeat_interval() == 60
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 100
    assert health.heartbeat_interval() == 20


class _OneBeat(health.Heartbeat):
    def beat(self):
        super().beat()
        self.stop()


@pytest.mark.django_db(transaction=True)
def test_heartbeat_thread_beats_on_its_own_connection_and_stops():
    heartbeat = _OneBeat(worker_id="thread", interval=0)
    heartbeat.start()
    heartbeat.join(30)
    assert not heartbeat.is_alive()
    # Committed by the thread, so this thread's connection sees it.
    beat = WorkerHeartbeat.objects.get(worker_id="thread")
    assert beat.started_at <= beat.last_seen


@pytest.mark.django_db(transaction=True)
def test_heartbeat_thread_survives_a_failing_beat(caplog):
    class Flaky(health.Heartbeat):
        calls = 0

        def beat(self):
            self.calls += 1
            if self.calls == 1:
                raise OSError("database away")
            super().beat()
            self.stop()

    heartbeat = Flaky(worker_id="flaky", interval=0)
    heartbeat.start()
    heartbeat.join(30)
    assert heartbeat.calls == 2
    assert WorkerHeartbeat.objects.filter(worker_id="flaky").exists()
    assert "Could not record the worker heartbeat" in caplog.text
