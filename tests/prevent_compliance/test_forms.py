"""Shared form pieces: the GOV.UK date input and the sign-in page."""

from datetime import date

import pytest
from django import forms

from prevent_compliance.forms import GovUKDateField
from tests.conftest import PASSWORD


class _DateForm(forms.Form):
    when = GovUKDateField(label="Due date")


@pytest.mark.parametrize(
    ("parts", "value", "error"),
    [
        (("27", "3", "2025"), date(2025, 3, 27), None),
        (("", "", ""), None, "Enter the due date"),
        # A part left empty gets the same message as all three empty.
        (("27", "", "2025"), None, "Enter the due date"),
        (("27", "3", "25"), None, "Year must include 4 numbers, for example 2025"),
        (("31", "2", "2025"), None, "Enter a real date, for example 27 3 2025"),
        (("x", "3", "2025"), None, "Enter a valid date"),
    ],
)
def test_govuk_date_field(parts, value, error):
    form = _DateForm({"when_0": parts[0], "when_1": parts[1], "when_2": parts[2]})
    assert form.is_valid() is (error is None)
    if error:
        assert form.errors["when"] == [error]
    else:
        assert form.cleaned_data["when"] == value


LOGIN_URL = "/accounts/login/"


def test_sign_in_page_is_open_to_anonymous_visitors(client, db):
    response = client.get(LOGIN_URL)
    assert response.status_code == 200
    assert "<title>Sign in – " in response.content.decode()


def test_officer_signs_in_and_lands_on_the_dashboard(client, officer):
    response = client.post(LOGIN_URL, {"username": "officer", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == "/"
    assert client.get("/").status_code == 200


def test_sign_in_returns_to_the_page_asked_for(client, officer):
    response = client.post(
        f"{LOGIN_URL}?next=/evidence/", {"username": "officer", "password": PASSWORD}
    )
    assert response.url == "/evidence/"


def test_sign_in_never_redirects_to_another_site(client, officer):
    response = client.post(
        f"{LOGIN_URL}?next=https://evil.example/", {"username": "officer", "password": PASSWORD}
    )
    assert response.url == "/"


def test_wrong_password_is_refused_with_a_message(client, officer):
    response = client.post(LOGIN_URL, {"username": "officer", "password": "wrong"})
    content = response.content.decode()
    assert response.status_code == 200
    assert "Enter a correct username and password. Both are case-sensitive." in content
    assert "<title>Error: Sign in" in content
    assert "_auth_user_id" not in client.session


def test_empty_sign_in_names_both_fields(client, db):
    content = client.post(LOGIN_URL, {"username": "", "password": ""}).content.decode()
    assert "Enter your username" in content
    assert "Enter your password" in content


def test_sign_out_needs_a_post_and_ends_the_session(client, officer):
    client.force_login(officer)
    assert client.get("/accounts/logout/").status_code == 405
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert response.url == LOGIN_URL
    assert client.get("/").status_code == 302
