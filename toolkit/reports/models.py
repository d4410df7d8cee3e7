"""The annual-review PDF, made by the background worker and kept in private storage.

A job is one PDF of one content: the period, the version (internal or public), draft or
final, and ``content_key``, the SHA-256 of the report's HTML. Asking twice for the same
content finds the same job (a named unique constraint), so it is built once; a change to the
period's records gives a new key and so a new job.
"""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from toolkit.models import ReviewPeriod

# A job that has waited or run this long without finishing has stopped (the worker died, or
# none is running): it is shown as failed, and asking again queues it afresh.
STALE_AFTER = timedelta(minutes=15)


class ReportJob(models.Model):
    """One annual-review PDF: its progress and, when ready, the stored file."""

    class Variant(models.TextChoices):
        INTERNAL = "internal", "Internal version"
        PUBLIC = "public", "Public version"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being made"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    period = models.ForeignKey(ReviewPeriod, on_delete=models.PROTECT, related_name="report_jobs")
    variant = models.CharField("version", max_length=10, choices=Variant.choices)
    final = models.BooleanField(default=False, help_text="False for a draft marked DRAFT.")
    content_key = models.CharField("SHA-256 of the report's HTML", max_length=64)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when the service asked for it (the public version at sign-off).",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    queued_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "annual-review PDF"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "variant", "final", "content_key"],
                name="reports_reportjob_one_per_content",
            ),
            models.CheckConstraint(
                condition=~Q(status="ready") | (~Q(file="") & ~Q(sha256="")),
                name="reports_reportjob_ready_has_file",
            ),
        ]

    def __str__(self):
        return f"{self.get_variant_display()} of the annual review {self.period.label}"

    def get_absolute_url(self):
        return reverse(
            "reports:job_detail", kwargs={"year": self.period.year, "public_id": self.public_id}
        )

    @property
    def is_public(self) -> bool:
        return self.variant == self.Variant.PUBLIC

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_stale(self) -> bool:
        """Waiting or running for longer than any build takes: it will not finish by itself."""
        since = self.started_at if self.status == self.Status.RUNNING else self.queued_at
        in_progress = self.status in (self.Status.QUEUED, self.Status.RUNNING)
        return in_progress and since is not None and timezone.now() - since > STALE_AFTER

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED or self.is_stale

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING) and not self.is_stale

    @property
    def filename(self) -> str:
        """The download's name: ASCII only, from the year, never from anything typed."""
        public = "-public" if self.is_public else ""
        draft = "" if self.final else "-DRAFT"
        return f"annual-review-{self.period.year}{public}{draft}.pdf"
