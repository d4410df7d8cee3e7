"""The toolkit benchmarks and the records an OPCC keeps against them."""

import uuid
from datetime import date, timedelta
from enum import StrEnum

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from prevent_compliance.models import SecurityMarking


class ToolkitEdition(models.Model):
    """One published edition of the Home Office Prevent duty toolkit."""

    code = models.SlugField("edition code", max_length=20, unique=True)
    title = models.CharField(max_length=200)
    published_on = models.DateField("publication date", null=True, blank=True)
    source_url = models.URLField("link", blank=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-code"]
        verbose_name = "toolkit edition"

    def __str__(self):
        return self.title


class Section(models.Model):
    """A benchmark: one of the toolkit's eight numbered sections."""

    edition = models.ForeignKey(ToolkitEdition, on_delete=models.PROTECT, related_name="sections")
    number = models.PositiveSmallIntegerField()
    title = models.CharField(max_length=200)
    summary = models.TextField()

    history = HistoricalRecords()

    class Meta:
        ordering = ["edition", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["edition", "number"], name="toolkit_section_unique_number_per_edition"
            )
        ]

    def __str__(self):
        return f"{self.number}. {self.title}"

    def get_absolute_url(self):
        return reverse("toolkit:section_detail", kwargs={"number": self.number})


class Criterion(models.Model):
    """A checkable expectation within a section."""

    class Level(models.TextChoices):
        MUST = "must", "Must (legal requirement)"
        SHOULD = "should", "Should (expected by guidance)"
        COULD = "could", "Could (good practice)"

    class DutyHolder(models.TextChoices):
        """Whose duty the criterion describes; for an OPCC the others are about assurance."""

        OPCC = "opcc", "OPCC"
        LOCAL_AUTHORITY = "local_authority", "Local authority and partners"
        POLICE = "police", "Police"
        SHARED = "shared", "Shared"

    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="criteria")
    number = models.PositiveSmallIntegerField()
    text = models.TextField()
    level = models.CharField(max_length=6, choices=Level.choices)
    duty_holder = models.CharField(
        "whose duty", max_length=20, choices=DutyHolder.choices, blank=True
    )
    source = models.CharField(
        "source", max_length=300, blank=True, help_text="Document and section it rests on."
    )
    replaces = models.ManyToManyField(
        "self",
        symmetrical=False,
        related_name="replaced_by",
        blank=True,
        help_text="Criteria of the previous edition this one takes over (edition mapping).",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["section", "number"]
        verbose_name_plural = "criteria"
        constraints = [
            models.UniqueConstraint(
                fields=["section", "number"], name="toolkit_criterion_unique_number_per_section"
            )
        ]

    def __str__(self):
        return f"{self.code} {self.text}"

    @property
    def code(self) -> str:
        """The criterion's number as people cite it, for example 3.2."""
        return f"{self.section.number}.{self.number}"

    @property
    def is_must(self) -> bool:
        return self.level == self.Level.MUST

    @property
    def level_tag_class(self) -> str:
        return LEVEL_TAG_CLASSES.get(self.level, "govuk-tag--blue")


class ReviewPeriodQuerySet(models.QuerySet):
    def current(self, today: date | None = None):
        """The period covering today, or else the latest one that has started."""
        today = today or timezone.localdate()
        covering = self.filter(start_date__lte=today, end_date__gte=today).first()
        return covering or self.filter(start_date__lte=today).order_by("-start_date").first()


class ReviewPeriod(models.Model):
    """A review year in which the OPCC rates itself against every section."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        IN_REVIEW = "in_review", "In review"
        SIGNED_OFF = "signed_off", "Signed off"

    label = models.CharField(max_length=20, help_text="For example 2025/26.")
    start_date = models.DateField(unique=True)
    end_date = models.DateField()
    edition = models.ForeignKey(
        ToolkitEdition, on_delete=models.PROTECT, related_name="review_periods"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    opened_at = models.DateTimeField(default=timezone.now, editable=False)
    reconfirmed_at = models.DateTimeField(
        "last re-confirmed against new guidance", null=True, blank=True
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    final_pdf = models.FileField("signed annual review", max_length=200, blank=True)
    final_pdf_sha256 = models.CharField("SHA-256 of the signed review", max_length=64, blank=True)
    # The annual report's narratives, written for the period (the report and its public
    # version print them; an empty one is flagged before the review is submitted).
    foreword = models.TextField(blank=True, help_text="The Commissioner's foreword.")
    method = models.TextField(
        "how the assessment was done", blank=True, help_text="Who assessed, how and against what."
    )
    executive_summary = models.TextField("executive summary", blank=True)
    key_findings = models.TextField("key findings", blank=True)
    key_risks = models.TextField("key risks", blank=True)
    conclusions = models.TextField(blank=True)

    objects = ReviewPeriodQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["-start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gt=models.F("start_date")),
                name="toolkit_reviewperiod_ends_after_start",
            )
        ]

    def __str__(self):
        return f"Review period {self.label}"

    def get_absolute_url(self):
        return reverse("toolkit:period_detail", kwargs={"year": self.year})

    @property
    def year(self) -> int:
        """The calendar year the period starts in: how commands and URLs name it."""
        return self.start_date.year

    @property
    def is_locked(self) -> bool:
        """A signed-off period's ratings, evidence links and actions can no longer change."""
        return self.status == self.Status.SIGNED_OFF

    @property
    def status_tag_class(self) -> str:
        return PERIOD_STATUS_TAG_CLASSES.get(self.status, "govuk-tag--grey")

    def pending_guidance(self):
        """Guidance recorded since the period was opened or last re-confirmed."""
        since = self.reconfirmed_at or self.opened_at
        return GuidanceUpdate.objects.filter(recorded_at__gt=since)

    def previous(self) -> "ReviewPeriod | None":
        return (
            ReviewPeriod.objects.filter(start_date__lt=self.start_date)
            .order_by("-start_date")
            .first()
        )


class GuidanceUpdate(models.Model):
    """New national guidance or a new toolkit edition: open periods must be re-confirmed."""

    class Kind(models.TextChoices):
        GUIDANCE = "guidance", "National guidance"
        TOOLKIT = "toolkit", "Toolkit edition"

    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.GUIDANCE)
    title = models.CharField(max_length=200)
    published_on = models.DateField("publication date")
    url = models.URLField("link", max_length=500, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=timezone.now, editable=False)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-recorded_at"]
        verbose_name = "guidance update"

    def __str__(self):
        return self.title


