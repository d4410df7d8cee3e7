"""The organisation profile: one row describing the OPCC that runs this instance.

It also owns the decision reference scheme: the format (``{prefix}{term}-{seq:04d}`` by
default) and the rule every reference must satisfy to be used in a URL.
"""

import re
import uuid
from string import Formatter

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from simple_history.models import HistoricalRecords

REFERENCE_PLACEHOLDERS = ("prefix", "term", "year", "fy", "fy_short", "seq")
# References as offices print them: letters, digits, spaces, dashes (hyphen, en dash), dots,
# underscores, brackets and "/". Each "/"-separated part starts with a letter, digit or "("
# and ends with a letter, digit or ")", so no part is empty, "." or ".."; the last part may
# not be a word our URLs use after a reference (…/pdf/, …/edit/).
_REFERENCE_PART = re.compile(r"^[A-Za-z0-9(](?:[A-Za-z0-9 ._()\-\u2013]*[A-Za-z0-9)])?$")
RESERVED_REFERENCE_ENDINGS = frozenset(
    {
        "new",
        "pdf",
        "edit",
        "sections",
        "appendices",
        "submit",
        "comment",
        "treasurer",
        "chief-executive",
        "approve",
        "return",
        "sign",
        "publish",
        "withhold",
        "withdraw",
        "defer",
        "resume",
        "remove",
        "not-published",
        "release",
    }
)
# …and its first part may not be a page of its own under /decisions/ (/decisions/import/…).
RESERVED_REFERENCE_STARTS = frozenset({"import"})
REFERENCE_MAX_LENGTH = 60


def validate_reference(value: str) -> None:
    """Refuse a decision reference that could not be used safely as part of a URL."""
    parts = (value or "").split("/")
    if not value or len(value) > REFERENCE_MAX_LENGTH:
        raise ValidationError(
            "A reference must have between 1 and %(max)s characters.",
            code="reference_length",
            params={"max": REFERENCE_MAX_LENGTH},
        )
    if not all(_REFERENCE_PART.match(part) for part in parts):
        raise ValidationError(
            "A reference may contain letters, digits, spaces, dashes (- or –), dots, "
            "underscores, brackets and /; each part between slashes must start and end with "
            "a letter, a digit or a bracket.",
            code="reference_characters",
        )
    if parts[-1].lower() in RESERVED_REFERENCE_ENDINGS:
        raise ValidationError(
            "A reference cannot end in “%(word)s”: that word is used in page addresses.",
            code="reference_reserved",
            params={"word": parts[-1]},
        )
    if parts[0].lower() in RESERVED_REFERENCE_STARTS:
        raise ValidationError(
            "A reference cannot start with “%(word)s/”: those addresses are the import pages.",
            code="reference_reserved",
            params={"word": parts[0]},
        )


def financial_year(year: int, month: int) -> tuple[str, str]:
    """The UK financial year (1 April to 31 March) of a month: ("2024-25", "24-25")."""
    start = year if month >= 4 else year - 1
    end = (start + 1) % 100
    return f"{start}-{end:02d}", f"{start % 100:02d}-{end:02d}"


def split_reference_format(
    fmt: str, *, prefix: str, term: int, year: int, month: int = 4
) -> tuple[str, str, str]:
    """The format rendered around its number: (text before, number's format spec, text after).

    ``{fy}`` and ``{fy_short}`` are the financial year of ``year`` and ``month`` (2024-25,
    24-25). Raises ValidationError if the format is not usable: unknown placeholders, no
    ``{seq}`` or more than one, or a number format that cannot print an integer.
    """
    fy, fy_short = financial_year(year, month)
    values = {"prefix": prefix, "term": term, "year": year, "fy": fy, "fy_short": fy_short}
    before: list[str] = []
    after: list[str] = []
    seq_spec = None
    try:
        parsed = list(Formatter().parse(fmt))
    except ValueError as exc:
        raise ValidationError("The format has an unmatched { or }.", code="format_braces") from exc
    for literal, field, spec, conversion in parsed:
        (after if seq_spec is not None else before).append(literal)
        if field is None:
            continue
        if field not in REFERENCE_PLACEHOLDERS or conversion:
            raise ValidationError(
                "Unknown placeholder {%(field)s}: use {prefix}, {term}, {year}, {fy}, "
                "{fy_short} and {seq}.",
                code="format_placeholder",
                params={"field": field},
            )
        if field == "seq":
            if seq_spec is not None:
                raise ValidationError("Use {seq} only once.", code="format_seq_twice")
            seq_spec = spec
            continue
        try:
            rendered = format(values[field], spec)
        except ValueError as exc:
            raise ValidationError(
                "The format of {%(field)s} is not valid.",
                code="format_spec",
                params={"field": field},
            ) from exc
        (after if seq_spec is not None else before).append(rendered)
    if seq_spec is None:
        raise ValidationError("The format must contain {seq}, the number.", code="format_no_seq")
    try:
        format(1, seq_spec)
    except ValueError as exc:
        raise ValidationError(
            "The number's format is not valid: use for example {seq:04d}.", code="format_spec"
        ) from exc
    return "".join(before), seq_spec, "".join(after)


