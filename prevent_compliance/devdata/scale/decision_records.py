"""About 800 decision records a unit: one through the whole workflow, the rest in bulk."""

from __future__ import annotations

import hashlib
import random
import sys
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from decisions import services as decision_services
from decisions.models import (
    DEFAULT_SECTIONS,
    Appendix,
    Decision,
    ReferenceCounter,
    SupportingSection,
)
from prevent_compliance.models import get_organisation
from prevent_compliance.roles import Role
from prevent_compliance.sorting import natural_sort_key
from toolkit.models import ReviewPeriod

from ..decisions_demo import section_bodies
from ..files import tiny_pdf
from .common import REASON, Progress, Unit, history_ids, link_m2m, store_file
from .decision_states import (
    ALWAYS_CONFIDENTIAL,
    PlannedAppendix,
    PlannedDecision,
    Signatories,
    Status,
    build,
)

Confidentiality = Decision.Confidentiality
# How often each state occurs (weights): past years are mostly published, this year is busy.
PAST_STATES = [
    (Status.PUBLISHED, 70),
    (Status.WITHHELD, 8),
    (Status.WITHDRAWN, 10),
    (Status.DEFERRED, 4),
    (Status.SIGNED, 3),
    (Status.DRAFT, 5),
]
CURRENT_STATES = [
    (Status.DRAFT, 25),
    (Status.CONSULTATION, 15),
    (Status.AWAITING_APPROVAL, 12),
    (Status.AWAITING_SIGNATURE, 10),
    (Status.SIGNED, 8),
    (Status.PUBLISHED, 20),
    (Status.WITHHELD, 3),
    (Status.DEFERRED, 4),
    (Status.WITHDRAWN, 3),
]


def _references(count: int) -> list[str]:
    """Reserve ``count`` references after the last one allocated (the counter's history kept)."""
    today = timezone.localdate()
    before, spec, after = get_organisation().reference_parts(year=today.year)
    stem = f"{before}{{seq}}{after}"
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(stem=stem)
    taken = set(
        Decision.objects.filter(reference__startswith=before).values_list("reference", flat=True)
    )
    refs, number = [], counter.last_number
    while len(refs) < count:
        number += 1
        candidate = f"{before}{format(number, spec)}{after}"
        if candidate not in taken:
            refs.append(candidate)
    counter.last_number = number
    counter._change_reason = f"{REASON}: allocated {count} references"
    counter.save(update_fields=["last_number"])
    return refs


def _through_workflow(unit: Unit, sections) -> None:
    """One record taken through the whole workflow by the people whose roles allow each step."""
    officer = unit.users[Role.OFFICER][0]
    chief = unit.users[Role.CHIEF_EXECUTIVE][0]
    decision = decision_services.decision_create(
        actor=officer,
        title=f"Unit {unit.number}: Prevent training contract (through the workflow)",
        decision_date=timezone.localdate(),
        summary="Approve the Prevent training contract for OPCC staff.",
        lead_officer=officer.get_full_name(),
        toolkit_sections=[sections[5]],
    )
    decision_services.decision_sections_update(
        actor=officer, decision=decision, sections=section_bodies("Prevent training")
    )
    decision_services.decision_submit(actor=officer, decision=decision)
    decision_services.decision_comment_treasurer(
        actor=unit.users[Role.TREASURER][0], decision=decision, comments="Within budget."
    )
    decision_services.decision_comment_chief_executive(
        actor=chief, decision=decision, comments="Lawful."
    )
    decision_services.decision_approve(actor=chief, decision=decision)
    decision_services.decision_sign(
        actor=unit.users[Role.COMMISSIONER][0],
        decision=decision,
        declaration_confirmed=True,
        password=settings.DEMO_PASSWORD,
    )
    decision_services.decision_publish(actor=officer, decision=decision)


def _confidentiality(status: str, rng: random.Random) -> str:
    if status in ALWAYS_CONFIDENTIAL:
        return Confidentiality.CONFIDENTIAL
    if rng.random() < 0.12:
        return Confidentiality.PARTLY_CONFIDENTIAL
    return Confidentiality.NON_CONFIDENTIAL


def _moment(day: date, now: datetime) -> datetime:
    """10:00 on the decision's day, or now if that is still to come."""
    start = timezone.make_aware(timezone.datetime.combine(day, timezone.datetime.min.time()))
    return min(start.replace(hour=10), now)


def _sections(n: int, confidentiality: str) -> list[tuple[int, str, str, bool]]:
    """The nine default sections; a partly confidential record withholds the fifth."""
    rows = [
        (pos, heading, body or f"{heading}: generated text for item {n}.", False)
        for pos, (heading, body) in enumerate(DEFAULT_SECTIONS, start=1)
    ]
    if confidentiality == Confidentiality.PARTLY_CONFIDENTIAL:
        rows[4] = (*rows[4][:3], True)
    return rows


