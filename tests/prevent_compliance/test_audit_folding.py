"""One user action is one entry in the audit log and on the History page: the history rows
that many-to-many links add to a save are folded into it, and each entry names its record."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from decisions import services as decision_services
from prevent_compliance.audit.folding import FOLD_WINDOW
from prevent_compliance.audit.registry import history_url
from prevent_compliance.audit.selectors import AuditLog, LogFilters
from toolkit import services
from toolkit.models import Evidence, Section


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def sections(toolkit):
    return list(Section.objects.filter(edition=toolkit).order_by("number")[:2])


@pytest.fixture
def minutes(officer, sections, period):
    """Evidence added through the service, with sections, a criterion and the period."""
    return services.evidence_create(
        actor=officer,
        title="Partnership minutes",
        kind=Evidence.Kind.MINUTES,
        effective_date=date(2025, 5, 1),
        sections=[sections[0]],
        criteria=[sections[0].criteria.order_by("number").first()],
        url="https://opcc.example/minutes",
    )


def _evidence_rows(**filters):
    rows = AuditLog(LogFilters(record_type="evidence", **filters)).rows(limit=100)
    return rows


def test_the_raw_history_has_a_row_per_link_but_the_log_one_entry(minutes):
    assert minutes.history.count() >= 3  # the save, then one row per link set
    [row] = _evidence_rows()
    assert row["kind"] == "Created"
    assert row["record_name"] == "Evidence ‘Partnership minutes’"
    assert row["reason"] == "Evidence added"


def test_a_change_with_its_links_is_one_entry_and_a_later_save_another(minutes, officer, sections):
    services.evidence_update(
        actor=officer, evidence=minutes, sections=list(sections), title="Partnership minutes May"
    )
    minutes.refresh_from_db()
    services.evidence_update(actor=officer, evidence=minutes, description="Second edit.")
    rows = _evidence_rows()
    assert [row["kind"] for row in rows] == ["Changed", "Changed", "Created"]
    # Each names the record as it was called at that moment.
    assert rows[-1]["record_name"] == "Evidence ‘Partnership minutes’"
    assert rows[0]["record_name"] == "Evidence ‘Partnership minutes May’"


def test_the_history_page_shows_one_entry_per_action_with_the_links_in_it(
    client_for, officer, minutes, sections
):
    services.evidence_update(actor=officer, evidence=minutes, sections=list(sections))
    page = client_for(officer).get(history_url(minutes)).content.decode()
    entries = re.findall(r'<h2 class="govuk-heading-s[^"]*"[^>]*>.*?</h2>', page, re.S)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert text.count("Created") == 1, entries
    assert text.count("Changed") == 1
    assert sections[1].title in text  # the added section is shown in the change itself


def test_a_link_changed_on_its_own_long_after_stays_its_own_entry(minutes, sections, officer):
    """The rows of one save are folded; a link set later, with no new save, is its own."""
    history = minutes.history.model
    history.objects.filter(id=minutes.pk).update(
        history_date=history.objects.get(id=minutes.pk, history_type="+").history_date
        - 2 * FOLD_WINDOW
    )
    # Every row now shares one instant two windows back; the creation row moves further.
    created = history.objects.get(id=minutes.pk, history_type="+")
    created.history_date -= 3 * FOLD_WINDOW
    created.save()
    kinds = [row["kind"] for row in _evidence_rows()]
    assert kinds == ["Changed", "Created"]


def test_a_decision_entry_names_its_reference(personas, toolkit):
    decision = decision_services.decision_create(
        actor=personas["officer"],
        title="Prevent training for OPCC staff",
        lead_officer="Richard Long",
        decision_date=date(2025, 5, 1),
        summary="The Commissioner approves the training plan.",
        toolkit_sections=list(toolkit.sections.all()[:2]),
    )
    rows = AuditLog(LogFilters(record_type="decision")).rows(limit=10)
    assert rows and all(
        row["record_name"] == f"Decision {decision.reference} ‘Prevent training for OPCC staff’"
        for row in rows
    )
    assert len(rows) == 1, [row["kind"] for row in rows]


def test_the_log_page_shows_the_names_and_costs_the_same(client_for, auditor, officer, minutes):
    client = client_for(auditor)
    client.get(reverse("audit:log"))
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("audit:log")).content.decode()
    assert "Evidence ‘Partnership minutes’" in page
    for number in range(15):
        services.evidence_update(
            actor=officer,
            evidence=Evidence.objects.get(pk=minutes.pk),
            description=f"Edit {number}",
            review_by=date(2026, 1, 1) + timedelta(days=number),
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("audit:log"))

    # The log's own reads (other parts of the page, such as the navigation's counts, cache).
    def log_reads(queries):
        return [q["sql"] for q in queries.captured_queries if '"log_at"' in q["sql"]]

    assert len(log_reads(many)) == len(log_reads(few)) == 1
