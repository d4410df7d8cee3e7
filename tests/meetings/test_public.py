"""What the public sees: private meetings, withheld items and papers and the content of
confidential plan entries never reach a public page, CSV or JSON (unique markers)."""

import csv
import io
import json

import pytest
from django.test import Client
from django.urls import reverse

from decisions.meetings import services
from decisions.meetings.models import ForwardPlanEntry

from .helpers import (
    CONFIDENTIAL_PLAN,
    MARKERS,
    PRIVATE_TITLE,
    WITHHELD_PAPER,
    WITHHELD_REPORT,
    make_world,
    published_decision,
)

PUBLIC_PAGES = [
    "meetings:public_list",
    "meetings:public_meetings_csv",
    "meetings:public_meetings_json",
    "meetings:public_agenda_items_csv",
    "meetings:public_agenda_items_json",
    "meetings:public_forward_plan",
    "meetings:public_forward_plan_csv",
    "meetings:public_forward_plan_json",
    "meetings:publication_scheme",
]


@pytest.fixture
def world(officer):
    world = make_world(officer)
    decision = published_decision()
    for key in ("public", "private_spi", "private"):
        services.meeting_link_decision(
            actor=officer, meeting=world[key], reference=decision.reference
        )
    world["decision"] = decision
    return world


def _body(response) -> str:
    if hasattr(response, "streaming_content"):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def _assert_no_marker(text: str, where: str):
    for marker in MARKERS:
        assert marker not in text, f"{marker} leaked into {where}"


def test_no_private_or_withheld_text_on_any_public_page_or_file(world):
    client = Client()
    urls = [reverse(name) for name in PUBLIC_PAGES]
    urls += [
        world["public"].get_public_url(),
        world["decision"].get_public_url(),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        _assert_no_marker(_body(response), url)


def test_the_public_pages_do_show_what_is_public(world):
    client = Client()
    page = _body(client.get(world["public"].get_public_url()))
    assert "Quarterly accountability meeting" in page
    assert "Performance report" in page
    assert "Minutes of the quarterly meeting" in page
    assert "Chief Constable" in page
    assert world["decision"].reference in page
    listing = _body(client.get(reverse("meetings:public_list")))
    assert "Private meeting of Accountability board" in listing  # significant public interest
    assert "Audit committee" not in listing  # a plain private meeting is not listed
    plan = _body(client.get(reverse("meetings:public_forward_plan")))
    assert "A confidential decision about estates" in plan
    assert "Prevent partnership funding 2026-27" in plan
    record = _body(client.get(world["decision"].get_public_url()))
    assert "A private meeting of Accountability board, 1 July 2025" in record
    assert "Quarterly accountability meeting, 3 June 2025" in record


def test_private_meeting_and_withheld_papers_are_not_found(world):
    client = Client()
    assert client.get(world["private_spi"].get_public_url()).status_code == 404
    assert client.get(world["private"].get_public_url()).status_code == 404
    for document in world["public"].documents.all():
        url = reverse("meetings:public_document_download", args=[document.public_id])
        hidden = WITHHELD_REPORT in document.title or WITHHELD_PAPER in document.title
        assert client.get(url).status_code == (404 if hidden else 200), document.title
    for document in world["private_spi"].documents.all():
        url = reverse("meetings:public_document_download", args=[document.public_id])
        assert client.get(url).status_code == 404


def test_a_published_paper_is_the_file_as_uploaded(world):
    document = world["public"].documents.get(kind="minutes")
    response = Client().get(reverse("meetings:public_document_download", args=[document.public_id]))
    body = b"".join(response.streaming_content)
    assert body.startswith(b"%PDF") and response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_json_uses_iso_dates_and_lists_the_private_meeting_by_date_only(world):
    data = json.loads(Client().get(reverse("meetings:public_meetings_json")).content)
    assert data["count"] == 2
    rows = {row["date"]: row for row in data["meetings"]}
    assert rows["2025-06-03"]["time"] == "14:30"
    assert rows["2025-06-03"]["public"] is True
    private = rows["2025-07-01"]
    assert private == {
        "board": "Accountability board",
        "meeting": "Private meeting of Accountability board",
        "public": False,
        "date": "2025-07-01",
        "time": "",
        "place": "",
        "url": "",
    }
    plan = json.loads(Client().get(reverse("meetings:public_forward_plan_json")).content)
    months = [entry["expected_month"] for entry in plan["entries"]]
    assert months == ["2026-03", "2026-04"]


def test_csv_cells_cannot_run_formulas(officer, world):
    services.plan_entry_create(
        actor=officer,
        title='=HYPERLINK("http://evil.example","x")',
        summary="+1+1",
        expected_year=2026,
        expected_month=5,
        decision_maker="pcc",
    )
    services.agenda_item_save(actor=officer, meeting=world["public"], number=3, title="@SUM(A1:A9)")
    plan = list(
        csv.reader(io.StringIO(_body(Client().get(reverse("meetings:public_forward_plan_csv")))))
    )
    cells = [cell for row in plan for cell in row]
    assert '\'=HYPERLINK("http://evil.example","x")' in cells and "'+1+1" in cells
    agenda = _body(Client().get(reverse("meetings:public_agenda_items_csv")))
    assert "'@SUM(A1:A9)" in agenda


def test_taken_entry_links_to_the_decision_only_once_it_is_published(officer, world):
    entry = world["open_entry"]
    draft = services.plan_entry_start_draft(actor=officer, entry=entry)
    plan = _body(Client().get(reverse("meetings:public_forward_plan")))
    assert draft.reference not in plan  # a draft is not public
    decision = published_decision("WPCC3-0900", "Partnership funding")
    entry.refresh_from_db()
    services.plan_entry_update(
        actor=officer,
        entry=entry,
        status=ForwardPlanEntry.Status.TAKEN,
        decision=decision,
    )
    plan = _body(Client().get(reverse("meetings:public_forward_plan")))
    assert decision.get_public_url() in plan


def test_confidential_entry_hides_its_reason_and_title_in_every_format(world):
    for name in ("meetings:public_forward_plan_csv", "meetings:public_forward_plan_json"):
        body = _body(Client().get(reverse(name)))
        assert "A confidential decision about estates" in body
        assert CONFIDENTIAL_PLAN not in body


def test_html_in_titles_is_escaped_on_public_pages(officer, world):
    services.agenda_item_save(
        actor=officer, meeting=world["public"], number=4, title="<script>alert(1)</script>"
    )
    page = _body(Client().get(world["public"].get_public_url()))
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_staff_decision_page_lists_every_meeting(officer, world):
    client = Client()
    client.force_login(officer)
    page = _body(client.get(world["decision"].get_absolute_url()))
    assert PRIVATE_TITLE in page  # staff see the private meeting's title
    assert "Quarterly accountability meeting" in page
