"""The toolkit's part of "waiting for you" (``prevent_compliance.waiting``).

An officer's own overdue actions and the evidence they added that is due for review; an
auditor's latest audit packs. Registered by ``ToolkitConfig.ready()``; the registry reads
every kind in one query.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import F
from django.db.models.functions import TruncDate
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone

from prevent_compliance import waiting as registry
from prevent_compliance.roles import Role

from .models import Action, Evidence, ExportJob
from .reminders import EVIDENCE_WINDOW_DAYS

if TYPE_CHECKING:
    from prevent_compliance.waiting import Context, Part, Row, WaitingItem

# An auditor's audit packs finished within this many days are shown.
PACK_DAYS = 30


def _action(row: Row) -> WaitingItem:
    return registry.WaitingItem(
        text=row.text,
        url=reverse("toolkit:action_edit", args=[uuid.UUID(row.key)]),
        detail=f"Was due {row.day:%-d %B %Y}" if row.day else "",
    )


def _evidence(context: Context) -> Callable[[Row], WaitingItem]:
    def build(row: Row) -> WaitingItem:
        when = "was due" if row.day and row.day < context.today else "due"
        return registry.WaitingItem(
            text=row.text,
            url=reverse("toolkit:evidence_edit", args=[uuid.UUID(row.key)]),
            detail=f"Review {when} {row.day:%-d %B %Y}" if row.day else "",
        )

    return build


def _pack(row: Row) -> WaitingItem:
    return registry.WaitingItem(
        text=f"Audit pack for {row.text}",
        url=reverse("toolkit:export_detail", args=[uuid.UUID(row.key)]),
        detail=f"Ready since {row.day:%-d %B %Y}" if row.day else "",
    )


def waiting(context: Context) -> list[Part]:
    parts: list[Part] = []
    if Role.OFFICER in context.roles:
        overdue = Action.objects.overdue(context.today).filter(owner=context.user)
        parts.append(
            registry.Part(
                kind="overdue-actions",
                heading="Your overdue actions",
                queryset=overdue,
                order_by=("due_date", "pk"),
                key=F("public_id"),
                text=F("title"),
                day=F("due_date"),
                item=_action,
                more_url=f"{reverse('toolkit:action_list')}?overdue=yes&owner={context.user.pk}",
            )
        )
        due = Evidence.objects.filter(
            added_by=context.user,
            review_by__lte=context.today + timedelta(days=EVIDENCE_WINDOW_DAYS),
        )
        parts.append(
            registry.Part(
                kind="evidence-review",
                heading="Your evidence due for review",
                queryset=due,
                order_by=("review_by", "pk"),
                key=F("public_id"),
                text=F("title"),
                day=F("review_by"),
                item=_evidence(context),
                more_url=reverse("toolkit:evidence_list"),
            )
        )
    if Role.AUDITOR in context.roles:
        packs = ExportJob.objects.filter(
            requested_by=context.user,
            kind=ExportJob.Kind.AUDIT_PACK,
            status=ExportJob.Status.READY,
            finished_at__gte=timezone.now() - timedelta(days=PACK_DAYS),
        )
        parts.append(
            registry.Part(
                kind="audit-packs",
                heading="Your latest audit packs",
                queryset=packs,
                order_by=("-finished_at", "-pk"),
                key=F("public_id"),
                text=F("period__label"),
                day=TruncDate("finished_at"),
                item=_pack,
                more_url=reverse("toolkit:period_list"),
                live=True,  # "within 30 days" moves with the clock, not only the date
            )
        )
    return parts


def register() -> None:
    """Called from ToolkitConfig.ready(): the provider, and panels and counts dropped on
    every change to what it reads."""
    registry.register(waiting, order=200)
    for model in (Action, Evidence, ExportJob):
        for signal in (post_save, post_delete):
            signal.connect(registry.forget, sender=model, dispatch_uid=f"waiting-{model.__name__}")
