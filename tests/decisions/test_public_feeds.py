"""The open data of the public log: CSV and JSON carry decision maker, forum, publication
date and release events; an Atom feed lists newly published decisions with stable ids."""

import csv
import io
import json
from xml.etree import ElementTree

import pytest
from django.urls import reverse

from decisions.importer import validate_import
from decisions.services import decisions_import

from .helpers import MARKER

ATOM = "{http://www.w3.org/2005/Atom}"


def _atom(content):
    """Our own feed, parsed to check it (the service never parses XML it is sent)."""
    return ElementTree.fromstring(content)  # noqa: S314


def _record(reference: str, when: str, **extra) -> dict:
    record = {
        "reference": reference,
        "title": f"Decision {reference}",
        "decision_date": when,
        "confidentiality": "non-confidential",
        "summary": f"Summary of {reference}.",
    }
    record.update(extra)
    return record


@pytest.fixture
def feed_log(toolkit):
    records = [
        _record(
            "PCC/D/2024/07",
            "2024-07-01",
            decision_maker="pcc_and_chief_constable",
            decision_maker_name='=HYPERLINK("http://evil")',
            forum="Accountability Board",
            forum_date="2024-06-25",
            financial_value="250000.50",
            published_on="2024-07-05",
        ),
        _record("PCC/D/2024/08", "2024-07-20", published_on="2024-07-22"),
        _record(
            "PCC/D/2024/09",
            "2024-08-01",
            confidentiality="confidential",
            foi_exemptions=["s31"],
            summary=f"Hidden {MARKER}",
            forum=f"Forum {MARKER}",
            lead_officer=f"Officer {MARKER}",
            published_on="2024-08-02",
            decision_maker="pcc",
        ),
    ]
    return {d.reference: d for d in decisions_import(records=validate_import(records))}


def _csv(client, **query) -> dict[str, dict]:
    response = client.get(reverse("decisions:public_csv"), query)
    assert response.status_code == 200
    return {row["reference"]: row for row in csv.DictReader(io.StringIO(response.text))}


def _json(client, **query) -> dict[str, dict]:
    data = json.loads(client.get(reverse("decisions:public_json"), query).content)
    return {row["reference"]: row for row in data["decisions"]}


def test_csv_and_json_carry_decision_maker_forum_value_and_publication(feed_log, client):
    row = _csv(client)["PCC/D/2024/07"]
    assert row["decision_maker"] == "pcc_and_chief_constable"
    assert row["forum"] == "Accountability Board" and row["forum_date"] == "2024-06-25"
    assert row["financial_value"] == "250000.50" and row["published_on"] == "2024-07-05"
    assert row["releases"] == ""
    data = _json(client)["PCC/D/2024/07"]
    assert data["decision_maker"] == "pcc_and_chief_constable"
    assert data["forum"] == "Accountability Board" and data["published_on"] == "2024-07-05"
    assert data["releases"] == []


def test_every_csv_cell_is_safe_for_a_spreadsheet(feed_log, client):
    row = _csv(client)["PCC/D/2024/07"]
    assert row["decision_maker_name"].startswith("'=HYPERLINK")


def test_confidential_forum_and_content_stay_out_of_the_feeds(feed_log, client):
    for url in ("decisions:public_csv", "decisions:public_json", "decisions:public_atom"):
        body = client.get(reverse(url)).content.decode()
        assert MARKER not in body, url
    row = _json(client)["PCC/D/2024/09"]
    assert row["forum"] == "" and row["summary"] == "" and row["decision_maker"] == "pcc"
    assert row["published_on"] == "2024-08-02"


def test_feeds_take_the_log_filters(feed_log, client):
    assert set(_csv(client, maker="pcc")) == {"PCC/D/2024/09"}
    assert set(_json(client, year="2023")) == set()
    assert set(_json(client, fy="2024-25", sort="reference")) == set(feed_log)


