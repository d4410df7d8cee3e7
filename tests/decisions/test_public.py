"""The public decision log: open without sign-in, and never a word of withheld text."""

import csv
import io
import json

import pytest
from django.urls import reverse
from pypdf import PdfReader

from decisions.models import Decision

from .helpers import MARKER

S = Decision.Status


@pytest.fixture
def log(make_decision, personas):
    """One record of each kind on the public log, with MARKER in every withheld place."""
    return {
        "open": make_decision("public", title="Grant due diligence"),
        "partly": make_decision(
            "public",
            title="Venue hire policy",
            confidentiality="partly-confidential",
            foi_exemptions=["s40"],
            withheld=5,
            secret=MARKER,
        ),
        "secret": make_decision(
            "public",
            title="CTLP briefing arrangements",
            confidentiality="confidential",
            foi_exemptions=["s24", "s31"],
            summary=f"Confidential summary {MARKER}",
            lead_officer=f"Officer {MARKER}",
            withheld_parts=f"All of it {MARKER}",
            secret=MARKER,
            withheld=1,
        ),
        "draft": make_decision("draft", title=f"Draft {MARKER}"),
        "waiting": make_decision("awaiting_signature", title=f"Waiting {MARKER}"),
        "signed": make_decision("signed", title=f"Signed not published {MARKER}"),
    }


