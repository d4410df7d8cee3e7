"""Reads about notifications: a user's choice and their recent e-mails."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet

from .models import Delivery, Notification, NotificationPreference

if TYPE_CHECKING:
    from collections.abc import Iterable

    from django.contrib.auth.models import User


def delivery_for(user: User) -> str:
    """Immediate unless the user has chosen the daily digest."""
    choice = (
        NotificationPreference.objects.filter(user=user).values_list("delivery", flat=True).first()
    )
    return choice or Delivery.IMMEDIATE


def deliveries_for(users: Iterable[User]) -> dict[int, str]:
    """Each user's choice, in one query; users who never chose get immediate."""
    ids = [user.pk for user in users]
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids).values_list("user_id", "delivery")
    )
    return {pk: chosen.get(pk, Delivery.IMMEDIATE) for pk in ids}


def queued_digest_items(user: User) -> QuerySet[Notification]:
    return Notification.objects.filter(
        recipient=user, status=Notification.Status.QUEUED, delivery=Delivery.DIGEST
    ).order_by("created_at", "pk")


def recent_for(user: User, limit: int = 10) -> list[Notification]:
    """The user's latest e-mails, newest first (the preferences page lists them)."""
    return list(Notification.objects.filter(recipient=user).order_by("-created_at", "-pk")[:limit])
