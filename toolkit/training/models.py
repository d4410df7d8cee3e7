"""Training records: who works for the office, which courses their role needs, what they did.

Nothing about being due or overdue is stored: it is worked out from the completion dates,
each course's refresher interval and the day asked about (``status.py``), so it is never
out of date and never needs a nightly job.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords


class RoleGroup(models.TextChoices):
    """The groups the training needs analysis speaks of (not the app's sign-in roles)."""

    STAFF = "staff", "OPCC staff"
    CONTRACTOR = "contractor", "Contractor"
    COMMISSIONER = "commissioner", "Commissioner"
    DEPUTY = "deputy", "Deputy Commissioner"
    SENIOR = "senior", "Senior leadership"


class Person(models.Model):
    """Someone whose Prevent training the office tracks; not necessarily a user of the app."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200, blank=True)
    role_group = models.CharField("role group", max_length=20, choices=RoleGroup.choices)
    email = models.EmailField(
        "e-mail address",
        max_length=254,
        blank=True,
        help_text="Optional. Used to match rows of a learning system's export.",
    )
    employee_id = models.CharField(
        "employee ID",
        max_length=50,
        blank=True,
        help_text="Optional. Used to match rows of a learning system's export.",
    )
    start_date = models.DateField("start date")
    end_date = models.DateField("end date", null=True, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="training_person",
        verbose_name="user account",
        help_text="Optional: their account in this app, to send them refresher reminders.",
    )
    active = models.BooleanField(
        default=True, help_text="Only active people count towards the training figures."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name_plural = "people"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="training_person_ends_after_start",
            ),
            models.UniqueConstraint(
                fields=["employee_id"],
                condition=~Q(employee_id=""),
                name="training_person_unique_employee_id",
                violation_error_message="Another person already has this employee ID.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("training:person_detail", kwargs={"public_id": self.public_id})


class Course(models.Model):
    """A course people take, and how often it must be refreshed."""

    class Kind(models.TextChoices):
        AWARENESS = "awareness", "Prevent awareness"
        REFERRALS = "referrals", "Referrals"
        CHANNEL = "channel", "Channel and PMAP"
        LEADERSHIP = "leadership", "Role-specific leadership"
        OTHER = "other", "Other"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(
        max_length=200,
        unique=True,
        error_messages={"unique": "There is already a course with this name."},
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    provider = models.CharField(max_length=200, blank=True)
    refresher_months = models.PositiveSmallIntegerField(
        "refresher interval in months",
        null=True,
        blank=True,
        help_text="Leave empty if the course never needs refreshing.",
    )
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="training lead",
        help_text="Optional: who is reminded of refreshers due for people without an account.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(refresher_months__isnull=True)
                | Q(refresher_months__gte=1, refresher_months__lte=120),
                name="training_course_refresher_range",
            )
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("training:course_edit", kwargs={"public_id": self.public_id})


class TrainingRequirement(models.Model):
    """One line of the training needs analysis: people in this role group need this course."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="requirements")
    role_group = models.CharField("role group", max_length=20, choices=RoleGroup.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["course__name", "role_group"]
        constraints = [
            models.UniqueConstraint(
                fields=["course", "role_group"], name="training_requirement_unique"
            )
        ]

    def __str__(self):
        return f"{RoleGroup(self.role_group).label} need {self.course}"


class Completion(models.Model):
    """A person completed a course on a day; the certificate is kept like evidence."""

    class Source(models.TextChoices):
        RECORDED = "recorded", "Recorded by hand"
        IMPORTED = "imported", "Imported from a learning system"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="completions")
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="completions")
    completed_on = models.DateField("date completed")
    certificate = models.FileField(max_length=200, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField("file size in bytes", null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.RECORDED)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-completed_on", "pk"]
        indexes = [
            models.Index(
                fields=["person", "course", "-completed_on"], name="training_completion_latest"
            )
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "course", "completed_on"],
                name="training_completion_once_a_day",
                violation_error_message="This completion is already recorded.",
            )
        ]

    def __str__(self):
        return f"{self.person} completed {self.course} on {self.completed_on:%d %B %Y}"

    def get_absolute_url(self):
        return self.person.get_absolute_url()