def test_atom_feed_of_newly_published_decisions(feed_log, client, settings):
    settings.SITE_URL = "https://decisions.opcc.example"
    response = client.get(reverse("decisions:public_atom"), HTTP_HOST="testserver:6666")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = _atom(response.content)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.findtext(f"{ATOM}title") for e in entries]
    # Newest publication first.
    assert titles[0].startswith("PCC/D/2024/09") and titles[-1].startswith("PCC/D/2024/07")
    first = entries[-1]
    link = first.find(f"{ATOM}link").get("href")
    assert link == "https://decisions.opcc.example" + feed_log["PCC/D/2024/07"].get_public_url()
    assert first.findtext(f"{ATOM}id").startswith("tag:decisions.opcc.example,2024-07-01:")
    assert first.findtext(f"{ATOM}updated").startswith("2024-07-05T00:00:00")
    assert first.findtext(f"{ATOM}published").startswith("2024-07-05T00:00:00")
    assert "Summary of PCC/D/2024/07." in first.findtext(f"{ATOM}summary")
    assert feed.findtext(f"{ATOM}updated").startswith("2024-08-02")
    assert "testserver" not in response.content.decode()
    self_link = [x.get("href") for x in feed.findall(f"{ATOM}link") if x.get("rel") == "self"]
    assert self_link == ["https://decisions.opcc.example/public/decisions.atom"]


def test_atom_ids_are_stable(feed_log, client, toolkit):
    def ids():
        feed = _atom(client.get(reverse("decisions:public_atom")).content)
        return {e.findtext(f"{ATOM}title"): e.findtext(f"{ATOM}id") for e in feed}

    before = {k: v for k, v in ids().items() if k}
    decisions_import(records=validate_import([_record("PCC/D/2024/10", "2024-09-01")]))
    after = ids()
    for title, entry_id in before.items():
        assert after[title] == entry_id


def test_confidential_entry_in_atom_names_only_the_exemption(feed_log, client):
    feed = _atom(client.get(reverse("decisions:public_atom")).content)
    entry = next(e for e in feed.findall(f"{ATOM}entry") if "2024/09" in e.findtext(f"{ATOM}title"))
    assert "Withheld under section 31 (law enforcement)" in entry.findtext(f"{ATOM}summary")


def test_list_page_announces_the_atom_feed(feed_log, client):
    page = client.get(reverse("decisions:public_list")).text
    assert (
        '<link rel="alternate" type="application/atom+xml" '
        'title="Newly published decisions (Atom)" href="/public/decisions.atom">'
    ) in page


def test_permalinks_in_the_feeds_are_the_record_pages(feed_log, client):
    for reference, row in _json(client).items():
        path = row["url"].removeprefix("http://testserver").split("://", 1)[-1]
        path = path[path.index("/") :] if not path.startswith("/") else path
        assert path == feed_log[reference].get_public_url()
        assert client.get(path).status_code == 200


def test_a_record_not_published_keeps_its_content_out_of_every_feed(toolkit, client):
    """Signed and not published (non-confidential): listed with its reason, nothing else."""
    [decision] = decisions_import(
        records=validate_import(
            [
                _record(
                    "NP-1",
                    "2024-10-01",
                    status="not_published",
                    status_note="Commercially sensitive",
                    status_date="2024-10-03",
                    summary=f"The price {MARKER}",
                    lead_officer=f"Officer {MARKER}",
                    forum=f"Board {MARKER}",
                    financial_value="999999",
                )
            ]
        )
    )
    urls = [
        reverse("decisions:public_list"),
        decision.get_public_url(),
        reverse("decisions:public_csv"),
        reverse("decisions:public_json"),
        reverse("decisions:public_atom"),
    ]
    for url in urls:
        body = client.get(url).content.decode()
        assert MARKER not in body and "999999" not in body and "999,999" not in body, url
    row = _json(client)["NP-1"]
    assert row["status"] == "not_published" and row["status_reason"] == "Commercially sensitive"
    assert row["status_date"] == "2024-10-03" and row["summary"] == ""
