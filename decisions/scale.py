"""Realistic volume for performance work: ``manage.py generate_scale_data --factor N``.

Factor 1 is ten years of one OPCC: 10 review periods, about 2,000 evidence items with small
files, about 1,000 actions, about 800 decisions in every workflow state with their supporting
sections and some appendices, 30 users with roles, and the history of all of it.

The data is built in units of one such decade. Periods, ratings and sign-offs, and a few
evidence items, actions and decisions in every unit, go through the same services as the app.
The bulk of the rows is written with ``bulk_create_with_history`` so every row still has its
history record (and, for many-to-many fields, the historical link rows a service would write).
Files are written through Django's storage API only. Running with a higher factor adds the
missing units; running again with the same factor refuses.
"""

from __future__ import annotations

import hashlib
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from prevent_compliance.models import get_organisation
from prevent_compliance.roles import Role
from prevent_compliance.uploads import random_storage_name, validate_upload
from toolkit import services as toolkit_services
from toolkit.demo import _tiny_pdf
from toolkit.models import (
    Action,
    Evidence,
    Rating,
    ReviewPeriod,
    SectionAssessment,
    ToolkitEdition,
)

from . import integrity
from . import services as decision_services
from .models import DEFAULT_SECTIONS, Appendix, Decision, ReferenceCounter, SupportingSection

USER_PREFIX = "scale.u"
YEARS = 10
PER_UNIT = {"evidence": 2000, "actions": 1000, "decisions": 800, "users": 30}
# How the 30 users of a unit are split between the roles.
ROLE_SPLIT = [
    (Role.OFFICER, 14),
    (Role.TREASURER, 3),
    (Role.CHIEF_EXECUTIVE, 3),
    (Role.COMMISSIONER, 2),
    (Role.AUDITOR, 5),
    (Role.ADMINISTRATOR, 3),
]
REASON = "Generated scale data"
S = Decision.Status
C = Decision.Confidentiality


class AlreadyGenerated(Exception):
    """The database already holds scale data of this factor or more."""


class Progress:
    """A one-line progress bar on stderr (or plain lines when stderr is not a terminal)."""

    def __init__(self, total: int, stream=None, width: int = 30):
        self.total = max(total, 1)
        self.done = 0
        self.stream = stream or sys.stderr
        self.width = width
        self.started = time.monotonic()
        self.tty = getattr(self.stream, "isatty", lambda: False)()
        self._last_line = -1

    def step(self, label: str, n: int = 1) -> None:
        self.done = min(self.total, self.done + n)
        filled = int(self.width * self.done / self.total)
        percent = int(100 * self.done / self.total)
        elapsed = time.monotonic() - self.started
        line = (
            f"[{'#' * filled}{'.' * (self.width - filled)}] {percent:3d}% "
            f"{elapsed:6.1f}s {label[:40]:<40}"
        )
        if self.tty:
            self.stream.write("\r" + line)
        elif percent // 5 != self._last_line:  # plain log: a line every 5 %
            self._last_line = percent // 5
            self.stream.write(line.rstrip() + "\n")
        self.stream.flush()

    def finish(self) -> None:
        if self.tty:
            self.stream.write("\n")
        self.stream.flush()


@dataclass
class Unit:
    number: int
    rng: random.Random
    users: dict[Role, list] = field(default_factory=dict)
    sizes: dict[str, int] = field(default_factory=lambda: dict(PER_UNIT))

    def pick(self, role: Role):
        return self.rng.choice(self.users[role])


def units_present() -> int:
    User = get_user_model()
    return User.objects.filter(username__startswith=USER_PREFIX).count() // PER_UNIT["users"]


def _period_years() -> list[int]:
    today = timezone.localdate()
    current = today.year if today.month >= 4 else today.year - 1
    return list(range(current - YEARS + 1, current + 1))


# --- Users ----------------------------------------------------------------------------------


