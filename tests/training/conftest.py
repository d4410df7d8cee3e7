from datetime import timedelta

import pytest
from django.utils import timezone

from toolkit.training import services
from toolkit.training.models import Course, RoleGroup


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def course(officer):
    """Prevent awareness, refreshed every 12 months, needed by OPCC staff."""
    return services.course_create(
        actor=officer,
        name="Prevent awareness",
        kind=Course.Kind.AWARENESS,
        refresher_months=12,
        role_groups=[RoleGroup.STAFF],
    )


@pytest.fixture
def make_person(officer, today):
    def make(name="Ada Lovelace", **fields):
        values = {"role_group": RoleGroup.STAFF, "start_date": today - timedelta(days=400)}
        values.update(fields)
        return services.person_create(actor=officer, name=name, **values)

    return make


@pytest.fixture
def person(make_person):
    return make_person()
