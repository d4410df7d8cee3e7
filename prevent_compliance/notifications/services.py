"""Writes about notifications: the outbox rows of a step, sending them, digests, preferences.

``notifications_queue`` is trusted: a workflow service calls it inside its own transaction,
after its own permission check, so the outbox rows commit (or roll back) with the step. The
e-mails themselves are only sent by the worker, after the commit, never in the request: a
mail server that is down delays a message but never blocks or undoes a step.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_tasks.exceptions import InvalidTaskError

from prevent_compliance import waiting
from prevent_compliance.rules import require

from . import rules as _rules  # noqa: F401  (registers the preference permission)
from . import selectors
from .models import Delivery, LastVisit, Notification, NotificationPreference
from .tasks import send_notification

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
# Minutes to wait after the first, second, third… failed attempt.
BACKOFF_MINUTES = (1, 5, 30, 120)
# An immediate e-mail still queued this long after it was due was lost by the worker.
STALE_AFTER = timedelta(minutes=15)
Status = Notification.Status


@dataclass(frozen=True)
class Message:
    """What one recipient is told: no confidential content, never comment text."""

    subject: str
    body: str
    body_html: str
    url: str


def absolute_url(path: str) -> str:
    """A link for an e-mail: the path on the service's own address (settings.SITE_URL)."""
    return f"{settings.SITE_URL}{path}"


def render_message(*, subject: str, template: str, context: dict[str, object]) -> Message:
    """Render ``<template>.txt`` and ``<template>.html`` with the context (which needs ``url``)."""
    return Message(
        subject=subject,
        body=render_to_string(f"{template}.txt", context).strip() + "\n",
        body_html=render_to_string(f"{template}.html", context),
        url=str(context["url"]),
    )


def _reachable(user: User) -> bool:
    if not user.is_active or not user.email:
        return False
    try:
        validate_email(user.email)
    except Exception:
        return False
    return True


def notifications_queue(
    *,
    event: str,
    reference: str,
    recipients: Iterable[User],
    message_for: Callable[[User], Message],
    actor: User | None = None,
) -> list[Notification]:
    """Trusted: write one outbox row per recipient in the caller's transaction and have the
    worker send the immediate ones once it commits. The actor is never told of their own
    step; users who are inactive or have no e-mail address are skipped."""
    people = {u.pk: u for u in recipients if _reachable(u) and (actor is None or u.pk != actor.pk)}
    deliveries = selectors.deliveries_for(people.values())
    queued = []
    for pk, person in sorted(people.items()):
        message = message_for(person)
        notification = Notification(
            recipient=person,
            event=event,
            reference=reference,
            subject=message.subject[:200],
            body=message.body,
            body_html=message.body_html,
            url=message.url,
            delivery=deliveries[pk],
        )
        notification.full_clean()
        notification.save()
        if notification.delivery == Delivery.IMMEDIATE:
            transaction.on_commit(functools.partial(_enqueue, notification.pk))
        queued.append(notification)
    # Whatever the step was, somebody's "waiting for you" changed.
    transaction.on_commit(waiting.forget)
    return queued


def _enqueue(notification_id: int, *, run_after: datetime | None = None) -> None:
    if run_after is None:
        send_notification.enqueue(notification_id)
        return
    try:
        send_notification.using(run_after=run_after).enqueue(notification_id)
    except InvalidTaskError:  # a backend that cannot wait (immediate): try again now
        send_notification.enqueue(notification_id)


def _email(recipient: User, subject: str, body: str, body_html: str) -> None:
    mail = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[recipient.email],
    )
    if body_html:
        mail.attach_alternative(body_html, "text/html")
    mail.send(fail_silently=False)


def _backoff(attempts: int) -> timedelta:
    return timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def notification_send(*, notification_id: int) -> str:
    """The worker's send: e-mail a queued immediate notification once; on failure record the
    error and schedule another attempt later, until MAX_ATTEMPTS, then mark it failed (the
    row is kept). The row is locked, so two workers never send the same e-mail."""
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .select_related("recipient")
            .filter(pk=notification_id)
            .first()
        )
        if notification is None or notification.status != Status.QUEUED:
            return notification.status if notification else "missing"
        if notification.delivery != Delivery.IMMEDIATE:
            return notification.status  # the digest sends it
        now = timezone.now()
        if not _reachable(notification.recipient):
            notification.status = Status.FAILED
            notification.last_error = "The recipient has no e-mail address or is inactive."
            notification.save()
            logger.error("Notification %s not sent: no usable address", notification.pk)
            return notification.status
        notification.attempts += 1
        try:
            _email(
                notification.recipient,
                notification.subject,
                notification.body,
                notification.body_html,
            )
        except Exception as exc:
            notification.last_error = f"{type(exc).__name__}: {exc}"[:1000]
            if notification.attempts >= MAX_ATTEMPTS:
                notification.status = Status.FAILED
                logger.error(
                    "Notification %s failed after %s attempts: %s",
                    notification.pk,
                    notification.attempts,
                    notification.last_error,
                )
            else:
                notification.next_attempt_at = now + _backoff(notification.attempts)
                logger.warning(
                    "Notification %s attempt %s failed, retrying at %s: %s",
                    notification.pk,
                    notification.attempts,
                    notification.next_attempt_at.isoformat(),
                    notification.last_error,
                )
                when = notification.next_attempt_at
                transaction.on_commit(lambda: _enqueue(notification_id, run_after=when))
        else:
            notification.status = Status.SENT
            notification.sent_at = now
            notification.last_error = ""
        notification.save()
        return notification.status