def _make_users(unit: Unit, password_hash: str) -> None:
    User = get_user_model()
    rows = []
    roles = []
    for role, count in ROLE_SPLIT:
        for i in range(count):
            slug = role.name.lower().replace("_", "-")
            username = f"{USER_PREFIX}{unit.number:02d}.{slug}.{i:02d}"
            rows.append(
                User(
                    username=username,
                    password=password_hash,
                    first_name=slug.title(),
                    last_name=f"Unit{unit.number:02d}-{i:02d}",
                    email=f"{username}@opcc.example",
                    is_staff=role == Role.ADMINISTRATOR,
                )
            )
            roles.append(role)
    created = User.objects.bulk_create(rows)
    groups = {g.name: g for g in Group.objects.all()}
    through = User.groups.through
    through.objects.bulk_create(
        [
            through(user_id=user.pk, group_id=groups[role.value].pk)
            for user, role in zip(created, roles, strict=True)
        ]
    )
    for user, role in zip(created, roles, strict=True):
        unit.users.setdefault(role, []).append(user)


# --- Review periods (services) --------------------------------------------------------------


def _ensure_periods(actor, progress: Progress) -> list[ReviewPeriod]:
    edition = ToolkitEdition.objects.order_by("-code").first()
    periods = []
    years = _period_years()
    for year in years:
        start, end = date(year, 4, 1), date(year + 1, 3, 31)
        period = ReviewPeriod.objects.filter(start_date=start).first()
        if period is None:
            period = toolkit_services.review_period_create(
                actor=actor,
                label=f"{year}/{str(year + 1)[-2:]}",
                start_date=start,
                end_date=end,
                edition=edition,
            )
        periods.append(period)
    rng = random.Random(0)  # noqa: S311 (not security)
    ratings = [Rating.MET, Rating.MET, Rating.PARTLY_MET, Rating.EXCEEDING, Rating.NOT_MET]
    for period in periods:
        for assessment in SectionAssessment.objects.filter(period=period):
            if assessment.rating == Rating.NOT_ASSESSED and not period.is_locked:
                rating = rng.choice(ratings)
                toolkit_services.assessment_update(
                    actor=actor,
                    assessment=assessment,
                    rating=rating,
                    narrative=f"{Rating(rating).label}: generated narrative for the scale data.",
                )
        progress.step(f"review period {period.label}")
    # Every period but the current one is signed off with its frozen PDF (stored via storage).
    for period in periods[:-1]:
        if not period.is_locked:
            with transaction.atomic():
                toolkit_services.review_period_close(
                    actor=actor, period=period, final_pdf=_tiny_pdf(f"Annual review {period}")
                )
    return [ReviewPeriod.objects.get(pk=p.pk) for p in periods]


# --- Helpers for bulk rows with history -----------------------------------------------------


def _history_ids(model, pks) -> dict[int, int]:
    """The id of each object's (latest) history row."""
    rows = model.history.filter(id__in=pks).values_list("id", "history_id")
    return dict(rows)


def _link_m2m(model, field_name: str, links: list[tuple[int, int]], history: dict[int, int]):
    """Create many-to-many rows and the historical link rows simple-history keeps for them."""
    if not links:
        return
    m2m = model._meta.get_field(field_name)
    through = m2m.remote_field.through
    source = m2m.m2m_field_name()
    target = m2m.m2m_reverse_field_name()
    rows = through.objects.bulk_create(
        [through(**{f"{source}_id": a, f"{target}_id": b}) for a, b in links], batch_size=2000
    )
    historical = apps.get_model(model._meta.app_label, f"Historical{model.__name__}_{field_name}")
    historical.objects.bulk_create(
        [
            historical(
                id=row.pk,
                **{
                    f"{source}_id": getattr(row, f"{source}_id"),
                    f"{target}_id": getattr(row, f"{target}_id"),
                },
                history_id=history[getattr(row, f"{source}_id")],
            )
            for row in rows
        ],
        batch_size=2000,
    )


def _small_file(kind: str, title: str) -> tuple[bytes, str, str]:
    if kind == "pdf":
        return _tiny_pdf(title), ".pdf", "application/pdf"
    if kind == "csv":
        return (
            f"record,owner,date\n{title},OPCC,2024-01-01\n".encode(),
            ".csv",
            "text/csv",
        )
    return f"{title}\nGenerated for the scale benchmark.\n".encode(), ".txt", "text/plain"


