"""The draft annual-review PDF as a person gets it: the button, the worker, the download."""

from django.test import override_settings
from django.urls import reverse

from toolkit.reports.models import ReportJob

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def download_report(client, period, capture, *, variant=ReportJob.Variant.INTERNAL) -> bytes:
    """POST the period page's button with the worker run at commit (immediate tasks), then
    download the finished PDF; returns its bytes."""
    url = reverse("reports:request", args=[period.year, variant])
    with override_settings(TASKS=IMMEDIATE), capture(execute=True):
        asked = client.post(url)
    assert asked.status_code == 303, asked.status_code
    job = ReportJob.objects.get(public_id=asked["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert job.status == ReportJob.Status.READY, (job.status, job.error)
    response = client.get(reverse("reports:job_download", args=[period.year, job.public_id]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return b"".join(response.streaming_content)
