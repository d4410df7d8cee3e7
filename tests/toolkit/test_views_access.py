"""Who may open which toolkit page: checked on the server for every request and method."""

import pytest
from django.urls import reverse

from tests.toolkit.helpers import action_post, evidence_post, stored_files
from toolkit.models import Action, Evidence, SectionAssessment

READ_ONLY_ROLES = ["auditor", "treasurer", "chief_executive", "commissioner", "administrator"]
READ_PAGES = [
    "dashboard",
    "section_list",
    "section_detail",
    "evidence_list",
    "evidence_detail",
    "evidence_download",
    "action_list",
    "action_detail",
]
WRITE_PAGES = [
    "assessment_edit",
    "evidence_create",
    "evidence_edit",
    "action_create",
    "action_edit",
]


@pytest.fixture
def urls(period, evidence, action):
    by_id = {"public_id": evidence.public_id}
    return {
        "dashboard": reverse("toolkit:dashboard"),
        "section_list": reverse("toolkit:section_list"),
        "section_detail": reverse("toolkit:section_detail", kwargs={"number": 1}),
        "assessment_edit": reverse("toolkit:assessment_edit", kwargs={"number": 1}),
        "evidence_list": reverse("toolkit:evidence_list"),
        "evidence_create": reverse("toolkit:evidence_create"),
        "evidence_detail": reverse("toolkit:evidence_detail", kwargs=by_id),
        "evidence_edit": reverse("toolkit:evidence_edit", kwargs=by_id),
        "evidence_download": reverse("toolkit:evidence_download", kwargs=by_id),
        "action_list": reverse("toolkit:action_list"),
        "action_create": reverse("toolkit:action_create"),
        "action_detail": reverse("toolkit:action_detail", kwargs={"public_id": action.public_id}),
        "action_edit": reverse("toolkit:action_edit", kwargs={"public_id": action.public_id}),
    }


@pytest.fixture
def valid_posts(section, officer, today):
    """A submission each form would accept from an officer."""
    return {
        # Section 1 of the 2024 edition: eight criteria, none a "must".
        "assessment_edit": {
            **{f"criterion_{n}_rating": "met" for n in range(1, 9)},
            "accept": "proposed",
            "narrative": "All criteria met.",
        },
        "evidence_create": evidence_post(
            sections=[section], today=today, url="https://example.org/new"
        ),
        "evidence_edit": evidence_post(
            sections=[section], today=today, title="Changed by someone without the right"
        ),
        "action_create": action_post(section=section, owner=officer, today=today),
        "action_edit": action_post(
            section=section, owner=officer, today=today, title="Changed without the right"
        ),
    }


def _snapshot():
    """Everything a refused write must leave untouched."""
    return {
        "evidence": list(Evidence.objects.values_list("title", "url", "sha256", "review_by")),
        "actions": list(Action.objects.values_list("title", "status", "due_date")),
        "ratings": list(SectionAssessment.objects.values_list("rating", "narrative")),
        "evidence_history": Evidence.history.count(),
        "action_history": Action.history.count(),
        "assessment_history": SectionAssessment.history.count(),
        "files": stored_files(),
    }


def test_anonymous_visitor_is_sent_to_sign_in_from_every_page(client_for, urls, valid_posts):
    client = client_for(None)
    before = _snapshot()
    responses = {page: client.get(url) for page, url in urls.items()}
    responses |= {
        f"POST {page}": client.post(urls[page], valid_posts[page]) for page in WRITE_PAGES
    }
    redirects = {name: (r.status_code, r.get("Location")) for name, r in responses.items()}
    expected = {
        name: (302, f"/accounts/login/?next={urls[name.removeprefix('POST ')]}")
        for name in responses
    }
    assert redirects == expected
    assert _snapshot() == before


def test_outsider_without_a_role_is_refused_everywhere(client_for, outsider, urls, valid_posts):
    client = client_for(outsider)
    before = _snapshot()
    statuses = {page: client.get(url).status_code for page, url in urls.items()}
    statuses |= {
        f"POST {page}": client.post(urls[page], valid_posts[page]).status_code
        for page in WRITE_PAGES
    }
    assert statuses == dict.fromkeys(statuses, 403)
    assert _snapshot() == before