class Rating(models.TextChoices):
    """Ratings in the words of the Home Office's annual assurance letters."""

    EXCEEDING = "exceeding", "Exceeding"
    MET = "met", "Met"
    PARTLY_MET = "partly_met", "Partly met"
    NOT_MET = "not_met", "Not met"
    NOT_APPLICABLE = "not_applicable", "Not applicable"
    NOT_ASSESSED = "not_assessed", "Not assessed"


RATING_MEANINGS = {
    Rating.EXCEEDING: "Goes beyond what the benchmark expects",
    Rating.MET: "Green: all of the benchmark is met, with evidence",
    Rating.PARTLY_MET: "Amber: some but not all of the benchmark is met",
    Rating.NOT_MET: "Red: the benchmark is not met or there is no evidence",
    Rating.NOT_APPLICABLE: "Does not apply to this office",
    Rating.NOT_ASSESSED: "No rating has been given yet",
}

# GOV.UK tag modifiers; the rating's words are always printed beside the colour.
RATING_TAG_CLASSES = {
    Rating.EXCEEDING: "govuk-tag--turquoise",
    Rating.MET: "govuk-tag--green",
    Rating.PARTLY_MET: "govuk-tag--yellow",
    Rating.NOT_MET: "govuk-tag--red",
    Rating.NOT_APPLICABLE: "govuk-tag--grey",
    Rating.NOT_ASSESSED: "govuk-tag--grey",
}


# How many pieces of evidence an officer may choose as a section's key evidence.
KEY_EVIDENCE_MAX = 5


