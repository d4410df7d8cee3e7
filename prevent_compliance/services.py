"""Changes to the cross-cutting records of the project package (the organisation profile)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import models, transaction

from .models import OrganisationProfile, forget_organisation
from .rules import require
from .uploads import random_storage_name

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from .branding import CheckedLogo


def organisation_update(
    *,
    actor: User,
    profile: OrganisationProfile,
    logo: CheckedLogo | None = None,
    remove_logo: bool = False,
    **fields: Any,
) -> OrganisationProfile:
    """Change the organisation profile (Administrators only) and drop the cached copy.

    ``logo`` (from ``branding.validate_logo``) replaces the logo, ``remove_logo`` takes it
    away; earlier logo files are kept, so the profile's history still names real files.
    """
    require(actor, "prevent_compliance.change_organisationprofile")
    stored: list[str] = []
    try:
        with transaction.atomic():
            profile = OrganisationProfile.objects.select_for_update().get(pk=profile.pk)
            changed = {k: v for k, v in fields.items() if getattr(profile, k) != v}
            labels = [_label(k) for k in changed]
            if logo is not None and logo.sha256 != profile.logo_sha256:
                stored.append(_store_logo(profile, logo))
                labels.insert(0, "logo")
            elif remove_logo and profile.logo:
                profile.logo = ""
                profile.logo_content_type = profile.logo_sha256 = profile.logo_original_name = ""
                labels.insert(0, "logo (removed)")
            if not labels:
                return profile
            for key, value in changed.items():
                setattr(profile, key, value)
            profile.full_clean()
            _save_profile(profile, actor=actor, labels=labels)
    except BaseException:
        for name in stored:  # a refused change leaves no new file behind
            default_storage.delete(name)
        raise
    return profile


def _store_logo(profile: OrganisationProfile, logo: CheckedLogo) -> str:
    name = default_storage.save(
        random_storage_name("branding", logo.extension), ContentFile(logo.content)
    )
    profile.logo = name
    profile.logo_content_type = logo.content_type
    profile.logo_sha256 = logo.sha256
    profile.logo_original_name = logo.original_name
    return name


def _save_profile(profile: OrganisationProfile, *, actor: User, labels: list[str]) -> None:
    profile._history_user = actor  # type: ignore[attr-defined]
    reason = ("Changed " + ", ".join(labels))[:100]
    profile._change_reason = reason  # type: ignore[attr-defined]
    profile.save()
    forget_organisation()
    # Again after commit, in case another request cached the old row in between.
    transaction.on_commit(forget_organisation)


def _label(name: str) -> str:
    """The field's label, as the history's change reason names it."""
    # Every field the profile form changes is a column, never a relation.
    field = cast("models.Field[Any, Any]", OrganisationProfile._meta.get_field(name))
    return str(field.verbose_name)
