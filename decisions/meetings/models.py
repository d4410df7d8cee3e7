"""Boards and their meetings (agenda, papers, attendees, the decisions they considered), the
forward plan of decisions the office expects to take, and the addresses of the classes of
information the office publishes elsewhere.

What reaches the public is decided in one place, ``public.py``; these models only record
whether a meeting is public, and whether an agenda item or a paper is withheld and why.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.db.models import Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from decisions.models import WORKFLOW_EXEMPTIONS, Decision
from prevent_compliance.forms import MAX_YEAR, MIN_YEAR

from .scheme import CLASS_CHOICES

TITLE_MAX = 300
TEXT_MAX = 10_000


class Board(models.Model):
    """A board or panel whose meetings the office records (accountability board, audit
    committee, Prevent partnership group)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200, unique=True)
    description = models.TextField(
        "purpose", blank=True, max_length=TEXT_MAX, help_text="What the board is for."
    )
    active = models.BooleanField(default=True, help_text="Untick a board that no longer meets.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class Meeting(models.Model):
    """One meeting of a board: when and where, public or private, and what it considered."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    board = models.ForeignKey(Board, on_delete=models.PROTECT, related_name="meetings")
    title = models.CharField(
        max_length=TITLE_MAX,
        blank=True,
        help_text="Optional, for example Budget setting meeting. The board's name is used "
        "when empty.",
    )
    starts_at = models.DateTimeField("date and time")
    place = models.CharField(max_length=300, help_text="For example Conference room, Police HQ")
    is_public = models.BooleanField(
        "public meeting",
        default=True,
        help_text="Public meetings are published with their agenda, papers and minutes.",
    )
    significant_public_interest = models.BooleanField(
        "matters of significant public interest discussed",
        default=False,
        help_text="For a private meeting: the public site then says that a private meeting "
        "of the board took place on its date, and nothing more.",
    )
    decisions = models.ManyToManyField(
        Decision,
        blank=True,
        related_name="meetings",
        verbose_name="decisions considered",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(m2m_fields=[decisions])

    class Meta:
        ordering = ["-starts_at", "-pk"]
        indexes = [models.Index(fields=["-starts_at", "-id"], name="meetings_meeting_latest")]

    def __str__(self):
        return f"{self.display_title} – {self.starts_at:%d %b %Y}"

    def get_absolute_url(self):
        return reverse("meetings:detail", kwargs={"public_id": self.public_id})

    def get_public_url(self):
        return reverse("meetings:public_detail", kwargs={"public_id": self.public_id})

    @property
    def display_title(self) -> str:
        return self.title or self.board.name

    @property
    def is_listed_publicly(self) -> bool:
        return self.is_public or self.significant_public_interest


def _exemption_errors(withheld: bool, exemption: str) -> dict[str, str]:
    if withheld and not exemption:
        return {"exemption": "Select the FOI exemption the withheld item relies on"}
    if not withheld and exemption:
        return {"exemption": "An item that is published relies on no exemption: remove it"}
    return {}


class AgendaItem(models.Model):
    """A numbered item of a meeting's agenda; a withheld item is never published, and the
    exemption of the Freedom of Information Act 2000 it relies on is recorded."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="agenda_items")
    number = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    title = models.CharField(max_length=TITLE_MAX)
    withheld = models.BooleanField(
        "withhold from publication",
        default=False,
        help_text="The item is left out of the public agenda, with its papers.",
    )
    exemption = models.CharField(
        "FOI exemption", max_length=20, choices=WORKFLOW_EXEMPTIONS, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "number"],
                name="meetings_agendaitem_unique_number",
                violation_error_message="Another item of this meeting has this number.",
            ),
            models.CheckConstraint(
                condition=(Q(withheld=True) & ~Q(exemption=""))
                | (Q(withheld=False) & Q(exemption="")),
                name="meetings_agendaitem_withheld_has_exemption",
            ),
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def clean(self):
        errors = _exemption_errors(self.withheld, self.exemption)
        if errors:
            raise ValidationError(errors)


