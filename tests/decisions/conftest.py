"""Fixtures for decision records: drafts, records in each state, and the real WPCC4-0028."""

import pytest

from decisions.importer import validate_import
from decisions.services import decisions_import
from prevent_compliance.devdata.wpcc4_0028 import WPCC4_0028
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
