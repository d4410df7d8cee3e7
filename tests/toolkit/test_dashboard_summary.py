"""The dashboard's counts come from the shared cache (toolkit/summary.py) and are never stale.

Transactional tests: the summary is only cached outside a transaction, as on a live server
(ATOMIC_REQUESTS is off), so these tests commit for real. Each change goes through a service,
which forgets the summary at once and again on commit.
"""

import io
import re
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from prevent_compliance.devdata import scale
from toolkit import services, summary
from toolkit.models import Action, Evidence, ReviewPeriod

pytestmark = pytest.mark.django_db(transaction=True)


class Rollback(Exception):
    """Raised to roll a transaction back on purpose."""


@pytest.fixture
def today():
    return timezone.localdate()


@pytest.fixture
def section(period):
    return period.edition.sections.order_by("number").first()


def _evidence(officer, section, today, **overrides):
    values = {
        "actor": officer,
        "title": "Channel panel minutes",
        "kind": "minutes",
        "effective_date": today - timedelta(days=5),
        "review_by": today + timedelta(days=200),
        "sections": [section],
        "url": "https://example.org/minutes",
    }
    return services.evidence_create(**(values | overrides))


def _action(officer, period, section, today, **overrides):
    values = {
        "actor": officer,
        "period": period,
        "title": "Train the front desk",
        "section": section,
        "owner": officer,
        "due_date": today + timedelta(days=30),
    }
    return services.action_create(**(values | overrides))


def _counts(period, today):
    return summary.dashboard_counts(period, today)


def _page_counts(client) -> dict[str, str]:
    """Section 1's evidence and open-action cells and the two headline totals, as shown."""
    response = client.get("/")
    assert response.status_code == 200
    page = response.content.decode()
    row = re.search(r'href="/toolkit/1/">1\..*?</tr>', page, re.S).group(0)
    evidence, actions = re.findall(r"govuk-table__cell--numeric\">(\d+)<", row)
    return {
        "evidence": evidence,
        "actions": actions,
        "overdue": re.search(r"Overdue actions \((\d+)\)", page).group(1),
        "review due": re.search(r"Evidence due for review \((\d+)\)", page).group(1),
    }


def test_the_counts_are_read_from_the_cache_once_computed(
    period, section, officer, today, django_assert_num_queries
):
    _evidence(officer, section, today)
    first = _counts(period, today)
    assert first.evidence[section.pk] == 1

    with django_assert_num_queries(0):
        again = _counts(period, today)
    assert again == first
    # A change behind the services' back is not seen: the answer really is the cached one
    # (which is why every write to these records goes through a service).
    Evidence.periods.through.objects.all().delete()
    assert _counts(period, today).evidence[section.pk] == 1
    assert summary.compute(period, today).evidence[section.pk] == 0


def test_a_write_and_a_read_in_one_transaction_see_the_write(period, section, officer, today):
    before = _counts(period, today)  # cached, outside any transaction
    assert before.evidence.get(section.pk, 0) == 0

    with transaction.atomic():
        _evidence(officer, section, today)
        _action(officer, period, section, today)
        inside = _counts(period, today)
        assert inside.evidence[section.pk] == 1
        assert inside.live_actions[section.pk] == 1

    after = _counts(period, today)
    assert (after.evidence[section.pk], after.live_actions[section.pk]) == (1, 1)
    assert after == summary.compute(period, today)


def test_a_rolled_back_write_leaves_no_counts_behind(period, section, officer, today):
    _counts(period, today)
    with pytest.raises(Rollback), transaction.atomic():
        _evidence(officer, section, today)
        assert _counts(period, today).evidence[section.pk] == 1  # its own write, uncommitted
        raise Rollback

    assert not Evidence.objects.exists()
    assert _counts(period, today).evidence.get(section.pk, 0) == 0


def test_the_page_shows_each_change_on_the_next_request(client, period, section, officer, today):
    client.force_login(officer)
    assert _page_counts(client) == {
        "evidence": "0",
        "actions": "0",
        "overdue": "0",
        "review due": "0",
    }

    evidence = _evidence(officer, section, today)
    assert _page_counts(client)["evidence"] == "1"

    services.evidence_update(actor=officer, evidence=evidence, review_by=today + timedelta(days=3))
    assert _page_counts(client)["review due"] == "1"

    services.evidence_update(actor=officer, evidence=evidence, sections=[])
    assert _page_counts(client)["evidence"] == "0"

    action = _action(officer, period, section, today)
    assert _page_counts(client)["actions"] == "1"

    services.action_update(actor=officer, action=action, due_date=today - timedelta(days=1))
    shown = _page_counts(client)
    assert (shown["actions"], shown["overdue"]) == ("1", "1")
    assert "Train the front desk" in client.get("/").content.decode()

    services.action_update(actor=officer, action=action, status=Action.Status.DONE)
    shown = _page_counts(client)
    assert (shown["actions"], shown["overdue"]) == ("0", "0")
    assert "Train the front desk" not in client.get("/").content.decode()


def test_new_guidance_and_its_reconfirmation_show_at_once(client, period, officer, today):
    client.force_login(officer)
    assert 'data-testid="guidance-flag"' not in client.get("/").content.decode()

    services.guidance_record(
        actor=officer,
        kind="guidance",
        title="Revised Prevent duty guidance",
        published_on=today,
    )
    assert "Revised Prevent duty guidance was recorded" in client.get("/").content.decode()

    services.review_period_reconfirm(actor=officer, period=period)
    assert 'data-testid="guidance-flag"' not in client.get("/").content.decode()


def test_the_scale_generator_keeps_the_cached_counts_right(toolkit, today):
    assert summary.dashboard_counts(None, today) == summary.compute(None, today)
    scale.generate(1, stream=io.StringIO(), sizes={"evidence": 20, "actions": 15, "decisions": 5})

    period = ReviewPeriod.objects.current()
    cached = summary.dashboard_counts(period, today)
    assert cached == summary.compute(period, today)
    assert sum(cached.evidence.values()) > 0
    # The counts before the data were cached for "no period": they are gone, not reused.
    assert summary.dashboard_counts(None, today) == summary.compute(None, today)
