"""Decision records: the statutory record of every decision of significant public interest.

The fields follow the published record of a Police and Crime Commissioner's decision (see
``../shared/reference/WPCC4-0028.txt``): header, summary, declaration, signature, numbered
supporting information, appendices and the comments of the Treasurer and the Chief
Executive. The workflow and every change go through ``decisions/services.py``.
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from simple_history.models import HistoricalRecords

from prevent_compliance.models import REFERENCE_MAX_LENGTH, validate_reference
from prevent_compliance.sorting import natural_sort_key

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
    "decision_maker",
    "decision_maker_name",
    "forum",
    "forum_date",
    "financial_value",
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
    """The exemptions of Part II of the Freedom of Information Act 2000 (sections 21 to 44).

    Section 25 (certificates under sections 23 and 24) is a supplementary provision, not an
    exemption, so it is not offered. ``other`` is kept for records saved before the full list;
    ``not_stated`` is for imported records whose office never named the exemption.
    """

    S21 = "s21", "Section 21 (information accessible by other means)"
    S22 = "s22", "Section 22 (information intended for future publication)"
    S22A = "s22A", "Section 22A (research)"
    S23 = (
        "s23",
        "Section 23 (information supplied by, or relating to, bodies dealing with security "
        "matters)",
    )
    S24 = "s24", "Section 24 (national security)"
    S26 = "s26", "Section 26 (defence)"
    S27 = "s27", "Section 27 (international relations)"
    S28 = "s28", "Section 28 (relations within the United Kingdom)"
    S29 = "s29", "Section 29 (the economy)"
    S30 = "s30", "Section 30 (investigations and proceedings conducted by public authorities)"
    S31 = "s31", "Section 31 (law enforcement)"
    S32 = "s32", "Section 32 (court records)"
    S33 = "s33", "Section 33 (audit functions)"
    S34 = "s34", "Section 34 (parliamentary privilege)"
    S35 = "s35", "Section 35 (formulation of government policy)"
    S36 = "s36", "Section 36 (prejudice to the effective conduct of public affairs)"
    S37 = "s37", "Section 37 (communications with Her Majesty and honours)"
    S38 = "s38", "Section 38 (health and safety)"
    S39 = "s39", "Section 39 (environmental information)"
    S40 = "s40", "Section 40 (personal information)"
    S41 = "s41", "Section 41 (information provided in confidence)"
    S42 = "s42", "Section 42 (legal professional privilege)"
    S43 = "s43", "Section 43 (commercial interests)"
    S44 = "s44", "Section 44 (prohibitions on disclosure)"
    OTHER = "other", "Another exemption"
    NOT_STATED = "not_stated", "Exemption not stated in the original record"


class ExemptionKind(models.TextChoices):
    ABSOLUTE = "absolute", "Absolute"
    ABSOLUTE_IN_PART = "absolute_in_part", "Absolute in part"
    QUALIFIED = "qualified", "Qualified"


# Section 2(3) of the Act lists the absolute exemptions: the public interest test does not
# apply. Section 36 is absolute only for information held by the House of Commons or the
# House of Lords, and section 40 only in part (the applicant's own data, and third-party data
# whose disclosure would breach the data protection principles): elsewhere both are qualified.
EXEMPTION_KINDS: dict[str, str] = {
    **{code: ExemptionKind.QUALIFIED for code in FoiExemption.values},
    "s21": ExemptionKind.ABSOLUTE,
    "s23": ExemptionKind.ABSOLUTE,
    "s32": ExemptionKind.ABSOLUTE,
    "s34": ExemptionKind.ABSOLUTE,
    "s36": ExemptionKind.ABSOLUTE_IN_PART,
    "s40": ExemptionKind.ABSOLUTE_IN_PART,
    "s41": ExemptionKind.ABSOLUTE,
    "s44": ExemptionKind.ABSOLUTE,
    "other": "",
    "not_stated": "",
}
# What a form for a record made in this service offers: every section, not the two legacy
# or import-only codes.
WORKFLOW_EXEMPTIONS = tuple(
    (code, label)
    for code, label in FoiExemption.choices
    if code not in (FoiExemption.OTHER, FoiExemption.NOT_STATED)
)


def exemption_kind_label(code: str) -> str:
    kind = EXEMPTION_KINDS.get(code, "")
    return ExemptionKind(kind).label if kind else ""


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
    NOT_PUBLISHED = "not_published", "Not published"


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
SEALED_STATES = (
    DecisionStatus.SIGNED,
    DecisionStatus.PUBLISHED,
    DecisionStatus.WITHHELD,
    DecisionStatus.NOT_PUBLISHED,
)
# On the public decision log: published, withheld as confidential, or signed and not
# published (listed with the reason). Imported records that were withdrawn or deferred in the
# original log are listed too (LISTED_IMPORTED_STATES): they carry a seal like every import.
PUBLIC_STATES = (
    DecisionStatus.PUBLISHED,
    DecisionStatus.WITHHELD,
    DecisionStatus.NOT_PUBLISHED,
    DecisionStatus.WITHDRAWN,
    DecisionStatus.DEFERRED,
)
# Withdrawn and deferred records of this service's own workflow were never signed: no seal,
# never public. Only imported ones may be sealed in these states.
LISTED_IMPORTED_STATES = (DecisionStatus.WITHDRAWN, DecisionStatus.DEFERRED)
# The states whose reason and date the public record shows (Decision.public_status_line).
EXPLAINED_STATES = (
    DecisionStatus.NOT_PUBLISHED,
    DecisionStatus.WITHDRAWN,
    DecisionStatus.DEFERRED,
)
# The public log's condition, the same in the query and in the partial index's WHERE.
PUBLIC_CONDITION = Q(status__in=list(PUBLIC_STATES)) & ~Q(content_hash="")

# A register: the whole log (""), a calendar year ("2013") or a financial year ("2013-14").
REGISTER_MAX_LENGTH = 20
# In a page address a register comes first, after this mark, which no reference may contain.
REGISTER_MARK = "~"


def url_key(register: str, reference: str) -> str:
    """The record's part of a page address: the reference alone in the whole-log register
    (as before registers existed), else ``~<register>/<reference>``."""
    return f"{REGISTER_MARK}{register}/{reference}" if register else reference


def split_url_key(key: str) -> tuple[str, str]:
    """(register, reference) of an address part made by url_key; ("", key) for a plain one."""
    if key.startswith(REGISTER_MARK):
        register, _slash, reference = key[len(REGISTER_MARK) :].partition("/")
        return register, reference
    return "", key


def register_label(register: str) -> str:
    """ "2013-14" → "financial year 2013 to 2014", "2013" → "2013", "" → ""."""
    if len(register) == 7 and register[4] == "-":
        return f"financial year {register[:4]} to {int(register[:4]) + 1}"
    return register


class DecisionQuerySet(models.QuerySet):
    def public(self):
        """Records the public may see: sealed, and published, withheld, not published, or
        (imported) withdrawn or deferred."""
        return self.filter(PUBLIC_CONDITION)

    def by_url_key(self, key: str):
        register, reference = split_url_key(key)
        return self.filter(register=register, reference=reference)


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
        # Imported: the original's words kept verbatim ("PCC & CC") where the structure
        # (who, when) is unknown, or nothing at all in the original.
        AS_PUBLISHED = "as_published", "As published in the original record"
        NOT_STATED = "not_stated", "Not stated in the original record"

    class DecisionMaker(models.TextChoices):
        PCC = "pcc", "Police and Crime Commissioner"
        DEPUTY_PCC = "deputy_pcc", "Deputy Police and Crime Commissioner"
        OFFICER_DELEGATED = "officer_delegated", "Officer under delegated authority"
        PCC_AND_CHIEF_CONSTABLE = (
            "pcc_and_chief_constable",
            "PCC jointly with the Chief Constable",
        )

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
    # Derived from the reference wherever one is set (prevent_compliance.sorting
    # natural_sort_key) for the public log's sort by reference; not sealed: it adds nothing
    # the reference does not say. Hex of UTF-8: at most 6 + 16 characters per character.
    reference_sort_key = models.CharField(
        max_length=6 + 16 * REFERENCE_MAX_LENGTH, blank=True, default="", editable=False
    )
    register = models.CharField(
        max_length=REGISTER_MAX_LENGTH,
        blank=True,
        default="",
        help_text="Empty for the whole log; a year (2013) or financial year (2013-14) for "
        "numbering that restarts every year. The reference is unique within its register.",
    )
    title = models.CharField(max_length=300)
    lead_officer = models.CharField(max_length=200, blank=True)
    decision_maker = models.CharField(
        max_length=30, choices=DecisionMaker.choices, blank=True, default=""
    )
    decision_maker_name = models.CharField(
        "name of the decision maker as published", max_length=200, blank=True
    )
    forum = models.CharField(
        "approving forum",
        max_length=200,
        blank=True,
        help_text="The meeting that approved the decision, for example Accountability Board.",
    )
    forum_date = models.DateField("date of the approving meeting", null=True, blank=True)
    financial_value = models.DecimalField(
        "financial value (£)",
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0"))],
    )
    published_on = models.DateField(
        "date first published",
        null=True,
        blank=True,
        help_text="The day the record first appeared on the public log; never changed later.",
    )
    chief_officer_approval = models.CharField(
        max_length=20,
        choices=ChiefOfficerApproval.choices,
        default=ChiefOfficerApproval.NOT_REQUIRED,
    )
    chief_officer_approval_text = models.CharField(
        "chief officer approval as published",
        max_length=200,
        blank=True,
        help_text="The original record's words, kept verbatim when who approved and when "
        "are not known separately.",
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
    signed_register_version = models.ForeignKey(
        "interests.Confirmation",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signed_decisions",
        verbose_name="register of interests signed against",
        help_text="The signer's confirmed register of interests when they signed.",
    )
    signed_register_hash = models.CharField(
        "SHA-256 of the register signed against",
        max_length=64,
        blank=True,
        help_text="Sealed with the record (decisions/integrity.py) when present.",
    )
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
    status_date = models.DateField(
        "date of the withdrawal, deferral or decision not to publish", null=True, blank=True
    )
    original_parts = models.JSONField(
        "parts of the original record",
        default=list,
        blank=True,
        help_text="Imported records: the names of the parts the office's original record "
        "had (treasurer_comments …); empty means the parts with content.",
    )
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
                condition=PUBLIC_CONDITION,
                name="decisions_public_log_order_v2",
            ),
            # The public log by reference, in public_log's order, read without a sort (on
            # PostgreSQL: SQLite walks decisions_status_log_order, as above, and sorts the
            # stored keys).
            models.Index(
                fields=["reference_sort_key", "register", "decision_date", "id"],
                condition=PUBLIC_CONDITION,
                name="decisions_public_ref_order",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["register", "reference"],
                name="decisions_decision_unique_register_reference",
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
                | (Q(chief_officer_approval="required") & ~Q(chief_officer_approver=""))
                | (
                    Q(chief_officer_approval="as_published")
                    & Q(chief_officer_approver="")
                    & Q(chief_officer_approved_on__isnull=True)
                    & ~Q(chief_officer_approval_text="")
                )
                | (
                    Q(chief_officer_approval="not_stated")
                    & Q(source="imported")
                    & Q(chief_officer_approver="")
                    & Q(chief_officer_approved_on__isnull=True)
                ),
                name="decisions_decision_chief_officer_approval_fields_v2",
            ),
            models.CheckConstraint(
                condition=(Q(status__in=list(SEALED_STATES)) & ~Q(content_hash=""))
                | (
                    Q(status__in=list(LISTED_IMPORTED_STATES))
                    & Q(source="imported")
                    & ~Q(content_hash="")
                )
                | (~Q(status__in=list(SEALED_STATES)) & Q(content_hash="")),
                name="decisions_decision_hashed_when_sealed_v2",
            ),
            models.CheckConstraint(
                condition=Q(signed_on__isnull=True) | Q(decision_date__lte=F("signed_on")),
                name="decisions_decision_date_not_after_signature",
            ),
            models.CheckConstraint(
                condition=Q(financial_value__isnull=True) | Q(financial_value__gte=0),
                name="decisions_decision_financial_value_not_negative",
            ),
            # The exact form (YYYY or YYYY-YY) is validated in Python: a REGEXP in the schema
            # would make the SQLite file unusable outside Django (backups, integrity checks).
            models.CheckConstraint(
                condition=Q(register="") | Q(register__gte="1900", register__lt="2101"),
                name="decisions_decision_register_format",
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

    def save(self, *args, **kwargs):
        """Keeps reference_sort_key in step with the reference on every save (bulk writes
        set it themselves: services.decision_import, the scale generator)."""
        self.reference_sort_key = natural_sort_key(self.reference)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "reference" in update_fields:
            kwargs["update_fields"] = {*update_fields, "reference_sort_key"}
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("decisions:detail", kwargs={"reference": self.url_key})

    def get_public_url(self):
        return reverse("decisions:public_detail", kwargs={"reference": self.url_key})

    @property
    def url_key(self) -> str:
        """The record's part of its page addresses (pass it as ``reference`` to reverse())."""
        return url_key(self.register, self.reference)

    @property
    def register_label(self) -> str:
        return register_label(self.register)

    def clean(self):
        errors = {**self._exemption_errors(), **self._approval_errors()}
        if self.decision_date and self.signed_on and self.decision_date > self.signed_on:
            errors["decision_date"] = (
                "The date of the decision must be the same as or before the date it was signed"
            )
        if self.financial_value is not None and self.financial_value < 0:
            errors["financial_value"] = "The financial value must be £0 or more"
        if self.forum_date and not self.forum:
            errors["forum"] = "Enter the approving forum the meeting date belongs to"
        if errors:
            raise ValidationError(errors)

    def _exemption_errors(self) -> dict[str, str]:
        codes = self.foi_exemptions
        imported = self.source == self.Source.IMPORTED
        message = ""
        if not isinstance(codes, list) or any(c not in FoiExemption.values for c in codes):
            message = "Choose exemptions from the list"
        elif FoiExemption.NOT_STATED in codes and not imported:
            message = (
                "“Exemption not stated” is only for records imported from an earlier log: "
                "choose the exemption"
            )
        elif FoiExemption.NOT_STATED in codes and len(codes) > 1:
            message = "“Exemption not stated” cannot be combined with a named exemption"
        elif len(set(codes)) != len(codes):
            message = "Choose each exemption only once"
        elif self.confidentiality == self.Confidentiality.NON_CONFIDENTIAL and codes:
            message = (
                "A non-confidential decision relies on no exemption: remove them or change "
                "the status"
            )
        elif self.confidentiality != self.Confidentiality.NON_CONFIDENTIAL and not codes:
            message = "Select the FOI exemption the withheld information relies on"
        return {"foi_exemptions": message} if message else {}

    def _approval_errors(self) -> dict[str, str]:
        errors = {}
        approval = self.chief_officer_approval
        imported = self.source == self.Source.IMPORTED
        if approval == self.ChiefOfficerApproval.REQUIRED:
            if not self.chief_officer_approver:
                errors["chief_officer_approver"] = "Enter who gave the chief officer approval"
            if not self.chief_officer_approved_on and not imported:
                errors["chief_officer_approved_on"] = "Enter the date of the chief officer approval"
        elif self.chief_officer_approver or self.chief_officer_approved_on:
            errors["chief_officer_approval"] = (
                "Select “Required” if a chief officer approved the decision"
            )
        if approval == self.ChiefOfficerApproval.AS_PUBLISHED:
            if not self.chief_officer_approval_text.strip():
                errors["chief_officer_approval_text"] = (
                    "Enter the chief officer approval as the original record gives it"
                )
        elif self.chief_officer_approval_text and not imported:
            errors["chief_officer_approval_text"] = (
                "The published wording is kept only for records imported from an earlier log"
            )
        unstructured = (
            self.ChiefOfficerApproval.AS_PUBLISHED,
            self.ChiefOfficerApproval.NOT_STATED,
        )
        if approval in unstructured and not imported:
            errors["chief_officer_approval"] = "Select whether chief officer approval was required"
        return errors

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
        """On the public log (the same test as DecisionQuerySet.public)."""
        return self.status in PUBLIC_STATES and bool(self.content_hash)

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

    def exemption_rows(self) -> list[tuple[str, str]]:
        """(label, "Absolute" / "Qualified" / "Absolute in part" / "") of each exemption."""
        labels = dict(FoiExemption.choices)
        return [(labels.get(c, c), exemption_kind_label(c)) for c in self.foi_exemptions]

    def withheld_statement(self) -> str:
        """How the public log describes a withheld record or part, naming the exemptions."""
        labels = [
            label
            for code, label in zip(self.foi_exemptions, self.exemption_labels(), strict=True)
            if code != FoiExemption.NOT_STATED
        ]
        if not labels:
            if FoiExemption.NOT_STATED in self.foi_exemptions:
                return (
                    "Withheld under the Freedom of Information Act 2000; the original record "
                    "does not name the exemption."
                )
            return "Withheld under an exemption of the Freedom of Information Act 2000."
        labels = [label[0].lower() + label[1:] for label in labels]
        named = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
        return f"Withheld under {named} of the Freedom of Information Act 2000."

    def chief_officer_approval_line(self) -> str:
        """As printed on the record: "Not required", "Chief Constable – 3 May 2024", or the
        original's own words ("PCC & CC") when only those are known; "" if never stated."""
        approval = self.chief_officer_approval
        if self.chief_officer_approval_text:  # the original's words, as published
            return self.chief_officer_approval_text
        if approval in (
            self.ChiefOfficerApproval.AS_PUBLISHED,
            self.ChiefOfficerApproval.NOT_STATED,
        ):
            return ""
        if approval == self.ChiefOfficerApproval.NOT_REQUIRED:
            return "Not required"
        if self.chief_officer_approved_on:
            approved_on = self.chief_officer_approved_on
            return f"{self.chief_officer_approver} – {approved_on.day} {approved_on:%B %Y}"
        return self.chief_officer_approver

    def decision_maker_line(self) -> str:
        """ "Deputy Police and Crime Commissioner (Jane Smith)", the name alone, or ""."""
        role = self.get_decision_maker_display() if self.decision_maker else ""
        if role and self.decision_maker_name:
            return f"{role} ({self.decision_maker_name})"
        return role or self.decision_maker_name

    @property
    def publication_date(self):
        """The day the record first appeared on the public log (published_on; for records
        published before that field existed, the day of published_at)."""
        if self.published_on:
            return self.published_on
        if self.published_at:
            return timezone.localdate(self.published_at)
        return None

    def has_section(self, name: str) -> bool:
        """Whether the record has this part (``treasurer_comments``, ``lead_officer``,
        ``chief_officer_approval``, ``chief_executive_comments``, ``signature``,
        ``declaration``, ``summary``…), so notices and pages never invent a line such as
        "Treasurer: none recorded" that an imported original never had.

        A record made in this service has every part. An imported one has the parts listed
        in ``original_parts``, or, when the import listed none, those with content.
        """
        if self.source != self.Source.IMPORTED:
            return True
        if self.original_parts:
            return name in self.original_parts
        return bool(self._part_value(name))

    def _part_value(self, name: str):
        if name == "signature":
            return self.signed_on or self.signatory_name
        if name == "declaration":
            return self.interests_declared
        if name == "chief_officer_approval":
            return self.chief_officer_approval_line()
        if name == "decision_maker":
            return self.decision_maker_line()
        if name == "forum":
            return self.forum or self.forum_date
        return getattr(self, name, None)

    @property
    def public_status_line(self) -> tuple[str, str, object] | None:
        """(label, reason, date) for a record listed as not published, withdrawn or deferred;
        None in other states. The public record shows all three."""
        if self.status not in EXPLAINED_STATES:
            return None
        return (self.get_status_display(), self.status_note, self.status_date)

    @property
    def workflow_panel(self) -> str:
        """The one-line account of the workflow on the staff page that agrees with an imported
        record's content ("Imported: signed on 3 May 2014 by Jane Smith"); "" for records
        made in this service, whose page shows the workflow steps."""
        if self.source != self.Source.IMPORTED:
            return ""
        if self.signed_on:
            signed = f"{self.signed_on.day} {self.signed_on:%B %Y}"
            by = f" by {self.signatory_name}" if self.signatory_name else ""
            line = f"Imported: signed on {signed}{by}"
        else:
            line = "Imported: the original record gives no signature date"
        if self.status in EXPLAINED_STATES:
            line += f"; {self.get_status_display().lower()} in the original log"
        return line + "."


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
    Decision.Status.NOT_PUBLISHED: "govuk-tag--orange",
}

