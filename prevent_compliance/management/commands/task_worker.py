"""`manage.py task_worker`: django-tasks' ``db_worker`` that also records a heartbeat.

Takes every ``db_worker`` option. While it runs, it writes a row to WorkerHeartbeat every
minute (more often when HEALTH_WORKER_MAX_AGE_SECONDS is under five minutes), which
/healthz/ready reads to say whether a worker is alive. Plain ``db_worker`` still runs the
tasks, but readiness then reports the worker as failing.
"""

import os

from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands import db_worker

from prevent_compliance.health import Heartbeat, forget_old_heartbeats, heartbeat_interval


class Command(db_worker.Command):
    help = "Run the background task worker (db_worker) and record a heartbeat for /healthz/ready."

    def handle(self, *args, **options):
        reloads = options["reload"] and not options["batch"]
        if reloads and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # The reloader's parent only watches files; its child runs the loop and beats.
            return super().handle(*args, **options)
        heartbeat = Heartbeat(worker_id=options["worker_id"], interval=heartbeat_interval())
        forget_old_heartbeats()
        heartbeat.beat()  # at once: ready as soon as the worker is
        heartbeat.start()
        try:
            return super().handle(*args, **options)
        finally:
            heartbeat.stop()
