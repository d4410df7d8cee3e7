"""'Waiting for you' on the dashboard and the count in the navigation, role by role."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from decisions import services as decision_services
from decisions.models import Decision
from decisions.waiting import whose_step
from prevent_compliance import waiting
from prevent_compliance.models import LastVisit
from prevent_compliance.roles import Role
from tests.conftest import PASSWORD, _make_user
from toolkit import services as toolkit_services
from toolkit.models import ExportJob, ReviewPeriod

pytestmark = pytest.mark.django_db

ROLES = ("officer", "treasurer", "chief_executive", "commissioner", "auditor", "administrator")


def _panel(client) -> str:
    html = client.get(reverse("toolkit:dashboard")).content.decode()
    start = html.index('data-testid="waiting-for-you"')
    return html[start : html.index("</section>", start)]


def _links(panel: str) -> list[str]:
    return re.findall(r'<li><a class="govuk-link" href="([^"]+)"', panel)


def _kinds(user) -> dict[str, int]:
    return {g.kind: g.total for g in waiting.waiting_for(user)}


def _everyone_but(personas, *names):
    return [personas[r] for r in ROLES if r not in names]


def test_treasurer_and_chief_executive_see_decisions_without_their_comment(
    personas, make_decision, client_for
):
    decision = make_decision("consultation")
    for role, route in (
        ("treasurer", "decisions:comment_treasurer"),
        ("chief_executive", "decisions:comment_chief_executive"),
    ):
        panel = _panel(client_for(personas[role]))
        url = reverse(route, args=[decision.reference])
        assert _links(panel) == [url]
        assert client_for(personas[role]).get(url).status_code == 200, "the step page opens"
    # Once the Treasurer has commented, it waits for the Chief Executive only.
    decision_services.decision_comment_treasurer(
        actor=personas["treasurer"], decision=decision, comments="Fine."
    )
    assert _kinds(personas["treasurer"]) == {}
    assert _kinds(personas["chief_executive"]) == {"comment-chief-executive": 1}
    for user in _everyone_but(personas, "treasurer", "chief_executive"):
        assert "comment-treasurer" not in _kinds(user)
        assert "comment-chief-executive" not in _kinds(user)


def test_chief_executive_sees_decisions_awaiting_approval(personas, make_decision, client_for):
    decision = make_decision("awaiting_approval")
    client = client_for(personas["chief_executive"])
    panel = _panel(client)
    approve = reverse("decisions:approve", args=[decision.reference])
    assert _links(panel) == [approve]
    assert "Decisions waiting for your approval (1)" in panel
    page = client.get(approve)
    assert page.status_code == 200, "the approve step's check page opens"
    for user in _everyone_but(personas, "chief_executive"):
        assert "approve" not in _kinds(user)


def test_commissioner_sees_decisions_awaiting_signature(personas, make_decision, client_for):
    decision = make_decision("awaiting_signature")
    client = client_for(personas["commissioner"])
    sign = reverse("decisions:sign", args=[decision.reference])
    assert _links(_panel(client)) == [sign]
    assert client.get(sign).status_code == 200
    for user in _everyone_but(personas, "commissioner"):
        assert "sign" not in _kinds(user)


def test_officer_sees_a_decision_returned_to_them(personas, make_decision, client_for):
    decision = make_decision("awaiting_approval")
    decision_services.decision_return(
        actor=personas["chief_executive"], decision=decision, reason="Add the costs."
    )
    client = client_for(personas["officer"])
    detail = reverse("decisions:detail", args=[decision.reference])
    assert _links(_panel(client)) == [detail]
    page = client.get(detail).content.decode()
    assert "Add the costs." in page, "the reason it was returned"
    assert reverse("decisions:edit", args=[decision.reference]) in page
    assert client.get(reverse("decisions:edit", args=[decision.reference])).status_code == 200
    # Not another officer's: only the one who drafted it.
    other = _make_user(get_user_model(), "other.officer", Role.OFFICER)
    assert "returned" not in _kinds(other)
    # A draft nobody returned is not "waiting".
    make_decision("draft", title="Fresh draft")
    assert _kinds(personas["officer"])["returned"] == 1


def test_officer_sees_own_overdue_actions_and_evidence_due(personas, period, client_for):
    officer = personas["officer"]
    section = period.edition.sections.get(number=1)
    today = timezone.localdate()
    late = toolkit_services.action_create(
        actor=officer,
        title="Refresh the terms of reference",
        section=section,
        owner=officer,
        due_date=today - timedelta(days=3),
        period=period,
    )
    toolkit_services.action_create(
        actor=officer,
        title="Not yet due",
        section=section,
        owner=officer,
        due_date=today + timedelta(days=30),
        period=period,
    )
    evidence = toolkit_services.evidence_create(
        actor=officer,
        title="Partnership minutes",
        kind="web_page",
        url="https://example.org/minutes",
        effective_date=today - timedelta(days=300),
        review_by=today + timedelta(days=10),
        sections=[section],
        periods=[period],
    )
    client = client_for(officer)
    links = _links(_panel(client))
    action_edit = reverse("toolkit:action_edit", args=[late.public_id])
    evidence_edit = reverse("toolkit:evidence_edit", args=[evidence.public_id])
    assert links == [action_edit, evidence_edit]
    for url in links:
        assert client.get(url).status_code == 200
    for user in _everyone_but(personas, "officer"):
        assert not {"overdue-actions", "evidence-review"} & set(_kinds(user))


def test_chief_executive_sees_an_annual_review_to_submit(personas, period, client_for):
    # The period ends within 30 days.
    ReviewPeriod.objects.filter(pk=period.pk).update(
        end_date=timezone.localdate() + timedelta(days=5)
    )
    client = client_for(personas["chief_executive"])
    panel = _panel(client)
    assert "Annual review to submit (1)" in panel
    [link] = _links(panel)
    assert link == reverse("decisions:annual_review_submit", args=[period.year])
    assert client.get(link).status_code == 200, "the submit step's page opens"
    for user in _everyone_but(personas, "chief_executive"):
        assert "annual-review" not in _kinds(user)


def test_auditor_sees_what_was_signed_since_the_last_visit_and_own_packs(
    personas, make_decision, client_for, period
):
    auditor = personas["auditor"]
    client = client_for(auditor)
    signed = make_decision("signed")
    panel = _panel(client)  # first visit: signed in the last 30 days
    assert reverse("decisions:detail", args=[signed.reference]) in _links(panel)
    visit = LastVisit.objects.get(user=auditor)
    # Back within the same sitting, the list stays put.
    assert "Signed since your last visit (1)" in _panel(client)
    # The next visit, after an hour away: nothing was signed since the last one.
    Decision.objects.filter(pk=signed.pk).update(signed_at=timezone.now() - timedelta(hours=2))
    LastVisit.objects.filter(pk=visit.pk).update(seen_at=timezone.now() - timedelta(hours=1))
    assert "Signed since your last visit" not in _panel(client)
    again = make_decision("signed", title="Second")
    panel = _panel(client)
    assert _links(panel) == [reverse("decisions:detail", args=[again.reference])]
    # A ready audit pack of their own is listed; someone else's is not.
    job = ExportJob.objects.create(
        kind=ExportJob.Kind.AUDIT_PACK,
        period=period,
        requested_by=auditor,
        status=ExportJob.Status.READY,
        finished_at=timezone.now(),
    )
    ExportJob.objects.create(
        kind=ExportJob.Kind.AUDIT_PACK,
        period=period,
        requested_by=personas["administrator"],
        status=ExportJob.Status.READY,
        finished_at=timezone.now(),
    )
    links = _links(_panel(client))
    assert links == [reverse("decisions:detail", args=[again.reference]), job.get_absolute_url()]
    assert client.get(job.get_absolute_url()).status_code == 200
    for user in _everyone_but(personas, "auditor"):
        assert not {"signed-since", "audit-packs"} & set(_kinds(user))


def test_at_most_five_per_kind_then_and_more_with_a_filtered_list(
    personas, make_decision, client_for
):
    for n in range(7):
        make_decision("awaiting_signature", title=f"Decision {n}")
    client = client_for(personas["commissioner"])
    panel = _panel(client)
    assert len(_links(panel)) == waiting.DASHBOARD_LIMIT
    assert "and 2 more" in panel
    more = reverse("decisions:list") + "?status=awaiting_signature"
    assert f'href="{more}"' in panel
    listed = client.get(more).content.decode()
    assert listed.count("Commissioner to sign") == 7


def test_nothing_waiting_says_so(personas, client_for):
    panel = _panel(client_for(personas["administrator"]))
    assert "Nothing is waiting for you." in panel


def test_navigation_count_has_visually_hidden_text_and_follows_steps(
    personas, make_decision, client_for
):
    decision = make_decision("awaiting_signature")
    client = client_for(personas["commissioner"])
    page = client.get(reverse("decisions:list")).content.decode()
    assert (
        '<strong class="govuk-tag app-nav-count" data-testid="waiting-count">1'
        '<span class="govuk-visually-hidden"> item waiting for you</span></strong>'
    ) in page
    # Signing it drops the count for every process at once (the cached version changes).
    decision_services.decision_sign(
        actor=personas["commissioner"],
        decision=decision,
        declaration_confirmed=True,
        password=PASSWORD,
    )
    page = client.get(reverse("decisions:list")).content.decode()
    assert 'data-testid="waiting-count"' not in page


def test_navigation_count_is_cached_no_query_after_the_first(personas, make_decision, client_for):
    make_decision("awaiting_signature")
    user = personas["commissioner"]
    cache.clear()
    assert waiting.count_for(user) == 1
    with CaptureQueriesContext(connection) as queries:
        assert waiting.count_for(user) == 1
    assert len(queries) == 0


def test_every_kind_is_read_in_one_query_whatever_the_number_of_records(
    personas, make_decision, period
):
    user = personas["chief_executive"]
    make_decision("consultation")
    make_decision("awaiting_approval")
    waiting.role_names(user)
    with CaptureQueriesContext(connection) as few:
        waiting.waiting_for(user)
    for n in range(6):
        make_decision("consultation", title=f"More {n}")
        make_decision("awaiting_approval", title=f"Approve {n}")
    with CaptureQueriesContext(connection) as many:
        groups = waiting.waiting_for(user)
    assert len(few) == len(many) == 1  # comments, approvals and the annual review together
    assert {g.kind: g.total for g in groups} == {"comment-chief-executive": 7, "approve": 7}
    assert [len(g.items) for g in groups] == [5, 5]


def test_outsider_and_anonymous_have_nothing_waiting(personas, make_decision):
    from django.contrib.auth.models import AnonymousUser

    make_decision("awaiting_signature")
    assert waiting.waiting_for(personas["outsider"]) == []
    assert waiting.count_for(AnonymousUser()) == 0


# --- Whose step -----------------------------------------------------------------------------


def test_whose_step_for_every_state(personas, make_decision):
    assert whose_step(make_decision("draft")) == "Officer to submit"
    assert whose_step(make_decision("consultation")) == "Treasurer and Chief Executive to comment"
    partly = make_decision("consultation")
    decision_services.decision_comment_treasurer(
        actor=personas["treasurer"], decision=partly, comments="Fine."
    )
    partly.refresh_from_db()
    assert whose_step(partly) == "Chief Executive to comment"
    approval = make_decision("awaiting_approval")
    assert whose_step(approval) == "Chief Executive to approve"
    assert whose_step(make_decision("awaiting_signature")) == "Commissioner to sign"
    assert whose_step(make_decision("signed")) == "Officer to publish"
    assert whose_step(make_decision("public")) == ""
    decision_services.decision_return(
        actor=personas["chief_executive"], decision=approval, reason="More detail."
    )
    approval.refresh_from_db()
    assert whose_step(approval) == "Officer to revise"


def test_staff_list_shows_whose_step_without_a_query_per_row(
    personas, make_decision, client_for, django_assert_max_num_queries
):
    make_decision("consultation")
    make_decision("awaiting_signature")
    client = client_for(personas["officer"])
    client.get(reverse("decisions:list"))
    with CaptureQueriesContext(connection) as few:
        page = client.get(reverse("decisions:list")).content.decode()
    assert "Treasurer and Chief Executive to comment" in page
    assert "Commissioner to sign" in page
    for n in range(5):
        make_decision("awaiting_signature", title=f"More {n}")
    client.get(reverse("decisions:list"))
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("decisions:list"))
    assert len(few) == len(many)


@pytest.mark.parametrize("role", ["officer", "chief_executive", "commissioner", "treasurer"])
def test_the_panel_adds_one_query_to_the_dashboard(
    role, personas, make_decision, client_for, period, monkeypatch
):
    make_decision("consultation")
    make_decision("awaiting_approval")
    client = client_for(personas[role])

    def dashboard_queries() -> int:
        client.get(reverse("toolkit:dashboard"))  # warm: session refresh, caches
        cache.clear()  # inside the test's transaction the panel is read, never kept
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("toolkit:dashboard")).status_code == 200
        return len(queries)

    with_panel = dashboard_queries()
    monkeypatch.setattr(waiting, "PROVIDERS", [])
    without_panel = dashboard_queries()
    assert with_panel - without_panel == 1
