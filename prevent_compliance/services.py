"""Changes to the cross-cutting records of the project package (the organisation profile)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django.db import models, transaction

from .models import OrganisationProfile, forget_organisation
from .rules import require

if TYPE_CHECKING:
    from django.contrib.auth.models import User


def organisation_update(
    *, actor: User, profile: OrganisationProfile, **fields: Any
) -> OrganisationProfile:
    """Change the organisation profile (Administrators only) and drop the cached copy."""
    require(actor, "prevent_compliance.change_organisationprofile")
    with transaction.atomic():
        profile = OrganisationProfile.objects.select_for_update().get(pk=profile.pk)
        changed = {k: v for k, v in fields.items() if getattr(profile, k) != v}
        if not changed:
            return profile
        for key, value in changed.items():
            setattr(profile, key, value)
        profile.full_clean()
        labels = [_label(k) for k in changed]
        profile._history_user = actor  # type: ignore[attr-defined]
        profile._change_reason = "Changed " + ", ".join(labels)  # type: ignore[attr-defined]
        profile.save()
        forget_organisation()
        # Again after commit, in case another request cached the old row in between.
        transaction.on_commit(forget_organisation)
    return profile


def _label(name: str) -> str:
    """The field's label, as the history's change reason names it."""
    # Every field the profile form changes is a column, never a relation.
    field = cast("models.Field[Any, Any]", OrganisationProfile._meta.get_field(name))
    return str(field.verbose_name)