_TELEPHONE_CHARACTERS = re.compile(r"^[0-9 +()\-]+$")


def validate_telephone(value: str) -> None:
    """A telephone number as people write it: digits, spaces, +, brackets and hyphens, with
    7 to 20 digits."""
    if not _TELEPHONE_CHARACTERS.match(value or ""):
        raise ValidationError(
            "Enter a telephone number using only digits, spaces, +, brackets and hyphens, "
            "like 01234 567890 or +44 1234 567890",
            code="telephone_characters",
        )
    digits = sum(ch.isdigit() for ch in value)
    if not 7 <= digits <= 20:
        raise ValidationError(
            "Enter a telephone number with between 7 and 20 digits", code="telephone_digits"
        )


class SecurityMarking(models.TextChoices):
    """Government Security Classifications used on records and printed documents."""

    OFFICIAL = "OFFICIAL", "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE", "OFFICIAL-SENSITIVE"


class OrganisationProfile(models.Model):
    name = models.CharField(max_length=200, default="Office of the Police and Crime Commissioner")
    short_name = models.CharField(max_length=40, default="OPCC")
    reference_prefix = models.CharField(
        "decision reference prefix",
        max_length=20,
        default="WPCC",
        help_text="Used in the reference format as {prefix}, for example WPCC.",
    )
    term_number = models.PositiveSmallIntegerField(
        "current term number",
        default=4,
        help_text="Counts Police and Crime Commissioner terms; used as {term}.",
    )
    reference_format = models.CharField(
        "decision reference format",
        max_length=60,
        default="{prefix}{term}-{seq:04d}",
        help_text=(
            "Placeholders: {prefix}, {term}, {year} and {seq} (the sequence number, "
            "for example {seq:04d} for four digits). The sequence restarts whenever the "
            "text before it changes."
        ),
    )
    default_marking = models.CharField(
        "default security marking",
        max_length=20,
        choices=SecurityMarking.choices,
        default=SecurityMarking.OFFICIAL,
    )
    # Branding, printed on every PDF and the accessibility statement (prevent_compliance/
    # branding.py checks and sanitises the logo; the file is stored under a random name and
    # served only by the logo view, never from a media URL).
    logo = models.FileField(max_length=200, blank=True)
    logo_content_type = models.CharField("logo type", max_length=20, blank=True)
    logo_sha256 = models.CharField("logo SHA-256", max_length=64, blank=True)
    logo_original_name = models.CharField("logo file name", max_length=255, blank=True)
    address = models.TextField(
        "postal address", max_length=500, blank=True, help_text="One line for each line."
    )
    contact_email = models.EmailField("contact e-mail address", max_length=254, blank=True)
    telephone = models.CharField(
        "telephone number", max_length=30, blank=True, validators=[validate_telephone]
    )
    accessibility_prepared_on = models.DateField(
        "accessibility statement prepared on", null=True, blank=True
    )
    accessibility_reviewed_on = models.DateField(
        "accessibility statement last reviewed on", null=True, blank=True
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = "organisation profile"

    def __str__(self):
        return self.name

    def clean(self):
        self._clean_accessibility_dates()
        try:
            example = self.example_reference(year=2025, number=29)
        except ValidationError as exc:
            raise ValidationError({"reference_format": exc.messages}) from exc
        try:
            validate_reference(example)
        except ValidationError as exc:
            raise ValidationError(
                {
                    "reference_format": f"It would give references like “{example}”. "
                    + " ".join(exc.messages)
                }
            ) from exc

    def _clean_accessibility_dates(self):
        today = timezone.localdate()
        prepared, reviewed = self.accessibility_prepared_on, self.accessibility_reviewed_on
        errors = {}
        if prepared and prepared > today:
            errors["accessibility_prepared_on"] = (
                "The date the statement was prepared must be today or in the past"
            )
        if reviewed and reviewed > today:
            errors["accessibility_reviewed_on"] = (
                "The date the statement was last reviewed must be today or in the past"
            )
        elif reviewed and not prepared:
            errors["accessibility_prepared_on"] = (
                "Enter the date the statement was prepared, as it has been reviewed"
            )
        elif reviewed and prepared and reviewed < prepared:
            errors["accessibility_reviewed_on"] = (
                "The date the statement was last reviewed must be the same as or after "
                "the date it was prepared"
            )
        if errors:
            raise ValidationError(errors)

    @property
    def address_lines(self) -> list[str]:
        return [line.strip() for line in self.address.splitlines() if line.strip()]

    def reference_parts(self, *, year: int, month: int = 4) -> tuple[str, str, str]:
        """The reference format for a year (and month, for {fy}): (text before the number,
        its spec, text after)."""
        return split_reference_format(
            self.reference_format,
            prefix=self.reference_prefix,
            term=self.term_number,
            year=year,
            month=month,
        )

    def example_reference(self, *, year: int, number: int, month: int = 4) -> str:
        before, spec, after = self.reference_parts(year=year, month=month)
        return f"{before}{format(number, spec)}{after}"


CACHE_KEY = "organisation-profile"


def get_organisation() -> OrganisationProfile:
    """The single organisation profile, created with defaults on first use and cached.

    Cached in the configured cache (settings.CACHES), never in the process: in production
    every worker reads the same cache, so forget_organisation() after a change reaches them
    all at once. Reading the row instead costs a query on every page (two on some), which
    the query budget of the key pages (tests/perf) does not allow.
    """
    profile = cache.get(CACHE_KEY)
    if profile is None:
        profile = OrganisationProfile.objects.order_by("pk").first()
        if profile is None:
            profile = OrganisationProfile.objects.create()
        cache.set(CACHE_KEY, profile, 300)
    return profile


def forget_organisation() -> None:
    """Drop the cached profile after it changes, for every process sharing the cache."""
    cache.delete(CACHE_KEY)


# --- Accounts: role grants waiting for a second administrator, and the account audit trail ----


class RoleGrant(models.Model):
    """A signing role proposed for an account, given only when a second administrator confirms.

    The proposer and the account holder can never confirm it (``role_grant_confirm`` in
    prevent_compliance/accounts/services.py checks this, and so do the constraints below).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Waiting for a second administrator"
        CONFIRMED = "confirmed", "Confirmed"
        CANCELLED = "cancelled", "Cancelled"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="role_grants"
    )
    role = models.ForeignKey("auth.Group", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(max_length=200, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    decided_at = models.DateTimeField(null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "role grant"
        ordering = ["-proposed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["account", "role"],
                condition=models.Q(status="pending"),
                name="prevent_compliance_rolegrant_one_pending_per_role",
            ),
            models.CheckConstraint(
                condition=~models.Q(proposed_by=models.F("account")),
                name="prevent_compliance_rolegrant_not_proposed_by_holder",
            ),
            models.CheckConstraint(
                condition=models.Q(decided_by__isnull=True)
                | (
                    ~models.Q(decided_by=models.F("proposed_by"))
                    & ~models.Q(decided_by=models.F("account"))
                )
                | models.Q(status="cancelled"),
                name="prevent_compliance_rolegrant_confirmed_by_another",
            ),
        ]

    def __str__(self):
        return f"{self.role.name} for {self.account.get_username()}"


class AccountEvent(models.Model):
    """One change to an account's roles, password, status or authenticator app.

    Rows are only ever added; each has a history row, so it appears in the audit log with the
    person who made the change.
    """

    class Kind(models.TextChoices):
        ROLE_ADDED = "role_added", "Role given"
        ROLE_REMOVED = "role_removed", "Role taken away"
        PASSWORD_CHANGED = "password_changed", "Password changed"
        DEVICE_CONFIRMED = "device_confirmed", "Authenticator app set up"
        DEVICE_REMOVED = "device_removed", "Authenticator app removed"
        STATUS_CHANGED = "status_changed", "Account status changed"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="account_events"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    summary = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "account change"
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.summary


# --- Health: the background worker's heartbeat (prevent_compliance.health) ---------------------


class WorkerHeartbeat(models.Model):
    """When a background worker (``manage.py task_worker``) last said it was running.

    One row per worker process, written every minute; /healthz/ready reads the newest.
    """

    worker_id = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "worker heartbeat"

    def __str__(self):
        return f"worker {self.worker_id}, last seen {self.last_seen:%Y-%m-%d %H:%M:%S}"


# --- Notifications: the outbox and preferences (prevent_compliance/notifications/) ----------

from .notifications.models import (  # noqa: E402, F401  (this app's models, in their package)
    LastVisit,
    Notification,
    NotificationPreference,
)
