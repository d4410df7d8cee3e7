"""Daily digest e-mails: what each person needs to look at, sent at most once a day.

Providers give a user's reminder lines; the decisions app registers one for decisions
waiting for the user's step. Sending is a state change, so it is a service:
``toolkit.services.reminders_send`` records each digest in ReminderLog inside the same
transaction as its e-mail, so a second run on the same day sends nothing. This module holds
the reads and the message.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.db.models import Q, QuerySet

from prevent_compliance.roles import Role

from .models import Action, Evidence, ReviewPeriod

if TYPE_CHECKING:
    from django.contrib.auth.models import User

EVIDENCE_WINDOW_DAYS = 30
ACTION_WINDOW_DAYS = 14
PERIOD_WINDOW_DAYS = 30


@dataclass(frozen=True)
class Reminder:
    heading: str
    lines: list[str]


Provider = Callable[["User", date], list[Reminder]]
PROVIDERS: list[Provider] = []


def register_provider(provider: Provider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def _evidence(user: User, today: date) -> list[Reminder]:
    items = Evidence.objects.filter(
        added_by=user, review_by__lte=today + timedelta(days=EVIDENCE_WINDOW_DAYS)
    ).order_by("review_by", "title")
    lines = [
        f"{e.title}: review {'was due' if e.review_by < today else 'due'} {e.review_by:%d %B %Y}"
        for e in items
    ]
    return [Reminder("Evidence to review", lines)] if lines else []


def _actions(user: User, today: date) -> list[Reminder]:
    mine = Action.objects.live().filter(owner=user).order_by("due_date", "title")
    overdue = [f"{a.title}: was due {a.due_date:%d %B %Y}" for a in mine.filter(due_date__lt=today)]
    soon = [
        f"{a.title}: due {a.due_date:%d %B %Y}"
        for a in mine.filter(
            due_date__gte=today, due_date__lte=today + timedelta(days=ACTION_WINDOW_DAYS)
        )
    ]
    reminders = []
    if overdue:
        reminders.append(Reminder("Your overdue actions", overdue))
    if soon:
        reminders.append(Reminder(f"Your actions due in the next {ACTION_WINDOW_DAYS} days", soon))
    return reminders


def _review_period(user: User, today: date) -> list[Reminder]:
    if not user.groups.filter(name__in=[Role.OFFICER, Role.CHIEF_EXECUTIVE]).exists():
        return []
    current = ReviewPeriod.objects.current(today)
    if current is None or current.end_date < today:
        return [Reminder("Review period", ["No review period covers today: start the next one."])]
    if current.status == ReviewPeriod.Status.OPEN and current.end_date <= today + timedelta(
        days=PERIOD_WINDOW_DAYS
    ):
        ends = f"{current.end_date:%d %B %Y}"
        line = f"Review period {current.label} ends {ends}: the annual review is due."
        return [Reminder("Review period", [line])]
    if current.pending_guidance().exists():
        return [
            Reminder("Review period", [f"New guidance: re-confirm the ratings of {current.label}."])
        ]
    return []


register_provider(_evidence)
register_provider(_actions)
register_provider(_review_period)


def digest_for(user: User, today: date) -> list[Reminder]:
    return [reminder for provider in PROVIDERS for reminder in provider(user, today)]


def _body(user: User, reminders: list[Reminder]) -> str:
    name = user.get_full_name() or user.username
    parts = [f"Dear {name},", "", "These items in Prevent Compliance need your attention:", ""]
    for reminder in reminders:
        parts.append(reminder.heading)
        parts.extend(f"  - {line}" for line in reminder.lines)
        parts.append("")
    parts.append("You receive at most one of these e-mails a day.")
    return "\n".join(parts)


def recipients() -> QuerySet[User]:
    """Active users with a role and an e-mail address, in a fixed order."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[r.value for r in Role])
        .exclude(Q(email="") | Q(email__isnull=True))
        .distinct()
        .order_by("pk")
    )


def send_digest(user: User, reminders: list[Reminder], *, count: int) -> None:
    """E-mail one digest (the caller records it in ReminderLog in the same transaction)."""
    send_mail(
        subject=f"Prevent Compliance: {count} item{'s' if count != 1 else ''} need attention",
        message=_body(user, reminders),
        from_email=settings.DEFAULT_FROM_EMAIL,
        recipient_list=[user.email],
    )
