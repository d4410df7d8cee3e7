"""The decision pages' shared reads: who gets which record, and what the public log finds."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from decisions import selectors, services
from decisions.models import Decision

from .helpers import MARKER, advance, pdf_upload

READ_ONLY_ROLES = ["treasurer", "chief_executive", "commissioner", "auditor", "administrator"]


# --- get_decision_for -----------------------------------------------------------------------


@pytest.mark.parametrize("role", ["officer", *READ_ONLY_ROLES])
def test_every_role_reads_a_record(personas, make_decision, role):
    decision = make_decision()

    assert selectors.get_decision_for(personas[role], decision.reference) == decision


def test_only_officers_get_a_record_to_change(personas, make_decision):
    decision = make_decision()

    assert selectors.get_decision_for(personas["officer"], decision.reference, write=True)
    for role in READ_ONLY_ROLES:
        with pytest.raises(PermissionDenied):
            selectors.get_decision_for(personas[role], decision.reference, write=True)


def test_a_user_without_a_role_gets_no_record(personas, make_decision):
    decision = make_decision()

    with pytest.raises(PermissionDenied):
        selectors.get_decision_for(personas["outsider"], decision.reference)


@pytest.mark.parametrize("reference", ["WPCC9-9999", "", "x" * 500])
def test_an_unknown_reference_is_not_found(personas, make_decision, reference):
    make_decision()

    with pytest.raises(Http404):
        selectors.get_decision_for(personas["officer"], reference)


def test_a_record_comes_with_its_content_loaded(personas, make_decision, django_assert_num_queries):
    decision = make_decision("signed")
    upload, info = pdf_upload()
    draft = make_decision(title="With an appendix")
    services.appendix_add(
        actor=personas["officer"], decision=draft, title="Plan", upload=upload, upload_info=info
    )

    for record in (decision, draft):
        found = selectors.get_decision_for(personas["auditor"], record.reference)
        with django_assert_num_queries(0):
            [s.number for s in found.sections.all()]
            [s.heading for s in found.supporting_sections.all()]
            [a.title for a in found.appendices.all()]
            found.signed_by and found.signed_by.get_username()
            found.created_by.get_username()


# --- The public log -------------------------------------------------------------------------


@pytest.fixture
def log(make_decision):
    """Records in several states and years; the public ones hide MARKER in withheld places."""
    return {
        "open": make_decision("public", title="Grant due diligence"),
        "older": make_decision("public", title="Venue hire policy", decision_date=date(2023, 6, 1)),
        "partly": make_decision(
            "public",
            title="Partnership funding",
            confidentiality="partly-confidential",
            foi_exemptions=["s40"],
            withheld=5,
            secret=MARKER,
        ),
        "secret": make_decision(
            "public",
            title="Briefing arrangements",
            confidentiality="confidential",
            foi_exemptions=["s24"],
            summary=f"Confidential summary {MARKER}",
            withheld_parts="All of it.",
            withheld=1,
        ),
        "signed": make_decision("signed", title="Signed, not yet published"),
        "draft": make_decision(title="Draft grant"),
    }


def test_the_public_log_holds_published_and_withheld_records_newest_first(log):
    found = list(selectors.public_decisions())

    assert {d.status for d in found} == {Decision.Status.PUBLISHED, Decision.Status.WITHHELD}
    assert set(found) == {log["open"], log["older"], log["partly"], log["secret"]}
    assert found[-1] == log["older"]
    keys = [(d.decision_date, d.reference) for d in found]
    assert keys == sorted(keys, reverse=True)


def test_the_public_log_filters_by_year(log):
    assert list(selectors.public_decisions(year=2023)) == [log["older"]]
    assert not selectors.public_decisions(year=1999).exists()


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("grant", {"open"}),  # the title; the draft with the same word stays out
        ("GRANT DUE", {"open"}),
        ("venue", {"older"}),
        ("Text of background", {"open", "older", "partly"}),  # open section text
        ("richard long", {"open", "older", "partly"}),  # the lead officer
        ("no record says this", set()),
    ],
)
def test_the_public_log_searches_what_is_published(log, query, found):
    assert set(selectors.public_decisions(query=query)) == {log[k] for k in found}


def test_the_public_log_finds_a_record_by_its_reference(log):
    reference = log["secret"].reference

    assert list(selectors.public_decisions(query=reference.lower())) == [log["secret"]]


def test_search_never_reaches_withheld_text(log):
    """MARKER is in a withheld section of one record and the summary of a confidential one."""
    assert not selectors.public_decisions(query=MARKER).exists()
    assert not selectors.public_decisions(query="Confidential summary").exists()


def test_a_public_record_is_found_with_only_its_open_appendices(personas, make_decision):
    officer = personas["officer"]
    draft = make_decision(
        title="Appendices", confidentiality="partly-confidential", foi_exemptions=["s40"]
    )
    for title, withheld in (("Open plan", False), ("Withheld annex", True)):
        upload, info = pdf_upload(f"{title}.pdf")
        services.appendix_add(
            actor=officer,
            decision=draft,
            title=title,
            upload=upload,
            upload_info=info,
            withheld=withheld,
        )
    public = advance(draft, personas, "public")

    found = selectors.get_public_decision(public.reference)

    assert found == public
    assert [a.title for a in found.appendices.all()] == ["Open plan"]


@pytest.mark.parametrize("state", ["draft", "signed"])
def test_a_record_not_on_the_public_log_is_not_found(log, state):
    with pytest.raises(Http404):
        selectors.get_public_decision(log[state].reference)


def test_the_staff_list_holds_every_state(log):
    assert set(selectors.decision_list()) == set(log.values())
