"""A worker killed with SIGKILL in the middle of an import leaves nothing behind.

A real worker process (our interpreter and settings, its own SQLite file) imports a log of
3,000 records; once its job says "running" and its transaction is writing (the SQLite
journal is growing), it is killed. The database then holds no decision, section, link or
history row, and the next attempt at the job marks it failed, saying nothing was imported.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import io, sys
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.management import call_command
call_command("migrate", verbosity=0)
call_command("seed_toolkit", verbosity=0, stdout=io.StringIO())
from bench.import_log import log_csv
from decisions.models import DecisionImport
from decisions.tasks import run_decision_import
if sys.argv[1] == "start":
    job = DecisionImport(status="queued", original_filename="log.csv", kind="csv",
                         file_size=0, sha256="0" * 64)
    job.file.save("imports/log.csv", ContentFile(log_csv(int(sys.argv[2]))), save=False)
    job.save()
    print("READY", job.pk, flush=True)
    print("FINISHED", run_decision_import.call(job.pk), flush=True)
else:
    print("RETRIED", run_decision_import.call(int(sys.argv[2])), flush=True)
"""


def _child(env: dict, *args: str) -> subprocess.Popen:
    return subprocess.Popen(  # noqa: S603 (our own interpreter and settings)
        [sys.executable, "-c", CHILD, *args],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _status(db: Path, pk: int) -> str:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        return conn.execute(
            "SELECT status FROM decisions_decisionimport WHERE id = ?", (pk,)
        ).fetchone()[0]


def _counts(db: Path) -> dict[str, int]:
    tables = [
        "decisions_decision",
        "decisions_historicaldecision",
        "decisions_supportingsection",
        "decisions_historicalsupportingsection",
        "decisions_appendix",
        "decisions_decision_sections",
    ]
    with sqlite3.connect(str(db), timeout=30) as conn:  # a hot journal is rolled back here
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in tables}  # noqa: S608


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")
def test_a_worker_killed_mid_import_leaves_nothing(tmp_path):
    db = tmp_path / "worker.sqlite3"
    keep = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TASKS_BACKEND"}}
    env = {
        **keep,
        "DEBUG": "on",
        "DJANGO_SETTINGS_MODULE": "prevent_compliance.settings",
        "DATABASE_URL": f"sqlite:///{db}",
        "MEDIA_ROOT": str(tmp_path / "media"),
        "TASKS_BACKEND": "immediate",
    }
    worker = _child(env, "start", "3000")
    try:
        line = worker.stdout.readline()
        assert line.startswith("READY"), (line, worker.stderr.read())
        pk = int(line.split()[1])
        journal = Path(f"{db}-journal")
        deadline = time.monotonic() + 300
        # Running (its own committed write), then inside the import's transaction.
        while _status(db, pk) != "running" or not journal.exists():
            assert worker.poll() is None, (
                "finished before it could be killed",
                worker.stdout.read(),
            )
            assert time.monotonic() < deadline
            time.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == -signal.SIGKILL
    assert set(_counts(db).values()) == {0}
    assert _status(db, pk) == "running"  # what the killed worker left
    retry = _child(env, "retry", str(pk))
    out, err = retry.communicate(timeout=300)
    assert "RETRIED failed" in out, err
    with sqlite3.connect(str(db)) as conn:
        error = conn.execute(
            "SELECT error FROM decisions_decisionimport WHERE id = ?", (pk,)
        ).fetchone()[0]
    assert "nothing was imported" in error
    assert set(_counts(db).values()) == {0}
