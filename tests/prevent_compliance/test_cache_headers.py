"""Cache-Control: signed-in pages are never kept by a browser or proxy; public pages briefly.

tests/test_permission_matrix.py checks the private header on every URL for every signed-in
visitor; these tests name the rule's cases one by one.
"""

import pytest
from django.urls import reverse

from decisions import services as decision_services
from prevent_compliance.middleware import PRIVATE, PUBLIC
from tests.decisions.helpers import advance, complete_sections, make_draft, pdf_upload

PUBLIC_LIFETIME = "public, max-age=300"


@pytest.fixture
def published(personas):
    decision = make_draft(personas, title="Published for the cache tests")
    complete_sections(decision, actor=personas["officer"])
    upload, info = pdf_upload()
    decision_services.appendix_add(
        actor=personas["officer"],
        decision=decision,
        title="Appendix A",
        upload=upload,
        upload_info=info,
    )
    return advance(decision, personas, "public")


@pytest.fixture
def no_weasyprint(monkeypatch):
    """Which header a PDF gets does not depend on how it looks."""
    monkeypatch.setattr("prevent_compliance.pdf.html_to_pdf", lambda html: b"%PDF-1.7 test")


def _public_urls(decision) -> list[str]:
    ref = {"reference": decision.reference}
    return [
        reverse("decisions:public_list"),
        reverse("decisions:public_list") + "?year=2025&q=training",
        reverse("decisions:public_detail", kwargs=ref),
        reverse("decisions:public_pdf", kwargs=ref),
        reverse("decisions:public_csv"),
        reverse("decisions:public_json"),
        reverse("accessibility"),
    ]


SIGNED_IN_PAGES = [
    ("officer", "toolkit:dashboard", None),
    ("officer", "toolkit:section_list", None),
    ("officer", "toolkit:section_detail", {"number": 1}),
    ("officer", "toolkit:evidence_list", None),
    ("officer", "toolkit:evidence_create", None),
    ("officer", "toolkit:action_list", None),
    ("officer", "toolkit:period_list", None),
    ("officer", "decisions:list", None),
    ("officer", "decisions:create", None),
    ("auditor", "audit:log", None),
    ("administrator", "organisation", None),
    ("officer", "accounts:two_factor", None),
]


def test_the_header_values():
    assert PRIVATE == "private, no-store"
    assert PUBLIC == PUBLIC_LIFETIME


@pytest.mark.parametrize(("persona", "name", "kwargs"), SIGNED_IN_PAGES)
def test_signed_in_pages_are_private_and_not_stored(
    personas, client_for, period, persona, name, kwargs
):
    response = client_for(personas[persona]).get(reverse(name, kwargs=kwargs))
    assert response.status_code == 200, name
    assert response["Cache-Control"] == PRIVATE


def test_signed_in_decision_pages_are_private(personas, client_for, published, no_weasyprint):
    client = client_for(personas["officer"])
    ref = {"reference": published.reference}
    for name in ("decisions:detail", "decisions:pdf"):
        response = client.get(reverse(name, kwargs=ref))
        assert response.status_code == 200, name
        assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def test_public_pages_have_a_short_public_lifetime(client, published, no_weasyprint):
    for url in _public_urls(published):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == PUBLIC_LIFETIME, url
        assert not response.cookies, url


def test_a_signed_in_user_on_a_public_page_gets_a_private_copy(
    personas, client_for, published, no_weasyprint
):
    """The page shows who is signed in (and a sign-out form), so it is theirs alone."""
    client = client_for(personas["officer"])
    for url in _public_urls(published):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Cache-Control"] == PRIVATE, url


def test_a_visitor_with_a_session_gets_a_private_copy(client, published, personas):
    """Signed out, but a session cookie came with the request: the page could carry a message
    from that session, so it is not shared."""
    client.force_login(personas["officer"])
    client.post(reverse("logout"))
    client.cookies["sessionid"] = "left-over-session-key"
    response = client.get(reverse("decisions:public_list"))
    assert response.status_code == 200
    assert response["Cache-Control"] == PRIVATE


def test_a_public_page_that_sets_a_cookie_is_private(client, published, personas):
    """A message left for the visitor is shown and its cookie cleared: not for sharing."""
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    request = RequestFactory().get("/")
    storage = CookieStorage(request)
    storage.add(20, "Thank you for your feedback.")
    response = client.get("/")  # any response to carry the encoded cookie
    storage.update(response)
    client.cookies["messages"] = response.cookies["messages"].value
    page = client.get(reverse("decisions:public_list"))
    assert page.status_code == 200
    assert "Thank you for your feedback." in page.text
    assert page.cookies, "the message cookie is cleared"
    assert page["Cache-Control"] == PRIVATE


def test_errors_and_redirects_are_never_public(client, db):
    missing = client.get(reverse("decisions:public_detail", kwargs={"reference": "NO-SUCH-1"}))
    assert missing.status_code == 404
    assert missing["Cache-Control"] == PRIVATE
    wrong_method = client.post(reverse("decisions:public_list"))
    assert wrong_method.status_code == 405
    assert wrong_method["Cache-Control"] == PRIVATE
    to_sign_in = client.get(reverse("toolkit:dashboard"))
    assert to_sign_in.status_code == 302
    assert to_sign_in["Cache-Control"] == PRIVATE


def test_the_sign_in_page_is_private(client, db):
    """Outside sign-in, but it carries a CSRF token (Django's view marks it never_cache)."""
    response = client.get(reverse("login"))
    assert response.status_code == 200
    assert {"private", "no-store"} <= {v.strip() for v in response["Cache-Control"].split(",")}


def test_a_view_that_chose_its_own_header_keeps_it(personas, client_for, published):
    """Downloads set their own (a public appendix, for example); the middleware leaves it."""
    appendix_url = reverse(
        "decisions:public_appendix_download",
        kwargs={
            "reference": published.reference,
            "public_id": published.appendices.get().public_id,
        },
    )
    response = client_for(personas["officer"]).get(appendix_url)
    assert response.status_code == 200
    assert response["Cache-Control"] == "public, max-age=300"


def test_health_endpoints_are_not_stored(client, db):
    for url in ("/healthz/live", "/healthz/ready"):
        assert client.get(url)["Cache-Control"] == "no-store"