class SectionAssessment(models.Model):
    """How the OPCC rates itself against one section in one review period."""

    period = models.ForeignKey(ReviewPeriod, on_delete=models.PROTECT, related_name="assessments")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="assessments")
    rating = models.CharField(max_length=20, choices=Rating.choices, default=Rating.NOT_ASSESSED)
    narrative = models.TextField(
        blank=True, help_text="Why this rating: what the evidence shows and what is missing."
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts saves, to refuse edits of a stale copy."
    )
    to_reconfirm = models.BooleanField(
        "to re-confirm",
        default=False,
        help_text="Carried forward from the previous period and not yet confirmed.",
    )
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="previous period's assessment",
    )
    override_justification = models.TextField(
        "why the rating differs from the one proposed",
        blank=True,
        help_text="Required when the rating is not the one proposed from the criteria.",
    )
    # The few pieces of evidence the officer chose to show in the annual report (at most
    # KEY_EVIDENCE_MAX, enforced by the form and the service).
    key_evidence = models.ManyToManyField(
        "Evidence", blank=True, related_name="key_in_assessments", verbose_name="key evidence"
    )

    history = HistoricalRecords(m2m_fields=[key_evidence])

    class Meta:
        ordering = ["period", "section__number"]
        constraints = [
            models.UniqueConstraint(
                fields=["period", "section"], name="toolkit_assessment_one_per_section_per_period"
            )
        ]

    def __str__(self):
        return f"{self.section} ({self.period.label}): {self.get_rating_display()}"

    def get_absolute_url(self):
        return reverse("toolkit:section_detail", kwargs={"number": self.section.number})

    @property
    def rating_meaning(self) -> str:
        return RATING_MEANINGS[Rating(self.rating)]

    @property
    def rating_tag_class(self) -> str:
        return RATING_TAG_CLASSES[Rating(self.rating)]


# What a criterion can be rated: the section ratings without "Exceeding" (a judgement on the
# section as a whole, never on one criterion).
CRITERION_RATINGS = (
    Rating.MET,
    Rating.PARTLY_MET,
    Rating.NOT_MET,
    Rating.NOT_APPLICABLE,
    Rating.NOT_ASSESSED,
)
CRITERION_RATING_MEANINGS = {
    Rating.MET: "Fully met, with evidence",
    Rating.PARTLY_MET: "Some of it is met",
    Rating.NOT_MET: "Not met, or there is no evidence",
    Rating.NOT_APPLICABLE: "Does not apply to this office (say why)",
    Rating.NOT_ASSESSED: "Not rated yet",
}


class CriterionAssessment(models.Model):
    """How the OPCC rates itself against one criterion in one review period."""

    period = models.ForeignKey(
        ReviewPeriod, on_delete=models.PROTECT, related_name="criterion_assessments"
    )
    criterion = models.ForeignKey(Criterion, on_delete=models.PROTECT, related_name="assessments")
    rating = models.CharField(
        max_length=20,
        choices=[(r.value, r.label) for r in CRITERION_RATINGS],
        default=Rating.NOT_ASSESSED,
    )
    reason = models.TextField(
        "why it does not apply", blank=True, help_text="Required when not applicable."
    )
    note = models.TextField(blank=True, help_text="What the evidence shows, or what is missing.")
    to_reconfirm = models.BooleanField(
        "to re-confirm",
        default=False,
        help_text="Carried forward from the previous period and not yet confirmed.",
    )
    carried_from = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="previous period's rating",
    )
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    assessed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts saves, to refuse edits of a stale copy."
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["period", "criterion__section__number", "criterion__number"]
        verbose_name = "criterion rating"
        constraints = [
            models.UniqueConstraint(
                fields=["period", "criterion"], name="toolkit_criterion_rating_one_per_period"
            ),
            models.CheckConstraint(
                condition=~Q(rating=Rating.NOT_APPLICABLE) | ~Q(reason=""),
                name="toolkit_criterion_rating_not_applicable_has_reason",
            ),
        ]

    def __str__(self):
        return f"{self.criterion.code} ({self.period.label}): {self.get_rating_display()}"

    def get_absolute_url(self):
        return reverse("toolkit:section_detail", kwargs={"number": self.criterion.section.number})

    def clean(self):
        if self.rating == Rating.NOT_APPLICABLE and not self.reason.strip():
            raise ValidationError({"reason": "Say why this criterion does not apply"})

    @property
    def rating_tag_class(self) -> str:
        return RATING_TAG_CLASSES[Rating(self.rating)]


class EvidenceQuerySet(models.QuerySet):
    def review_due(self, today: date | None = None, *, within_days: int = 30):
        """Evidence whose review-by date has passed or falls within the next days."""
        today = today or timezone.localdate()
        return self.filter(review_by__lte=today + timedelta(days=within_days))