def _store(prefix: str, content: bytes, extension: str) -> str:
    return default_storage.save(random_storage_name(prefix, extension), ContentFile(content))


# --- Evidence -------------------------------------------------------------------------------

EVIDENCE_KINDS = [k for k, _ in Evidence.Kind.choices if k != "web_page"]


def _evidence(unit: Unit, periods, sections, criteria, progress: Progress) -> None:
    per_period = unit.sizes["evidence"] // len(periods)
    today = timezone.localdate()
    rng = unit.rng
    officers = unit.users[Role.OFFICER]
    # A few through the service, as a user would add them.
    current = periods[-1]
    for i in range(3):
        upload = SimpleUploadedFile(f"service-{i}.pdf", _tiny_pdf(f"Service evidence {i}"))
        toolkit_services.evidence_create(
            actor=officers[0],
            title=f"Unit {unit.number} service evidence {i}",
            kind="policy",
            effective_date=current.start_date,
            review_by=current.end_date,
            sections=[sections[i]],
            upload=upload,
            upload_info=validate_upload(upload),
            periods=[current],
        )
    for index, period in enumerate(periods):
        rows = []
        plan = []
        for n in range(per_period - (3 if period is current else 0)):
            effective = period.start_date + timedelta(days=rng.randrange(0, 330))
            review_by = effective + timedelta(days=rng.choice([180, 365, 365, 540, 730]))
            if period is current:
                review_by = today + timedelta(days=rng.randrange(-60, 400))
                review_by = max(review_by, effective)
            title = f"{rng.choice(EVIDENCE_KINDS).title()} record {unit.number}-{index}-{n}"
            chosen = rng.sample(sections, rng.choice([1, 1, 2]))
            evidence = Evidence(
                title=title,
                description="Generated evidence for the scale benchmark.",
                kind=rng.choice(EVIDENCE_KINDS),
                effective_date=effective,
                review_by=review_by,
                added_by=rng.choice(officers),
                version=1,
            )
            if rng.random() < 0.85:
                content, ext, ctype = _small_file(rng.choice(["pdf", "txt", "csv"]), title)
                evidence.file.name = _store(f"evidence/{period.year}", content, ext)
                evidence.original_filename = f"record-{n}{ext}"
                evidence.content_type = ctype
                evidence.file_size = len(content)
                evidence.sha256 = hashlib.sha256(content).hexdigest()
            else:
                evidence.kind = Evidence.Kind.WEB_PAGE
                evidence.url = f"https://www.example.gov.uk/opcc/{unit.number}/{index}/{n}"
            linked_periods = [period] + [
                p for p in periods[index + 1 :] if review_by >= p.start_date
            ][:1]
            crit = [rng.choice(criteria[chosen[0].pk])] if rng.random() < 0.7 else []
            rows.append(evidence)
            plan.append((chosen, crit, linked_periods))
        created = bulk_create_with_history(
            rows,
            Evidence,
            batch_size=500,
            default_user=officers[0],
            default_change_reason=REASON,
        )
        history = _history_ids(Evidence, [e.pk for e in created])
        sec_links, crit_links, period_links = [], [], []
        for evidence, (chosen, crit, linked) in zip(created, plan, strict=True):
            sec_links += [(evidence.pk, s.pk) for s in chosen]
            crit_links += [(evidence.pk, c.pk) for c in crit]
            period_links += [(evidence.pk, p.pk) for p in linked]
        _link_m2m(Evidence, "sections", sec_links, history)
        _link_m2m(Evidence, "criteria", crit_links, history)
        _link_m2m(Evidence, "periods", period_links, history)
        progress.step(f"unit {unit.number}: evidence {period.label}")


# --- Actions --------------------------------------------------------------------------------


