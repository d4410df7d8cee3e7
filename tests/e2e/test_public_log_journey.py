"""A member of the public filters the decision log by financial year and decision maker,
sorts it by reference, mistypes a filter, and reads a record: at 1280 and 320 pixels wide,
every page checked with axe and never scrolling sideways."""

import pytest

from decisions.importer import validate_import
from decisions.services import decisions_import

WIDE, NARROW = 1280, 320
MARKER = "E2E-WITHHELD-4a7c"


def _record(reference: str, when: str, **extra) -> dict:
    record = {
        "reference": reference,
        "title": f"Decision {reference}",
        "decision_date": when,
        "confidentiality": "non-confidential",
        "summary": f"What was decided in {reference}.",
    }
    record.update(extra)
    return record


@pytest.fixture
def office_log(toolkit):
    records = [
        _record(
            "WPCC4-0009",
            "2024-06-10",
            title="Community safety grants for 2024-25",
            decision_maker="pcc",
            decision_maker_name="Philip Seccombe",
            forum="Accountability Board",
            forum_date="2024-06-03",
            financial_value="125000",
            published_on="2024-06-14",
        ),
        _record("WPCC4-0010", "2024-06-10", decision_maker="deputy_pcc"),
        _record("WPCC4-0002", "2024-05-20", decision_maker="pcc"),
        _record("WPCC3-0083", "2023-02-15", decision_maker="pcc"),
        _record(
            "WPCC4-0031",
            "2024-09-01",
            confidentiality="confidential",
            foi_exemptions=["s43"],
            summary=f"Withheld {MARKER}",
            decision_maker="pcc",
        ),
    ]
    return decisions_import(records=validate_import(records))


def _no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    wide = page.evaluate(
        "[...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right"
        " > window.innerWidth).slice(0, 8).map(e => e.tagName + '.' + e.className + '#' + e.id"
        " + ' ' + Math.round(e.getBoundingClientRect().right))"
    )
    assert width <= viewport, f"{page.url} scrolls sideways: {width} > {viewport}: {wide}"


def _shown(page) -> list[str]:
    links = page.locator("[data-testid=decision-log] h2 a").all_inner_texts()
    return [text.split(" – ")[0] for text in links]


@pytest.mark.parametrize("width", [WIDE, NARROW])
def test_member_of_the_public_filters_sorts_and_reads_the_log(journey, office_log, width):
    j = journey(f"public-log-{width}")
    j.page.set_viewport_size({"width": width, "height": 900})
    page = j.goto("/public/decisions/")
    _no_sideways_scroll(page)
    assert _shown(page)[0] == "WPCC4-0031"  # the newest decision first

    page.get_by_label("Financial year").select_option("2024-25")
    page.get_by_label("Decision maker").select_option("pcc")
    page.get_by_label("Sort by").select_option("reference")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_load_state()
    j.check()
    _no_sideways_scroll(page)
    assert _shown(page) == ["WPCC4-0002", "WPCC4-0009", "WPCC4-0031"]
    assert page.get_by_role("status").inner_text().startswith("3 decisions found")
    assert page.get_by_label("Financial year").input_value() == "2024-25"

    # A mistyped address: a clear message, the log still listed.
    page = j.goto("/public/decisions/?year=20x4")
    summary = page.locator(".govuk-error-summary")
    assert summary.is_visible() and "Choose a calendar year" in summary.inner_text()
    _no_sideways_scroll(page)

    page = j.goto("/public/decisions/?fy=2024-25&maker=pcc&sort=reference")
    page.get_by_role("link", name="WPCC4-0009 – Community safety grants for 2024-25").click()
    page.wait_for_load_state()
    j.check()
    _no_sideways_scroll(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith("WPCC4-0009")
    text = page.locator("main").inner_text()
    assert "Philip Seccombe" in text and "Accountability Board" in text
    assert "£125,000" in text and "14 June 2024" in text

    page = j.goto("/public/decisions/?status=published&sort=date-oldest")
    _no_sideways_scroll(page)
    assert MARKER not in page.content()
