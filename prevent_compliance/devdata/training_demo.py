"""Demonstration training records: courses with a needs analysis, people, completions.

Called by ``toolkit_demo.load``; idempotent (each record is looked up by name first). The
figures it leaves show every state: in date, due soon, overdue and never completed.
"""

from datetime import timedelta

from django.utils import timezone

from prevent_compliance.uploads import validate_upload
from toolkit.training import services
from toolkit.training.models import Completion, Course, Person, RoleGroup

from .files import demo_upload

EVERYONE = [RoleGroup.STAFF, RoleGroup.CONTRACTOR, RoleGroup.SENIOR]
LEADERS = [RoleGroup.SENIOR, RoleGroup.COMMISSIONER, RoleGroup.DEPUTY]

# name, kind, provider, refresher months, role groups that need it
COURSES = [
    ("Prevent awareness e-learning", Course.Kind.AWARENESS, "Home Office", 24, EVERYONE + LEADERS),
    ("Prevent referrals e-learning", Course.Kind.REFERRALS, "Home Office", 24, [RoleGroup.STAFF]),
    ("Channel and PMAP awareness", Course.Kind.CHANNEL, "Home Office", 36, [RoleGroup.SENIOR]),
    ("Prevent for strategic leads", Course.Kind.LEADERSHIP, "Regional Prevent team", 12, LEADERS),
]

# name, job title, role group, days since starting, demo username of their account
PEOPLE = [
    ("Olivia Okafor", "Policy and scrutiny officer", RoleGroup.STAFF, 1400, "officer"),
    ("Chloe Evans", "Chief Executive", RoleGroup.SENIOR, 2000, "chief.executive"),
    ("Connor Marsh", "Police and Crime Commissioner", RoleGroup.COMMISSIONER, 900, "commissioner"),
    ("Dana Price", "Deputy Police and Crime Commissioner", RoleGroup.DEPUTY, 700, None),
    ("Tom Tranter", "Treasurer", RoleGroup.SENIOR, 1600, "treasurer"),
    ("Priya Shah", "Commissioning officer", RoleGroup.STAFF, 500, None),
    ("Ben Hughes", "Communications officer", RoleGroup.STAFF, 60, None),
    ("Sam Carter", "Grants assessor (contractor)", RoleGroup.CONTRACTOR, 200, None),
]

# person, course, days ago, with a certificate
COMPLETIONS = [
    ("Olivia Okafor", "Prevent awareness e-learning", 300, True),
    ("Olivia Okafor", "Prevent referrals e-learning", 715, False),  # refresher due soon
    ("Chloe Evans", "Prevent awareness e-learning", 200, True),
    ("Chloe Evans", "Prevent for strategic leads", 400, False),  # refresher overdue
    ("Chloe Evans", "Channel and PMAP awareness", 100, True),
    ("Connor Marsh", "Prevent awareness e-learning", 150, False),
    ("Connor Marsh", "Prevent for strategic leads", 90, True),
    ("Tom Tranter", "Prevent awareness e-learning", 800, False),  # refresher overdue
    ("Priya Shah", "Prevent awareness e-learning", 120, False),
    ("Priya Shah", "Prevent referrals e-learning", 120, False),
    ("Sam Carter", "Prevent awareness e-learning", 30, True),
]


def load(users: dict) -> None:
    officer = users["officer"]
    today = timezone.localdate()
    courses = {}
    for name, kind, provider, months, groups in COURSES:
        course = Course.objects.filter(name=name).first() or services.course_create(
            actor=officer,
            name=name,
            kind=kind,
            provider=provider,
            refresher_months=months,
            role_groups=[g.value for g in groups],
        )
        courses[name] = course
    people = {}
    for name, job_title, group, days, username in PEOPLE:
        person = Person.objects.filter(name=name).first() or services.person_create(
            actor=officer,
            name=name,
            job_title=job_title,
            role_group=group,
            start_date=today - timedelta(days=days),
            user=users.get(username) if username else None,
        )
        people[name] = person
    for name, course_name, days, certificate in COMPLETIONS:
        person, course = people[name], courses[course_name]
        completed_on = today - timedelta(days=days)
        if Completion.objects.filter(person=person, course=course).exists():
            continue
        upload = demo_upload(f"{course_name} certificate.pdf", f"{name}: {course_name}")
        services.completion_record(
            actor=officer,
            person=person,
            course=course,
            completed_on=completed_on,
            upload=upload if certificate else None,
            upload_info=validate_upload(upload) if certificate else None,
        )