def _actions(unit: Unit, periods, sections, criteria, progress: Progress) -> None:
    per_period = unit.sizes["actions"] // len(periods)
    rng = unit.rng
    today = timezone.localdate()
    officers = unit.users[Role.OFFICER]
    owners = officers + unit.users[Role.CHIEF_EXECUTIVE] + unit.users[Role.TREASURER]
    current = periods[-1]
    for i in range(3):
        toolkit_services.action_create(
            actor=officers[0],
            period=current,
            title=f"Unit {unit.number} service action {i}",
            description="Raised through the service.",
            section=sections[i],
            owner=officers[1],
            due_date=today + timedelta(days=30 * (i - 1)),
            status="open",
            priority="high",
        )
    for index, period in enumerate(periods):
        rows, plan = [], []
        for n in range(per_period - (3 if period is current else 0)):
            section = rng.choice(sections)
            due = period.start_date + timedelta(days=rng.randrange(30, 360))
            if period is current:
                status = rng.choices(
                    ["open", "in_progress", "done", "cancelled"], [40, 30, 20, 10]
                )[0]
                due = today + timedelta(days=rng.randrange(-90, 200))
            else:
                status = rng.choices(["done", "cancelled", "open"], [85, 10, 5])[0]
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
                completed_on=min(due, today) if status == "done" else None,
                progress_notes="Progress recorded." if status != "open" else "",
                created_by=rng.choice(officers),
                version=1,
            )
            live = status in ("open", "in_progress")
            linked = [period] + (periods[index + 1 :] if live else [])
            rows.append(action)
            plan.append(linked)
        created = bulk_create_with_history(
            rows, Action, batch_size=500, default_user=officers[0], default_change_reason=REASON
        )
        history = _history_ids(Action, [a.pk for a in created])
        links = [(a.pk, p.pk) for a, linked in zip(created, plan, strict=True) for p in linked]
        _link_m2m(Action, "periods", links, history)
        progress.step(f"unit {unit.number}: actions {period.label}")


# --- Decisions ------------------------------------------------------------------------------

PAST_STATES = [
    (S.PUBLISHED, 70),
    (S.WITHHELD, 8),
    (S.WITHDRAWN, 10),
    (S.DEFERRED, 4),
    (S.SIGNED, 3),
    (S.DRAFT, 5),
]
CURRENT_STATES = [
    (S.DRAFT, 25),
    (S.CONSULTATION, 15),
    (S.AWAITING_APPROVAL, 12),
    (S.AWAITING_SIGNATURE, 10),
    (S.SIGNED, 8),
    (S.PUBLISHED, 20),
    (S.WITHHELD, 3),
    (S.DEFERRED, 4),
    (S.WITHDRAWN, 3),
]
CONSULTED = {S.AWAITING_APPROVAL, S.AWAITING_SIGNATURE, S.SIGNED, S.PUBLISHED, S.WITHHELD}
APPROVED = {S.AWAITING_SIGNATURE, S.SIGNED, S.PUBLISHED, S.WITHHELD, S.DEFERRED}
SEALED = {S.SIGNED, S.PUBLISHED, S.WITHHELD}


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


def _service_decision(unit: Unit, sections) -> None:
    """One record taken through the whole workflow by the people whose roles allow each step."""
    from .demo import _bodies

    officer = unit.users[Role.OFFICER][0]
    decision = decision_services.decision_create(
        actor=officer,
        title=f"Unit {unit.number}: Prevent training contract (through the workflow)",
        decision_date=timezone.localdate(),
        summary="Approve the Prevent training contract for OPCC staff.",
        lead_officer=officer.get_full_name(),
        toolkit_sections=[sections[5]],
    )
    decision_services.decision_sections_update(
        actor=officer, decision=decision, sections=_bodies("Prevent training")
    )
    decision_services.decision_submit(actor=officer, decision=decision)
    decision_services.decision_comment_treasurer(
        actor=unit.users[Role.TREASURER][0], decision=decision, comments="Within budget."
    )
    decision_services.decision_comment_chief_executive(
        actor=unit.users[Role.CHIEF_EXECUTIVE][0], decision=decision, comments="Lawful."
    )
    decision_services.decision_approve(actor=unit.users[Role.CHIEF_EXECUTIVE][0], decision=decision)
    decision_services.decision_sign(
        actor=unit.users[Role.COMMISSIONER][0],
        decision=decision,
        declaration_confirmed=True,
        password=settings.DEMO_PASSWORD,
    )
    decision_services.decision_publish(actor=officer, decision=decision)


