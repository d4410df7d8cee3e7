"""An auditor downloads the audit pack; a member of the public finds and reads a decision;
an officer records evidence with the keyboard alone."""

import io
import zipfile
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.decisions.helpers import advance, complete_sections, make_draft
from toolkit.models import Evidence

from .conftest import keyboard_choose, keyboard_fill, keyboard_submit, keyboard_tick

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    """The live server builds the pack in the request instead of waiting for a worker."""
    settings.TASKS = IMMEDIATE


def test_auditor_downloads_the_audit_pack_from_the_review_period(
    journey, period, auditor, immediate_tasks, e2e_password
):
    j = journey("auditor")
    page = j.sign_in("auditor", e2e_password)
    page.get_by_role("link", name="Review periods").first.click()
    page.wait_for_load_state()
    j.check()
    page.get_by_role("link", name=period.label).first.click()
    page.wait_for_load_state()
    j.check()
    page.get_by_role("button", name="Build the audit pack").click()
    page.wait_for_load_state()
    j.check()
    with page.expect_download() as info:
        page.get_by_role("button", name="Download").click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    with open(download.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert archive.testzip() is None
    assert any("manifest" in name.lower() for name in archive.namelist())


def test_member_of_the_public_finds_a_decision_by_search_and_reads_it(journey, personas):
    decision = make_draft(
        personas,
        title="Grant for community cohesion projects",
        summary="The Commissioner awards a grant for cohesion work in schools.",
    )
    complete_sections(decision, actor=personas["officer"])
    advance(decision, personas, "public")
    other = make_draft(personas, title="Fleet replacement", summary="New patrol cars.")
    complete_sections(other, actor=personas["officer"])
    advance(other, personas, "public")

    j = journey("public")
    page = j.goto("/public/decisions/")
    keyboard_fill(page, "#q", "cohesion")
    keyboard_submit(page)
    j.check()
    assert page.get_by_role("link", name="Grant for community cohesion projects").is_visible()
    assert page.get_by_role("link", name="Fleet replacement").count() == 0
    page.get_by_role("link", name="Grant for community cohesion projects").click()
    page.wait_for_load_state()
    j.check()
    assert page.get_by_role("heading", name="Grant for community cohesion projects").is_visible()
    assert page.get_by_text("awards a grant for cohesion work in schools").first.is_visible()


def test_officer_records_evidence_with_the_keyboard_alone(journey, period, officer, e2e_password):
    j = journey("keyboard")
    page = j.sign_in("officer", e2e_password)
    page = j.goto("/evidence/new/")
    keyboard_fill(page, "#id_title", "Channel panel assurance letter")
    keyboard_choose(page, "kind", "correspondence")
    keyboard_fill(page, "#id_url", "https://example.org/channel-letter")
    day = timezone.localdate() - timedelta(days=3)
    keyboard_fill(page, "#id_effective_date_0", str(day.day))
    keyboard_fill(page, "#id_effective_date_1", str(day.month))
    keyboard_fill(page, "#id_effective_date_2", str(day.year))
    keyboard_tick(page, "input[name='sections']")
    keyboard_submit(page, ".govuk-button[type=submit]")
    j.check()
    evidence = Evidence.objects.get(title="Channel panel assurance letter")
    assert evidence.url == "https://example.org/channel-letter"
    assert evidence.kind == "correspondence" and evidence.effective_date == day
    assert evidence.sections.count() == 1
