"""The organisation profile: one row describing the OPCC that runs this instance."""

from django.core.cache import cache
from django.db import models
from simple_history.models import HistoricalRecords


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

    history = HistoricalRecords()

    class Meta:
        verbose_name = "organisation profile"

    def __str__(self):
        return self.name


CACHE_KEY = "organisation-profile"


def get_organisation() -> OrganisationProfile:
    """The single organisation profile, created with defaults on first use and cached."""
    profile = cache.get(CACHE_KEY)
    if profile is None:
        profile = OrganisationProfile.objects.order_by("pk").first()
        if profile is None:
            profile = OrganisationProfile.objects.create()
        cache.set(CACHE_KEY, profile, 300)
    return profile


def forget_organisation() -> None:
    """Drop the cached profile after it changes."""
    cache.delete(CACHE_KEY)