class MeetingDocument(models.Model):
    """An agenda, report or minutes file, validated and stored like evidence."""

    class Kind(models.TextChoices):
        AGENDA = "agenda", "Agenda"
        REPORT = "report", "Report"
        MINUTES = "minutes", "Minutes"
        TERMS = "terms", "Terms of reference"
        OTHER = "other", "Other paper"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="documents")
    agenda_item = models.ForeignKey(
        AgendaItem,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="documents",
        help_text="The item a report belongs to: withholding the item withholds the report.",
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=200)
    file = models.FileField(max_length=200)
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    file_size = models.PositiveBigIntegerField("file size in bytes")
    sha256 = models.CharField("SHA-256", max_length=64)
    withheld = models.BooleanField(
        "withhold from publication",
        default=False,
        help_text="The file is never offered on the public site.",
    )
    exemption = models.CharField(
        "FOI exemption", max_length=20, choices=WORKFLOW_EXEMPTIONS, blank=True
    )
    evidence = models.ForeignKey(
        "toolkit.Evidence",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meeting_documents",
        help_text="The toolkit evidence this paper is, once linked.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "kind", "added_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(withheld=True) & ~Q(exemption=""))
                | (Q(withheld=False) & Q(exemption="")),
                name="meetings_meetingdocument_withheld_has_exemption",
            ),
        ]

    def __str__(self):
        return self.title

    def clean(self):
        errors = _exemption_errors(self.withheld, self.exemption)
        if self.agenda_item_id and self.agenda_item.meeting_id != self.meeting_id:
            errors["agenda_item"] = "Choose an item of this meeting's agenda"
        if errors:
            raise ValidationError(errors)

    @property
    def is_withheld(self) -> bool:
        """Withheld itself, or the paper of a withheld item."""
        return self.withheld or bool(self.agenda_item_id and self.agenda_item.withheld)


class Attendee(models.Model):
    """Someone at a meeting, with name and role as published; optionally their account."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendees")
    name = models.CharField(max_length=200)
    role = models.CharField(
        "role", max_length=200, blank=True, help_text="For example Chair, Chief Constable."
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="user account",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting", "pk"]

    def __str__(self):
        return f"{self.name} ({self.role})" if self.role else self.name


def validate_month(value: int) -> None:
    if not 1 <= value <= 12:
        raise ValidationError("Enter a month from 1 to 12")


class ForwardPlanEntry(models.Model):
    """A decision the office expects to take, and what became of it."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        TAKEN = "taken", "Decision taken"
        DEFERRED = "deferred", "Deferred"
        WITHDRAWN = "withdrawn", "Withdrawn"

    REASON_STATES = (Status.DEFERRED, Status.WITHDRAWN)

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=TITLE_MAX)
    summary = models.TextField(max_length=TEXT_MAX, blank=True)
    expected_year = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(MIN_YEAR), MaxValueValidator(MAX_YEAR)]
    )
    expected_month = models.PositiveSmallIntegerField(validators=[validate_month])
    decision_maker = models.CharField(max_length=30, choices=Decision.DecisionMaker.choices)
    expected_confidential = models.BooleanField(
        "expected to be confidential",
        default=False,
        help_text="The public plan then shows only “A confidential decision about” the "
        "general subject below: no title, no summary.",
    )
    public_subject = models.CharField(
        "general subject for the public plan",
        max_length=100,
        blank=True,
        help_text="For a confidential entry, a few words that give nothing away, for "
        "example estates or a contract.",
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    status_reason = models.TextField(
        "reason", max_length=TEXT_MAX, blank=True, help_text="Why it was deferred or withdrawn."
    )
    decision = models.ForeignKey(
        Decision,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="forward_plan_entries",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["expected_year", "expected_month", "pk"]
        verbose_name_plural = "forward plan entries"
        indexes = [
            models.Index(
                fields=["expected_year", "expected_month", "id"], name="meetings_plan_month"
            )
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(expected_month__gte=1) & Q(expected_month__lte=12),
                name="meetings_forwardplanentry_month_1_to_12",
            ),
            models.CheckConstraint(
                condition=Q(expected_confidential=False) | ~Q(public_subject=""),
                name="meetings_forwardplanentry_confidential_has_subject",
            ),
            models.CheckConstraint(
                condition=~Q(status="taken") | Q(decision__isnull=False),
                name="meetings_forwardplanentry_taken_has_decision",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("meetings:plan_edit", kwargs={"public_id": self.public_id})

    def clean(self):
        errors = {}
        if self.expected_confidential and not self.public_subject.strip():
            errors["public_subject"] = (
                "Enter the general subject the public plan shows for a confidential entry"
            )
        if self.status == self.Status.TAKEN and not self.decision_id:
            errors["decision"] = "Enter the reference of the decision that was taken"
        if self.status in self.REASON_STATES and not self.status_reason.strip():
            errors["status_reason"] = "Enter why the decision was deferred or withdrawn"
        if errors:
            raise ValidationError(errors)

    @property
    def expected_label(self) -> str:
        from calendar import month_name

        return f"{month_name[self.expected_month]} {self.expected_year}"


class PublicationLink(models.Model):
    """Where the office publishes a class of information this service does not hold."""

    class_key = models.CharField(
        "class of information", max_length=50, choices=CLASS_CHOICES, unique=True
    )
    url = models.URLField(
        "address (https only)",
        max_length=500,
        validators=[URLValidator(schemes=["https"])],
        help_text="The page or document on the office's website, starting https://",
    )
    note = models.CharField(
        max_length=300, blank=True, help_text="Optional, for example Updated every quarter."
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["class_key"]

    def __str__(self):
        return self.get_class_key_display()