# The states a status note (the reason for a return, withdrawal or deferral) is shown in.
STATUS_NOTE_HEADINGS = {
    Decision.Status.DRAFT: "Returned to draft",
    Decision.Status.WITHDRAWN: "Withdrawn",
    Decision.Status.DEFERRED: "Deferred",
    Decision.Status.NOT_PUBLISHED: "Not published",
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
    """A file attached to a decision, validated and stored like evidence, or (imported
    records) a link to the document where the office published it: a file or a link, never
    both. ``is_original_notice`` marks the office's own notice of an imported record."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.ForeignKey(Decision, on_delete=models.CASCADE, related_name="appendices")
    position = models.PositiveSmallIntegerField("number")
    title = models.CharField(max_length=200)
    file = models.FileField(max_length=200, blank=True)
    url = models.URLField(
        "link to the published document",
        max_length=500,
        blank=True,
        help_text="Instead of a file: where the office published the document.",
    )
    is_original_notice = models.BooleanField(
        "the original decision notice",
        default=False,
        help_text="The office's own notice of an imported record, as it was published.",
    )
    original_filename = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveBigIntegerField("file size in bytes", default=0)
    sha256 = models.CharField("SHA-256", max_length=64, blank=True)
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
            ),
            models.CheckConstraint(
                condition=(~Q(file="") & Q(url="")) | (Q(file="") & ~Q(url="")),
                name="decisions_appendix_file_xor_url",
            ),
            models.UniqueConstraint(
                fields=["decision"],
                condition=Q(is_original_notice=True),
                name="decisions_appendix_one_original_notice",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def is_link(self) -> bool:
        return bool(self.url)


class DecisionRelease(models.Model):
    """Withheld content of a sealed record released later, in whole or in part.

    A separate publication event with its own seal (over what is released and the decision's
    seal at the time): the decision's signed content and seal are never touched. Made by
    ``decisions.services.decision_release``.
    """

    class Scope(models.TextChoices):
        WHOLE = "whole", "The whole record"
        PART = "part", "Part of the record"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="releases")
    released_on = models.DateField("date of release")
    scope = models.CharField(max_length=10, choices=Scope.choices)
    section_positions = models.JSONField(
        "supporting sections released (numbers)", default=list, blank=True
    )
    appendix_ids = models.JSONField("appendices released (ids)", default=list, blank=True)
    summary_released = models.BooleanField("decision summary released", default=False)
    released_text = models.TextField(
        "information released",
        blank=True,
        help_text="Released information that is not a whole section or appendix.",
    )
    reason = models.TextField("reason for the release")
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_by_name = models.CharField("decided by (name)", max_length=200)
    created_at = models.DateTimeField()
    decision_hash = models.CharField("the decision's seal when released", max_length=64)
    content_hash = models.CharField("seal of the release (HMAC-SHA256)", max_length=64)
    seal_key_version = models.CharField("sealing key version", max_length=32)

    history = HistoricalRecords()

    class Meta:
        ordering = ["decision", "released_on", "created_at"]
        verbose_name = "later release of withheld content"
        constraints = [
            models.CheckConstraint(
                condition=~Q(content_hash="") & ~Q(decision_hash="") & ~Q(reason=""),
                name="decisions_release_sealed_with_reason",
            ),
        ]

    def __str__(self):
        return f"{self.decision.reference}: released on {self.released_on}"


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


class DecisionImport(models.Model):
    """One file of an earlier decision log, checked, then imported in the background.

    Made by ``decisions.services.decision_import_check`` (the upload, checked and shown as a
    preview) and run by ``decisions.tasks.run_decision_import`` once an administrator
    confirms: every record of the file is saved in one transaction, or none is. The file's
    SHA-256 says when the same file comes again.
    """

    class Status(models.TextChoices):
        REFUSED = "refused", "Problems found"
        CHECKED = "checked", "Checked: waiting for confirmation"
        NOTHING_NEW = "nothing_new", "Already imported"
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        FAILED = "failed", "Failed: nothing was imported"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    status = models.CharField(max_length=12, choices=Status.choices)
    file = models.FileField(max_length=200, blank=True)
    original_filename = models.CharField(max_length=255)
    kind = models.CharField("format", max_length=5, blank=True)
    file_size = models.PositiveBigIntegerField("file size in bytes")
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    row_count = models.PositiveIntegerField("records in the file", default=0)
    created_count = models.PositiveIntegerField("records created", default=0)
    skipped_count = models.PositiveIntegerField("records already in the log", default=0)
    preview = models.JSONField("rows as checked", default=list, blank=True)
    problems = models.JSONField(default=list, blank=True)
    warnings = models.JSONField(default=list, blank=True)
    notes = models.JSONField(default=list, blank=True)
    created_references = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "decision log import"

    def __str__(self):
        return f"{self.original_filename} ({self.get_status_display()})"

    def get_absolute_url(self):
        return reverse("decisions:import_detail", kwargs={"public_id": self.public_id})

    # A job running this long has lost its worker (killed mid-import: nothing was saved).
    STALE_AFTER_SECONDS = 30 * 60

    @property
    def seems_stopped(self) -> bool:
        if self.status != self.Status.RUNNING or self.started_at is None:
            return False
        return (timezone.now() - self.started_at).total_seconds() > self.STALE_AFTER_SECONDS

    @property
    def is_waiting(self) -> bool:
        """Queued or running (and not given up on): the progress page refreshes itself."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING) and not self.seems_stopped
