"""The training pages run the same number of queries whatever the number of records."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from toolkit.training.models import Completion, Course, Person, RoleGroup, TrainingRequirement

MAX_QUERIES = 12


def _grow(officer, today, units: int, offset: int) -> None:
    """Per unit: 10 people across the role groups, 2 courses, about 25 completions."""
    roles = list(RoleGroup)
    for unit in range(offset, offset + units):
        courses = [
            Course.objects.create(name=f"Course {unit}-{n}", kind="other", refresher_months=12)
            for n in range(2)
        ]
        for course in courses:
            TrainingRequirement.objects.bulk_create(
                TrainingRequirement(course=course, role_group=role) for role in roles[:3]
            )
        people = Person.objects.bulk_create(
            Person(
                name=f"Person {unit}-{n}",
                role_group=roles[n % len(roles)],
                start_date=today - timedelta(days=900),
            )
            for n in range(10)
        )
        Completion.objects.bulk_create(
            Completion(
                person=person,
                course=course,
                completed_on=today - timedelta(days=30 * (n + 1) + 200 * k),
                recorded_by=officer,
            )
            for n, person in enumerate(people)
            for course in courses
            for k in range(1 + n % 2)
        )


def _count(client, urls) -> dict[str, int]:
    counts = {}
    for url in urls:
        assert client.get(url).status_code == 200, url  # warm the session
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, url
        counts[url] = len(queries)
    return counts


@pytest.mark.django_db
def test_training_pages_query_counts_are_flat(client_for, officer, today):
    client = client_for(officer)
    _grow(officer, today, 1, 0)
    person = Person.objects.order_by("pk").first()
    urls = [
        reverse("training:overview"),
        reverse("training:person_list"),
        reverse("training:course_list"),
        reverse("training:person_detail", args=[person.public_id]),
        reverse("training:register_export"),
        reverse("toolkit:dashboard"),
    ]
    small = _count(client, urls)
    _grow(officer, today, 3, 1)
    large = _count(client, urls)
    assert Person.objects.count() == 40 and Completion.objects.count() > 100
    assert small == large, "queries per page changed as the data grew fourfold"
    # The dashboard's bound is guarded by tests/perf/test_query_counts.py, with its own data.
    training_pages = {url: n for url, n in large.items() if url.startswith("/training/")}
    assert max(training_pages.values()) <= MAX_QUERIES, large
