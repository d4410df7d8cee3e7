"""The dashboard, the list of toolkit sections and a section's page."""

import re
from datetime import timedelta

from django.urls import reverse
from django.utils.html import escape

from tests.toolkit.helpers import rate_section
from toolkit.models import SectionAssessment

DASHBOARD_URL = reverse("toolkit:dashboard")
SECTIONS_URL = reverse("toolkit:section_list")


def _section_url(number):
    return reverse("toolkit:section_detail", kwargs={"number": number})


def _rating_rows(content: str) -> list[str]:
    """Each row of the ratings table, as text."""
    table = re.search(r'<table class="govuk-table app-rating-grid">.*?</table>', content, re.S)
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table.group(0), re.S)[1:]
    return [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in rows]


def test_dashboard_shows_every_section_with_its_rating_in_words(
    client_for, officer, auditor, period
):
    first = SectionAssessment.objects.get(period=period, section__number=1)
    rate_section(
        actor=officer, assessment=first, rating="partly_met", narrative="Board not quorate."
    )

    response = client_for(auditor).get(DASHBOARD_URL)

    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>Dashboard – Prevent Compliance – OPCC</title>" in content
    assert f"Review period {period.label}" in content
    rows = _rating_rows(content)
    assert len(rows) == 8
    assert rows[0].startswith("1. Multi-agency partnership group Partly met Amber: some but not")
    for row in rows[1:]:
        assert "Not assessed No rating has been given yet" in row


def test_dashboard_lists_overdue_actions_only(client_for, auditor, make_action, today):
    make_action(title="Due yesterday", due_date=today - timedelta(days=1))
    make_action(title="Due today", due_date=today)
    make_action(title="Done late", due_date=today - timedelta(days=5), status="done")
    make_action(title="Cancelled late", due_date=today - timedelta(days=5), status="cancelled")

    content = client_for(auditor).get(DASHBOARD_URL).content.decode()

    assert "Overdue actions (1)" in content
    assert "Due yesterday" in content
    for title in ("Due today", "Done late", "Cancelled late"):
        assert title not in content


def test_dashboard_links_to_all_overdue_actions_when_there_are_many(
    client_for, auditor, make_action, today
):
    for number in range(12):
        make_action(title=f"Late {number:02d}", due_date=today - timedelta(days=number + 1))
    content = client_for(auditor).get(DASHBOARD_URL).content.decode()
    assert "Overdue actions (12)" in content
    assert len(re.findall(r'href="/actions/[0-9a-f-]{36}/"', content)) == 10
    assert 'href="/actions/?overdue=yes">See all 12 overdue actions' in content


def test_dashboard_lists_evidence_past_or_near_review(client_for, auditor, make_evidence, today):
    def make(title, days):
        make_evidence(
            title=title,
            url=f"https://example.org/{days}",
            effective_date=today - timedelta(days=400),
            review_by=today + timedelta(days=days),
        )

    make("Past review", -1)
    make("Review in 30 days", 30)
    make("Review in 31 days", 31)

    content = client_for(auditor).get(DASHBOARD_URL).content.decode()

    assert "Evidence due for review (2)" in content
    assert "Past review" in content
    assert "(overdue)" in content
    assert "Review in 30 days" in content
    assert "Review in 31 days" not in content


def test_dashboard_without_a_review_period(client_for, auditor, toolkit):
    content = client_for(auditor).get(DASHBOARD_URL).content.decode()
    assert "There is no review period yet" in content
    rows = _rating_rows(content)
    assert len(rows) == 8
    assert all("Not assessed No review period is open" in row for row in rows)
    assert "No action is overdue." in content


def test_dashboard_before_the_toolkit_is_loaded(client_for, auditor):
    content = client_for(auditor).get(DASHBOARD_URL).content.decode()
    assert "The toolkit has not been loaded" in content


def test_section_list_counts_evidence_and_open_actions(
    client_for, auditor, make_evidence, make_action, section, other_section, today
):
    make_evidence(
        title="Both sections", url="https://example.org/a", sections=[section, other_section]
    )
    make_evidence(title="First only", url="https://example.org/b")
    make_action(title="Open")
    make_action(title="In progress", status="in_progress")
    make_action(title="Finished", status="done")

    response = client_for(auditor).get(SECTIONS_URL)

    content = response.content.decode()
    assert "<title>Toolkit sections – " in content
    rows = _rating_rows(content)
    assert rows[0].endswith(" 2 2"), rows[0]
    assert rows[1].endswith(" 1 0"), rows[1]
    assert rows[2].endswith(" 0 0"), rows[2]


def test_section_page_shows_criteria_evidence_and_actions_of_that_section_only(
    client_for, auditor, make_evidence, make_action, section, other_section
):
    criterion = section.criteria.get(number=2)
    make_evidence(title="Board minutes", url="https://example.org/a", criteria=[criterion])
    make_evidence(title="Risk register", url="https://example.org/b", sections=[other_section])
    make_action(title="Refresh the terms")
    make_action(title="Brief on the CTLP", section=other_section)

    response = client_for(auditor).get(_section_url(1))

    content = response.content.decode()
    assert response.status_code == 200
    assert "<title>1. Multi-agency partnership group – " in content
    assert 'aria-current="page">Section 1</li>' in content
    for item in section.criteria.all():
        assert f'<h3 class="govuk-summary-card__title">{item.code} {escape(item.text)}</h3>' in (
            content
        )
    assert "Should (expected by guidance)" in content
    assert "Board minutes" in content
    assert "Risk register" not in content
    assert "Refresh the terms" in content
    assert "Brief on the CTLP" not in content
    counts = {
        row["criterion"].number: len(row["evidence"]) for row in response.context["criterion_rows"]
    }
    assert counts[2] == 1
    assert counts[1] == 0


def test_officer_gets_a_link_to_raise_an_action_for_the_section(client_for, officer, period):
    content = client_for(officer).get(_section_url(4)).content.decode()
    assert 'href="/actions/new/?section=4"' in content


def test_section_page_without_a_period_says_there_is_no_rating(client_for, auditor, toolkit):
    content = client_for(auditor).get(_section_url(1)).content.decode()
    assert "There is no review period yet, so this section has no rating." in content