def _pdf_text(content: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


def test_log_lists_published_and_withheld_newest_first(log, client_for):
    page = client_for(None).get(reverse("decisions:public_list"))
    assert page.status_code == 200
    text = page.text
    for key in ("open", "partly", "secret"):
        assert log[key].reference in text
    for key in ("draft", "waiting", "signed"):
        assert log[key].reference not in text
    assert "Withheld under section 24 (national security) and section 31 (law enforcement)" in text


def test_no_public_page_feed_or_pdf_contains_withheld_text(log, client_for):
    client = client_for(None)
    urls = [
        reverse("decisions:public_list"),
        reverse("decisions:public_csv"),
        reverse("decisions:public_json"),
    ]
    for key in ("open", "partly", "secret"):
        urls.append(reverse("decisions:public_detail", args=[log[key].reference]))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert MARKER not in response.content.decode(), url
    for key in ("open", "partly"):
        pdf = client.get(reverse("decisions:public_pdf", args=[log[key].reference]))
        assert pdf.status_code == 200
        assert MARKER not in _pdf_text(pdf.content)
        assert MARKER.encode() not in pdf.content


def test_search_never_finds_a_record_by_its_withheld_text(log, client_for):
    page = client_for(None).get(reverse("decisions:public_list"), {"q": MARKER})
    assert "0 decisions found" in page.text


def test_search_finds_published_text(log, client_for):
    page = client_for(None).get(reverse("decisions:public_list"), {"q": "venue hire"})
    assert log["partly"].reference in page.text and log["open"].reference not in page.text
    page = client_for(None).get(reverse("decisions:public_list"), {"q": "CTLP"})
    assert log["secret"].reference in page.text  # the title of a confidential record is public


def test_filter_by_year(log, client_for, make_decision):
    older = make_decision(
        "public", title="Older", decision_date=__import__("datetime").date(2023, 3, 1)
    )
    page = client_for(None).get(reverse("decisions:public_list"), {"year": "2023"})
    assert older.reference in page.text and log["open"].reference not in page.text
    assert '<option value="2023"' in page.text


def test_log_is_paginated(make_decision, client_for, personas):
    for i in range(21):
        make_decision("public", title=f"Decision {i}")
    client = client_for(None)
    first = client.get(reverse("decisions:public_list")).text
    assert "Page </span>1 of 2" in first
    second = client.get(reverse("decisions:public_list"), {"page": 2}).text
    assert "Decision 0" in second


def test_confidential_record_shows_only_reference_title_date_and_exemption(log, client_for):
    page = client_for(None).get(reverse("decisions:public_detail", args=[log["secret"].reference]))
    text = page.text
    assert log["secret"].title in text and "Confidential" in text
    assert "Withheld under section 24 (national security)" in text
    assert "Supporting information" not in text and "Officer" not in text
    pdf = client_for(None).get(reverse("decisions:public_pdf", args=[log["secret"].reference]))
    assert pdf.status_code == 404


def test_partly_confidential_record_names_the_exemption_and_hides_the_section(log, client_for):
    page = client_for(None).get(reverse("decisions:public_detail", args=[log["partly"].reference]))
    text = page.text
    assert "Section 40 (personal information)" in text
    assert "5. Withheld" in text
    assert "4. Impact of not approving the application" in text
    assert "Costs (including any identified savings)" not in text


@pytest.mark.parametrize("key", ["draft", "waiting", "signed"])
def test_records_not_yet_public_are_404_everywhere(log, client_for, key):
    client = client_for(None)
    reference = log[key].reference
    assert client.get(reverse("decisions:public_detail", args=[reference])).status_code == 404
    assert client.get(reverse("decisions:public_pdf", args=[reference])).status_code == 404


def test_withdrawn_and_deferred_are_not_public(make_decision, personas, client_for):
    from decisions import services

    decision = make_decision("draft")
    services.decision_withdraw(actor=personas["officer"], decision=decision, reason="x")
    assert client_for(None).get(decision.get_public_url()).status_code == 404


def test_public_pages_need_no_sign_in_and_show_no_staff_navigation(log, client_for):
    page = client_for(None).get(reverse("decisions:public_detail", args=[log["open"].reference]))
    assert page.status_code == 200
    assert "Sign out" not in page.text and "Action plan" not in page.text
    assert 'href="/accessibility/"' in page.text
    assert client_for(None).get(reverse("accessibility")).status_code == 200


def test_csv_feed(log, client_for):
    response = client_for(None).get(reverse("decisions:public_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    by_reference = {row["reference"]: row for row in rows}
    assert set(by_reference) == {log[k].reference for k in ("open", "partly", "secret")}
    secret = by_reference[log["secret"].reference]
    assert secret["status"] == "withheld" and secret["summary"] == ""
    assert secret["foi_exemptions"] == "s24, s31" and secret["pdf_url"] == ""
    assert by_reference[log["open"].reference]["pdf_url"].endswith("/pdf/")


def test_csv_cells_cannot_start_a_formula(make_decision, client_for):
    make_decision("public", title='=HYPERLINK("http://evil")')
    response = client_for(None).get(reverse("decisions:public_csv"))
    assert "'=HYPERLINK" in response.content.decode()


def test_json_feed(log, client_for):
    data = json.loads(client_for(None).get(reverse("decisions:public_json")).content)
    assert data["count"] == 3
    secret = next(d for d in data["decisions"] if d["reference"] == log["secret"].reference)
    assert secret["lead_officer"] == "" and secret["confidentiality"] == "confidential"


@pytest.mark.parametrize("host", ["testserver:6666", "localhost:1", "127.0.0.1:8443"])
def test_feed_links_start_with_site_url_whatever_the_host_header(log, client_for, settings, host):
    """Links in the feeds come from SITE_URL, never from the request's Host header or port."""
    settings.SITE_URL = "https://decisions.opcc.example"
    client = client_for(None)
    data = json.loads(client.get(reverse("decisions:public_json"), HTTP_HOST=host).content)
    assert data["source"] == "https://decisions.opcc.example/public/decisions/"
    links = [d["url"] for d in data["decisions"]] + [
        d["pdf_url"] for d in data["decisions"] if d["pdf_url"]
    ]
    response = client.get(reverse("decisions:public_csv"), HTTP_HOST=host)
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    links += [row["url"] for row in rows] + [row["pdf_url"] for row in rows if row["pdf_url"]]
    assert len(links) == 10  # three records in each feed, two with a PDF
    assert all(link.startswith("https://decisions.opcc.example/public/") for link in links)
    assert not any(host in link for link in links)


def test_public_appendix_download_only_when_not_withheld(make_decision, personas, client_for):
    from decisions import services

    from .helpers import advance, complete_sections, make_draft, pdf_upload

    decision = make_draft(personas, confidentiality="partly-confidential", foi_exemptions=["s43"])
    complete_sections(decision, actor=personas["officer"])
    upload, info = pdf_upload("open.pdf")
    shown = services.appendix_add(
        actor=personas["officer"], decision=decision, title="Open", upload=upload, upload_info=info
    )
    upload, info = pdf_upload("hidden.pdf")
    hidden = services.appendix_add(
        actor=personas["officer"],
        decision=decision,
        title=f"Hidden {MARKER}",
        upload=upload,
        upload_info=info,
        withheld=True,
    )
    advance(decision, personas, "public")
    client = client_for(None)
    page = client.get(decision.get_public_url()).text
    assert "Appendix 1: Open" in page and MARKER not in page
    ok = reverse("decisions:public_appendix_download", args=[decision.reference, shown.public_id])
    refused = reverse(
        "decisions:public_appendix_download", args=[decision.reference, hidden.public_id]
    )
    assert client.get(ok).status_code == 200
    assert client.get(refused).status_code == 404


def test_public_list_query_count_does_not_grow(
    make_decision, client_for, django_assert_max_num_queries
):
    for i in range(3):
        make_decision("public", title=f"Decision {i}")
    client = client_for(None)
    client.get(reverse("decisions:public_list"))
    with django_assert_max_num_queries(8) as few:
        client.get(reverse("decisions:public_list"))
    limit = len(few.captured_queries)  # read now: the next request empties the query log
    for i in range(12):
        make_decision("public", title=f"More {i}")
    client.get(reverse("decisions:public_list"))  # publishing dropped the cached years
    with django_assert_max_num_queries(limit):
        client.get(reverse("decisions:public_list"))


def test_public_detail_query_count(log, client_for, django_assert_max_num_queries):
    client = client_for(None)
    url = reverse("decisions:public_detail", args=[log["partly"].reference])
    client.get(url)
    # The record and its parts, the seal's signer names, its later releases, and the meetings
    # that considered it (decisions/meetings, one query), and the register of interests
    # version it was signed against (decisions/interests, one query).
    with django_assert_max_num_queries(9):
        assert client.get(url).status_code == 200


def test_reference_with_slashes_on_the_public_log(client_for, toolkit):
    from decisions.importer import validate_import
    from decisions.services import decisions_import

    record = {
        "reference": "PCC/D/2023/03",
        "title": "Precept proposal",
        "decision_date": "2023-02-01",
        "confidentiality": "non-confidential",
        "summary": "The precept for 2023/24.",
    }
    decisions_import(records=validate_import([record]))
    client = client_for(None)
    assert client.get("/public/decisions/PCC/D/2023/03/").status_code == 200
    pdf = client.get("/public/decisions/PCC/D/2023/03/pdf/")
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert "PCC-D-2023-03.pdf" in pdf["Content-Disposition"]
    assert client.get("/public/decisions/PCC/D/2023/").status_code == 404
