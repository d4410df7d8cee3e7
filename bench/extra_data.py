"""Data the scale generator does not make, grown with the factor for the benchmark's newer pages.

* Training records: per unit (an OPCC decade) 30 people — 10 still active, 20 who have left —
  with a completion of each course their role group needs every two years, on a fixed set of
  five courses. Written in bulk (as the scale generator writes), then the cached training
  figures are told that they changed.
* An import preview: one decision log of a fixed size (a year of records) checked through the
  service, as an administrator uploads it; its preview page is measured at each factor.
* Transparency records: per unit (a decade, the newest unit 1's) a board meeting quarterly
  (agenda items, some withheld; attendees; no papers, which would need files), a forward
  plan entry a quarter (some confidential), and registers of interests with gifts and
  hospitality, each confirmed: the unit's two Commissioners' and two senior staff's. The
  office's holders now are unit 1's (the bench signs in as them); every other unit's have
  left, so their registers are kept but no longer listed, as an office's predecessors' are.

Only ``bench/run.py`` uses this, on its own throwaway database.
"""

from __future__ import annotations

import io
from datetime import date, timedelta
from decimal import Decimal

COURSES = [
    ("Prevent awareness (bench)", "awareness", 24, ["staff", "contractor", "senior"]),
    ("Referrals (bench)", "referrals", 36, ["staff", "senior"]),
    ("Channel and PMAP (bench)", "channel", 36, ["senior", "commissioner"]),
    ("Leadership (bench)", "leadership", 24, ["commissioner", "deputy", "senior"]),
    ("Induction (bench)", "other", None, ["staff"]),
]
GROUPS = ["staff", "staff", "staff", "contractor", "senior", "commissioner", "deputy"]
PEOPLE_PER_UNIT = 30
ACTIVE_PER_UNIT = 10
IMPORT_RECORDS = 400
MEETINGS_PER_UNIT = 40
ITEMS_PER_MEETING = 6
PLAN_PER_UNIT = 40
SENIOR_HOLDERS_PER_UNIT = 2
INTERESTS_PER_HOLDER = 5
GIFTS_PER_HOLDER = 8


def _courses(lead):
    from toolkit.training.models import Course, TrainingRequirement

    found = {}
    for name, kind, months, groups in COURSES:
        course, created = Course.objects.get_or_create(
            name=name, defaults={"kind": kind, "refresher_months": months, "lead": lead}
        )
        if created:
            TrainingRequirement.objects.bulk_create(
                [TrainingRequirement(course=course, role_group=g) for g in groups]
            )
        found[course] = set(groups)
    return found


