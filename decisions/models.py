"""Decision records: the statutory record of every decision of significant public interest.

The fields follow the published record of a Police and Crime Commissioner's decision (see
``../shared/reference/WPCC4-0028.txt``): header, summary, declaration, signature, numbered
supporting information, appendices and the comments of the Treasurer and the Chief
Executive. The workflow and every change go through ``decisions/services.py``.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from prevent_compliance.models import REFERENCE_MAX_LENGTH, validate_reference

DECLARATION = (
    "I confirm that my register of interests declaration is up to date and that none of my "
    "interests preclude me from making this decision."
)

PUBLICATION_STATEMENT = (
    "Information in this form is subject to the Freedom of Information Act 2000 (FOI Act) and "
    "other legislation.  Unless the information provided is covered by an exemption and stated "
    "to be either confidential or partly confidential, the information contained in the form "
    "will be published on the OPCC website."
)

# The numbered supporting information of the reference record, in its order and words.
# The header and summary fields a draft's editor changes: the form's fields and what
# decision_create / decision_update accept (supporting sections have their own page).
DECISION_FIELDS = (
    "title",
    "lead_officer",
    "chief_officer_approval",
    "chief_officer_approver",
    "chief_officer_approved_on",
    "decision_date",
    "confidentiality",
    "foi_exemptions",
    "withheld_parts",
    "summary",
)

DEFAULT_SECTIONS = [
    ("Background information", ""),
    ("List of additional information attached as appendices", ""),
    ("Expected benefits", ""),
    ("Impact of not approving the application", ""),
    ("Costs (including any identified savings)", ""),
    ("Equality considerations", ""),
    ("Legal comments", ""),
    ("Social or Environmental considerations", ""),
    ("Publication", PUBLICATION_STATEMENT),
]


class FoiExemption(models.TextChoices):
    """Freedom of Information Act 2000 exemptions a withheld record may rely on."""

    S21 = "s21", "Section 21 (information accessible by other means)"
    S22 = "s22", "Section 22 (information intended for future publication)"
    S24 = "s24", "Section 24 (national security)"
    S31 = "s31", "Section 31 (law enforcement)"
    S36 = "s36", "Section 36 (prejudice to the effective conduct of public affairs)"
    S38 = "s38", "Section 38 (health and safety)"
    S40 = "s40", "Section 40 (personal information)"
    S43 = "s43", "Section 43 (commercial interests)"
    OTHER = "other", "Another exemption"


class DecisionStatus(models.TextChoices):
    """Where a decision is in its workflow (``Decision.Status``); decisions/services.py sets it."""

    DRAFT = "draft", "Draft"
    CONSULTATION = "consultation", "In consultation"
    AWAITING_APPROVAL = "awaiting_approval", "Awaiting approval"
    AWAITING_SIGNATURE = "awaiting_signature", "Awaiting signature"
    SIGNED = "signed", "Signed"
    PUBLISHED = "published", "Published"
    WITHHELD = "withheld", "Withheld"
    WITHDRAWN = "withdrawn", "Withdrawn"
    DEFERRED = "deferred", "Deferred"


# The named sets of states, defined here once (and on Decision: Decision.SEALED_STATES …).
# Module-level because the model's Meta (indexes, constraints) cannot see names in its class.
# Only a draft can be edited.
EDITABLE_STATES = (DecisionStatus.DRAFT,)
# Still to be decided: not yet signed, not withdrawn (withdrawing is possible from each).
IN_PROGRESS_STATES = (
    DecisionStatus.DRAFT,
    DecisionStatus.CONSULTATION,
    DecisionStatus.AWAITING_APPROVAL,
    DecisionStatus.AWAITING_SIGNATURE,
    DecisionStatus.DEFERRED,
)
# Once a record reaches one of these states its content is sealed and may never change.
SEALED_STATES = (DecisionStatus.SIGNED, DecisionStatus.PUBLISHED, DecisionStatus.WITHHELD)
# On the public decision log: published, or withheld as confidential.
PUBLIC_STATES = (DecisionStatus.PUBLISHED, DecisionStatus.WITHHELD)


class DecisionQuerySet(models.QuerySet):
    def public(self):
        """Records the public may see: published, or withheld as confidential."""
        return self.filter(status__in=PUBLIC_STATES)


class Decision(models.Model):
    """One decision of significant public interest, from draft to publication."""

    Status = DecisionStatus

    class Confidentiality(models.TextChoices):
        NON_CONFIDENTIAL = "non-confidential", "Non-confidential"
        PARTLY_CONFIDENTIAL = "partly-confidential", "Partly confidential"
        CONFIDENTIAL = "confidential", "Confidential"

    class ChiefOfficerApproval(models.TextChoices):
        NOT_REQUIRED = "not_required", "Not required"
        REQUIRED = "required", "Required"

    class Source(models.TextChoices):
        WORKFLOW = "workflow", "Recorded and signed in this service"
        IMPORTED = "imported", "Imported from an earlier decision log"

    EDITABLE_STATES = EDITABLE_STATES
    IN_PROGRESS_STATES = IN_PROGRESS_STATES
    SEALED_STATES = SEALED_STATES
    PUBLIC_STATES = PUBLIC_STATES

    reference = models.CharField(
        "decision reference number",
        max_length=REFERENCE_MAX_LENGTH,
        validators=[validate_reference],
    )
    title = models.CharField(max_length=300)
    lead_officer = models.CharField(max_length=200, blank=True)
    chief_officer_approval = models.CharField(
        max_length=20,
        choices=ChiefOfficerApproval.choices,
        default=ChiefOfficerApproval.NOT_REQUIRED,
    )
    chief_officer_approver = models.CharField(
        "chief officer who approved",
        max_length=200,
        blank=True,
        help_text="For example Chief Constable.",
    )
    chief_officer_approved_on = models.DateField(
        "date of chief officer approval", null=True, blank=True
    )
    decision_date = models.DateField("date")
    confidentiality = models.CharField(
        "status",
        max_length=20,
        choices=Confidentiality.choices,
        default=Confidentiality.NON_CONFIDENTIAL,
    )
    foi_exemptions = models.JSONField("FOI exemptions relied on", default=list, blank=True)
    withheld_parts = models.TextField("description of the withheld parts", blank=True)
    summary = models.TextField("decision summary")
    interests_declared = models.BooleanField(
        "declaration of interests confirmed", default=False, help_text=DECLARATION
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="signed by (user)",
    )
    signatory_name = models.CharField("signature", max_length=200, blank=True)
    signed_on = models.DateField("date signed", null=True, blank=True)
    signed_at = models.DateTimeField("time signed", null=True, blank=True)
    content_hash = models.CharField(
        "seal (HMAC-SHA256)",
        max_length=64,
        blank=True,
        help_text="Seals the content, status and publication choices (decisions/integrity.py).",
    )
    seal_key_version = models.CharField(
        "sealing key version",
        max_length=32,
        blank=True,
        help_text="The DECISION_SEAL_KEYS version that made the seal; empty for a record "
        "sealed before keyed seals (an unkeyed SHA-256, resealed by reseal_decisions).",
    )
    hashed_at = models.DateTimeField("sealed at", null=True, blank=True)
    treasurer_comments = models.TextField("comments from the Treasurer", blank=True)
    treasurer_commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    treasurer_commented_at = models.DateTimeField(null=True, blank=True)
    chief_executive_comments = models.TextField(
        "comments from the Chief Executive and Monitoring Officer", blank=True
    )
    chief_executive_commented_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    chief_executive_commented_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.DRAFT)
    status_note = models.TextField("reason for the last return, withdrawal or deferral", blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    sections = models.ManyToManyField(
        "toolkit.Section", related_name="decisions", blank=True, verbose_name="toolkit sections"
    )
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.WORKFLOW)
    review_period = models.ForeignKey(
        "toolkit.ReviewPeriod",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="review_decisions",
        verbose_name="annual review of",
        help_text="Set when this decision signs off a review period's annual review.",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = DecisionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=[sections])

    class Meta:
        ordering = ["-decision_date", "-created_at"]
        indexes = [
            models.Index(fields=["status", "decision_date"], name="decisions_status_date"),
            # The staff list, newest first: read in index order, LIMIT a page, no sort.
            models.Index(
                fields=["-decision_date", "-created_at"], name="decisions_staff_list_order"
            ),
            # The public log on SQLite: there the partial index below is never chosen (a
            # bound parameter cannot prove its condition), but with status leading, each
            # public status is walked in date order and merged under the LIMIT.
            models.Index(
                fields=["status", "-decision_date", "-reference"], name="decisions_status_log_order"
            ),
            # The public log lists only published and withheld records, newest first.
            models.Index(
                F("decision_date").desc(),
                F("reference").desc(),
                condition=Q(status__in=list(PUBLIC_STATES)),
                name="decisions_public_log_order",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["reference"], name="decisions_decision_unique_reference"
            ),
            models.CheckConstraint(
                condition=(Q(signed_on__isnull=True) & Q(signatory_name=""))
                | (Q(signed_on__isnull=False) & ~Q(signatory_name="")),
                name="decisions_decision_signed_fields_together",
            ),
            models.CheckConstraint(
                condition=(
                    Q(chief_officer_approval="not_required")
                    & Q(chief_officer_approver="")
                    & Q(chief_officer_approved_on__isnull=True)
                )
                | (Q(chief_officer_approval="required") & ~Q(chief_officer_approver="")),
                name="decisions_decision_chief_officer_approval_fields",
            ),
            models.CheckConstraint(
                condition=(Q(status__in=list(SEALED_STATES)) & ~Q(content_hash=""))
                | (~Q(status__in=list(SEALED_STATES)) & Q(content_hash="")),
                name="decisions_decision_hashed_when_sealed",
            ),
            models.CheckConstraint(
                condition=~Q(source="workflow")
                | ~Q(status__in=list(SEALED_STATES))
                | (Q(signed_by__isnull=False) & Q(interests_declared=True)),
                name="decisions_decision_workflow_signature_has_signer",
            ),
        ]

    def __str__(self):
        return f"{self.reference} – {self.title}"

    def get_absolute_url(self):
        return reverse("decisions:detail", kwargs={"reference": self.reference})

    def get_public_url(self):
        return reverse("decisions:public_detail", kwargs={"reference": self.reference})

    def clean(self):
        errors = {}
        codes = self.foi_exemptions
        if not isinstance(codes, list) or any(c not in FoiExemption.values for c in codes):
            errors["foi_exemptions"] = "Choose exemptions from the list"
        elif len(set(codes)) != len(codes):
            errors["foi_exemptions"] = "Choose each exemption only once"
        elif self.confidentiality == self.Confidentiality.NON_CONFIDENTIAL and codes:
            errors["foi_exemptions"] = (
                "A non-confidential decision relies on no exemption: remove them or change "
                "the status"
            )
        elif self.confidentiality != self.Confidentiality.NON_CONFIDENTIAL and not codes:
            errors["foi_exemptions"] = "Select the FOI exemption the withheld information relies on"
        if self.chief_officer_approval == self.ChiefOfficerApproval.REQUIRED:
            if not self.chief_officer_approver:
                errors["chief_officer_approver"] = "Enter who gave the chief officer approval"
            if not self.chief_officer_approved_on:
                errors["chief_officer_approved_on"] = "Enter the date of the chief officer approval"
        elif self.chief_officer_approver or self.chief_officer_approved_on:
            errors["chief_officer_approval"] = (
                "Select “Required” if a chief officer approved the decision"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def status_tag_class(self) -> str:
        return STATUS_TAG_CLASSES.get(self.status, "govuk-tag--grey")

    @property
    def status_note_heading(self) -> str:
        """What the status note explains in this state ("Deferred" …), or "" if it explains none."""
        return STATUS_NOTE_HEADINGS.get(self.status, "")

    @property
    def is_sealed(self) -> bool:
        """Signed (or imported as a historic record): the content may never change."""
        return bool(self.content_hash)

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATES

    @property
    def is_editable(self) -> bool:
        """A draft: its header, summary, sections and appendices may still change."""
        return self.status in EDITABLE_STATES

    @property
    def is_confidential(self) -> bool:
        return self.confidentiality == self.Confidentiality.CONFIDENTIAL

    @property
    def signature_recorded(self) -> bool:
        return self.signed_on is not None

    def exemption_labels(self) -> list[str]:
        labels = dict(FoiExemption.choices)
        return [labels.get(code, code) for code in self.foi_exemptions]

    def withheld_statement(self) -> str:
        """How the public log describes a withheld record or part, naming the exemptions."""
        labels = self.exemption_labels()
        if not labels:
            return "Withheld under an exemption of the Freedom of Information Act 2000."
        labels = [label[0].lower() + label[1:] for label in labels]
        named = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
        return f"Withheld under {named} of the Freedom of Information Act 2000."

    def chief_officer_approval_text(self) -> str:
        """As printed on the record: "Not required" or "Chief Constable – 3 May 2024"."""
        if self.chief_officer_approval == self.ChiefOfficerApproval.NOT_REQUIRED:
            return "Not required"
        if self.chief_officer_approved_on:
            approved_on = self.chief_officer_approved_on
            return f"{self.chief_officer_approver} – {approved_on.day} {approved_on:%B %Y}"
        return self.chief_officer_approver


# GOV.UK tag colours; the status is always written in the tag, never shown by colour alone.
STATUS_TAG_CLASSES = {
    Decision.Status.DRAFT: "govuk-tag--grey",
    Decision.Status.CONSULTATION: "govuk-tag--light-blue",
    Decision.Status.AWAITING_APPROVAL: "govuk-tag--yellow",
    Decision.Status.AWAITING_SIGNATURE: "govuk-tag--orange",
    Decision.Status.SIGNED: "govuk-tag--purple",
    Decision.Status.PUBLISHED: "govuk-tag--green",
    Decision.Status.WITHHELD: "govuk-tag--red",
    Decision.Status.WITHDRAWN: "govuk-tag--grey",
    Decision.Status.DEFERRED: "govuk-tag--pink",
}

# The states a status note (the reason for a return, withdrawal or deferral) is shown in.
STATUS_NOTE_HEADINGS = {
    Decision.Status.DRAFT: "Returned to draft",
    Decision.Status.WITHDRAWN: "Withdrawn",
    Decision.Status.DEFERRED: "Deferred",
}


class SupportingSection(models.Model):
    """One numbered section of the supporting information."""

    decision = models.ForeignKey(
        Decision, on_delete=models.CASCADE, related_name="supporting_sections"
    )
    position = models.PositiveSmallIntegerField("number")
    heading = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    withheld = models.BooleanField(
        "withhold from publication",
        default=False,
        help_text="The section is left out of the public log and the public notice.",
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["decision", "position"]
        verbose_name = "supporting information section"
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "position"], name="decisions_section_unique_position"
            )
        ]

    def __str__(self):
        return f"{self.position}. {self.heading}"


class Appendix(models.Model):
    """A file attached to a decision, validated and stored like evidence."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="appendices")
    position = models.PositiveSmallIntegerField("number")
    title = models.CharField(max_length=200)
    file = models.FileField(max_length=200)
    original_filename = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    file_size = models.PositiveBigIntegerField("file size in bytes")
    sha256 = models.CharField("SHA-256", max_length=64)
    withheld = models.BooleanField(
        "withhold from publication",
        default=False,
        help_text="The appendix is left out of the public log.",
    )
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    added_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["decision", "position"]
        verbose_name_plural = "appendices"
        constraints = [
            models.UniqueConstraint(
                fields=["decision", "position"], name="decisions_appendix_unique_position"
            )
        ]

    def __str__(self):
        return self.title


class ReferenceCounter(models.Model):
    """The last number given for one reference stem (the text around the number).

    Locked with SELECT … FOR UPDATE in the transaction that inserts the decision, so
    concurrent allocations queue on this row: no duplicates and no gaps.
    """

    stem = models.CharField(max_length=REFERENCE_MAX_LENGTH * 2)
    last_number = models.PositiveIntegerField(default=0)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["stem"], name="decisions_referencecounter_unique_stem")
        ]

    def __str__(self):
        return f"{self.stem}: {self.last_number}"
