"""Toolkit records built through the services, as an officer would create them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from prevent_compliance.uploads import validate_upload
from tests.prevent_compliance.samples import pdf_bytes, upload
from toolkit import services
from toolkit.models import Section


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Personas are created in almost every test; the production hasher would take seconds."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def section(toolkit):
    return Section.objects.get(edition=toolkit, number=1)


@pytest.fixture
def other_section(toolkit):
    return Section.objects.get(edition=toolkit, number=2)


@pytest.fixture
def make_evidence(officer, period, section, today):
    """Create evidence through the service; a PDF file unless a url is given."""

    def make(**overrides):
        values = {
            "actor": officer,
            "title": "Partnership board minutes",
            "kind": "minutes",
            "effective_date": today - timedelta(days=30),
            "review_by": today + timedelta(days=300),
            "sections": [section],
        }
        values.update(overrides)
        if not values.get("url") and "upload" not in values:
            file = upload("board-minutes.pdf", pdf_bytes())
            values.update(upload=file, upload_info=validate_upload(file))
        return services.evidence_create(**values)

    return make


@pytest.fixture
def evidence(make_evidence):
    """Evidence with a stored PDF file."""
    return make_evidence()


@pytest.fixture
def link_evidence(make_evidence):
    return make_evidence(title="Prevent page on the council website", url="https://example.org/p")


@pytest.fixture
def make_action(officer, period, section, today):
    def make(**overrides):
        values = {
            "actor": officer,
            "period": period,
            "title": "Refresh the board's terms of reference",
            "section": section,
            "owner": officer,
            "due_date": today + timedelta(days=14),
        }
        values.update(overrides)
        return services.action_create(**values)

    return make


@pytest.fixture
def action(make_action):
    return make_action()