def grow_training(factor: int, today: date) -> int:
    """Add training people and completions up to ``factor`` units; returns the people."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from toolkit.training.models import Completion, Person
    from toolkit.training.summary import training_changed

    User = get_user_model()
    recorder = User.objects.get(username="scale.u01.officer.00")
    present = Person.objects.filter(name__startswith="Bench person ").count() // PEOPLE_PER_UNIT
    for unit in range(present + 1, factor + 1):
        with transaction.atomic():
            training_changed()
            courses = _courses(recorder)
            people = []
            for index in range(PEOPLE_PER_UNIT):
                active = index < ACTIVE_PER_UNIT
                start = today - timedelta(days=365 * (10 if not active else 3) + 17 * index)
                people.append(
                    Person(
                        name=f"Bench person {unit:02d}-{index:02d}",
                        job_title="Officer",
                        role_group=GROUPS[index % len(GROUPS)],
                        start_date=start,
                        end_date=None if active else start + timedelta(days=900),
                        active=active,
                    )
                )
            people = Person.objects.bulk_create(people)
            completions = []
            for person in people:
                last = person.end_date or today
                for course, groups in courses.items():
                    if person.role_group not in groups:
                        continue
                    day = person.start_date + timedelta(days=30)
                    while day <= last:
                        completions.append(
                            Completion(
                                person=person, course=course, completed_on=day, recorded_by=recorder
                            )
                        )
                        day += timedelta(days=730)
            Completion.objects.bulk_create(completions)
    return Person.objects.filter(name__startswith="Bench person ").count()


def import_preview(admin, factor: int) -> str:
    """A checked (not imported) decision log of IMPORT_RECORDS records, a year of its own for
    each factor; the URL of its preview page."""
    from bench.import_log import log_csv
    from decisions.services import decision_import_check

    content = log_csv(IMPORT_RECORDS, start_year=1960 + factor)
    job = decision_import_check(actor=admin, upload=io.BytesIO(content), name="bench-log.csv")
    return job.get_absolute_url()


def _meetings(unit: int, recorder, today: date) -> None:
    from datetime import datetime, time

    from django.utils import timezone

    from decisions.meetings.models import AgendaItem, Attendee, Board, Meeting

    board = Board.objects.create(name=f"Bench board {unit:02d}", description="Bench meetings.")
    meetings = Meeting.objects.bulk_create(
        Meeting(
            board=board,
            title=f"Bench meeting {unit:02d}-{index:02d}",
            # Quarterly over the unit's decade, unit 1's first meeting still to come.
            starts_at=timezone.make_aware(
                datetime.combine(
                    today + timedelta(days=60 - 91 * index - 3652 * (unit - 1)), time(14, 0)
                )
            ),
            place="Conference room, Police HQ",
            is_public=index % 4 != 3,
            significant_public_interest=index % 8 == 3,
            created_by=recorder,
        )
        for index in range(MEETINGS_PER_UNIT)
    )
    AgendaItem.objects.bulk_create(
        AgendaItem(
            meeting=meeting,
            number=number,
            title=f"Agenda item {number}",
            withheld=number == ITEMS_PER_MEETING,
            exemption="s43" if number == ITEMS_PER_MEETING else "",
        )
        for meeting in meetings
        for number in range(1, ITEMS_PER_MEETING + 1)
    )
    Attendee.objects.bulk_create(
        Attendee(meeting=meeting, name=name, role=role)
        for meeting in meetings
        for name, role in (("Bench Chair", "Chair"), ("Bench Chief Constable", "Attending"))
    )


def _plan(unit: int, recorder, today: date) -> None:
    from decisions.meetings.models import ForwardPlanEntry

    entries = []
    for index in range(PLAN_PER_UNIT):
        # A quarter apart over the unit's decade, unit 1's first a quarter ahead.
        months = today.year * 12 + today.month - 1 + 3 - 3 * index - 120 * (unit - 1)
        confidential = index % 5 == 4
        entries.append(
            ForwardPlanEntry(
                title=f"Bench planned decision {unit:02d}-{index:02d}",
                summary="What the decision is expected to be about.",
                expected_year=months // 12,
                expected_month=months % 12 + 1,
                decision_maker="pcc",
                expected_confidential=confidential,
                public_subject="estates" if confidential else "",
                created_by=recorder,
            )
        )
    ForwardPlanEntry.objects.bulk_create(entries)


def _registers(unit: int, recorder, today: date) -> None:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from decisions.interests import services
    from decisions.interests.models import Confirmation, Gift, Holder, Interest
    from decisions.interests.selectors import register_entries

    commissioners = list(
        Holder.objects.filter(user__username__startswith=f"scale.u{unit:02d}.commissioner.")
    )
    seniors = Holder.objects.bulk_create(
        Holder(
            slug=f"bench-senior-{unit:02d}-{index:02d}",
            name=f"Bench Senior {unit:02d}-{index:02d}",
            role_title="Director",
            kind=Holder.Kind.SENIOR,
        )
        for index in range(SENIOR_HOLDERS_PER_UNIT)
    )
    holders = commissioners + seniors
    Interest.objects.bulk_create(
        Interest(
            holder=holder,
            category=Interest.Category.MEMBERSHIPS,
            organisation=f"Bench body {index}",
            description="Unpaid trustee.",
            start_date=today - timedelta(days=400 * (index + 1)),
        )
        for holder in holders
        for index in range(INTERESTS_PER_HOLDER)
    )
    Gift.objects.bulk_create(
        Gift(
            holder=holder,
            offered_on=today - timedelta(days=45 * index),
            kind=Gift.Kind.HOSPITALITY if index % 2 else Gift.Kind.GIFT,
            giver=f"Bench giver {index}",
            description="Lunch at a partnership event.",
            value=Decimal(15 + 20 * index),  # some below the publication threshold
            outcome=Gift.Outcome.DECLINED if index % 3 == 0 else Gift.Outcome.ACCEPTED,
            reason="Partnership work.",
            recorded_by=recorder,
        )
        for holder in holders
        for index in range(GIFTS_PER_HOLDER)
    )
    User = get_user_model()
    for holder in commissioners:  # the holder confirms their own, as signing needs
        services.register_confirm(
            actor=User.objects.get(pk=holder.user_id), holder=holder, confirmed=True
        )
    now = timezone.now()
    for holder in seniors:  # no account here: the confirmation as their statement recorded it
        entries = register_entries(holder)
        Confirmation.objects.create(
            holder=holder,
            number=1,
            confirmed_at=now,
            confirmed_by=recorder,
            statement=services.CONFIRM_STATEMENT,
            entries=entries,
            content_hash=services.version_hash(
                holder=holder, number=1, confirmed_at=now, entries=entries
            ),
        )
    if unit > 1:  # predecessors: confirmed while in post, then left
        Holder.objects.filter(pk__in=[h.pk for h in holders]).update(active=False)


def grow_transparency(factor: int, today: date) -> int:
    """Add boards with meetings, forward-plan entries and registers of interests with gifts
    up to ``factor`` units; returns the meetings."""
    from django.contrib.auth import get_user_model
    from django.db import transaction

    from decisions.meetings.models import Board, Meeting

    recorder = get_user_model().objects.get(username="scale.u01.officer.00")
    present = Board.objects.filter(name__startswith="Bench board ").count()
    for unit in range(present + 1, factor + 1):
        with transaction.atomic():
            _meetings(unit, recorder, today)
            _plan(unit, recorder, today)
            _registers(unit, recorder, today)
    return Meeting.objects.filter(board__name__startswith="Bench board ").count()
