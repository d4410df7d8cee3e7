"""The annual review signed off through the decision workflow (issue 4 × issue 3)."""

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from decisions import annual_review, hooks
from decisions import services as s
from decisions.models import Decision, ReferenceCounter
from toolkit import auditpack, exports
from toolkit import services as toolkit_services
from toolkit.models import ReviewPeriod, SectionAssessment


def _through_sign_off(decision, *, treasurer, chief_executive, commissioner, password):
    decision = s.decision_comment_treasurer(actor=treasurer, decision=decision, comments="None.")
    decision = s.decision_comment_chief_executive(
        actor=chief_executive, decision=decision, comments="Agreed."
    )
    decision = s.decision_approve(actor=chief_executive, decision=decision)
    return s.decision_sign(
        actor=commissioner, decision=decision, declaration_confirmed=True, password=password
    )


@pytest.fixture
def submitted(period, deputy_chief_executive):
    """Submitted by one Chief Executive, so the other (``chief_executive``) may approve it."""
    return annual_review.annual_review_submit(actor=deputy_chief_executive, period=period)


def test_chief_executive_submits_the_review_as_a_decision_in_consultation(submitted, period):
    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.IN_REVIEW
    assert submitted.status == Decision.Status.CONSULTATION
    assert submitted.title == f"Annual Prevent duty review {period.label}"
    assert submitted.review_period == period
    assert submitted.sections.count() == 8
    appendix = submitted.appendices.get()
    with appendix.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == appendix.sha256
    assert appendix.file.name.startswith("appendices/")


@pytest.mark.parametrize("role", ["officer", "treasurer", "commissioner", "auditor"])
def test_only_the_chief_executive_submits(role, personas, period):
    with pytest.raises(PermissionDenied):
        annual_review.annual_review_submit(actor=personas[role], period=period)
    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.OPEN
    assert not Decision.objects.exists()


def test_a_period_in_review_cannot_be_submitted_twice(submitted, period, chief_executive):
    with pytest.raises(ValidationError):
        annual_review.annual_review_submit(actor=chief_executive, period=period)
    assert Decision.objects.count() == 1


def test_signing_the_review_decision_signs_the_period_off_and_freezes_the_pdf(
    submitted, period, treasurer, chief_executive, commissioner, officer, client_for
):
    commissioner.set_password("a-long-signing-password")
    commissioner.save()
    decision = _through_sign_off(
        submitted,
        treasurer=treasurer,
        chief_executive=chief_executive,
        commissioner=commissioner,
        password="a-long-signing-password",
    )
    period.refresh_from_db()
    assert decision.status == Decision.Status.SIGNED
    assert period.status == ReviewPeriod.Status.SIGNED_OFF and period.final_pdf
    with period.final_pdf.open("rb") as handle:
        stored = handle.read()
    assert hashlib.sha256(stored).hexdigest() == period.final_pdf_sha256

    # Read-only afterwards: a rating of the period can no longer change.
    assessment = SectionAssessment.objects.filter(period=period).first()
    with pytest.raises(PermissionDenied):
        toolkit_services.assessment_update(
            actor=officer, assessment=assessment, rating="met", narrative="Changed later"
        )
    response = client_for(officer).get(reverse("toolkit:period_pdf", args=[period.year]))
    assert b"".join(response.streaming_content) == stored


def test_withdrawing_the_review_decision_reopens_the_period(submitted, period, officer):
    s.decision_withdraw(actor=officer, decision=submitted, reason="Resubmit with new evidence")
    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.OPEN


def test_the_period_page_offers_submission_to_the_chief_executive_only(
    period, client_for, chief_executive, officer
):
    url = reverse("toolkit:period_detail", args=[period.year])
    assert "Submit the annual review" in client_for(chief_executive).get(url).content.decode()
    assert "Submit the annual review" not in client_for(officer).get(url).content.decode()
    submit = reverse("decisions:annual_review_submit", args=[period.year])
    assert client_for(officer).post(submit).status_code == 403
    assert client_for(officer).get(submit).status_code == 403
    assert not Decision.objects.exists()
    # The button leads to the check page (GET, or the period page's POST without confirm).
    for response in (
        client_for(chief_executive).get(submit),
        client_for(chief_executive).post(submit),
    ):
        assert response.status_code == 200
        assert "This cannot be undone." in response.text
        assert f"Annual Prevent duty review {period.label}" in response.text
    assert not Decision.objects.exists()
    response = client_for(chief_executive).post(
        submit, {"confirm": "yes", "exemption_applies": "no"}
    )
    decision = Decision.objects.get()
    assert response.status_code == 302 and response["Location"] == decision.get_absolute_url()


