"""The public log as offices present it: filters by calendar year, financial year, term,
decision maker and status; sorting by date or by reference in natural order; the facts real
logs show (decision maker, forum, value, publication, status with reason and date)."""

from datetime import date

import pytest
from django.urls import reverse

from decisions import selectors
from decisions.importer import validate_import
from decisions.services import decisions_import

from .helpers import MARKER

LOG = reverse("decisions:public_list")


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
def imported(toolkit):
    """imported(record, ...): the records imported, sealed, as an office's old log."""

    def run(*records):
        return decisions_import(records=validate_import(list(records)))

    return run


@pytest.fixture
def office_log(imported):
    """A log shaped like the ones offices publish, with MARKER only in withheld places."""
    return {
        d.reference: d
        for d in imported(
            _record(
                "WPCC4-0009",
                "2024-06-10",
                decision_maker="pcc",
                decision_maker_name="Philip Seccombe",
                forum="Accountability Board",
                forum_date="2024-06-03",
                financial_value="12500",
                published_on="2024-06-14",
            ),
            _record("WPCC4-0010", "2024-06-10", decision_maker="deputy_pcc"),
            _record("WPCC3-0083", "2023-02-15", decision_maker="officer_delegated"),
            _record("2", "2025-01-05", decision_maker="pcc_and_chief_constable"),
            _record("10", "2025-03-31", decision_maker="pcc"),
            _record(
                "D-2025-01",
                "2025-04-02",
                status="deferred",
                status_note="Deferred until the Chief Constable reports",
                status_date="2025-04-20",
            ),
            _record(
                "D-2025-02",
                "2025-04-03",
                status="withdrawn",
                status_note="Withdrawn: the contract was not let",
                status_date="2025-05-01",
            ),
            _record(
                "WPCC4-0031",
                "2024-09-01",
                confidentiality="confidential",
                foi_exemptions=["s43"],
                status="not_published",
                status_note="Commercially sensitive",
                status_date="2024-09-05",
                summary=f"Secret summary {MARKER}",
                forum=f"Board {MARKER}",
                lead_officer=f"Officer {MARKER}",
                withheld_parts=f"Everything {MARKER}",
                decision_maker="pcc",
            ),
        )
    }


def _references(response) -> list[str]:
    return [e["notice"].reference for e in response.context["entries"]]


def test_default_order_is_newest_decision_first(office_log, client):
    shown = _references(client.get(LOG))
    dates = [office_log[r].decision_date for r in shown]
    assert dates == sorted(dates, reverse=True)
    # Two decisions of one day: the later number is the newer one.
    assert shown.index("WPCC4-0010") < shown.index("WPCC4-0009")
    assert "newest decision first" in client.get(LOG).text


def test_oldest_first(office_log, client):
    shown = _references(client.get(LOG, {"sort": "date-oldest"}))
    assert shown[0] == "WPCC3-0083" and shown[-1] == "D-2025-02"


def test_reference_order_is_natural(office_log, client):
    response = client.get(LOG, {"sort": "reference"})
    shown = _references(response)
    assert shown.index("2") < shown.index("10")
    assert shown.index("WPCC3-0083") < shown.index("WPCC4-0009") < shown.index("WPCC4-0010")
    assert shown.index("D-2025-01") < shown.index("D-2025-02")
    assert (
        "in order of reference" in response.text
        and "newest" not in response.text.split('id="log-results"')[1].split("</p>")[0]
    )


@pytest.mark.parametrize(
    "references",
    [
        ["1", "2", "9", "10", "11", "100"],
        ["WPCC4-0009", "WPCC4-0010", "WPCC4-0100"],
        ["WPCC3-0099", "WPCC4-0001"],
        ["9 – 2014", "57 – 2014", "100 – 2014"],
        ["PCC/D/2023/3", "PCC/D/2023/10", "PCC/D/2024/1"],
        ["001", "002", "010"],
    ],
)
def test_natural_reference_order_in_sql(imported, references):
    imported(*[_record(r, "2024-05-10") for r in reversed(references)])
    ordered = selectors.public_log(sort="reference").values_list("reference", flat=True)
    assert list(ordered) == references


def test_filter_by_calendar_year(office_log, client):
    shown = _references(client.get(LOG, {"year": "2025"}))
    assert sorted(shown) == sorted(["2", "10", "D-2025-01", "D-2025-02"])


def test_filter_by_financial_year_runs_april_to_march(office_log, client):
    response = client.get(LOG, {"fy": "2024-25"})
    assert sorted(_references(response)) == sorted(
        ["WPCC4-0009", "WPCC4-0010", "WPCC4-0031", "2", "10"]
    )
    assert '<option value="2024-25" selected>' in response.text
    assert sorted(_references(client.get(LOG, {"fy": "2025-26"}))) == ["D-2025-01", "D-2025-02"]
    assert _references(client.get(LOG, {"fy": "2022-23"})) == ["WPCC3-0083"]


def test_filter_by_term_of_office(office_log, client):
    term3 = _references(client.get(LOG, {"term": "3"}))
    assert term3 == ["WPCC3-0083"]
    term4 = _references(client.get(LOG, {"term": "4"}))
    assert "WPCC3-0083" not in term4 and "WPCC4-0009" in term4 and len(term4) == 7
    page = client.get(LOG).text
    assert "Term 4 (May 2024 to date)" in page and "Term 3 (May 2021 to May 2024)" in page