class Evidence(models.Model):
    """A document or link that shows how a section's criteria are met."""

    class ReviewState(StrEnum):
        """What Evidence.review_state returns; NOT_DUE is "" so it reads as false."""

        OVERDUE = "overdue"
        DUE = "due"
        NOT_DUE = ""

    class Kind(models.TextChoices):
        POLICY = "policy", "Policy or procedure"
        MINUTES = "minutes", "Meeting minutes"
        TRAINING = "training", "Training record"
        REPORT = "report", "Report"
        CORRESPONDENCE = "correspondence", "Correspondence"
        WEB_PAGE = "web_page", "Web page"
        OTHER = "other", "Other"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    file = models.FileField(max_length=200, blank=True)
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField("file size in bytes", null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    url = models.URLField("web address", max_length=500, blank=True)
    effective_date = models.DateField()
    review_by = models.DateField("review by", null=True, blank=True)
    marking = models.CharField(
        "security marking",
        max_length=20,
        choices=SecurityMarking.choices,
        default=SecurityMarking.OFFICIAL,
    )
    sections = models.ManyToManyField(Section, related_name="evidence")
    criteria = models.ManyToManyField(Criterion, related_name="evidence", blank=True)
    periods = models.ManyToManyField(
        ReviewPeriod,
        related_name="evidence",
        blank=True,
        verbose_name="review periods",
        help_text="The review periods this evidence counts towards.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts saves, to refuse edits of a stale copy."
    )

    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[sections, criteria, periods])

    class Meta:
        ordering = ["-effective_date", "title"]
        verbose_name_plural = "evidence"
        indexes = [
            models.Index(fields=["review_by"], name="toolkit_evidence_review_by"),
            # The evidence list's order, so a page is read from the index, not sorted.
            models.Index(fields=["-effective_date", "title"], name="toolkit_evidence_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(file="") & ~Q(url="")) | (~Q(file="") & Q(url="")),
                name="toolkit_evidence_file_or_url",
            ),
            models.CheckConstraint(
                condition=Q(review_by__isnull=True) | Q(review_by__gte=models.F("effective_date")),
                name="toolkit_evidence_review_after_effective",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("toolkit:evidence_detail", kwargs={"public_id": self.public_id})

    def review_state(
        self, today: date | None = None, *, within_days: int = 30
    ) -> "Evidence.ReviewState":
        """Overdue, due (within the window) or not due for evidence that needs no review yet."""
        if self.review_by is None:
            return self.ReviewState.NOT_DUE
        today = today or timezone.localdate()
        if self.review_by < today:
            return self.ReviewState.OVERDUE
        if self.review_by <= today + timedelta(days=within_days):
            return self.ReviewState.DUE
        return self.ReviewState.NOT_DUE

    @property
    def is_review_overdue(self) -> bool:
        """Its review-by date has passed (as of today)."""
        return self.review_state() == self.ReviewState.OVERDUE

    @property
    def is_review_due(self) -> bool:
        """Its review-by date falls within the next 30 days (as of today)."""
        return self.review_state() == self.ReviewState.DUE


class ActionStatus(models.TextChoices):
    """Where an action is (``Action.Status``); module-level so the model's Meta can use it."""

    OPEN = "open", "Open"
    IN_PROGRESS = "in_progress", "In progress"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


# Still to be done (and so overdue once the due date has passed), and finished either way.
ACTION_LIVE_STATES = (ActionStatus.OPEN, ActionStatus.IN_PROGRESS)
ACTION_CLOSED_STATES = (ActionStatus.DONE, ActionStatus.CANCELLED)


class ActionQuerySet(models.QuerySet):
    def live(self):
        return self.filter(status__in=list(ACTION_LIVE_STATES))

    def overdue(self, today: date | None = None):
        """Open or in-progress actions whose due date has passed (due today is not overdue)."""
        today = today or timezone.localdate()
        return self.live().filter(due_date__lt=today)

    def not_overdue(self, today: date | None = None):
        today = today or timezone.localdate()
        return self.exclude(pk__in=self.overdue(today).values("pk"))


class Action(models.Model):
    """Something the OPCC will do to meet, or keep meeting, a section."""

    class Priority(models.TextChoices):
        HIGH = "high", "High"
        MEDIUM = "medium", "Medium"
        LOW = "low", "Low"

    Status = ActionStatus
    LIVE_STATES = ACTION_LIVE_STATES
    CLOSED_STATES = ACTION_CLOSED_STATES

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    period = models.ForeignKey(
        ReviewPeriod,
        on_delete=models.PROTECT,
        related_name="actions_raised",
        verbose_name="raised in review period",
    )
    periods = models.ManyToManyField(
        ReviewPeriod,
        related_name="actions",
        blank=True,
        verbose_name="review periods",
        help_text="The action plans this action is part of (open actions carry over).",
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="actions")
    criterion = models.ForeignKey(
        Criterion, on_delete=models.PROTECT, related_name="actions", null=True, blank=True
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    due_date = models.DateField()
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.MEDIUM)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    completed_on = models.DateField("completion date", null=True, blank=True)
    progress_notes = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(
        default=1, editable=False, help_text="Counts saves, to refuse edits of a stale copy."
    )

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[periods])

    class Meta:
        ordering = ["due_date", "title"]
        indexes = [
            models.Index(fields=["status", "due_date"], name="toolkit_action_status_due"),
            # The action plan's order, so a page is read from the index, not sorted.
            models.Index(fields=["due_date", "title"], name="toolkit_action_plan_order"),
            models.Index(fields=["section", "due_date"], name="toolkit_action_section_due"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=(Q(status=ActionStatus.DONE) & Q(completed_on__isnull=False))
                | (~Q(status=ActionStatus.DONE) & Q(completed_on__isnull=True)),
                name="toolkit_action_completed_on_only_when_done",
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("toolkit:action_detail", kwargs={"public_id": self.public_id})

    def clean(self):
        if self.criterion_id and self.section_id and self.criterion.section_id != self.section_id:
            raise ValidationError({"criterion": "Choose a criterion from the action's section."})

    @property
    def is_live(self) -> bool:
        """Open or in progress: still to be done."""
        return self.status in ACTION_LIVE_STATES

    @property
    def is_closed(self) -> bool:
        """Done or cancelled."""
        return self.status in ACTION_CLOSED_STATES

    @property
    def status_tag_class(self) -> str:
        """The tag of its status; an overdue live action is tagged "Overdue" instead."""
        return ACTION_STATUS_TAG_CLASSES.get(self.status, "govuk-tag--blue")

    def is_overdue(self, today: date | None = None) -> bool:
        today = today or timezone.localdate()
        return self.is_live and self.due_date < today


class ExportJob(models.Model):
    """A file built in the background (audit packs): its progress and, when ready, the file."""

    class Kind(models.TextChoices):
        AUDIT_PACK = "audit_pack", "Audit pack"

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Being built"
        READY = "ready", "Ready to download"
        FAILED = "failed", "Failed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    period = models.ForeignKey(ReviewPeriod, on_delete=models.PROTECT, related_name="exports")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    file = models.FileField(max_length=200, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "export"

    def __str__(self):
        return f"{self.get_kind_display()} for {self.period.label}"

    def get_absolute_url(self):
        return reverse("toolkit:export_detail", kwargs={"public_id": self.public_id})

    @property
    def is_ready(self) -> bool:
        return self.status == self.Status.READY

    @property
    def is_failed(self) -> bool:
        return self.status == self.Status.FAILED


class ReminderLog(models.Model):
    """One digest e-mail sent to one user on one day, so a second run that day sends nothing."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    sent_on = models.DateField()
    item_count = models.PositiveIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "sent_on"], name="toolkit_reminderlog_one_per_user_per_day"
            )
        ]

    def __str__(self):
        return f"Reminder to {self.user} on {self.sent_on}"


# GOV.UK tag colours; the status is always written in the tag, never shown by colour alone.
LEVEL_TAG_CLASSES = {
    Criterion.Level.MUST: "govuk-tag--purple",
    Criterion.Level.SHOULD: "govuk-tag--blue",
    Criterion.Level.COULD: "govuk-tag--grey",
}
PERIOD_STATUS_TAG_CLASSES = {
    ReviewPeriod.Status.OPEN: "govuk-tag--grey",
    ReviewPeriod.Status.IN_REVIEW: "govuk-tag--blue",
    ReviewPeriod.Status.SIGNED_OFF: "govuk-tag--green",
}
ACTION_STATUS_TAG_CLASSES = {
    Action.Status.OPEN: "govuk-tag--blue",
    Action.Status.IN_PROGRESS: "govuk-tag--blue",
    Action.Status.DONE: "govuk-tag--green",
    Action.Status.CANCELLED: "govuk-tag--grey",
}
