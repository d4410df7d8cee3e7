"""Fixtures for decision records: drafts, records in each state, and the real WPCC4-0028."""

from importlib import import_module

import pytest
from django.apps import apps as django_apps
from django.db.models.signals import post_migrate

from decisions.importer import decisions_import, validate_import
from decisions.reference_record import WPCC4_0028
from tests.prevent_compliance.two_factor import sign_in_verified

from .helpers import advance, complete_sections, make_draft


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Signing re-checks the password; the default hasher would make each check ~0.5 s."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def client_for(client):
    """A test client signed in as the user, with the session's one-time code confirmed, as
    the Commissioner and Chief Executive need before they approve or sign (None: anonymous).
    """

    def sign_in(user):
        client.logout()
        if user is not None:
            sign_in_verified(client, user)
        return client

    return sign_in


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


@pytest.fixture
def make_decision(personas):
    """make_decision("awaiting_signature", confidentiality=..., withheld=5, secret=MARKER)."""

    def build(to: str = "draft", *, withheld: int | None = None, secret: str = "", **fields):
        decision = make_draft(personas, **fields)
        complete_sections(decision, actor=personas["officer"], withheld=withheld, secret=secret)
        return advance(decision, personas, to)

    return build


@pytest.fixture
def wpcc4_0028(toolkit, commissioner):
    """The real record, imported word for word and linked to the Commissioner."""
    [decision] = decisions_import(
        records=validate_import([WPCC4_0028]), signed_by_user=commissioner
    )
    return decision
