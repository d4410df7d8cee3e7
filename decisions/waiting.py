"""Whose step a decision is at, and the decision steps waiting for a user.

``whose_step`` answers from the status and the comment fields alone, so the staff list
can show it without another query. ``waiting`` is the decisions app's provider for the
"waiting for you" panel and the navigation count (``prevent_compliance.waiting``),
registered by ``DecisionsConfig.ready()``: it describes each kind as a queryset, and the
registry reads them all in one query.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Concat, ExtractYear
from django.db.models.signals import post_delete, post_save
from django.urls import reverse
from django.utils import timezone

from prevent_compliance import waiting as registry
from prevent_compliance.models import LastVisit
from prevent_compliance.roles import Role
from toolkit.models import ReviewPeriod

from .models import REGISTER_MARK, Decision

if TYPE_CHECKING:
    from prevent_compliance.waiting import Context, Part, Row, WaitingItem

Status = Decision.Status
# The Chief Executive is reminded of the annual review from this long before the period ends.
REVIEW_DUE_DAYS = 30

# The step's owner by status (consultation and draft depend on more than the status).
_BY_STATUS: dict[str, str] = {
    Status.AWAITING_APPROVAL: "Chief Executive to approve",
    Status.AWAITING_SIGNATURE: "Commissioner to sign",
    Status.DEFERRED: "Officer to rework",
}


def whose_step(decision: Decision) -> str:
    """Who takes the next step, in words ("Treasurer to comment"); empty once it is done."""
    status = decision.status
    if status == Status.DRAFT:
        return "Officer to revise" if decision.status_note else "Officer to submit"
    if status == Status.CONSULTATION:
        missing = [
            who
            for who, done in (
                ("Treasurer", decision.treasurer_commented_at),
                ("Chief Executive", decision.chief_executive_commented_at),
            )
            if not done
        ]
        return f"{' and '.join(missing)} to comment" if missing else "Chief Executive to approve"
    if status == Status.SIGNED:
        return "Officer to record as withheld" if decision.is_confidential else "Officer to publish"
    return _BY_STATUS.get(status, "")


# The fields whose_step reads: lists that show it load these.
WHOSE_STEP_FIELDS = (
    "status",
    "status_note",
    "confidentiality",
    "treasurer_commented_at",
    "chief_executive_commented_at",
)


def whose_step_q(role: str) -> Q:
    """The decisions at a step of this role (``Role`` value): for a "whose step" filter."""
    steps: dict[str, Q] = {
        Role.TREASURER: Q(status=Status.CONSULTATION, treasurer_commented_at__isnull=True),
        Role.CHIEF_EXECUTIVE: Q(status=Status.CONSULTATION, chief_executive_commented_at=None)
        | Q(status=Status.AWAITING_APPROVAL),
        Role.COMMISSIONER: Q(status=Status.AWAITING_SIGNATURE),
        Role.OFFICER: Q(status__in=[Status.DRAFT, Status.DEFERRED, Status.SIGNED]),
    }
    return steps.get(role, Q(pk__in=[]))


# --- The "waiting for you" provider ---------------------------------------------------------

# Decision.url_key in SQL: the reference, or "~<register>/<reference>" for a register's record.
URL_KEY = Case(
    When(register="", then=F("reference")),
    default=Concat(Value(REGISTER_MARK), F("register"), Value("/"), F("reference")),
    output_field=CharField(),
)


def _list_url(**params: str) -> str:
    query = "&".join(f"{key}={value}" for key, value in params.items())
    return f"{reverse('decisions:list')}?{query}"


def _item(route: str, detail: str) -> Callable[[Row], WaitingItem]:
    def build(row: Row) -> WaitingItem:
        dated = f"{row.day:%-d %B %Y}" if row.day else "undated"
        return registry.WaitingItem(
            text=row.text,
            url=reverse(route, args=[row.key]),
            detail=detail.format(date=dated),
        )

    return build


def _part(
    kind: str, heading: str, queryset: QuerySet[Decision], route: str, detail: str, more: str
) -> Part:
    return registry.Part(
        kind=kind,
        heading=heading,
        queryset=queryset,
        order_by=("decision_date", "pk"),
        key=URL_KEY,
        text=Concat(F("reference"), Value(": "), F("title"), output_field=CharField()),
        day=F("decision_date"),
        item=_item(route, detail),
        more_url=more,
    )


def _review_to_submit(context: Context) -> Part:
    """Open periods ending within REVIEW_DUE_DAYS (or ended) with no review in sign-off."""
    in_progress = Decision.objects.filter(
        review_period=OuterRef("pk"), status__in=Decision.IN_PROGRESS_STATES
    )
    periods = ReviewPeriod.objects.filter(
        status=ReviewPeriod.Status.OPEN,
        end_date__lte=context.today + timedelta(days=REVIEW_DUE_DAYS),
    ).filter(~Exists(in_progress))

    def build(row: Row) -> WaitingItem:
        return registry.WaitingItem(
            text=f"Submit the annual review for {row.text}",
            url=reverse("decisions:annual_review_submit", args=[int(row.key)]),
            detail=f"The period ends {row.day:%-d %B %Y}" if row.day else "",
        )

    return registry.Part(
        kind="annual-review",
        heading="Annual review to submit",
        queryset=periods,
        order_by=("start_date", "pk"),
        key=ExtractYear("start_date"),
        text=F("label"),
        day=F("end_date"),
        item=build,
        more_url=reverse("toolkit:period_list"),
    )


def _signed_since_last_visit(context: Context) -> Part:
    since = Coalesce(
        Subquery(LastVisit.objects.filter(user=context.user).values("since")[:1]),
        timezone.now() - LastVisit.FIRST_VISIT,
    )
    signed = (
        Decision.objects.filter(status__in=Decision.SEALED_STATES)
        .alias(since=since)
        .filter(signed_at__gt=F("since"))
    )
    part = _part(
        "signed-since",
        "Signed since your last visit",
        signed,
        "decisions:detail",
        "Dated {date}",
        _list_url(status=Status.SIGNED),
    )
    # Live: the last visit moves without a change to any decision.
    return registry.Part(**{**part.__dict__, "order_by": ("-signed_at", "-pk"), "live": True})


def waiting(context: Context) -> list[Part]:
    """Every kind of decision step that may wait for this user, by their roles."""
    roles = context.roles
    in_consultation = Decision.objects.filter(status=Status.CONSULTATION)
    consultation_list = _list_url(status=Status.CONSULTATION)
    parts = []
    if Role.TREASURER in roles:
        parts.append(
            _part(
                "comment-treasurer",
                "Decisions waiting for your comments",
                in_consultation.filter(treasurer_commented_at__isnull=True),
                "decisions:comment_treasurer",
                "In consultation; dated {date}",
                consultation_list,
            )
        )
    if Role.CHIEF_EXECUTIVE in roles:
        parts.append(
            _part(
                "comment-chief-executive",
                "Decisions waiting for your comments",
                in_consultation.filter(chief_executive_commented_at__isnull=True),
                "decisions:comment_chief_executive",
                "In consultation; dated {date}",
                consultation_list,
            )
        )
        parts.append(
            _part(
                "approve",
                "Decisions waiting for your approval",
                # Not the annual review this user submitted: separation of duties refuses
                # them at the approve page (annual_review.before_approve).
                Decision.objects.filter(status=Status.AWAITING_APPROVAL).exclude(
                    review_period__isnull=False, created_by=context.user
                ),
                "decisions:approve",
                "Consultation complete; dated {date}",
                _list_url(status=Status.AWAITING_APPROVAL),
            )
        )
        parts.append(_review_to_submit(context))
    if Role.COMMISSIONER in roles:
        parts.append(
            _part(
                "sign",
                "Decisions waiting for your signature",
                Decision.objects.filter(status=Status.AWAITING_SIGNATURE),
                "decisions:sign",
                "Approved by the Chief Executive; dated {date}",
                _list_url(status=Status.AWAITING_SIGNATURE),
            )
        )
    if Role.OFFICER in roles:
        returned = Decision.objects.filter(status=Status.DRAFT, created_by=context.user).exclude(
            status_note=""
        )
        parts.append(
            _part(
                "returned",
                "Decisions returned to you",
                returned,
                "decisions:detail",  # the reason, and every page of the revision, start here
                "Returned to draft: read the reason and revise it; dated {date}",
                _list_url(status=Status.DRAFT),
            )
        )
    if Role.AUDITOR in roles:
        parts.append(_signed_since_last_visit(context))
    return parts


def forget_after_save(
    sender: type[Decision], instance: Decision, created: bool, **kwargs: object
) -> None:
    """post_save: a decision changed, so may everyone's count; a new draft waits for nobody."""
    if created and instance.status == Status.DRAFT:
        return
    registry.forget()


def register() -> None:
    """Called from DecisionsConfig.ready(): the provider, and panels and counts dropped on
    each change to what it reads (the annual review's part reads the review periods)."""
    registry.register(waiting)
    post_save.connect(forget_after_save, sender=Decision, dispatch_uid="waiting-decision")
    post_delete.connect(registry.forget, sender=Decision, dispatch_uid="waiting-decision-gone")
    for signal in (post_save, post_delete):
        signal.connect(registry.forget, sender=ReviewPeriod, dispatch_uid="waiting-ReviewPeriod")