def test_officer_can_open_every_page(client_for, officer, urls):
    client = client_for(officer)
    statuses = {page: client.get(url).status_code for page, url in urls.items()}
    assert statuses == dict.fromkeys(urls, 200)


def test_officer_submissions_used_above_are_accepted(client_for, officer, urls, valid_posts):
    """Proves the refused submissions below are refused for the role, not for bad data."""
    client = client_for(officer)
    before = _snapshot()
    statuses = {
        page: client.post(urls[page], valid_posts[page]).status_code for page in WRITE_PAGES
    }
    assert statuses == dict.fromkeys(WRITE_PAGES, 302)
    after = _snapshot()
    for key in ("evidence", "actions", "ratings"):
        assert after[key] != before[key], key


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_role_can_read_every_record_page(request, client_for, urls, role):
    client = client_for(request.getfixturevalue(role))
    statuses = {page: client.get(urls[page]).status_code for page in READ_PAGES}
    assert statuses == dict.fromkeys(READ_PAGES, 200)


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_role_cannot_open_or_submit_forms(request, client_for, urls, valid_posts, role):
    client = client_for(request.getfixturevalue(role))
    before = _snapshot()
    statuses = {page: client.get(urls[page]).status_code for page in WRITE_PAGES}
    statuses |= {
        f"POST {page}": client.post(urls[page], valid_posts[page]).status_code
        for page in WRITE_PAGES
    }
    assert statuses == dict.fromkeys(statuses, 403)
    assert _snapshot() == before


@pytest.mark.parametrize("role", READ_ONLY_ROLES)
def test_read_only_role_sees_no_edit_links(request, client_for, urls, role):
    client = client_for(request.getfixturevalue(role))
    pages = ["section_detail", "evidence_list", "evidence_detail", "action_list", "action_detail"]
    for page in pages:
        content = client.get(urls[page]).content.decode()
        for write_page in WRITE_PAGES:
            assert f'href="{urls[write_page]}' not in content, (page, write_page)


def test_officer_sees_edit_links(client_for, officer, urls):
    client = client_for(officer)
    assert urls["assessment_edit"] in client.get(urls["section_detail"]).content.decode()
    assert urls["evidence_edit"] in client.get(urls["evidence_detail"]).content.decode()
    assert urls["action_edit"] in client.get(urls["action_detail"]).content.decode()
    assert urls["action_create"] in client.get(urls["action_list"]).content.decode()
    assert urls["evidence_create"] in client.get(urls["evidence_list"]).content.decode()


WRONG_METHODS = [
    ("post", "dashboard"),
    ("put", "dashboard"),
    ("post", "section_list"),
    ("post", "section_detail"),
    ("put", "assessment_edit"),
    ("post", "evidence_list"),
    ("delete", "evidence_detail"),
    ("put", "evidence_create"),
    ("patch", "evidence_edit"),
    ("post", "evidence_download"),
    ("post", "action_list"),
    ("delete", "action_detail"),
    ("put", "action_create"),
    ("delete", "action_edit"),
]


def test_wrong_method_is_refused(client_for, officer, urls):
    client = client_for(officer)
    before = _snapshot()
    statuses = {
        f"{method.upper()} {page}": getattr(client, method)(urls[page]).status_code
        for method, page in WRONG_METHODS
    }
    assert statuses == dict.fromkeys(statuses, 405)
    assert _snapshot() == before


@pytest.mark.parametrize(
    "path",
    [
        "/toolkit/9/",
        "/toolkit/9/assessment/",
        "/evidence/00000000-0000-0000-0000-000000000000/",
        "/evidence/00000000-0000-0000-0000-000000000000/download/",
        "/actions/00000000-0000-0000-0000-000000000000/edit/",
    ],
)
def test_unknown_record_is_not_found(client_for, officer, period, path):
    assert client_for(officer).get(path).status_code == 404
