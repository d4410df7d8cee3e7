"""Changes to the cross-cutting records of the project package (the organisation profile)."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from .models import OrganisationProfile, forget_organisation
from .roles import is_administrator


def organisation_update(*, actor, profile: OrganisationProfile, **fields) -> OrganisationProfile:
    """Change the organisation profile (Administrators only) and drop the cached copy."""
    if not is_administrator(actor):
        raise PermissionDenied("Only an administrator can change the organisation profile.")
    with transaction.atomic():
        profile = OrganisationProfile.objects.select_for_update().get(pk=profile.pk)
        changed = {k: v for k, v in fields.items() if getattr(profile, k) != v}
        if not changed:
            return profile
        for key, value in changed.items():
            setattr(profile, key, value)
        profile.full_clean()
        profile._history_user = actor
        profile._change_reason = "Changed " + ", ".join(
            str(OrganisationProfile._meta.get_field(k).verbose_name) for k in changed
        )
        profile.save()
        forget_organisation()
        # Again after commit, in case another request cached the old row in between.
        transaction.on_commit(forget_organisation)
    return profile
