"""Background work of decision records (django-tasks; the worker is ``manage.py task_worker``).

Jobs are queued by services (``decisions.services.decision_import_confirm``), never by views.
"""

from django_tasks import task


@task()
def run_decision_import(job_id: int) -> str:
    """Import a confirmed decision log file, all or nothing; returns the job's status."""
    from .services import _decision_import_run

    return _decision_import_run(job_id)
