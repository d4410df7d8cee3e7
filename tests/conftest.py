"""Personas and shared fixtures: one user per role, plus an outsider with no role."""

import os
from importlib import import_module

os.environ.setdefault("DEBUG", "on")

import pytest
from django.apps import apps as django_apps
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.db.models.signals import post_migrate

from prevent_compliance.roles import Role

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


def _recreate_roles() -> None:
    """What the role data migrations made: the six groups and the Administrator's rights."""
    from django.contrib.auth.models import Group, Permission

    from prevent_compliance.roles import Role

    admin_rights = import_module("prevent_compliance.migrations.0003_administrator_permissions")
    for role in Role:
        Group.objects.get_or_create(name=role.value)
    administrator = Group.objects.get(name=Role.ADMINISTRATOR.value)
    for app_label, codename in admin_rights.ADMINISTRATOR_PERMISSIONS:
        permission = Permission.objects.filter(
            content_type__app_label=app_label, codename=codename
        ).first()
        if permission:
            administrator.permissions.add(permission)


@pytest.fixture
def roles_present(transactional_db):
    """Transactional tests (the PostgreSQL concurrency tests) empty every table when they
    end, including the role groups a data migration made, which later tests need. Make the
    groups now, and again straight after that flush (Django sends post_migrate after it)."""
    _recreate_roles()
    app = django_apps.get_app_config("prevent_compliance")

    def after_flush(sender, **kwargs):
        post_migrate.disconnect(after_flush, sender=app)
        _recreate_roles()

    post_migrate.connect(after_flush, sender=app, weak=False)


@pytest.fixture(autouse=True)
def _roles_survive_transactional_tests(request):
    """Every transactional test gets the role groups back after its flush (see roles_present)."""
    marker = request.node.get_closest_marker("django_db")
    transactional = (
        "transactional_db" in request.fixturenames or "live_server" in request.fixturenames
    )
    if marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    ):
        transactional = True
    if transactional:
        request.getfixturevalue("roles_present")


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
    if role == Role.COMMISSIONER:
        # Signing needs a recently confirmed register of interests (decisions/interests).
        from tests.interests.helpers import confirmed_register

        confirmed_register(user)
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
def deputy_chief_executive(db, django_user_model):
    """A second Chief Executive role holder: approves what the first one submitted (the
    person who submits the annual review may not approve it)."""
    return _make_user(django_user_model, "deputy.chief.executive", Role.CHIEF_EXECUTIVE)


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
def superuser(db, django_user_model):
    """A Django superuser (staff) with no role: the admin only, none of the roles' work.

    Not one of ``personas``: it is its own case (tests/toolkit/test_superuser.py and the
    permission matrix).
    """
    user = _make_user(django_user_model, "root", None)
    user.is_staff = user.is_superuser = True
    user.save()
    return user


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
    """The 2024 toolkit edition loaded from its YAML file (only that one: with no period open,
    the pages offer the newest edition, and the tests' sections are the 2024 edition's; the
    February 2024 edition has its own tests in tests/toolkit/test_editions.py).

    The rows are those ``seed_toolkit`` writes, inserted in a few statements after the first
    time (tests/fast_seed.py; tests/test_fast_seed.py proves they are the same)."""
    from tests.fast_seed import seed_first_edition
    from toolkit.models import ToolkitEdition

    seed_first_edition()
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
