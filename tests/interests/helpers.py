"""Registers of interests for tests: a holder for a user, confirmed by them."""

from datetime import timedelta

from django.utils import timezone

from decisions.interests import services
from decisions.interests.models import Confirmation, Holder


def holder_for(user, *, name=None, kind=Holder.Kind.COMMISSIONER, slug=None) -> Holder:
    """The user's holder row (made straight in the database: test set-up, not the journey)."""
    holder, _ = Holder.objects.get_or_create(
        user=user,
        defaults={
            "slug": slug or user.get_username().replace(".", "-"),
            "name": name or (user.get_full_name() or user.get_username()),
            "role_title": Holder.Kind(kind).label,
            "kind": kind,
        },
    )
    return holder


def confirmed_register(user, *, days_ago: int = 0) -> Confirmation:
    """Give ``user`` a register confirmed by them (``days_ago`` days back)."""
    holder = holder_for(user)
    confirmation = services.register_confirm(actor=user, holder=holder, confirmed=True)
    if days_ago:
        # Back-date the confirmation as if it had been made then (its hash is kept: the
        # staleness check reads the date, and the hash is only compared with decisions).
        Confirmation.objects.filter(pk=confirmation.pk).update(
            confirmed_at=timezone.now() - timedelta(days=days_ago)
        )
        confirmation.refresh_from_db()
    return confirmation
