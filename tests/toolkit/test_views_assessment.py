"""Rating a section for the current review period."""

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.toolkit.helpers import error_summary
from toolkit.models import RATING_MEANINGS, Rating, SectionAssessment

EDIT_URL = reverse("toolkit:assessment_edit", kwargs={"number": 1})
SECTION_URL = reverse("toolkit:section_detail", kwargs={"number": 1})


@pytest.fixture
def assessment(period, section):
    return SectionAssessment.objects.get(period=period, section=section)


def test_officer_rates_a_section(client_for, officer, assessment):
    before = timezone.now()
    response = client_for(officer).post(
        EDIT_URL, {"rating": "partly_met", "narrative": "Terms of reference are out of date."}
    )

    assert response.status_code == 302
    assert response.url == SECTION_URL
    assessment.refresh_from_db()
    assert assessment.rating == Rating.PARTLY_MET
    assert assessment.narrative == "Terms of reference are out of date."
    assert assessment.assessed_by == officer
    assert before <= assessment.assessed_at <= timezone.now()
    latest = assessment.history.first()
    assert latest.history_user == officer
    assert latest.history_change_reason == "Rated Partly met"
    assert latest.rating == Rating.PARTLY_MET


def test_rating_form_explains_every_rating_in_words(client_for, officer, assessment):
    content = client_for(officer).get(EDIT_URL).content.decode()
    assert "<title>Rate section 1" in content
    for rating in Rating:
        assert rating.label in content
        assert RATING_MEANINGS[rating] in content


@pytest.mark.parametrize("rating", ["exceeding", "partly_met", "not_met"])
@pytest.mark.parametrize("narrative", ["", "   \n  "])
def test_rating_that_needs_a_reason_is_refused_without_one(
    client_for, officer, assessment, rating, narrative
):
    history = assessment.history.count()

    response = client_for(officer).post(EDIT_URL, {"rating": rating, "narrative": narrative})

    assert response.status_code == 200
    assert "Explain the rating: say what the evidence shows" in error_summary(response)
    assessment.refresh_from_db()
    assert assessment.rating == Rating.NOT_ASSESSED
    assert assessment.assessed_by is None
    assert assessment.history.count() == history


@pytest.mark.parametrize("rating", ["met", "not_applicable", "not_assessed"])
def test_rating_that_needs_no_reason_is_accepted_without_one(
    client_for, officer, assessment, rating
):
    response = client_for(officer).post(EDIT_URL, {"rating": rating, "narrative": ""})
    assert response.status_code == 302
    assessment.refresh_from_db()
    assert assessment.rating == rating


@pytest.mark.parametrize(
    ("data", "message"),
    [({}, "Select a rating"), ({"rating": "brilliant"}, "Select a valid choice")],
)
def test_missing_or_unknown_rating_is_refused(client_for, officer, assessment, data, message):
    response = client_for(officer).post(EDIT_URL, data)
    assert response.status_code == 200
    assert message in error_summary(response)
    assessment.refresh_from_db()
    assert assessment.rating == Rating.NOT_ASSESSED


def test_saving_the_same_rating_again_writes_no_history(client_for, officer, assessment):
    client = client_for(officer)
    client.post(EDIT_URL, {"rating": "met", "narrative": "All met."})
    history = assessment.history.count()

    response = client.post(EDIT_URL, {"rating": "met", "narrative": "All met."})

    assert response.status_code == 302
    assert assessment.history.count() == history


def test_rating_needs_a_review_period(client_for, officer, toolkit):
    assert client_for(officer).get(EDIT_URL).status_code == 404


def test_rating_meaning_is_shown_in_words_on_section_page_and_dashboard(
    client_for, officer, auditor, assessment
):
    client_for(officer).post(EDIT_URL, {"rating": "not_met", "narrative": "No board yet."})
    client = client_for(auditor)

    section_page = client.get(SECTION_URL).content.decode()
    dashboard = client.get(reverse("toolkit:dashboard")).content.decode()

    meaning = RATING_MEANINGS[Rating.NOT_MET]
    assert '<strong class="govuk-tag govuk-tag--red">Not met</strong>' in section_page
    assert meaning in section_page
    assert "No board yet." in section_page
    assert f"Officer Tester on {timezone.localdate():%-d %B %Y}" in section_page
    assert '<strong class="govuk-tag govuk-tag--red">Not met</strong>' in dashboard
    assert meaning in dashboard


def test_section_page_shows_who_last_changed_the_assessment(
    client_for, officer, assessment, django_user_model
):
    from django.contrib.auth.models import Group

    from prevent_compliance.roles import Role

    colleague = django_user_model.objects.create_user(
        username="priya", first_name="Priya", last_name="Patel"
    )
    colleague.groups.add(Group.objects.get(name=Role.OFFICER.value))
    client_for(colleague).post(EDIT_URL, {"rating": "met", "narrative": ""})

    content = client_for(officer).get(SECTION_URL).content.decode()

    today = timezone.localdate()
    assert f"Last changed by Priya Patel on {today:%-d %B %Y}" in content
    assert "(Rated Met)" in content
    assessment.refresh_from_db()
    assert assessment.assessed_by == colleague
    assert assessment.history.first().history_user == colleague
