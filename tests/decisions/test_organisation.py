"""The organisation profile: edited by the Administrator only, its format checked."""

import pytest
from django.urls import reverse

from prevent_compliance.models import OrganisationProfile, get_organisation


def _form(**changes):
    data = {
        "name": "Office of the Police and Crime Commissioner for Warwickshire",
        "short_name": "OPCC",
        "reference_prefix": "WPCC",
        "term_number": 5,
        "reference_format": "{prefix}{term}-{seq:04d}",
        "default_marking": "OFFICIAL",
    }
    data.update(changes)
    return data


def test_administrator_edits_the_profile(personas, client_for):
    client = client_for(personas["administrator"])
    page = client.get(reverse("organisation"))
    assert page.status_code == 200 and "WPCC4-0001" in page.text
    get_organisation()  # cached copy
    response = client.post(reverse("organisation"), _form())
    assert response.status_code == 302
    assert get_organisation().term_number == 5  # the cache was dropped
    profile = OrganisationProfile.objects.get()
    assert profile.history.first().history_user == personas["administrator"]


@pytest.mark.parametrize(
    "persona", ["officer", "treasurer", "chief_executive", "commissioner", "auditor", "outsider"]
)
def test_other_roles_cannot_edit_the_profile(personas, client_for, persona):
    client = client_for(personas[persona])
    assert client.get(reverse("organisation")).status_code == 403
    assert client.post(reverse("organisation"), _form()).status_code == 403
    assert get_organisation().term_number == 4


def test_anonymous_is_sent_to_sign_in(client_for, db):
    response = client_for(None).get(reverse("organisation"))
    assert response.status_code == 302


def test_bad_format_is_refused_with_a_message(personas, client_for):
    client = client_for(personas["administrator"])
    page = client.post(reverse("organisation"), _form(reference_format="{prefix}{term}"))
    assert "There is a problem" in page.text
    assert "The format must contain {seq}" in page.text
    assert get_organisation().reference_format == "{prefix}{term}-{seq:04d}"


def test_west_mercia_format_is_accepted(personas, client_for):
    client = client_for(personas["administrator"])
    response = client.post(
        reverse("organisation"), _form(reference_format="PCC/D/{year}/{seq:02d}")
    )
    assert response.status_code == 302