def test_audit_pack_and_decision_log_include_the_decisions_of_the_period(
    submitted, period, treasurer, chief_executive, commissioner
):
    commissioner.set_password("a-long-signing-password")
    commissioner.save()
    decision = _through_sign_off(
        submitted,
        treasurer=treasurer,
        chief_executive=chief_executive,
        commissioner=commissioner,
        password="a-long-signing-password",
    )
    period.refresh_from_db()
    buffer = io.BytesIO()
    auditpack.write_audit_pack(period, buffer)
    names = zipfile.ZipFile(buffer).namelist()
    assert f"decisions/{decision.reference}.pdf" in names
    assert f"annual-review-{period.year}.pdf" in names
    rows = list(exports.csv_rows(exports.REGISTERS["decisions"], period))
    assert len(rows) == 2 and decision.reference in rows[1]


# --- What the review decision's workflow does to its period (decisions/annual_review.py) ---


def _awaiting_approval(decision, *, treasurer, chief_executive):
    decision = s.decision_comment_treasurer(actor=treasurer, decision=decision, comments="None.")
    return s.decision_comment_chief_executive(
        actor=chief_executive, decision=decision, comments="Agreed."
    )


def _awaiting_signature(decision, *, treasurer, chief_executive):
    decision = _awaiting_approval(decision, treasurer=treasurer, chief_executive=chief_executive)
    return s.decision_approve(actor=chief_executive, decision=decision)


def test_returning_the_review_decision_keeps_the_period_in_review_until_it_is_signed(
    submitted, period, officer, treasurer, chief_executive, commissioner
):
    decision = _awaiting_approval(submitted, treasurer=treasurer, chief_executive=chief_executive)
    decision = s.decision_return(actor=chief_executive, decision=decision, reason="Redo s3")
    period.refresh_from_db()
    assert decision.status == Decision.Status.DRAFT
    assert period.status == ReviewPeriod.Status.IN_REVIEW
    # The same decision comes back; a second review cannot be submitted meanwhile.
    with pytest.raises(ValidationError):
        annual_review.annual_review_submit(actor=chief_executive, period=period)
    decision = s.decision_submit(actor=officer, decision=decision)
    commissioner.set_password("a-long-signing-password")
    commissioner.save()
    _through_sign_off(
        decision,
        treasurer=treasurer,
        chief_executive=chief_executive,
        commissioner=commissioner,
        password="a-long-signing-password",
    )
    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.SIGNED_OFF
    assert Decision.objects.count() == 1


def test_deferring_keeps_the_period_in_review_and_only_withdrawal_reopens_it(
    submitted, period, officer, treasurer, chief_executive, commissioner
):
    decision = _awaiting_signature(submitted, treasurer=treasurer, chief_executive=chief_executive)
    decision = s.decision_defer(actor=commissioner, decision=decision, reason="Next meeting")
    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.IN_REVIEW
    decision = s.decision_resume(actor=officer, decision=decision)
    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.IN_REVIEW
    s.decision_withdraw(actor=officer, decision=decision, reason="Start again")
    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.OPEN
    assert period.history.first().history_change_reason == "Annual review decision withdrawn"
    again = annual_review.annual_review_submit(actor=chief_executive, period=period)
    assert again.status == Decision.Status.CONSULTATION


def test_submission_builds_the_decision_with_the_shared_decision_steps(
    submitted, deputy_chief_executive
):
    chief_executive = deputy_chief_executive  # who submitted it
    reasons = [h.history_change_reason for h in submitted.history.order_by("history_id")]
    assert reasons[0] == "Annual review decision created"
    assert reasons[-1] == "Annual review submitted by the Chief Executive"
    assert all(h.history_user == chief_executive for h in submitted.history.all())
    sections = list(submitted.supporting_sections.order_by("position"))
    assert [x.position for x in sections] == list(range(1, 10))
    assert all(x.body.strip() for x in sections)
    assert sections[0].history.first().history_change_reason == "Default section added"
    counter = ReferenceCounter.objects.get()
    assert counter.history.first().history_user == chief_executive
    assert submitted.appendices.get().history.first().history_change_reason == "Appendix added"


def test_a_failing_after_sign_hook_undoes_the_signature(
    submitted, period, treasurer, chief_executive, commissioner, monkeypatch
):
    def refuse(*, actor, decision):
        raise ValidationError("The period cannot be signed off.")

    monkeypatch.setattr(hooks, "after_sign", [*hooks.after_sign, refuse])
    commissioner.set_password("a-long-signing-password")
    commissioner.save()
    with pytest.raises(ValidationError):
        _through_sign_off(
            submitted,
            treasurer=treasurer,
            chief_executive=chief_executive,
            commissioner=commissioner,
            password="a-long-signing-password",
        )
    submitted.refresh_from_db()
    period.refresh_from_db()
    assert submitted.status == Decision.Status.AWAITING_SIGNATURE and not submitted.content_hash
    assert period.status == ReviewPeriod.Status.IN_REVIEW and not period.final_pdf


def test_the_annual_review_reaches_the_workflow_through_registered_hooks():
    assert annual_review.after_sign in hooks.after_sign
    assert annual_review.after_withdraw in hooks.after_withdraw
