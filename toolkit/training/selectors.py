"""Reads of training records: the register, the percentages, one person's standing.

Every figure is worked out from the rows in a fixed number of queries (four for the whole
register, whatever the number of people, courses or completions), then in Python: an
office tracks tens of people, not thousands, and the rules (``status.py``) are clearer
as code than as SQL.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING
from uuid import UUID

from django.db import connection
from django.db.models import Max, Prefetch, Q, QuerySet
from django.utils import timezone

from .models import Completion, Course, Person, RoleGroup, TrainingRequirement
from .status import Standing, State, standing

if TYPE_CHECKING:
    from toolkit.models import ReviewPeriod


@dataclass(frozen=True)
class RegisterRow:
    """One person and one course their role needs, with their standing on it."""

    person_id: int
    person_public_id: UUID
    person_name: str
    job_title: str
    role_group: str
    user_id: int | None
    course_id: int
    course_public_id: UUID
    course_name: str
    lead_id: int | None
    standing: Standing

    @property
    def role_label(self) -> str:
        return RoleGroup(self.role_group).label


@dataclass(frozen=True)
class Figure:
    """How many need something, and how many of them are in date."""

    label: str
    needed: int
    in_date: int

    @property
    def percent(self) -> int | None:
        """Whole per cent, rounded down (never overstates); None when nobody needs it."""
        return self.in_date * 100 // self.needed if self.needed else None


@dataclass(frozen=True)
class TrainingSummary:
    """The training figures on one day: plain values, safe to keep in the shared cache."""

    as_of: date
    overall: Figure
    by_role: list[Figure]
    by_course: list[Figure]
    # role label -> course name -> figure, for the grid of the overview
    grid_courses: list[str]
    grid: list[tuple[str, list[Figure | None]]]
    overdue: list[RegisterRow]
    due_soon: list[RegisterRow]
    people: int
    courses: int
    requirements: int

    @property
    def overdue_count(self) -> int:
        return len(self.overdue)


def as_of_date(period: ReviewPeriod | None = None, today: date | None = None) -> date:
    """The day a period's figures are worked out for: today, or the period's last day if
    the period has ended."""
    today = today or timezone.localdate()
    if period is not None and period.end_date < today:
        return period.end_date
    return today


def counted_people(as_of: date) -> QuerySet[Person]:
    """Active people who had started and not yet left on the day."""
    return Person.objects.filter(active=True, start_date__lte=as_of).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=as_of)
    )


def _register_sql() -> str:
    """People joined to the courses their role group needs, each pair with its latest
    completion up to the day: the whole register in one query (the ORM has no relation
    between a person and the needs analysis, which share only the role group)."""
    quote = connection.ops.quote_name
    person, requirement = quote(Person._meta.db_table), quote(TrainingRequirement._meta.db_table)
    course, completion = quote(Course._meta.db_table), quote(Completion._meta.db_table)
    # Table names from the models, quoted; every value is a parameter.
    return (
        "SELECT p.id, p.public_id, p.name, p.job_title, p.role_group, p.start_date, p.user_id, "  # noqa: S608
        "c.id, c.public_id, c.name, c.refresher_months, c.lead_id, "
        f"(SELECT MAX(k.completed_on) FROM {completion} k "
        "WHERE k.person_id = p.id AND k.course_id = c.id AND k.completed_on <= %s) "
        f"FROM {person} p "
        f"INNER JOIN {requirement} r ON r.role_group = p.role_group "
        f"INNER JOIN {course} c ON c.id = r.course_id "
        "WHERE p.active = %s AND p.start_date <= %s "
        "AND (p.end_date IS NULL OR p.end_date >= %s) "
        "ORDER BY p.name, p.id, c.name, c.id"
    )


def register(as_of: date) -> list[RegisterRow]:
    """Every counted person with every course their role group needs, in name order.

    One query, whatever the number of people, courses and completions.
    """
    day = connection.ops.adapt_datefield_value(as_of)
    with connection.cursor() as cursor:
        cursor.execute(_register_sql(), [day, True, day, day])
        found = cursor.fetchall()
    as_uuid = Person._meta.get_field("public_id").to_python
    as_date = Person._meta.get_field("start_date").to_python
    rows = []
    for (
        person_id,
        person_public_id,
        name,
        job_title,
        role_group,
        start_date,
        user_id,
        course_id,
        course_public_id,
        course_name,
        refresher_months,
        lead_id,
        last,
    ) in found:
        rows.append(
            RegisterRow(
                person_id=person_id,
                person_public_id=as_uuid(person_public_id),
                person_name=name,
                job_title=job_title,
                role_group=role_group,
                user_id=user_id,
                course_id=course_id,
                course_public_id=as_uuid(course_public_id),
                course_name=course_name,
                lead_id=lead_id,
                standing=standing(
                    start_date=as_date(start_date),
                    last_completed=as_date(last) if last is not None else None,
                    refresher_months=refresher_months,
                    today=as_of,
                ),
            )
        )
    return rows


def _figure(label: str, rows: list[RegisterRow]) -> Figure:
    return Figure(label, len(rows), sum(1 for row in rows if row.standing.in_date))


def summarise(as_of: date, rows: list[RegisterRow]) -> TrainingSummary:
    """The percentages by role group, by course and by both, and who is overdue or due."""
    by_role: dict[str, list[RegisterRow]] = defaultdict(list)
    by_course: dict[str, list[RegisterRow]] = defaultdict(list)
    by_pair: dict[tuple[str, str], list[RegisterRow]] = defaultdict(list)
    for row in rows:
        by_role[row.role_group].append(row)
        by_course[row.course_name].append(row)
        by_pair[row.role_group, row.course_name].append(row)
    roles = [role for role in RoleGroup if role.value in by_role]
    course_names = sorted(by_course, key=str.casefold)
    grid = [
        (
            role.label,
            [
                _figure(role.label, by_pair[role.value, name])
                if (role.value, name) in by_pair
                else None
                for name in course_names
            ],
        )
        for role in roles
    ]
    by_due = sorted(
        (row for row in rows if row.standing.due is not None),
        key=lambda row: (row.standing.due, row.person_name.casefold(), row.course_name),
    )
    return TrainingSummary(
        as_of=as_of,
        overall=_figure("All training needed", rows),
        by_role=[_figure(role.label, by_role[role.value]) for role in roles],
        by_course=[_figure(name, by_course[name]) for name in course_names],
        grid_courses=course_names,
        grid=grid,
        overdue=[row for row in by_due if row.standing.overdue],
        due_soon=[
            row
            for row in by_due
            if row.standing.state in (State.DUE_TODAY, State.DUE_SOON, State.NOT_DONE)
        ],
        people=len({row.person_id for row in rows}),
        courses=len(course_names),
        requirements=sum(len(group) for group in by_role.values()),
    )


def training_summary(
    period: ReviewPeriod | None = None, *, today: date | None = None
) -> TrainingSummary:
    """The figures for a review period (as on its last day once it has ended), or today.

    Read from the shared cache when it can be (``summary.py``); the section page, the
    dashboard and the annual review call this.
    """
    from .summary import cached_summary

    return cached_summary(as_of_date(period, today))


# --- Lists and one record -------------------------------------------------------------------


def person_list() -> QuerySet[Person]:
    return Person.objects.select_related("user").order_by("-active", "name", "pk")


def course_list() -> QuerySet[Course]:
    return (
        Course.objects.select_related("lead")
        .prefetch_related(
            Prefetch("requirements", queryset=TrainingRequirement.objects.order_by("role_group"))
        )
        .order_by("name")
    )


def person_completions(person: Person) -> QuerySet[Completion]:
    return person.completions.select_related("course", "recorded_by").order_by(
        "-completed_on", "course__name"
    )


@dataclass
class PersonStanding:
    course: Course
    standing: Standing
    required: bool = True
    completions: list[Completion] = field(default_factory=list)


def person_standing(person: Person, today: date | None = None) -> list[PersonStanding]:
    """Each course the person's role needs, with their standing on it (three queries)."""
    today = today or timezone.localdate()
    courses = list(
        Course.objects.filter(requirements__role_group=person.role_group).order_by("name")
    )
    latest = dict(
        person.completions.filter(completed_on__lte=today)
        .values("course_id")
        .annotate(last=Max("completed_on"))
        .order_by()
        .values_list("course_id", "last")
    )
    return [
        PersonStanding(
            course=course,
            standing=standing(
                start_date=person.start_date,
                last_completed=latest.get(course.pk),
                refresher_months=course.refresher_months,
                today=today,
            ),
        )
        for course in courses
    ]


def match_index() -> dict[str, dict[str, list[Person]]]:
    """People by employee ID, e-mail and name (case-folded), for an import to match rows."""
    index: dict[str, dict[str, list[Person]]] = {"employee_id": {}, "email": {}, "name": {}}
    for person in Person.objects.order_by("pk"):
        for key in ("employee_id", "email", "name"):
            value = getattr(person, key).strip().casefold()
            if value:
                index[key].setdefault(value, []).append(person)
    return index


def course_index() -> dict[str, Course]:
    return {course.name.strip().casefold(): course for course in Course.objects.all()}


def recorded_completions(person_ids: set[int]) -> set[tuple[int, int, date]]:
    """(person, course, date) of the completions already recorded for these people."""
    return set(
        Completion.objects.filter(person_id__in=person_ids).values_list(
            "person_id", "course_id", "completed_on"
        )
    )
