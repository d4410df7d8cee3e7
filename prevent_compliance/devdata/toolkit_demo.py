"""Demonstration data for the toolkit: users for every role, two periods, evidence, actions.

Used by ``manage.py load_demo``; every step looks for what exists first, so it is idempotent.
"""

from datetime import date, timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from prevent_compliance.roles import Role
from prevent_compliance.uploads import validate_upload
from toolkit import services
from toolkit.models import (
    Action,
    Criterion,
    CriterionAssessment,
    Evidence,
    Rating,
    ReviewPeriod,
    SectionAssessment,
    ToolkitEdition,
)

from . import training_demo
from .files import demo_upload

DEMO_USERS = [
    ("officer", "Olivia", "Okafor", Role.OFFICER),
    ("treasurer", "Tom", "Tranter", Role.TREASURER),
    ("chief.executive", "Chloe", "Evans", Role.CHIEF_EXECUTIVE),
    ("commissioner", "Connor", "Marsh", Role.COMMISSIONER),
    ("auditor", "Aisha", "Khan", Role.AUDITOR),
    ("admin", "Adam", "Ng", Role.ADMINISTRATOR),
]


def ensure_users(password: str) -> dict[str, object]:
    User = get_user_model()
    users = {}
    for username, first, last, role in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@opcc.example"},
        )
        if created:
            user.set_password(password)
            user.is_staff = role == Role.ADMINISTRATOR
            user.save()
        user.groups.add(Group.objects.get(name=role.value))
        users[username] = user
    return users


def _period_bounds(start_year: int) -> tuple[date, date]:
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def ensure_periods(actor) -> tuple[ReviewPeriod, ReviewPeriod]:
    """Last year on the first toolkit edition; this year moved to the newest one, so the
    demo shows a period carried across editions (ratings mapped, "to re-confirm")."""
    editions = list(ToolkitEdition.objects.order_by("code"))
    first, latest = editions[0], editions[-1]
    today = timezone.localdate()
    current_year = today.year if today.month >= 4 else today.year - 1
    periods = []
    for year, opener, edition in (
        (current_year - 1, services.review_period_create, first),
        (current_year, services.review_period_start, latest),  # carries last year forward
    ):
        start, end = _period_bounds(year)
        period = ReviewPeriod.objects.filter(start_date=start).first()
        if period is None:
            period = opener(
                actor=actor,
                label=f"{year}/{str(year + 1)[-2:]}",
                start_date=start,
                end_date=end,
                edition=edition,
            )
        periods.append(period)
        if year == current_year - 1:
            ensure_ratings(actor, period, PREVIOUS_RATINGS)
    return periods[0], periods[1]


# Each section: the criteria not rated "met" (by number) and, where the section rating is
# not the one its criteria propose, the rating given and the written justification. Every
# other section takes the proposed rating, so the demo's ratings follow from their criteria.
PREVIOUS_RATINGS = {
    1: ({}, None),
    2: ({3: "partly_met"}, None),
    3: ({}, None),
    4: ({}, None),  # 4.1 ("must") has no evidence last year: proposed Partly met
    5: ({}, None),
    6: ({2: "not_met", 3: "not_met"}, None),
    7: ({1: "partly_met"}, None),
    8: ({2: "partly_met"}, None),
}
# Sections 7 and 8 keep last year's ratings, still marked "to re-confirm", on purpose.
CURRENT_RATINGS = {
    1: ({4: "partly_met"}, None),
    # 2.2 (the CTLP briefing) is only partly met: its record is overdue for review.
    2: ({2: "partly_met"}, None),
    3: ({}, None),
    4: (
        {},
        (
            "exceeding",
            "The pathway was re-issued within a week of the new national form, and a check "
            "of every OPCC team found each knew how to raise a concern.",
        ),
    ),
    5: ({}, None),
    6: ({2: "partly_met", 3: "partly_met", 5: "not_met"}, None),
}

PROPOSED_NARRATIVE = (
    "Rated as its criteria propose: each criterion's rating, note and evidence are shown "
    "with it, and the open actions close the gaps."
)
NARRATIVES = {
    "exceeding": "Goes beyond the benchmark; evidence is recorded and reviewed.",
    "met": "All criteria are met and the evidence is current.",
    "partly_met": "Some criteria are met; the open actions close the remaining gaps.",
    "not_met": "The benchmark is not yet met; see the action plan.",
}


def ensure_ratings(actor, period: ReviewPeriod, ratings: dict) -> None:
    assessments = SectionAssessment.objects.filter(period=period).select_related("section")
    for assessment in assessments:
        spec = ratings.get(assessment.section.number)
        if not spec or not (assessment.rating == Rating.NOT_ASSESSED or assessment.to_reconfirm):
            continue
        not_met, override = spec
        rows = CriterionAssessment.objects.filter(
            period=period, criterion__section=assessment.section
        ).select_related("criterion")
        criteria = {
            row.criterion_id: services.CriterionInput(
                rating=not_met.get(row.criterion.number, "met")
            )
            for row in rows
        }
        rating, justification = override or (None, "")
        services.assessment_update(
            actor=actor,
            assessment=assessment,
            rating=rating,
            narrative=NARRATIVES[rating] if rating else PROPOSED_NARRATIVE,
            override_justification=justification,
            criteria=criteria,
        )