def test_terms_follow_the_organisations_term_number(settings):
    terms = selectors.public_terms(current=4, today=date(2026, 12, 1))
    assert [t.number for t in terms] == [4, 3, 2, 1]
    assert terms[0].start == date(2024, 5, 9) and terms[0].end is None
    assert terms[1].start == date(2021, 5, 13) and terms[1].end == date(2024, 5, 9)
    assert terms[3].start == date(2012, 11, 22)
    # An office that counts from a later term: the running term gets its number.
    assert [t.number for t in selectors.public_terms(current=2, today=date(2026, 1, 1))] == [2, 1]


def test_filter_by_decision_maker(office_log, client):
    assert sorted(_references(client.get(LOG, {"maker": "pcc"}))) == sorted(
        ["WPCC4-0009", "10", "WPCC4-0031"]
    )
    assert _references(client.get(LOG, {"maker": "pcc_and_chief_constable"})) == ["2"]


@pytest.mark.parametrize(
    ("status", "expected"),
    [
        ("deferred", ["D-2025-01"]),
        ("withdrawn", ["D-2025-02"]),
        ("not_published", ["WPCC4-0031"]),
    ],
)
def test_filter_by_status(office_log, client, status, expected):
    assert _references(client.get(LOG, {"status": status})) == expected


def test_published_status_filter_leaves_out_the_others(office_log, client):
    shown = _references(client.get(LOG, {"status": "published"}))
    assert "D-2025-01" not in shown and "WPCC4-0031" not in shown and "WPCC4-0009" in shown


def test_filters_combine(office_log, client):
    shown = _references(client.get(LOG, {"fy": "2024-25", "year": "2025", "maker": "pcc"}))
    assert shown == ["10"]
    # A year outside the term: nothing, never an error.
    response = client.get(LOG, {"term": "3", "year": "2025"})
    assert response.status_code == 200 and _references(response) == []


@pytest.mark.parametrize(
    "query",
    [
        {"year": "20x4"},
        {"year": "99999"},
        {"fy": "2024-26"},
        {"fy": "2024/25"},
        {"term": "99"},
        {"term": "-1"},
        {"maker": "king"},
        {"status": "draft"},
        {"status": "signed"},
        {"sort": "-password"},
        {"sort": "title"},
    ],
)
def test_bad_filter_values_are_a_clear_message(office_log, client, query):
    response = client.get(LOG, query)
    assert response.status_code == 200
    assert "There is a problem" in response.text
    [field] = query
    assert f'href="#{field}"' in response.text
    # The bad filter alone is left out; the page still lists the log.
    assert len(response.context["entries"]) == 8
    for feed in ("decisions:public_csv", "decisions:public_json"):
        refused = client.get(reverse(feed), query)
        assert refused.status_code == 400 and "was not made" in refused.text


def test_a_well_formed_year_with_no_decisions_matches_nothing(office_log, client):
    response = client.get(LOG, {"year": "2019"})
    assert "There is a problem" not in response.text
    assert _references(response) == [] and '<option value="2019" selected>' in response.text


def test_filtered_links_keep_the_filters(office_log, client):
    response = client.get(LOG, {"fy": "2024-25", "sort": "reference"})
    assert 'href="/public/decisions.csv?fy=2024-25&amp;sort=reference"' in response.text


def test_list_and_detail_show_what_real_logs_show(office_log, client):
    page = client.get(LOG).text
    assert "Police and Crime Commissioner: Philip Seccombe" in page
    assert "Accountability Board, 3 June 2024" in page
    assert "£12,500.00" in page and "14 June 2024" in page
    detail = client.get(office_log["WPCC4-0009"].get_public_url()).text
    assert "Decision maker" in detail and "Philip Seccombe" in detail
    assert "Accountability Board, 3 June 2024" in detail and "First published" in detail
    deferred = client.get(office_log["D-2025-01"].get_public_url()).text
    assert "Deferred on 20 April 2025" in deferred
    assert "Deferred until the Chief Constable reports" in deferred
    withheld = client.get(office_log["WPCC4-0031"].get_public_url()).text
    assert "On 5 September 2024: Commercially sensitive" in withheld


def test_confidential_content_never_on_the_list_detail_or_feeds(office_log, client):
    urls = [
        LOG,
        LOG + "?status=not_published",
        LOG + "?sort=reference",
        LOG + "?fy=2024-25&maker=pcc",
        office_log["WPCC4-0031"].get_public_url(),
        reverse("decisions:public_csv"),
        reverse("decisions:public_json"),
        reverse("decisions:public_csv") + "?status=not_published",
        reverse("decisions:public_atom"),
    ]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        assert MARKER not in response.content.decode(), url


def test_query_count_is_the_same_for_every_filter_and_sort(
    office_log, client, django_assert_max_num_queries
):
    client.get(LOG)
    with django_assert_max_num_queries(8) as plain:
        client.get(LOG)
    limit = len(plain.captured_queries)
    for query in (
        {"sort": "reference"},
        {"fy": "2024-25", "maker": "pcc", "status": "published"},
        {"term": "4", "sort": "date-oldest", "q": "Decision"},
        {"year": "nonsense"},
    ):
        with django_assert_max_num_queries(limit, info=str(query)):
            client.get(LOG, query)