def _appendix(rng: random.Random, reference: str, day: date) -> PlannedAppendix | None:
    if rng.random() >= 0.15:
        return None
    content = tiny_pdf(f"Appendix to {reference}")
    return PlannedAppendix(
        file_size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        file=store_file(f"appendices/{day.year}", content, ".pdf"),
    )


@dataclass(frozen=True)
class Year:
    """What the bulk records of one review year share."""

    period: ReviewPeriod
    index: int
    states: list[tuple[str, int]]
    sections: list
    people: Signatories
    today: date
    now: datetime


def _unsaved(unit: Unit, year: Year, n: int, reference: str, day: date, status, confidentiality):
    officers = unit.users[Role.OFFICER]
    confidential = confidentiality != Confidentiality.NON_CONFIDENTIAL
    return Decision(
        reference=reference,
        reference_sort_key=natural_sort_key(reference),
        title=f"Decision {unit.number}-{year.index}-{n}: Prevent arrangements, item {n}",
        lead_officer=unit.rng.choice(officers).get_full_name(),
        decision_date=day,
        confidentiality=confidentiality,
        foi_exemptions=["s31"] if confidential else [],
        withheld_parts="Operational detail." if confidential else "",
        summary=f"The Commissioner decides on item {n} of the Prevent plan.",
        status=status,
        created_by=unit.rng.choice(officers),
    )


def _plan(unit: Unit, year: Year, n: int, reference: str) -> PlannedDecision:
    """One bulk record: its state drawn by weight, then built as that state requires."""
    rng = unit.rng
    status = rng.choices([s for s, _ in year.states], [w for _, w in year.states])[0]
    day = min(year.period.start_date + timedelta(days=rng.randrange(0, 360)), year.today)
    confidentiality = _confidentiality(status, rng)
    decision = _unsaved(unit, year, n, reference, day, status, confidentiality)
    toolkit = rng.sample(year.sections, rng.choice([0, 1, 1, 2]))
    record = PlannedDecision(
        decision=decision,
        moment=_moment(day, year.now),
        sections=_sections(n, confidentiality),
        toolkit=toolkit,
        appendix=_appendix(rng, reference, day),
    )
    build(record, year.people)
    return record


def _appendix_row(decision: Decision, appendix: PlannedAppendix, author) -> Appendix:
    return Appendix(
        decision_id=decision.pk,
        position=appendix.position,
        title=appendix.title,
        file=appendix.file,
        original_filename=appendix.original_filename,
        content_type=appendix.content_type,
        file_size=appendix.file_size,
        sha256=appendix.sha256,
        added_by=author,
    )


def _write(planned: list[PlannedDecision], author) -> None:
    def bulk(rows, model, batch_size):
        return bulk_create_with_history(
            rows, model, batch_size=batch_size, default_user=author, default_change_reason=REASON
        )

    created = bulk([p.decision for p in planned], Decision, 500)
    history = history_ids(Decision, [d.pk for d in created])
    pairs = list(zip(created, planned, strict=True))
    section_rows = [
        SupportingSection(decision_id=d.pk, position=pos, heading=h, body=b, withheld=w)
        for d, p in pairs
        for pos, h, b, w in p.sections
    ]
    appendix_rows = [_appendix_row(d, p.appendix, author) for d, p in pairs if p.appendix]
    bulk(section_rows, SupportingSection, 1000)
    bulk(appendix_rows, Appendix, 500)
    link_m2m(Decision, "sections", [(d.pk, s.pk) for d, p in pairs for s in p.toolkit], history)


def add_decisions(unit: Unit, periods, sections, progress: Progress) -> None:
    """The unit's records spread evenly over the years, in every workflow state."""
    per_year = unit.sizes["decisions"] // len(periods)
    people = Signatories.of(unit)
    today, now = timezone.localdate(), timezone.now()
    try:
        _through_workflow(unit, sections)
    except Exception as exc:  # report it and carry on with the bulk records
        sys.stderr.write(f"\n(workflow record skipped: {exc})\n")
    for index, period in enumerate(periods):
        is_current = index == len(periods) - 1
        states = CURRENT_STATES if is_current else PAST_STATES
        year = Year(period, index, states, sections, people, today, now)
        count = per_year - (1 if is_current else 0)
        references = _references(count)
        planned = [_plan(unit, year, n, references[n]) for n in range(count)]
        _write(planned, unit.users[Role.OFFICER][0])
        progress.step(f"unit {unit.number}: decisions {period.label}")
