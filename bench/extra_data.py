"""Data the scale generator does not make, grown with the factor for the benchmark's newer pages.

* Training records: per unit (an OPCC decade) 30 people — 10 still active, 20 who have left —
  with a completion of each course their role group needs every two years, on a fixed set of
  five courses. Written in bulk (as the scale generator writes), then the cached training
  figures are told that they changed.
* An import preview: one decision log of a fixed size (a year of records) checked through the
  service, as an administrator uploads it; its preview page is measured at each factor.

Only ``bench/run.py`` uses this, on its own throwaway database.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

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