def notifications_requeue_stale(*, now: datetime | None = None) -> int:
    """Queue again any immediate e-mail still waiting well after it was due (a worker that
    died mid-job, a lost task): nothing queued is ever forgotten. Returns how many."""
    now = now or timezone.now()
    stale = list(
        Notification.objects.filter(status=Status.QUEUED, delivery=Delivery.IMMEDIATE)
        .filter(created_at__lte=now - STALE_AFTER)
        .exclude(next_attempt_at__gt=now - STALE_AFTER)
        .values_list("pk", flat=True)
    )
    for pk in stale:
        _enqueue(pk)
    return len(stale)


@dataclass(frozen=True)
class DigestResult:
    sent: int = 0
    skipped: int = 0
    failed: int = 0


def digests_send(*, today: date | None = None) -> DigestResult:
    """One e-mail per user per day with every queued digest item (``manage.py send_digests``).

    Each user's digest is its own transaction: its items are marked sent with it, or, if
    the mail server refuses it, stay queued with the error for the next run.
    """
    today = today or timezone.localdate()
    recipient_ids = (
        Notification.objects.filter(status=Status.QUEUED, delivery=Delivery.DIGEST)
        .values_list("recipient_id", flat=True)
        .distinct()
        .order_by("recipient_id")
    )
    sent = skipped = failed = 0
    for recipient_id in list(recipient_ids):
        outcome = _digest_send_one(recipient_id, today)
        sent += outcome == "sent"
        skipped += outcome == "skipped"
        failed += outcome == "failed"
    return DigestResult(sent=sent, skipped=skipped, failed=failed)


def _digest_send_one(recipient_id: int, today: date) -> str:
    with transaction.atomic():
        preference, _ = NotificationPreference.objects.select_for_update().get_or_create(
            user_id=recipient_id
        )
        if preference.digest_sent_on == today:
            return "skipped"
        recipient = preference.user
        items = list(selectors.queued_digest_items(recipient).select_for_update())
        if not items:
            return "skipped"
        now = timezone.now()
        if not _reachable(recipient):
            for item in items:
                item.status, item.last_error = Status.FAILED, "No usable e-mail address."
                item.save()
            return "failed"
        count = len(items)
        context = {
            "recipient": recipient,
            "items": items,
            "today": today,
            "count": count,
            "preferences_url": absolute_url(reverse("notifications:preferences")),
        }
        subject = f"Prevent Compliance: {count} step{'s' if count != 1 else ''} today"
        try:
            _email(
                recipient,
                subject,
                render_to_string("notifications/email/digest.txt", context).strip() + "\n",
                render_to_string("notifications/email/digest.html", context),
            )
        except Exception as exc:
            error = f"{type(exc).__name__}: {exc}"[:1000]
            logger.warning(
                "Digest for user %s failed, kept for the next run: %s", recipient_id, error
            )
            for item in items:
                item.attempts += 1
                item.last_error = error
                item.save()
            return "failed"
        for item in items:
            item.attempts += 1
            item.status, item.sent_at, item.last_error = Status.SENT, now, ""
            item.save()
        # Not a choice the user made, so no history row: update() writes none.
        NotificationPreference.objects.filter(pk=preference.pk).update(digest_sent_on=today)
        return "sent"


def notification_preference_set(*, actor: User, delivery: str) -> NotificationPreference:
    """The signed-in user chooses immediate e-mails or a daily digest, for themselves only."""
    require(actor, "prevent_compliance.change_own_notifications")
    with transaction.atomic():
        preference = NotificationPreference.objects.select_for_update().filter(
            user=actor
        ).first() or NotificationPreference(user=actor)
        if preference.pk is not None and preference.delivery == delivery:
            return preference
        preference.delivery = delivery
        preference.full_clean()
        preference._history_user = actor  # type: ignore[attr-defined]
        preference._change_reason = (  # type: ignore[attr-defined]
            f"E-mails about steps: {preference.get_delivery_display().lower()}"
        )
        preference.save()
    return preference


def visit_record(*, user: User, at: datetime | None = None) -> None:
    """Remember that the user opened their dashboard. After VISIT_GAP without a view, a new
    visit begins: what was signed since the last view is what is new. No history: this is
    not a change to a record."""
    at = at or timezone.now()
    visit = LastVisit.objects.filter(user=user).first()
    if visit is None:
        LastVisit.objects.create(user=user, since=at - LastVisit.FIRST_VISIT, seen_at=at)
    elif at - visit.seen_at > LastVisit.VISIT_GAP:
        LastVisit.objects.filter(pk=visit.pk).update(since=visit.seen_at, seen_at=at)
    else:
        LastVisit.objects.filter(pk=visit.pk).update(seen_at=at)
    waiting.forget_user(user)
