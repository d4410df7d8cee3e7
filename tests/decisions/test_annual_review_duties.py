"""Separation of duties on the annual review, and FOI exemptions chosen by a person."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from decisions import annual_review
from decisions import services as s
from decisions.models import Decision
from prevent_compliance.models import SecurityMarking
from tests.decisions.helpers import advance, complete_sections, make_draft
from toolkit import services as toolkit_services
from toolkit.models import ReviewPeriod


@pytest.fixture
def sensitive_evidence(officer, period, section):
    today = timezone.localdate()
    return toolkit_services.evidence_create(
        actor=officer,
        title="CTLP briefing note",
        kind="report",
        effective_date=today - timedelta(days=10),
        url="https://example.org/ctlp",
        sections=[section],
        marking=SecurityMarking.OFFICIAL_SENSITIVE,
    )


@pytest.fixture
def section(toolkit):
    return toolkit.sections.get(number=2)


def _to_approval(decision, treasurer, chief_executive):
    decision = s.decision_comment_treasurer(actor=treasurer, decision=decision, comments="Fine.")
    return s.decision_comment_chief_executive(
        actor=chief_executive, decision=decision, comments="Agreed."
    )


def test_the_person_who_submits_the_review_cannot_approve_it(
    period, chief_executive, deputy_chief_executive, treasurer
):
    decision = annual_review.annual_review_submit(actor=chief_executive, period=period)
    decision = _to_approval(decision, treasurer, chief_executive)

    with pytest.raises(ValidationError) as excinfo:
        s.decision_approve(actor=chief_executive, decision=decision)

    assert excinfo.value.messages == [annual_review.SAME_PERSON]
    decision.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_APPROVAL and decision.approved_by is None

    approved = s.decision_approve(actor=deputy_chief_executive, decision=decision)
    assert approved.status == Decision.Status.AWAITING_SIGNATURE
    assert approved.approved_by == deputy_chief_executive


def test_the_refusal_is_explained_on_the_decision_page(
    period, chief_executive, treasurer, client_for
):
    decision = annual_review.annual_review_submit(actor=chief_executive, period=period)
    decision = _to_approval(decision, treasurer, chief_executive)
    client = client_for(chief_executive)
    url = reverse("decisions:approve", args=[decision.url_key])

    response = client.post(url, {"confirm": "yes"}, follow=True)

    assert "someone else must approve it" in response.content.decode()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_APPROVAL


def test_other_decisions_keep_their_usual_approval(
    period, chief_executive, treasurer, officer, personas
):
    """The rule is about the annual review: an ordinary record's Chief Executive approves."""
    decision = make_draft(personas)
    complete_sections(decision, actor=officer)
    decision = advance(decision, personas, "awaiting_signature")
    assert decision.approved_by == chief_executive


def test_a_security_marking_alone_withholds_nothing(period, chief_executive, sensitive_evidence):
    suggestion = annual_review.suggested_exemption(period)
    assert suggestion is not None and suggestion.exemption == "s31"
    assert "1 evidence item is marked OFFICIAL-SENSITIVE" in suggestion.text
    assert "A marking alone does not withhold anything" in suggestion.text

    decision = annual_review.annual_review_submit(actor=chief_executive, period=period)

    assert decision.confidentiality == Decision.Confidentiality.NON_CONFIDENTIAL
    assert decision.foi_exemptions == [] and decision.withheld_parts == ""
    assert not decision.appendices.get().withheld


def test_no_suggestion_without_sensitive_evidence(period):
    assert annual_review.suggested_exemption(period) is None


def test_the_submitter_chooses_an_exemption_with_a_reason(
    period, chief_executive, sensitive_evidence
):
    choice = annual_review.ExemptionChoice(
        exemptions=("s24",), reason="It repeats counter-terrorism profile findings."
    )

    decision = annual_review.annual_review_submit(
        actor=chief_executive, period=period, exemption=choice
    )

    assert decision.confidentiality == Decision.Confidentiality.PARTLY_CONFIDENTIAL
    assert decision.foi_exemptions == ["s24"]
    assert "counter-terrorism profile findings" in decision.withheld_parts
    assert decision.appendices.get().withheld


@pytest.mark.parametrize(
    ("choice", "field"),
    [
        (annual_review.ExemptionChoice(exemptions=("s31",), reason="  "), "exemption_reason"),
        (annual_review.ExemptionChoice(exemptions=("s99",), reason="x"), "exemptions"),
    ],
)
def test_an_exemption_without_a_reason_or_unknown_is_refused(
    period, chief_executive, choice, field
):
    with pytest.raises(ValidationError) as excinfo:
        annual_review.annual_review_submit(actor=chief_executive, period=period, exemption=choice)
    assert field in excinfo.value.message_dict
    period.refresh_from_db()
    assert period.status == ReviewPeriod.Status.OPEN
    assert not Decision.objects.exists()


def test_the_submit_page_suggests_and_the_person_decides(
    period, chief_executive, sensitive_evidence, client_for
):
    client = client_for(chief_executive)
    url = reverse("decisions:annual_review_submit", args=[period.year])

    page = client.get(url).content.decode()
    assert "Suggestion: 1 evidence item is marked OFFICIAL-SENSITIVE" in page
    assert 'name="exemption_applies"' in page

    refused = client.post(url, {"confirm": "yes", "exemption_applies": "yes", "exemption": "s31"})
    assert refused.status_code == 200
    assert "Say why the exemption applies to the review report" in refused.content.decode()
    assert not Decision.objects.exists()

    missing = client.post(url, {"confirm": "yes"})
    assert "Select whether an FOI exemption applies" in missing.content.decode()

    done = client.post(
        url,
        {
            "confirm": "yes",
            "exemption_applies": "yes",
            "exemption": "s31",
            "exemption_reason": "Publishing it would help those planning to evade detection.",
        },
    )
    decision = Decision.objects.get()
    assert done.status_code == 302
    assert decision.foi_exemptions == ["s31"]
    assert decision.confidentiality == Decision.Confidentiality.PARTLY_CONFIDENTIAL


def test_the_submitter_is_not_asked_to_approve_their_own_review(
    period, chief_executive, deputy_chief_executive, treasurer, officer, personas
):
    """'Waiting for you' (and the navigation count) offers the review's approval to another
    Chief Executive only: the one who submitted it would be refused at the approve page."""
    from prevent_compliance import waiting

    review = annual_review.annual_review_submit(actor=chief_executive, period=period)
    review = _to_approval(review, treasurer, chief_executive)
    assert review.status == Decision.Status.AWAITING_APPROVAL

    def approvals(user):
        return [
            item.url
            for group in waiting.waiting_for(user)
            if group.kind == "approve"
            for item in group.items
        ]

    review_url = reverse("decisions:approve", args=[review.url_key])
    assert approvals(chief_executive) == []
    assert waiting.count_for(chief_executive) == 0
    assert approvals(deputy_chief_executive) == [review_url]
    # An ordinary record awaiting approval still waits for every Chief Executive.
    ordinary = make_draft(personas)
    complete_sections(ordinary, actor=officer)
    ordinary = advance(ordinary, personas, "awaiting_approval")
    ordinary_url = reverse("decisions:approve", args=[ordinary.url_key])
    waiting.forget()
    assert approvals(chief_executive) == [ordinary_url]
    assert waiting.count_for(chief_executive) == 1
    assert sorted(approvals(deputy_chief_executive)) == sorted([review_url, ordinary_url])
