"""Health endpoints for load balancers and monitoring, outside sign-in.

``/healthz/live`` says the process answers. ``/healthz/ready`` says this app server can do its
work: the database answers, the file storage takes a write, every migration is applied, and a
background worker (``manage.py task_worker``) was seen within HEALTH_WORKER_MAX_AGE_SECONDS.
Both answer JSON naming each check "ok" or "failing", with 200 or 503, and never say why a
check failed (no versions, host names or exception text): the reason goes to the server log.
"""

import logging
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.http import require_safe
from django_tasks import task_backends
from django_tasks_db import DatabaseBackend

from .models import WorkerHeartbeat

logger = logging.getLogger(__name__)

OK, FAILING, NOT_APPLICABLE = "ok", "failing", "not applicable"
# Probe files live under their own prefix, apart from every stored record.
PROBE_PREFIX = "healthz"
# Rows of workers gone this long are removed when a worker starts.
HEARTBEAT_KEEP = timedelta(days=1)


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return OK if cursor.fetchone() == (1,) else FAILING


def check_storage() -> str:
    """Write a small file and delete it again (local folder or S3 bucket alike)."""
    name = default_storage.save(f"{PROBE_PREFIX}/probe-{uuid.uuid4().hex}.txt", ContentFile(b"ok"))
    default_storage.delete(name)
    return OK


def check_migrations() -> str:
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return FAILING if plan else OK


def check_worker() -> str:
    """A heartbeat recent enough; not applicable when tasks run in the request."""
    if not isinstance(task_backends["default"], DatabaseBackend):
        return NOT_APPLICABLE
    cutoff = timezone.now() - timedelta(seconds=settings.HEALTH_WORKER_MAX_AGE_SECONDS)
    return OK if WorkerHeartbeat.objects.filter(last_seen__gte=cutoff).exists() else FAILING


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "storage": check_storage,
    "migrations": check_migrations,
    "worker": check_worker,
}


def run_checks() -> dict[str, str]:
    """Each check's result; any exception is a failing check, logged here, never shown."""
    results = {}
    for name, check in CHECKS.items():
        try:
            results[name] = check()
        except Exception:
            logger.warning("Health check %r is failing", name, exc_info=True)
            results[name] = FAILING
    return results


def _answer(payload: dict, *, healthy: bool) -> JsonResponse:
    response = JsonResponse(payload, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response


@login_not_required
@require_safe
def live(request):
    """The process answers: nothing else is checked, so a slow database never restarts it."""
    return _answer({"status": OK}, healthy=True)


@login_not_required
@require_safe
def ready(request):
    """200 when every check is ok (or not applicable), else 503."""
    checks = run_checks()
    healthy = FAILING not in checks.values()
    return _answer({"status": OK if healthy else FAILING, "checks": checks}, healthy=healthy)


# --- The worker's side: its heartbeat -----------------------------------------------------------


def record_heartbeat(*, worker_id: str, started_at) -> None:
    """Say that this worker is running, now."""
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id, defaults={"started_at": started_at, "last_seen": timezone.now()}
    )


def forget_old_heartbeats() -> int:
    """Remove the rows of workers not seen for a day; returns how many."""
    cutoff = timezone.now() - HEARTBEAT_KEEP
    return WorkerHeartbeat.objects.filter(last_seen__lt=cutoff).delete()[0]


def heartbeat_interval() -> float:
    """Five heartbeats within the allowed age, and at least one a minute."""
    return min(60.0, settings.HEALTH_WORKER_MAX_AGE_SECONDS / 5)


class Heartbeat(threading.Thread):
    """Records a worker's heartbeat every ``interval`` seconds until stopped.

    A thread beside the worker loop, so a long task (an annual-review PDF takes minutes at
    scale) does not make a working worker look dead. It dies with the process.
    """

    def __init__(self, *, worker_id: str, interval: float):
        super().__init__(name="worker-heartbeat", daemon=True)
        self.worker_id = worker_id
        self.interval = interval
        self.started_at = timezone.now()
        self._stopped = threading.Event()

    def beat(self) -> None:
        record_heartbeat(worker_id=self.worker_id, started_at=self.started_at)

    def run(self) -> None:
        try:
            while not self._stopped.wait(self.interval):
                try:
                    self.beat()
                except Exception:  # the database may be away for a while: keep trying
                    logger.warning("Could not record the worker heartbeat", exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections

    def stop(self) -> None:
        self._stopped.set()
