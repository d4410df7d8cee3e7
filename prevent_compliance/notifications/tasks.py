"""The background job that sends one queued e-mail (django-tasks; worker `manage.py task_worker`).

Queued by ``services.notifications_queue`` after the step's transaction commits, and again
by ``notification_send`` itself, later each time, when a send fails.
"""

from django_tasks import task


@task()
def send_notification(notification_id: int) -> str:
    """Send the notification, or schedule its retry; returns its status."""
    from .services import notification_send

    return notification_send(notification_id=notification_id)
