"""The outbox of e-mails about workflow steps, and each user's choice of how to receive them."""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class Delivery(models.TextChoices):
    IMMEDIATE = "immediate", "Straight away, one e-mail for each step"
    DIGEST = "digest", "Once a day, all steps in one e-mail"


class NotificationPreference(models.Model):
    """How one user wants to hear about workflow steps (immediate unless they choose)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notification_preference"
    )
    delivery = models.CharField(
        "how to send e-mails about steps",
        max_length=10,
        choices=Delivery.choices,
        default=Delivery.IMMEDIATE,
    )
    digest_sent_on = models.DateField("last digest sent on", null=True, blank=True)

    history = HistoricalRecords(excluded_fields=["digest_sent_on"])

    class Meta:
        verbose_name = "notification preference"

    def __str__(self) -> str:
        return f"{self.user}: {self.get_delivery_display()}"


class Notification(models.Model):
    """One e-mail to one person about one step, written in the step's transaction.

    The worker sends it (``notification_send``) after the step commits; a failed send is
    retried with a growing wait, up to MAX_ATTEMPTS, and the row is kept whatever happens.
    """

    class Event(models.TextChoices):
        SUBMITTED = "submitted", "Submitted for consultation"
        COMMENTED = "commented", "Comments added"
        APPROVED = "approved", "Approved for signature"
        RETURNED = "returned", "Returned to draft"
        SIGNED = "signed", "Signed"
        PUBLISHED = "published", "Published"
        WITHHELD = "withheld", "Listed as withheld"
        WITHDRAWN = "withdrawn", "Withdrawn"
        REVIEW_SUBMITTED = "review_submitted", "Annual review submitted"
        REVIEW_SIGNED_OFF = "review_signed_off", "Annual review signed off"

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        SENT = "sent", "Sent"
        FAILED = "failed", "Failed"

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="notifications"
    )
    event = models.CharField(max_length=20, choices=Event.choices)
    reference = models.CharField("decision reference", max_length=60, blank=True)
    subject = models.CharField(max_length=200)
    body = models.TextField("text")
    body_html = models.TextField("HTML", blank=True)
    url = models.URLField("link", max_length=500)
    delivery = models.CharField(max_length=10, choices=Delivery.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "notification"
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"],
                name="pc_notification_queued_digest",
                condition=Q(status="queued", delivery="digest"),
            ),
            models.Index(
                fields=["next_attempt_at"],
                name="pc_notification_queued_now",
                condition=Q(status="queued", delivery="immediate"),
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="pc_notification_sent_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.subject} (to {self.recipient}, {self.get_status_display().lower()})"


class LastVisit(models.Model):
    """An auditor's visits to their dashboard, for "signed since your last visit".

    A visit is a sitting: dashboard views less than VISIT_GAP apart belong to the same one,
    so the list stays put while the auditor works through it. ``since`` is when the
    previous visit ended; ``seen_at`` the latest dashboard view.
    """

    # Dashboard views closer together than this are one visit; a first visit looks this far back.
    VISIT_GAP = timedelta(minutes=30)
    FIRST_VISIT = timedelta(days=30)

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="last_visit"
    )
    since = models.DateTimeField("previous visit ended")
    seen_at = models.DateTimeField("latest dashboard view")

    class Meta:
        verbose_name = "last dashboard visit"

    def __str__(self) -> str:
        return f"{self.user} at {self.seen_at:%Y-%m-%d %H:%M}"
