"""About 1,000 actions a unit: a few through the service, the rest in bulk per period."""

from __future__ import annotations

from datetime import date, timedelta

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from prevent_compliance.roles import Role
from toolkit import services as toolkit_services
from toolkit.models import Action, ActionStatus, ReviewPeriod

from .common import REASON, SERVICE_RECORDS, Progress, Unit, history_ids, link_m2m

# Status weights: the current period is still being worked on; past ones are mostly closed.
CURRENT_STATUSES = (
    [ActionStatus.OPEN, ActionStatus.IN_PROGRESS, ActionStatus.DONE, ActionStatus.CANCELLED],
    [40, 30, 20, 10],
)
PAST_STATUSES = ([ActionStatus.DONE, ActionStatus.CANCELLED, ActionStatus.OPEN], [85, 10, 5])


def _through_service(unit: Unit, current: ReviewPeriod, sections, today: date) -> None:
    officers = unit.users[Role.OFFICER]
    for i in range(SERVICE_RECORDS):
        toolkit_services.action_create(
            actor=officers[0],
            period=current,
            title=f"Unit {unit.number} service action {i}",
            description="Raised through the service.",
            section=sections[i],
            owner=officers[1],
            due_date=today + timedelta(days=30 * (i - 1)),
            status=ActionStatus.OPEN,
            priority="high",
        )


def _status_and_due(unit: Unit, period: ReviewPeriod, is_current: bool, today: date):
    rng = unit.rng
    due = period.start_date + timedelta(days=rng.randrange(30, 360))
    if not is_current:
        return rng.choices(*PAST_STATUSES)[0], due
    status = rng.choices(*CURRENT_STATUSES)[0]
    return status, today + timedelta(days=rng.randrange(-90, 200))


def _plan(unit: Unit, periods, index: int, n: int, sections, criteria, today: date):
    """An unsaved action and the periods it belongs to (a live one is carried forward)."""
    rng = unit.rng
    period = periods[index]
    owners = (
        unit.users[Role.OFFICER] + unit.users[Role.CHIEF_EXECUTIVE] + unit.users[Role.TREASURER]
    )
    section = rng.choice(sections)
    status, due = _status_and_due(unit, period, period is periods[-1], today)
    action = Action(
        period=period,
        title=f"Action {unit.number}-{index}-{n}: improve section {section.number}",
        description="Generated action for the scale benchmark.",
        section=section,
        criterion=rng.choice(criteria[section.pk]) if rng.random() < 0.5 else None,
        owner=rng.choice(owners),
        due_date=due,
        priority=rng.choice(["high", "medium", "low"]),
        status=status,
        completed_on=min(due, today) if status == ActionStatus.DONE else None,
        progress_notes="Progress recorded." if status != ActionStatus.OPEN else "",
        created_by=rng.choice(unit.users[Role.OFFICER]),
        version=1,
    )
    return action, [period] + (periods[index + 1 :] if status in Action.LIVE_STATES else [])


def _write(planned: list[tuple[Action, list[ReviewPeriod]]], author) -> None:
    created = bulk_create_with_history(
        [action for action, _ in planned],
        Action,
        batch_size=500,
        default_user=author,
        default_change_reason=REASON,
    )
    history = history_ids(Action, [a.pk for a in created])
    links = [(a.pk, p.pk) for a, (_, linked) in zip(created, planned, strict=True) for p in linked]
    link_m2m(Action, "periods", links, history)


def add_actions(unit: Unit, periods, sections, criteria, progress: Progress) -> None:
    """The unit's actions spread evenly over the periods, in every status."""
    per_period = unit.sizes["actions"] // len(periods)
    today = timezone.localdate()
    _through_service(unit, periods[-1], sections, today)
    for index, period in enumerate(periods):
        count = per_period - (SERVICE_RECORDS if period is periods[-1] else 0)
        planned = [_plan(unit, periods, index, n, sections, criteria, today) for n in range(count)]
        _write(planned, unit.users[Role.OFFICER][0])
        progress.step(f"unit {unit.number}: actions {period.label}")
