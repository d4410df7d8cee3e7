"""Personas and shared fixtures: one user per role, plus an outsider with no role."""

import os

os.environ.setdefault("DEBUG", "on")

import pytest  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402

from prevent_compliance.roles import Role  # noqa: E402

PASSWORD = "correct-horse-battery-staple"


def pytest_collection_modifyitems(config, items):
    """Run real-browser journeys last: Playwright keeps an event loop open once started."""
    items.sort(key=lambda item: "tests/e2e/" in str(item.fspath))


@pytest.fixture(autouse=True)
def _isolated(settings, tmp_path):
    """Each test gets its own media folder and an empty cache (the profile is cached).

    Passwords use a fast hasher: the production one costs ~0.3 s per user created or
    checked, which would dominate the suite's time without testing anything of ours.
    """
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()
    yield
    cache.clear()


def _make_user(django_user_model, username: str, role: Role | None):
    user = django_user_model.objects.create_user(
        username=username,
        password=PASSWORD,
        first_name=username.split(".")[0].title(),
        last_name="Tester",
        email=f"{username}@opcc.test",
    )
    if role:
        user.groups.add(Group.objects.get(name=role.value))
    return user


@pytest.fixture
def officer(db, django_user_model):
    return _make_user(django_user_model, "officer", Role.OFFICER)


@pytest.fixture
def treasurer(db, django_user_model):
    return _make_user(django_user_model, "treasurer", Role.TREASURER)


@pytest.fixture
def chief_executive(db, django_user_model):
    return _make_user(django_user_model, "chief.executive", Role.CHIEF_EXECUTIVE)


@pytest.fixture
def commissioner(db, django_user_model):
    return _make_user(django_user_model, "commissioner", Role.COMMISSIONER)


@pytest.fixture
def auditor(db, django_user_model):
    return _make_user(django_user_model, "auditor", Role.AUDITOR)


@pytest.fixture
def administrator(db, django_user_model):
    user = _make_user(django_user_model, "admin", Role.ADMINISTRATOR)
    user.is_staff = True
    user.save()
    return user


@pytest.fixture
def outsider(db, django_user_model):
    """Signed in, but holds no role: must be refused everywhere."""
    return _make_user(django_user_model, "outsider", None)


@pytest.fixture
def personas(officer, treasurer, chief_executive, commissioner, auditor, administrator, outsider):
    return {
        "officer": officer,
        "treasurer": treasurer,
        "chief_executive": chief_executive,
        "commissioner": commissioner,
        "auditor": auditor,
        "administrator": administrator,
        "outsider": outsider,
    }


@pytest.fixture
def toolkit(db):
    """The 2024 toolkit edition loaded from its YAML file."""
    from toolkit.models import ToolkitEdition

    call_command("seed_toolkit", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    return ToolkitEdition.objects.get(code="2024")


@pytest.fixture
def period(toolkit, officer):
    """The review period covering today, with a 'Not assessed' assessment per section."""
    from datetime import date

    from django.utils import timezone

    from toolkit.services import review_period_create

    today = timezone.localdate()
    year = today.year if today.month >= 4 else today.year - 1
    return review_period_create(
        actor=officer,
        label=f"{year}/{str(year + 1)[-2:]}",
        start_date=date(year, 4, 1),
        end_date=date(year + 1, 3, 31),
        edition=toolkit,
    )


@pytest.fixture
def client_for(client):
    """Return a test client signed in as the given user (or anonymous for None)."""

    def sign_in(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return sign_in
