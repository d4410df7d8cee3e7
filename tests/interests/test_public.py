"""The public register and gifts pages and their open data: only public fields, only offers
at or above the threshold, spreadsheet-safe CSV."""

import csv
import io
import json
from datetime import date
from decimal import Decimal

from django.urls import reverse

from decisions.interests import services
from decisions.interests.models import Gift, Interest

from .conftest import GIFT_NOTE, PRIVATE_NOTE, SMALL_GIFT

PUBLIC_PAGES = [
    ("interests:public_register", []),
    ("interests:public_register_csv", []),
    ("interests:public_register_json", []),
    ("interests:public_gifts", []),
    ("interests:public_gifts_csv", []),
    ("interests:public_gifts_json", []),
]


def _every_public_page(client, holder):
    urls = [reverse(name, args=args) for name, args in PUBLIC_PAGES]
    urls.append(reverse("interests:public_person", args=[holder.slug]))
    latest = holder.confirmations.latest()
    urls.append(reverse("interests:public_version", args=[holder.slug, latest.number]))
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        yield url, response.content.decode()


def test_private_notes_and_small_gifts_never_reach_public_pages_or_data(client, register):
    for url, body in _every_public_page(client, register):
        assert PRIVATE_NOTE not in body, url
        assert GIFT_NOTE not in body, url
        assert SMALL_GIFT not in body, url
        assert "Local Chamber of Commerce" not in body, url


def test_gifts_at_or_above_the_threshold_are_published(client, register, settings):
    page = client.get(reverse("interests:public_gifts")).text
    assert "SecureTech Training Ltd" in page and "£160.00" in page
    data = json.loads(client.get(reverse("interests:public_gifts_json")).content)
    assert data["count"] == 1 and data["offers"][0]["estimated_value_gbp"] == "160.00"
    settings.INTERESTS_GIFT_PUBLISH_THRESHOLD = "10"
    data = json.loads(client.get(reverse("interests:public_gifts_json")).content)
    assert data["count"] == 2
    settings.INTERESTS_GIFT_PUBLISH_THRESHOLD = "500"
    rows = list(csv.DictReader(io.StringIO(client.get(reverse("interests:public_gifts_csv")).text)))
    assert rows == []


def test_register_shows_entries_and_the_confirmation_date(client, register):
    page = client.get(reverse("interests:public_person", args=[register.slug])).text
    assert "Warwickshire Youth Sailing Trust" in page
    assert "A house in Leamington Spa." in page
    assert 'data-testid="last-confirmed"' in page
    data = json.loads(client.get(reverse("interests:public_register_json")).content)
    [person] = data["people"]
    assert person["register_version"] == register.confirmations.latest().number
    assert {e["organisation"] for e in person["entries"]} >= {"Warwickshire Youth Sailing Trust"}
    assert all("internal_note" not in e for e in person["entries"])


def test_csv_cells_cannot_run_as_formulas(client, register, personas):
    services.interest_create(
        actor=personas["chief_executive"],
        holder=register,
        category=Interest.Category.OTHER,
        organisation='=HYPERLINK("http://evil")',
        description="@SUM(A1)",
        start_date=date(2024, 1, 1),
    )
    services.gift_create(
        actor=personas["chief_executive"],
        holder=register,
        offered_on=date(2025, 1, 1),
        giver="+cmd",
        description="-2+3",
        value=Decimal("99"),
        outcome=Gift.Outcome.ACCEPTED,
        reason="=1+1",
    )
    register_csv = client.get(reverse("interests:public_register_csv")).text
    rows = list(csv.DictReader(io.StringIO(register_csv)))
    assert any(r["organisation"] == '\'=HYPERLINK("http://evil")' for r in rows)
    assert any(r["description"] == "'@SUM(A1)" for r in rows)
    gifts = list(
        csv.DictReader(io.StringIO(client.get(reverse("interests:public_gifts_csv")).text))
    )
    row = next(r for r in gifts if r["from"] == "'+cmd")
    assert row["description"] == "'-2+3" and row["reason"] == "'=1+1"


def test_html_in_entries_is_escaped(client, register, personas):
    services.interest_create(
        actor=personas["chief_executive"],
        holder=register,
        category=Interest.Category.OTHER,
        organisation="<script>alert(1)</script>",
        description="<b>bold</b>",
        start_date=date(2024, 1, 1),
    )
    page = client.get(reverse("interests:public_register")).text
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>bold</b>" not in page


def test_inactive_holders_are_not_public(client, register, personas):
    services.holder_update(actor=personas["chief_executive"], holder=register, active=False)
    assert client.get(reverse("interests:public_person", args=[register.slug])).status_code == 404
    assert register.name not in client.get(reverse("interests:public_register")).text
    assert "SecureTech" not in client.get(reverse("interests:public_gifts")).text
