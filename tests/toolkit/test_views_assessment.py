"""Assessing a section page by page: each criterion, then the section rating."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.toolkit.helpers import assessment_form_data, error_summary
from toolkit import services
from toolkit.models import (
    RATING_MEANINGS,
    CriterionAssessment,
    Rating,
    Section,
    SectionAssessment,
)

EDIT_URL = reverse("toolkit:assessment_edit", kwargs={"number": 1})
SECTION_URL = reverse("toolkit:section_detail", kwargs={"number": 1})
# Section 2 of the 2024 edition has two "must" criteria: 2.2 and 2.6.
EDIT_2 = reverse("toolkit:assessment_edit", kwargs={"number": 2})
SECTION_2 = reverse("toolkit:section_detail", kwargs={"number": 2})


@pytest.fixture
def assessment(period, section):
    return SectionAssessment.objects.get(period=period, section=section)


@pytest.fixture
def risk(period, toolkit):
    return Section.objects.get(edition=toolkit, number=2)


def test_officer_rates_each_criterion_and_accepts_the_proposal(client_for, officer, assessment):
    before = timezone.now()
    data = assessment_form_data(
        assessment, c2="partly_met", narrative="Terms of reference are out of date."
    )
    data["criterion_2_note"] = "Last reviewed two years ago"

    response = client_for(officer).post(EDIT_URL, data)

    assert response.status_code == 302
    assert response.url == SECTION_URL
    assessment.refresh_from_db()
    assert assessment.rating == Rating.PARTLY_MET
    assert assessment.narrative == "Terms of reference are out of date."
    assert assessment.assessed_by == officer
    assert before <= assessment.assessed_at <= timezone.now()
    latest = assessment.history.first()
    assert (latest.history_user, latest.history_change_reason) == (officer, "Rated Partly met")
    row = CriterionAssessment.objects.get(
        period=assessment.period, criterion__section__number=1, criterion__number=2
    )
    assert (row.rating, row.note, row.assessed_by) == (
        "partly_met",
        "Last reviewed two years ago",
        officer,
    )


def test_the_form_has_a_fieldset_per_criterion_and_explains_the_ratings(
    client_for, officer, assessment
):
    content = client_for(officer).get(EDIT_URL).content.decode()

    assert "<title>Assess section 1" in content
    for criterion in assessment.section.criteria.all():
        assert f"{criterion.code} {criterion.text}" in content
        assert f'name="criterion_{criterion.number}_rating"' in content
    assert content.count('class="govuk-fieldset app-criterion"') == (
        assessment.section.criteria.count()
    )
    assert "Section rating (proposed: Not assessed)" in content
    assert 'aria-controls="conditional_accept_1"' in content
    assert 'aria-controls="conditional_accept_0"' not in content  # nothing to reveal there
    for rating in Rating:
        assert rating.label in content


def test_evidence_is_listed_beside_its_criterion_with_overdue_flagged(
    client_for, officer, risk, make_evidence, today
):
    must = risk.criteria.get(number=2)
    make_evidence(
        title="CTLP briefing record",
        sections=[risk],
        criteria=[must],
        effective_date=today - timedelta(days=60),
        review_by=today - timedelta(days=1),
    )

    form = client_for(officer).get(EDIT_2).content.decode()
    page = client_for(officer).get(SECTION_2).content.decode()

    for content in (form, page):
        block = content[content.index(must.text) :]
        block = block[: block.index("CTLP briefing record") + 300]
        assert "Overdue for review" in block
    assert form.count("No evidence") == risk.criteria.count() - 1


def test_met_is_refused_naming_the_must_criterion_and_why(
    client_for, officer, risk, make_evidence, today
):
    make_evidence(
        title="CTLP briefing record",
        sections=[risk],
        criteria=[risk.criteria.get(number=2), risk.criteria.get(number=6)],
        effective_date=today - timedelta(days=60),
        review_by=today - timedelta(days=1),
    )
    assessment = SectionAssessment.objects.get(section=risk)
    data = assessment_form_data(
        assessment, rating="met", justification="We are confident", narrative="All fine"
    )

    response = client_for(officer).post(EDIT_2, data)

    assert response.status_code == 200
    summary = error_summary(response)
    assert "The section cannot be rated Met" in summary
    assert "criterion 2.2 is a legal requirement (must) and has no in-date evidence" in summary
    assert "“CTLP briefing record” was due for review on" in summary
    assert 'href="#id_rating"' in response.content.decode()  # the error is on the rating
    assert SectionAssessment.objects.get(pk=assessment.pk).rating == Rating.NOT_ASSESSED


def test_not_applicable_without_a_reason_is_refused_beside_the_criterion(
    client_for, officer, assessment
):
    data = assessment_form_data(assessment, c3="not_applicable", narrative="x")

    response = client_for(officer).post(EDIT_URL, data)

    assert response.status_code == 200
    assert "Say why criterion 1.3 does not apply" in error_summary(response)
    assert 'href="#id_criterion_3_reason"' in response.content.decode()
    assert not CriterionAssessment.objects.exclude(rating="not_assessed").exists()


def test_an_override_without_justification_is_refused(client_for, officer, assessment):
    data = assessment_form_data(assessment, c1="not_met", rating="met", narrative="x")

    response = client_for(officer).post(EDIT_URL, data)

    assert response.status_code == 200
    assert "Explain why the rating differs from the one proposed" in error_summary(response)


def test_an_override_with_a_justification_is_shown_on_the_section_page(
    client_for, officer, auditor, assessment
):
    data = assessment_form_data(
        assessment,
        c1="partly_met",
        rating="met",
        justification="The board met after the criteria were checked.",
        narrative="The board is in place.",
    )
    assert client_for(officer).post(EDIT_URL, data).status_code == 302

    content = client_for(auditor).get(SECTION_URL).content.decode()
    assert "Why it differs from the proposed rating (Partly met)" in content
    assert "The board met after the criteria were checked." in content
    # Opening the form again shows the override as saved.
    form = client_for(officer).get(EDIT_URL).content.decode()
    assert re.search(r'value="override"\s+checked="checked"', form)


@pytest.mark.parametrize("narrative", ["", "   \n  "])
def test_met_needs_a_narrative(client_for, officer, assessment, narrative):
    response = client_for(officer).post(
        EDIT_URL, assessment_form_data(assessment, narrative=narrative)
    )
    assert response.status_code == 200
    assert "Explain the rating Met" in error_summary(response)


def test_a_missing_criterion_rating_is_refused(client_for, officer, assessment):
    data = assessment_form_data(assessment, narrative="x")
    del data["criterion_4_rating"]
    response = client_for(officer).post(EDIT_URL, data)
    assert "Select a rating for criterion 1.4" in error_summary(response)


def test_saving_the_same_assessment_again_writes_no_history(client_for, officer, assessment):
    client = client_for(officer)
    client.post(EDIT_URL, assessment_form_data(assessment, narrative="All met."))
    history = assessment.history.count()
    rows = CriterionAssessment.objects.filter(period=assessment.period)
    criterion_history = sum(r.history.count() for r in rows)

    assessment.refresh_from_db()
    response = client.post(EDIT_URL, assessment_form_data(assessment, narrative="All met."))

    assert response.status_code == 302
    assert assessment.history.count() == history
    assert sum(r.history.count() for r in rows) == criterion_history


def test_rating_needs_a_review_period(client_for, officer, toolkit):
    assert client_for(officer).get(EDIT_URL).status_code == 404


def test_the_section_page_and_dashboard_show_ratings_and_criterion_status(
    client_for, officer, auditor, assessment
):
    data = assessment_form_data(assessment, c1="not_met", c2="not_met", narrative="No board yet.")
    data = {**data, **{k: "not_met" for k in data if k.endswith("_rating") and k != "rating"}}
    client_for(officer).post(EDIT_URL, data)
    client = client_for(auditor)

    section_page = client.get(SECTION_URL).content.decode()
    dashboard = client.get(reverse("toolkit:dashboard")).content.decode()
    sections = client.get(reverse("toolkit:section_list")).content.decode()

    meaning = RATING_MEANINGS[Rating.NOT_MET]
    assert '<strong class="govuk-tag govuk-tag--red">Not met</strong>' in section_page
    assert meaning in section_page
    assert "No board yet." in section_page
    assert f"Officer Tester on {timezone.localdate():%-d %B %Y}" in section_page
    total = assessment.section.criteria.count()
    assert f"0 of {total} met, {total} not met" in section_page
    assert '<strong class="govuk-tag govuk-tag--red">Not met</strong>' in dashboard
    assert meaning in dashboard
    assert f"0 of {total} met, {total} not met" in dashboard
    assert f"0 of {total} met, {total} not met" in sections


def test_a_met_section_whose_must_evidence_went_overdue_is_flagged(
    client_for, officer, risk, make_evidence, today
):
    for number in (2, 6):
        make_evidence(
            title=f"Evidence {number}",
            sections=[risk],
            criteria=[risk.criteria.get(number=number)],
            effective_date=today - timedelta(days=60),
            review_by=today + timedelta(days=1),
        )
    assessment = SectionAssessment.objects.get(section=risk)
    assert (
        client_for(officer)
        .post(EDIT_2, assessment_form_data(assessment, narrative="ok"))
        .status_code
        == 302
    )
    assert SectionAssessment.objects.get(pk=assessment.pk).rating == Rating.MET

    later = today + timedelta(days=2)
    assessment.refresh_from_db()
    context = services.selectors.section_criteria(assessment.period, risk, assessment, later)

    assert context["proposed"] == Rating.PARTLY_MET
    assert any("criterion 2.2" in p and "Evidence 2" in p for p in context["rule_problems"])
