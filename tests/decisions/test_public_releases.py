"""Withheld content on the public log: never shown until it is released, shown (with its
release date) once it is, and still-withheld parts never shown — on the list, the record,
the CSV and JSON feeds and the Atom feed alike."""

import csv
import io
import json
from datetime import date
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from decisions import services
from decisions.models import DecisionRelease
from tests.prevent_compliance.two_factor import confirmed_device

from .helpers import advance, make_draft, pdf_upload

# Each marker appears in exactly one withheld place.
RELEASED = "RELEASED-9b1e4d"  # in section 5, released later
STILL_SECTION = "STILL-SECTION-3c7a2f"  # in section 7, never released
STILL_APPENDIX = "STILL-APPENDIX-5d8e1a"  # a withheld appendix, never released
CONFIDENTIAL = "CONFIDENTIAL-6f2b9c"  # a confidential record, never released

ATOM = "{http://www.w3.org/2005/Atom}"


def _atom(content):
    """Our own feed, parsed to check it (the service never parses XML it is sent)."""
    return ElementTree.fromstring(content)  # noqa: S314


def _sections(decision, *, actor, secrets: dict[int, str]):
    items = []
    for section in decision.supporting_sections.all():
        secret = secrets.get(section.position, "")
        items.append(
            services.SectionInput(
                pk=section.pk,
                heading=f"{section.heading} {secret}".strip(),
                body=f"Text of {section.heading.lower()}. {secret}".strip(),
                withheld=bool(secret),
            )
        )
    services.decision_sections_update(actor=actor, decision=decision, sections=items)


def _verified(user):
    """The chief executive as OTPMiddleware leaves them after a code from their app."""
    user.otp_device = confirmed_device(user)
    user.is_verified = lambda: True
    return user


@pytest.fixture
def partly(personas):
    decision = make_draft(
        personas,
        title="Estates review",
        confidentiality="partly-confidential",
        foi_exemptions=["s43"],
        decision_date=date(2025, 5, 1),
    )
    _sections(decision, actor=personas["officer"], secrets={5: RELEASED, 7: STILL_SECTION})
    upload, info = pdf_upload("withheld.pdf")
    services.appendix_add(
        actor=personas["officer"],
        decision=decision,
        title=f"Valuation {STILL_APPENDIX}",
        upload=upload,
        upload_info=info,
        withheld=True,
    )
    return advance(decision, personas, "public")


@pytest.fixture
def secret(personas):
    decision = make_draft(
        personas,
        title="Covert premises",
        confidentiality="confidential",
        foi_exemptions=["s24"],
        summary=f"Where the unit works {CONFIDENTIAL}",
        lead_officer=f"Officer {CONFIDENTIAL}",
    )
    _sections(decision, actor=personas["officer"], secrets={1: CONFIDENTIAL})
    return advance(decision, personas, "public")


def _everything(client, decision) -> dict[str, str]:
    urls = {
        "list": reverse("decisions:public_list"),
        "list by reference": reverse("decisions:public_list") + "?sort=reference",
        "list filtered": reverse("decisions:public_list") + "?fy=2025-26&status=published",
        "record": decision.get_public_url(),
        "csv": reverse("decisions:public_csv"),
        "json": reverse("decisions:public_json"),
        "atom": reverse("decisions:public_atom"),
    }
    found = {}
    for name, url in urls.items():
        response = client.get(url)
        assert response.status_code == 200, name
        found[name] = response.content.decode()
    return found


def _release_section_5(personas, decision):
    section = decision.supporting_sections.get(position=5)
    return services.decision_release(
        actor=_verified(personas["chief_executive"]),
        decision=decision,
        release=services.ReleaseInput(
            scope=DecisionRelease.Scope.PART,
            released_on=timezone.localdate(),
            reason="The contract has been let; the figures are no longer sensitive.",
            section_positions=(section.position,),
        ),
    )


def test_nothing_withheld_appears_anywhere_before_a_release(partly, secret, client):
    for name, body in _everything(client, partly).items():
        for marker in (RELEASED, STILL_SECTION, STILL_APPENDIX, CONFIDENTIAL):
            assert marker not in body, (name, marker)
    for name, body in _everything(client, secret).items():
        assert CONFIDENTIAL not in body, name


def test_a_released_section_appears_with_its_date_and_the_rest_stays_withheld(
    partly, secret, personas, client
):
    release = _release_section_5(personas, partly)
    partly.refresh_from_db()
    found = _everything(client, partly)
    record = found["record"]
    today = timezone.localdate()
    assert RELEASED in record
    assert f"Released on {today.day} {today:%B %Y}" in record
    for name, body in found.items():
        assert STILL_SECTION not in body and STILL_APPENDIX not in body, name
        assert CONFIDENTIAL not in body, name
    # The feeds announce the release, never its content.
    rows = {r["reference"]: r for r in csv.DictReader(io.StringIO(found["csv"]))}
    assert rows[partly.reference]["releases"] == f"{today.isoformat()} (part)"
    data = {r["reference"]: r for r in json.loads(found["json"])["decisions"]}
    assert data[partly.reference]["releases"] == [
        {"released_on": today.isoformat(), "scope": "part"}
    ]
    feed = _atom(found["atom"])
    entry = next(
        e for e in feed.findall(f"{ATOM}entry") if partly.reference in e.findtext(f"{ATOM}title")
    )
    assert entry.findtext(f"{ATOM}updated").startswith(today.isoformat())
    assert "Withheld content released on" in entry.findtext(f"{ATOM}summary")
    # The list says it too.
    assert f"Released on {today.day} {today:%B %Y}" in found["list"]
    assert release.content_hash


def test_a_release_whose_seal_fails_is_not_announced(partly, personas, client):
    release = _release_section_5(personas, partly)
    DecisionRelease.objects.filter(pk=release.pk).update(reason="Changed in the database")
    found = _everything(client, partly)
    assert RELEASED not in found["record"]
    assert "Released on" not in found["list"] and "Released on" not in found["record"]
    data = {r["reference"]: r for r in json.loads(found["json"])["decisions"]}
    assert data[partly.reference]["releases"] == []


def test_the_record_address_stays_the_same_after_a_release(partly, personas, client):
    before = partly.get_public_url()
    _release_section_5(personas, partly)
    partly.refresh_from_db()
    assert partly.get_public_url() == before
    assert client.get(before).status_code == 200


def test_list_query_count_does_not_grow_with_releases(
    partly, secret, personas, client, django_assert_max_num_queries
):
    url = reverse("decisions:public_list")
    client.get(url)
    with django_assert_max_num_queries(10) as before:
        client.get(url)
    limit = len(before.captured_queries)
    _release_section_5(personas, partly)
    client.get(url)
    with django_assert_max_num_queries(limit):
        client.get(url)