DEMO_EVIDENCE = [
    # title, kind, section numbers, file name or URL, months old, review in days, criteria
    # (codes in the newest edition; the first criterion of the first section otherwise)
    (
        "Prevent partnership board terms of reference",
        "policy",
        [1],
        "board-tor.pdf",
        10,
        60,
        ["1.2"],
    ),
    (
        "Partnership board minutes, June",
        "minutes",
        [1, 3],
        "board-minutes-june.pdf",
        5,
        200,
        ["1.1", "1.3", "3.2"],
    ),
    (
        "Holding-to-account meeting: Prevent item",
        "minutes",
        [1],
        "holding-to-account-prevent.pdf",
        4,
        240,
        ["1.5", "1.6", "1.8"],
    ),
    (
        "Commissioner's comments on the HMICFRS Prevent inspection",
        "web_page",
        [1],
        "https://www.example.gov.uk/opcc/hmicfrs-prevent-response",
        9,
        None,
        ["1.7"],
    ),
    ("CTLP briefing record", "report", [2], "ctlp-briefing.txt", 8, -20, ["2.2"]),
    (
        "OPCC Prevent risk register",
        "report",
        [2, 7],
        "risk-register.csv",
        3,
        10,
        ["2.1", "2.3", "2.4", "2.5"],
    ),
    (
        "Prevent partnership plan",
        "policy",
        [3],
        "partnership-plan.pdf",
        7,
        150,
        ["3.1", "3.3", "3.4", "3.5"],
    ),
    (
        "Referral pathway on the council website",
        "web_page",
        [4],
        "https://www.example.gov.uk/prevent/referrals",
        12,
        90,
        ["4.1", "4.2", "4.3"],
    ),
    (
        "Channel panel assurance letter",
        "correspondence",
        [5],
        "channel-assurance.pdf",
        4,
        300,
        ["5.1", "5.2", "5.3", "5.4"],
    ),
    (
        "Staff Prevent training completion",
        "training",
        [6],
        "training-completion.csv",
        2,
        25,
        ["6.1", "6.3"],
    ),
    ("Grant due diligence procedure", "policy", [7], "grant-due-diligence.pdf", 14, -45, ["7.1"]),
    (
        "Prevent page on the OPCC website",
        "web_page",
        [8],
        "https://www.example.gov.uk/opcc/prevent",
        6,
        120,
        ["8.3"],
    ),
]


def ensure_evidence(actor, period: ReviewPeriod) -> None:
    today = timezone.localdate()
    sections = {s.number: s for s in period.edition.sections.all()}
    criteria = {c.code: c for c in Criterion.objects.filter(section__edition=period.edition)}
    for title, kind, numbers, source, months_old, review_in, codes in DEMO_EVIDENCE:
        if Evidence.objects.filter(title=title).exists():
            continue
        effective = today - timedelta(days=30 * months_old)
        linked = [criteria[code] for code in codes if code in criteria]
        values = {
            "actor": actor,
            "title": title,
            "kind": kind,
            "effective_date": effective,
            "review_by": None
            if review_in is None
            else max(today + timedelta(days=review_in), effective),
            "sections": [sections[n] for n in numbers],
            "criteria": linked or [sections[numbers[0]].criteria.order_by("number").first()],
            "description": "Demonstration evidence.",
        }
        if source.startswith("https://"):
            values["url"] = source
        else:
            upload = demo_upload(source, title)
            values.update(upload=upload, upload_info=validate_upload(upload))
        services.evidence_create(**values)


DEMO_ACTIONS = [
    # title, section, owner, due in days, status, priority
    (
        "Refresh the partnership board terms of reference",
        1,
        "officer",
        -30,
        Action.Status.OPEN,
        "high",
    ),
    ("Brief partners on the new CTLP", 2, "chief.executive", 20, Action.Status.IN_PROGRESS, "high"),
    ("Map each local risk to a plan action", 3, "officer", 45, Action.Status.OPEN, "medium"),
    (
        "Re-issue the referral pathway with the new national form",
        4,
        "officer",
        -5,
        Action.Status.IN_PROGRESS,
        "high",
    ),
    ("Record training completion per person", 6, "officer", -60, Action.Status.OPEN, "high"),
    (
        "Brief the Commissioner on Prevent responsibilities",
        6,
        "commissioner",
        10,
        Action.Status.OPEN,
        "medium",
    ),
    ("Add Prevent clauses to grant agreements", 7, "treasurer", 90, Action.Status.OPEN, "medium"),
    ("Publish a Prevent explainer page", 8, "officer", -100, Action.Status.DONE, "low"),
]


def ensure_actions(actor, period: ReviewPeriod, users: dict) -> None:
    today = timezone.localdate()
    sections = {s.number: s for s in period.edition.sections.all()}
    for title, number, owner, due_in, status, priority in DEMO_ACTIONS:
        if Action.objects.filter(title=title, period=period).exists():
            continue
        services.action_create(
            actor=actor,
            period=period,
            title=title,
            description="Demonstration action.",
            section=sections[number],
            owner=users[owner],
            due_date=today + timedelta(days=due_in),
            status=status,
            priority=priority,
            completed_on=today - timedelta(days=90) if status == Action.Status.DONE else None,
        )


def load(password: str) -> dict[str, object]:
    users = ensure_users(password)
    officer = users["officer"]
    previous, current = ensure_periods(officer)
    ensure_evidence(officer, current)  # first: a "must" criterion is Met only with evidence
    ensure_ratings(officer, current, CURRENT_RATINGS)
    ensure_actions(officer, current, users)
    training_demo.load(users)
    return users
