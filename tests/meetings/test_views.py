"""Staff pages: forms refuse bad input with messages (never a 500), uploads are sniffed,
a draft decision starts from a plan entry, minutes become toolkit evidence."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from decisions.meetings import scheme, services
from decisions.meetings.models import (
    AgendaItem,
    ForwardPlanEntry,
    Meeting,
    MeetingDocument,
    PublicationLink,
)
from decisions.models import Decision
from prevent_compliance.devdata.files import tiny_pdf
from tests.prevent_compliance.samples import docx_bytes, zip_bomb_docx
from toolkit.models import Evidence, Section

from .helpers import at, make_world


def _client(user):
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def board(officer):
    return services.board_create(actor=officer, name="Prevent partnership group")


@pytest.fixture
def meeting(officer, board):
    return services.meeting_create(
        actor=officer, board=board, starts_at=at(2025, 9, 2), place="Room 1", is_public=True
    )


def _meeting_data(board_, **overrides):
    data = {
        "board": board_.pk,
        "title": "",
        "day_0": "2",
        "day_1": "9",
        "day_2": "2025",
        "start_time": "14:30",
        "place": "Council chamber",
        "is_public": "True",
    }
    data.update(overrides)
    return data


def test_officer_adds_a_meeting(officer, board):
    response = _client(officer).post(reverse("meetings:create"), _meeting_data(board))
    meeting = Meeting.objects.get()
    assert response.status_code == 302 and response["Location"] == meeting.get_absolute_url()
    assert meeting.place == "Council chamber" and meeting.is_public
    assert meeting.starts_at == at(2025, 9, 2, 14, 30)
    assert meeting.history.get().history_change_reason == "Meeting added"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"day_0": "31", "day_1": "2"}, "Enter a real date"),
        ({"day_2": "99999"}, "Year must include 4 numbers"),
        ({"start_time": "25:00"}, "Enter the start time as hours and minutes"),
        ({"start_time": "noon"}, "Enter the start time as hours and minutes"),
        ({"place": "x" * 301}, "Ensure this value has at most 300 characters"),
        ({"place": ""}, "Enter where the meeting takes place"),
        ({"is_public": "maybe"}, "Select a valid choice"),
        ({"board": "999999"}, "Select a valid choice"),
    ],
)
def test_bad_meeting_input_is_refused_with_a_message(officer, board, overrides, message):
    response = _client(officer).post(reverse("meetings:create"), _meeting_data(board, **overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and message in body
    assert not Meeting.objects.exists()


def test_html_and_unicode_are_kept_as_text(officer, board):
    title = "<b>Budget</b> 🚓 ‮evil"
    _client(officer).post(reverse("meetings:create"), _meeting_data(board, title=title))
    meeting = Meeting.objects.get()
    assert meeting.title == title
    page = _client(officer).get(meeting.get_absolute_url()).content.decode()
    assert "<b>Budget</b>" not in page and "&lt;b&gt;Budget&lt;/b&gt;" in page


def test_withheld_item_needs_an_exemption(officer, meeting):
    url = reverse("meetings:item_add", args=[meeting.public_id])
    response = _client(officer).post(url, {"number": "1", "title": "Estates", "withheld": "on"})
    assert "Select the FOI exemption" in response.content.decode()
    response = _client(officer).post(
        url, {"number": "1", "title": "Estates", "withheld": "on", "exemption": "s43"}
    )
    assert response.status_code == 302
    item = AgendaItem.objects.get()
    assert item.withheld and item.exemption == "s43"


@pytest.mark.parametrize("number", ["0", "-1", "1000", "1.5", "9" * 30, "abc"])
def test_bad_item_numbers_are_refused(officer, meeting, number):
    url = reverse("meetings:item_add", args=[meeting.public_id])
    response = _client(officer).post(url, {"number": number, "title": "Item"})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert not AgendaItem.objects.exists()


def test_a_repeated_item_number_is_refused(officer, meeting):
    services.agenda_item_save(actor=officer, meeting=meeting, number=1, title="First")
    url = reverse("meetings:item_add", args=[meeting.public_id])
    response = _client(officer).post(url, {"number": "1", "title": "Second"})
    assert "Another item of this meeting has this number" in response.content.decode()


def _upload(officer, meeting, name, content, **extra):
    data = {"kind": "minutes", "title": "Minutes", "upload": SimpleUploadedFile(name, content)}
    data.update(extra)
    return _client(officer).post(reverse("meetings:document_add", args=[meeting.public_id]), data)


def test_a_real_pdf_is_stored_under_a_random_name(officer, meeting):
    response = _upload(officer, meeting, "minutes 2025.pdf", tiny_pdf("Minutes"))
    assert response.status_code == 302
    document = MeetingDocument.objects.get()
    assert document.original_filename == "minutes 2025.pdf"
    assert "minutes" not in document.file.name.split("/")[-1]
    assert document.content_type == "application/pdf" and len(document.sha256) == 64
    download = _client(officer).get(
        reverse("meetings:document_download", args=[document.public_id])
    )
    assert download.status_code == 200 and download["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("minutes.pdf", b"MZ\x90\x00 this is a program", "not an allowed type"),
        ("minutes.pdf", b"<html><script>alert(1)</script></html>", "not an allowed type"),
        ("minutes.docx", tiny_pdf("x"), "must end in .pdf"),
        ("minutes.docm", docx_bytes(), "macros"),
        ("minutes.docx", zip_bomb_docx(5), "expands to far more data"),
        ("minutes.pdf", b"", "empty"),
    ],
)
def test_fake_files_are_refused(officer, meeting, name, content, message):
    response = _upload(officer, meeting, name, content)
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and message in body
    assert not MeetingDocument.objects.exists()


def test_a_huge_file_is_refused(officer, meeting, settings):
    settings.UPLOAD_MAX_BYTES = 1024
    response = _upload(officer, meeting, "minutes.pdf", tiny_pdf("x") + b" " * 2048)
    assert "must be smaller than" in response.content.decode()
    assert not MeetingDocument.objects.exists()


def test_only_staff_download_a_private_paper(officer, outsider, meeting):
    _upload(officer, meeting, "minutes.pdf", tiny_pdf("Minutes"))
    document = MeetingDocument.objects.get()
    url = reverse("meetings:document_download", args=[document.public_id])
    assert _client(outsider).get(url).status_code == 403
    assert Client().get(url).status_code == 302  # to sign in


def test_minutes_become_toolkit_evidence_with_a_copy_of_the_file(officer, meeting, toolkit):
    _upload(officer, meeting, "minutes.pdf", tiny_pdf("Partnership minutes"))
    document = MeetingDocument.objects.get()
    section = Section.objects.get(edition=toolkit, number=1)
    criterion = section.criteria.order_by("number").last()
    url = reverse("meetings:document_evidence", args=[document.public_id])
    assert _client(officer).get(url).status_code == 200
    response = _client(officer).post(url, {"section": section.pk, "criterion": criterion.pk})
    assert response.status_code == 302
    document.refresh_from_db()
    evidence = Evidence.objects.get()
    assert document.evidence == evidence
    assert evidence.kind == Evidence.Kind.MINUTES
    assert list(evidence.criteria.all()) == [criterion]
    assert evidence.sha256 == document.sha256 and evidence.file.name != document.file.name
    # Linking another paper to that existing evidence makes no second copy.
    _upload(officer, meeting, "terms.pdf", tiny_pdf("Terms"), kind="terms", title="Terms")
    terms = MeetingDocument.objects.get(kind="terms")
    url = reverse("meetings:document_evidence", args=[terms.public_id])
    _client(officer).post(url, {"evidence": evidence.pk})
    terms.refresh_from_db()
    assert terms.evidence == evidence and Evidence.objects.count() == 1


def test_a_criterion_of_another_section_is_refused(officer, meeting, toolkit):
    _upload(officer, meeting, "minutes.pdf", tiny_pdf("Minutes"))
    document = MeetingDocument.objects.get()
    one, two = Section.objects.filter(edition=toolkit).order_by("number")[:2]
    url = reverse("meetings:document_evidence", args=[document.public_id])
    response = _client(officer).post(url, {"section": one.pk, "criterion": two.criteria.first().pk})
    assert "Choose a criterion of the section you selected" in response.content.decode()
    assert not Evidence.objects.exists()


def test_decisions_are_linked_by_reference_and_shown_on_the_decision(officer, meeting):
    from tests.decisions.helpers import make_draft

    decision = make_draft({"officer": officer})
    url = reverse("meetings:decision_link", args=[meeting.public_id])
    response = _client(officer).post(url, {"reference": "NO-SUCH-1"})
    assert "No decision has this reference" in response.content.decode()
    response = _client(officer).post(url, {"reference": decision.reference})
    assert response.status_code == 302
    assert list(meeting.decisions.all()) == [decision]
    page = _client(officer).get(decision.get_absolute_url()).content.decode()
    assert meeting.get_absolute_url() in page
    _client(officer).post(
        reverse("meetings:decision_unlink", args=[meeting.public_id]),
        {"decision": decision.url_key},
    )
    assert not meeting.decisions.exists()


# --- Forward plan ---------------------------------------------------------------------------


def _plan_data(**overrides):
    data = {
        "title": "Venue hire policy",
        "summary": "Approve the policy.",
        "expected_month": "3",
        "expected_year": "2026",
        "decision_maker": "pcc",
        "status": "planned",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"expected_month": "13"}, "Select a month from the list"),
        ({"expected_month": "0"}, "Select a month from the list"),
        ({"expected_month": ""}, "Select the month the decision is expected"),
        ({"expected_year": "20266"}, "The year must be 2100 or earlier"),
        ({"expected_year": "twenty"}, "Enter the year as 4 digits"),
        ({"decision_maker": "king"}, "Select a valid choice"),
        ({"title": "x" * 301}, "Ensure this value has at most 300 characters"),
        ({"summary": "x" * 10_001}, "Ensure this value has at most 10000 characters"),
        ({"expected_confidential": "on"}, "Enter the general subject"),
        ({"status": "withdrawn"}, "Enter why the decision was deferred or withdrawn"),
        ({"status": "taken"}, "Enter the reference of the decision that was taken"),
        ({"decision_reference": "NOPE-1"}, "No single decision has this reference"),
    ],
)
def test_bad_plan_input_is_refused(officer, overrides, message):
    response = _client(officer).post(reverse("meetings:plan_create"), _plan_data(**overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert "govuk-error-summary" in body and message in body, body[:3000]
    assert not ForwardPlanEntry.objects.exists()


def test_officer_starts_a_draft_decision_from_a_plan_entry(officer):
    _client(officer).post(reverse("meetings:plan_create"), _plan_data())
    entry = ForwardPlanEntry.objects.get()
    url = reverse("meetings:plan_start_draft", args=[entry.public_id])
    response = _client(officer).post(url)
    decision = Decision.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("decisions:edit", args=[decision.url_key])
    assert decision.status == Decision.Status.DRAFT
    assert (decision.title, decision.summary, decision.decision_maker) == (
        "Venue hire policy",
        "Approve the policy.",
        "pcc",
    )
    entry.refresh_from_db()
    assert entry.decision == decision
    # A second press makes no second draft.
    response = _client(officer).post(url, follow=True)
    assert "already has a decision record" in response.content.decode()
    assert Decision.objects.count() == 1


def test_start_draft_is_refused_to_other_roles_and_to_get(officer, treasurer, auditor):
    entry = services.plan_entry_create(
        actor=officer, title="T", expected_year=2026, expected_month=1, decision_maker="pcc"
    )
    url = reverse("meetings:plan_start_draft", args=[entry.public_id])
    assert _client(treasurer).post(url).status_code == 403
    assert _client(auditor).post(url).status_code == 403
    assert _client(officer).get(url).status_code == 405
    assert Client().post(url).status_code == 302
    assert not Decision.objects.exists()


# --- Publication scheme -----------------------------------------------------------------------


def test_scheme_lists_every_class_and_the_office_sets_https_links(officer, administrator):
    page = Client().get(reverse("meetings:publication_scheme")).content.decode()
    for info in scheme.CLASSES.values():
        if scheme.page_url(info.url_name) or info.key != "annual_reviews":
            assert info.label.replace("'", "&#x27;") in page, info.label
    assert "Not yet published" in page
    assert reverse("meetings:public_list") in page
    assert reverse("decisions:public_list") in page
    services.publication_link_set(
        actor=administrator, class_key="spending_over_500", url="https://opcc.example/spend"
    )
    page = Client().get(reverse("meetings:publication_scheme")).content.decode()
    assert "https://opcc.example/spend" in page


@pytest.mark.parametrize(
    "url",
    [
        "http://opcc.example/spend",
        "javascript:alert(1)",
        "ftp://x.example/a",
        "not a url",
        "https://" + "a" * 600 + ".example",
    ],
)
def test_only_https_addresses_are_accepted(administrator, url):
    from tests.prevent_compliance.two_factor import sign_in_verified

    client = Client()
    sign_in_verified(client, administrator)
    edit = reverse("meetings:link_edit", args=["spending_over_500"])
    response = client.post(edit, {"url": url, "note": ""})
    assert response.status_code == 200 and "govuk-error-summary" in response.content.decode()
    assert not PublicationLink.objects.exists()


def test_a_class_held_here_has_no_address_form(administrator):
    from tests.prevent_compliance.two_factor import sign_in_verified

    client = Client()
    sign_in_verified(client, administrator)
    assert client.get(reverse("meetings:link_edit", args=["forward_plan"])).status_code == 404
    assert client.get(reverse("meetings:link_edit", args=["no_such_class"])).status_code == 404


def test_the_pages_of_other_helpers_apps_resolve():
    """The index links to the register of interests and gifts (interests app) and the annual
    reviews (reports app): when those apps are installed, each class is held here."""
    for key in ("register_of_interests", "gifts_hospitality", "annual_reviews"):
        info = scheme.CLASSES[key]
        assert scheme.held_here(info), f"{info.url_name} does not resolve"
        for _label, name in info.data:
            assert scheme.page_url(name), f"{name} does not resolve"


def test_staff_pages_render(officer):
    world = make_world(officer)
    client = _client(officer)
    for url in (
        reverse("meetings:list"),
        world["public"].get_absolute_url(),
        world["private"].get_absolute_url(),
        reverse("meetings:plan_list"),
        reverse("meetings:item_add", args=[world["public"].public_id]),
        reverse("meetings:attendee_add", args=[world["public"].public_id]),
        reverse("meetings:document_add", args=[world["public"].public_id]),
        reverse("meetings:edit", args=[world["public"].public_id]),
        reverse("meetings:plan_edit", args=[world["open_entry"].public_id]),
    ):
        assert client.get(url).status_code == 200, url