def _decisions(unit: Unit, periods, sections, progress: Progress) -> None:
    per_year = unit.sizes["decisions"] // len(periods)
    rng = unit.rng
    now = timezone.now()
    officers = unit.users[Role.OFFICER]
    treasurer = unit.users[Role.TREASURER][0]
    chief = unit.users[Role.CHIEF_EXECUTIVE][0]
    commissioner = unit.users[Role.COMMISSIONER][0]
    try:
        _service_decision(unit, sections)
    except Exception as exc:  # noqa: BLE001 - report and carry on with the bulk records
        sys.stderr.write(f"\n(workflow record skipped: {exc})\n")
    for index, period in enumerate(periods):
        is_current = index == len(periods) - 1
        states = CURRENT_STATES if is_current else PAST_STATES
        count = per_year - (1 if is_current else 0)
        references = _references(count)
        decisions, plans = [], []
        for n in range(count):
            status = rng.choices([s for s, _ in states], [w for _, w in states])[0]
            day = period.start_date + timedelta(days=rng.randrange(0, 360))
            day = min(day, timezone.localdate())
            confidentiality = C.NON_CONFIDENTIAL
            if status == S.WITHHELD:
                confidentiality = C.CONFIDENTIAL
            elif rng.random() < 0.12:
                confidentiality = C.PARTLY_CONFIDENTIAL
            decision = Decision(
                reference=references[n],
                title=f"Decision {unit.number}-{index}-{n}: Prevent arrangements, item {n}",
                lead_officer=rng.choice(officers).get_full_name(),
                decision_date=day,
                confidentiality=confidentiality,
                foi_exemptions=[] if confidentiality == C.NON_CONFIDENTIAL else ["s31"],
                withheld_parts=(
                    "" if confidentiality == C.NON_CONFIDENTIAL else "Operational detail."
                ),
                summary=f"The Commissioner decides on item {n} of the Prevent plan.",
                status=status,
                status_note=("Generated reason." if status in (S.WITHDRAWN, S.DEFERRED) else ""),
                created_by=rng.choice(officers),
            )
            moment = timezone.make_aware(
                timezone.datetime.combine(day, timezone.datetime.min.time())
            ).replace(hour=10)
            moment = min(moment, now)
            if status in CONSULTED:
                decision.treasurer_comments = "No financial concerns."
                decision.treasurer_commented_by = treasurer
                decision.treasurer_commented_at = moment
                decision.chief_executive_comments = "The decision is lawful."
                decision.chief_executive_commented_by = chief
                decision.chief_executive_commented_at = moment
            if status in APPROVED:
                decision.approved_by = chief
                decision.approved_at = moment
            bodies = [
                (pos, heading, body or f"{heading}: generated text for item {n}.", False)
                for pos, (heading, body) in enumerate(DEFAULT_SECTIONS, start=1)
            ]
            if confidentiality == C.PARTLY_CONFIDENTIAL:
                bodies[4] = (*bodies[4][:3], True)
            toolkit = rng.sample(sections, rng.choice([0, 1, 1, 2]))
            appendix = None
            if rng.random() < 0.15:
                content = _tiny_pdf(f"Appendix to {decision.reference}")
                appendix = (
                    1,
                    "Supporting report",
                    "supporting-report.pdf",
                    len(content),
                    hashlib.sha256(content).hexdigest(),
                    False,
                    _store(f"appendices/{day.year}", content, ".pdf"),
                )
            if status in SEALED:
                decision.interests_declared = True
                decision.signed_by = commissioner
                decision.signatory_name = commissioner.get_full_name()
                decision.signed_on = day
                decision.signed_at = moment
                if status != S.SIGNED:
                    decision.published_at = moment
                integrity.seal(
                    decision,
                    at=moment,
                    sections=bodies,
                    appendices=[(*appendix[:6], "application/pdf", appendix[6])]
                    if appendix
                    else [],
                    toolkit_numbers=[s.number for s in toolkit],
                )
            decisions.append(decision)
            plans.append((bodies, toolkit, appendix))
        created = bulk_create_with_history(
            decisions,
            Decision,
            batch_size=500,
            default_user=officers[0],
            default_change_reason=REASON,
        )
        history = _history_ids(Decision, [d.pk for d in created])
        section_rows, appendix_rows, links = [], [], []
        for decision, (bodies, toolkit, appendix) in zip(created, plans, strict=True):
            section_rows += [
                SupportingSection(
                    decision_id=decision.pk, position=p, heading=h, body=b, withheld=w
                )
                for p, h, b, w in bodies
            ]
            links += [(decision.pk, s.pk) for s in toolkit]
            if appendix:
                appendix_rows.append(
                    Appendix(
                        decision_id=decision.pk,
                        position=1,
                        title=appendix[1],
                        file=appendix[6],
                        original_filename=appendix[2],
                        content_type="application/pdf",
                        file_size=appendix[3],
                        sha256=appendix[4],
                        added_by=officers[0],
                    )
                )
        bulk_create_with_history(
            section_rows,
            SupportingSection,
            batch_size=1000,
            default_user=officers[0],
            default_change_reason=REASON,
        )
        bulk_create_with_history(
            appendix_rows,
            Appendix,
            batch_size=500,
            default_user=officers[0],
            default_change_reason=REASON,
        )
        _link_m2m(Decision, "sections", links, history)
        progress.step(f"unit {unit.number}: decisions {period.label}")


