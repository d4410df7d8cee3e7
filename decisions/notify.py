"""Who is told about each decision step, and what their e-mail says.

Each workflow service calls ``decision_step`` once, inside its transaction, after the
decision is saved: the outbox rows (``prevent_compliance.notifications``) commit with the
step and the worker sends them afterwards. A message names the reference, the title
(never for a confidential or partly confidential record: "a confidential decision"), the
step and a link to the page where the reader's own step is taken. It never carries the
summary, supporting information, comments or reasons, so nothing confidential or
OFFICIAL-SENSITIVE can leave in an e-mail.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.contrib.auth import get_user_model
from django.urls import reverse

from prevent_compliance.models import Notification
from prevent_compliance.notifications import services as outbox
from prevent_compliance.roles import Role

from .models import Decision

if TYPE_CHECKING:
    from django.contrib.auth.models import User

Event = Notification.Event
CONFIDENTIAL_TITLE = "a confidential decision"


def title_for_mail(decision: Decision) -> str:
    """The title as an e-mail may show it: only a non-confidential record's own title."""
    if decision.confidentiality != Decision.Confidentiality.NON_CONFIDENTIAL:
        return CONFIDENTIAL_TITLE
    return f"“{decision.title}”"


def _with_roles(*roles: Role) -> list[User]:
    return list(
        get_user_model()
        .objects.filter(is_active=True, groups__name__in=[r.value for r in roles])
        .prefetch_related("groups")
        .distinct()
        .order_by("pk")
    )


def _creator(decision: Decision) -> list[User]:
    creator = decision.created_by
    return [creator] if creator is not None else []


def _holds(user: User, role: Role) -> bool:
    return any(group.name == role.value for group in user.groups.all())


# What the reader is told, and the page their link opens, by event.
STEP_TEXT: dict[str, str] = {
    Event.SUBMITTED: "has been submitted for consultation and needs your comments",
    Event.COMMENTED: "has new comments from the {by}",
    Event.APPROVED: "has been approved by the Chief Executive and is ready for your signature",
    Event.RETURNED: "has been returned to draft by the Chief Executive",
    Event.SIGNED: "has been signed by the Commissioner",
    Event.PUBLISHED: "has been published on the decision log",
    Event.WITHHELD: "has been listed on the decision log as withheld",
    Event.WITHDRAWN: "has been withdrawn",
    Event.REVIEW_SUBMITTED: "(the annual review) has been submitted and needs your comments",
    Event.REVIEW_SIGNED_OFF: (
        "(the annual review) has been signed, so the review period is signed off"
    ),
}
SUBJECT: dict[str, str] = {
    Event.SUBMITTED: "comments needed",
    Event.COMMENTED: "comments added",
    Event.APPROVED: "ready for your signature",
    Event.RETURNED: "returned to draft",
    Event.SIGNED: "signed",
    Event.PUBLISHED: "published",
    Event.WITHHELD: "listed as withheld",
    Event.WITHDRAWN: "withdrawn",
    Event.REVIEW_SUBMITTED: "annual review needs your comments",
    Event.REVIEW_SIGNED_OFF: "annual review signed off",
}


def _recipients(event: str, decision: Decision) -> list[User]:
    if event in (Event.SUBMITTED, Event.REVIEW_SUBMITTED):
        return _with_roles(Role.TREASURER, Role.CHIEF_EXECUTIVE)
    if event == Event.COMMENTED:
        people = _creator(decision)
        if decision.status == Decision.Status.AWAITING_APPROVAL:
            people += _with_roles(Role.CHIEF_EXECUTIVE)
        return people
    if event == Event.APPROVED:
        return _with_roles(Role.COMMISSIONER)
    if event == Event.RETURNED:
        return _creator(decision)
    if event == Event.SIGNED:
        return _creator(decision) + _with_roles(Role.CHIEF_EXECUTIVE)
    if event in (Event.PUBLISHED, Event.WITHHELD):
        return _creator(decision) + _with_roles(Role.CHIEF_EXECUTIVE, Role.COMMISSIONER)
    if event == Event.WITHDRAWN:
        return _creator(decision) + _with_roles(
            Role.TREASURER, Role.CHIEF_EXECUTIVE, Role.COMMISSIONER
        )
    if event == Event.REVIEW_SIGNED_OFF:
        return _with_roles(Role.CHIEF_EXECUTIVE, Role.OFFICER)
    raise ValueError(f"Unknown decision event {event!r}")


def _link(event: str, decision: Decision, reader: User) -> tuple[str, str]:
    """The page where this reader's part is, and what the link says."""
    ref = decision.url_key
    if event in (Event.SUBMITTED, Event.REVIEW_SUBMITTED):
        if _holds(reader, Role.TREASURER):
            return reverse("decisions:comment_treasurer", args=[ref]), "Add your comments"
        if _holds(reader, Role.CHIEF_EXECUTIVE):
            return reverse("decisions:comment_chief_executive", args=[ref]), "Add your comments"
    awaits_approval = decision.status == Decision.Status.AWAITING_APPROVAL
    if event == Event.COMMENTED and awaits_approval and _holds(reader, Role.CHIEF_EXECUTIVE):
        return reverse("decisions:approve", args=[ref]), "Approve or return it"
    if event == Event.APPROVED:
        return reverse("decisions:sign", args=[ref]), "Sign the decision"
    if event == Event.RETURNED:
        return reverse("decisions:detail", args=[ref]), "Read the reason and revise the draft"
    if event == Event.REVIEW_SIGNED_OFF and decision.review_period is not None:
        return decision.review_period.get_absolute_url(), "See the review period"
    return decision.get_absolute_url(), "See the decision"


def _message(event: str, decision: Decision, reader: User, by: str) -> outbox.Message:
    path, action = _link(event, decision, reader)
    context: dict[str, object] = {
        "name": reader.get_full_name() or reader.get_username(),
        "reference": decision.reference,
        "title": title_for_mail(decision),
        "step": STEP_TEXT[event].format(by=by),
        "action": action,
        "url": outbox.absolute_url(path),
        "preferences_url": outbox.absolute_url(reverse("notifications:preferences")),
    }
    return outbox.render_message(
        subject=f"{decision.reference}: {SUBJECT[event]}",
        template="notifications/email/step",
        context=context,
    )


def decision_step(
    *, event: str, decision: Decision, actor: User | None, by: str = ""
) -> list[Notification]:
    """Trusted, inside the step's transaction: tell the people the step concerns."""
    recipients: Iterable[User] = _recipients(event, decision)
    return outbox.notifications_queue(
        event=event,
        reference=decision.reference,
        recipients=recipients,
        message_for=lambda reader: _message(event, decision, reader, by),
        actor=actor,
    )
