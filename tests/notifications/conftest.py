"""Fixtures for "waiting for you" and the workflow e-mails: decisions in any state, clients."""

import pytest

from tests.decisions.helpers import advance, complete_sections, make_draft
from tests.prevent_compliance.two_factor import sign_in_verified

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def client_for(client):
    """A client signed in with the session's one-time code confirmed (None: anonymous)."""

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
def immediate_tasks(settings):
    """Tasks run as soon as they are queued (after the commit), as a worker would."""
    settings.TASKS = IMMEDIATE