# --- Entry point ----------------------------------------------------------------------------


def generate(factor: int, *, stream=None, sizes: dict[str, int] | None = None) -> dict[str, int]:
    """Grow the scale data to ``factor`` units; returns the counts of what now exists.

    ``sizes`` (tests only) shrinks a unit's evidence, actions and decisions.
    """
    if factor < 1:
        raise ValueError("The factor must be 1 or more.")
    present = units_present()
    if present >= factor:
        raise AlreadyGenerated(
            f"Scale data of factor {present} is already in this database, so there is nothing "
            f"to add for factor {factor}. Use a fresh database, or a higher factor to grow it."
        )
    if not ToolkitEdition.objects.exists():
        from django.core.management import call_command

        call_command("seed_toolkit", verbosity=0)
    new_units = list(range(present + 1, factor + 1))
    steps = YEARS + len(new_units) * YEARS * 3
    progress = Progress(steps, stream=stream)
    password_hash = make_password(settings.DEMO_PASSWORD)
    for number in new_units:
        unit = Unit(number=number, rng=random.Random(number))  # noqa: S311 (not security)
        unit.sizes.update(sizes or {})
        with transaction.atomic():
            _make_users(unit, password_hash)
            if number == 1:
                periods = _ensure_periods(unit.users[Role.OFFICER][0], progress)
            else:
                periods = list(
                    ReviewPeriod.objects.filter(
                        start_date__in=[date(y, 4, 1) for y in _period_years()]
                    ).order_by("start_date")
                )
            edition = periods[-1].edition
            sections = list(edition.sections.order_by("number"))
            criteria = {s.pk: list(s.criteria.order_by("number")) for s in sections}
            _evidence(unit, periods, sections, criteria, progress)
            _actions(unit, periods, sections, criteria, progress)
            _decisions(unit, periods, sections, progress)
    progress.finish()
    User = get_user_model()
    return {
        "factor": factor,
        "users": User.objects.filter(username__startswith=USER_PREFIX).count(),
        "review periods": ReviewPeriod.objects.count(),
        "evidence": Evidence.objects.count(),
        "actions": Action.objects.count(),
        "decisions": Decision.objects.count(),
        "supporting sections": SupportingSection.objects.count(),
        "appendices": Appendix.objects.count(),
        "evidence history": Evidence.history.count(),
        "decision history": Decision.history.count(),
    }
