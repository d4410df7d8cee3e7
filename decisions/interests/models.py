"""The register of interests of the Commissioner, the Deputy and senior staff, and the
register of gifts and hospitality offered to them.

The Elected Local Policing Bodies (Specified Information) Order 2011 asks the office to
publish a register of interests of its office holders (every paid employment or office and
other pecuniary interest) and each offer of a gift or hospitality, accepted or refused. The
categories below are the ones offices publish. Personal addresses are never kept: land and
property is described in general terms only (``validators.no_address``).

A confirmation is the holder's dated statement that their register is complete and up to
date. It stores a snapshot of the public entries and a SHA-256 of it (the "register
version"); it is never changed after it is made. A signed decision records the confirmation
it was signed against (``Decision.signed_register_version``).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from .validators import no_address

MAX_VALUE = Decimal("1000000.00")


class Holder(models.Model):
    """Someone whose interests the office publishes: an office holder or a senior officer."""

    class Kind(models.TextChoices):
        COMMISSIONER = "commissioner", "Police and Crime Commissioner"
        DEPUTY = "deputy", "Deputy Police and Crime Commissioner"
        SENIOR = "senior", "Senior staff"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    slug = models.SlugField(
        "web address name",
        max_length=80,
        unique=True,
        help_text="Used in the public web address, for example jane-smith.",
    )
    name = models.CharField("published name", max_length=200)
    role_title = models.CharField("role title", max_length=200)
    kind = models.CharField("kind of holder", max_length=20, choices=Kind.choices)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="interests_holder",
        verbose_name="user account",
        help_text="Their account in this app: only they can confirm their register.",
    )
    active = models.BooleanField(
        default=True, help_text="Only active holders are listed on the public register."
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["kind", "name", "pk"]

    def __str__(self):
        return f"{self.name}, {self.role_title}"

    def get_absolute_url(self):
        return reverse("interests:holder_detail", args=[self.slug])

    def get_public_url(self):
        return reverse("interests:public_person", args=[self.slug])


class Interest(models.Model):
    """One entry on a holder's register."""

    class Category(models.TextChoices):
        EMPLOYMENT = "employment", "Employment, office, trade, profession or vocation"
        BUSINESS = "business", "Business interests, directorships and shareholdings"
        CONTRACTS = "contracts", "Contracts with the office"
        LAND = "land", "Land and property"
        MEMBERSHIPS = "memberships", "Membership of bodies, organisations and trade unions"
        SPONSORSHIP = "sponsorship", "Sponsorship"
        OTHER = "other", "Other interests"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="interests")
    category = models.CharField(max_length=20, choices=Category.choices)
    organisation = models.CharField(
        "organisation or body",
        max_length=200,
        blank=True,
        help_text="The employer, company, body or sponsor, if there is one. Used to find "
        "decisions that name it.",
    )
    description = models.TextField(
        "description",
        max_length=2000,
        validators=[MaxLengthValidator(2000), no_address],
        help_text="What the public register says. For land and property give a general "
        "description only (for example 'a house in Leamington Spa'), never an address.",
    )
    start_date = models.DateField("start date")
    end_date = models.DateField("end date", null=True, blank=True)
    internal_note = models.TextField(
        "internal note",
        max_length=2000,
        blank=True,
        validators=[MaxLengthValidator(2000)],
        help_text="Never published.",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["category", "-start_date", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="interests_interest_ends_after_start",
            ),
        ]

    def __str__(self):
        return f"{self.get_category_display()}: {self.organisation or self.description[:60]}"

    @property
    def is_current(self) -> bool:
        return self.end_date is None


class Confirmation(models.Model):
    """The holder's dated statement that their register is complete: a register version.

    Made once, by the holder, and never changed: ``entries`` holds the public fields of every
    entry at that moment and ``content_hash`` their SHA-256 (``services.register_snapshot``).
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="confirmations")
    number = models.PositiveIntegerField("version")
    confirmed_at = models.DateTimeField("confirmed at")
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    statement = models.CharField(max_length=300)
    entries = models.JSONField("entries at confirmation", default=list, blank=True)
    content_hash = models.CharField("SHA-256 of the entries", max_length=64)

    class Meta:
        ordering = ["holder", "-number"]
        get_latest_by = "number"
        constraints = [
            models.UniqueConstraint(
                fields=["holder", "number"], name="interests_confirmation_unique_number"
            ),
        ]

    def __str__(self):
        return f"{self.holder.name}: version {self.number}, confirmed {self.confirmed_at:%d %B %Y}"

    def get_public_url(self):
        return reverse("interests:public_version", args=[self.holder.slug, self.number])


class Gift(models.Model):
    """An offer of a gift or hospitality to a holder, accepted or declined."""

    class Kind(models.TextChoices):
        GIFT = "gift", "Gift"
        HOSPITALITY = "hospitality", "Hospitality"

    class Outcome(models.TextChoices):
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    holder = models.ForeignKey(Holder, on_delete=models.PROTECT, related_name="gifts")
    offered_on = models.DateField("date offered")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.GIFT)
    giver = models.CharField("from whom", max_length=200)
    description = models.TextField(
        "what was offered", max_length=2000, validators=[MaxLengthValidator(2000)]
    )
    value = models.DecimalField(
        "estimated value (£)",
        max_digits=9,
        decimal_places=2,
        validators=[
            MinValueValidator(Decimal("0.00"), "The estimated value cannot be negative"),
            MaxValueValidator(MAX_VALUE, "The estimated value must be £1,000,000 or less"),
        ],
    )
    outcome = models.CharField("accepted or declined", max_length=10, choices=Outcome.choices)
    reason = models.TextField("reason", max_length=2000, validators=[MaxLengthValidator(2000)])
    internal_note = models.TextField(
        "internal note", max_length=2000, blank=True, validators=[MaxLengthValidator(2000)]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["-offered_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(value__gte=0), name="interests_gift_value_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["value", "offered_on"], name="interests_gift_value_date")]

    def __str__(self):
        return f"{self.get_kind_display()} from {self.giver} ({self.offered_on:%d %B %Y})"
