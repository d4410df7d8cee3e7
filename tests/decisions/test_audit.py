"""Decision records on the History page and in the audit log (issue 5 × issue 3)."""

from django.urls import reverse

from decisions.models import Decision
from prevent_compliance.models import get_organisation

from .helpers import make_draft


def _slash_scheme():
    profile = get_organisation()
    profile.reference_format = "PCC/D/{year}/{seq:02d}"
    profile.save()


def test_history_of_a_decision_with_a_slash_in_its_reference(personas, client_for, toolkit):
    _slash_scheme()
    decision = make_draft(personas, title="History with a slash")
    assert "/" in decision.reference
    decision.title = "History with a slash, retitled"
    decision._change_reason = "Retitled"
    decision.save()
    url = reverse("audit:history", args=["decision", decision.reference])
    content = client_for(personas["auditor"]).get(url).content.decode()
    assert "History with a slash, retitled" in content and "Retitled" in content
    detail = client_for(personas["auditor"]).get(decision.get_absolute_url()).content.decode()
    assert url in detail


def test_decision_history_is_refused_to_people_without_a_role(personas, client_for, toolkit):
    decision = make_draft(personas)
    url = reverse("audit:history", args=["decision", decision.reference])
    assert client_for(personas["outsider"]).get(url).status_code == 403
    assert client_for(None).get(url).status_code == 302


def test_audit_log_lists_decision_changes_for_auditors(personas, client_for, toolkit):
    decision = make_draft(personas, title="A decision the auditor can trace")
    response = client_for(personas["auditor"]).get(reverse("audit:log"), {"type": "decision"})
    assert response.status_code == 200
    assert decision.reference in response.content.decode()
    assert Decision.history.filter(reference=decision.reference).exists()
