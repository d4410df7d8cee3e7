"""A member of the public finds, from the transparency page, the meetings and the forward
plan (at 1280 and 320 CSS pixels, never scrolling sideways, every page checked with axe);
an officer starts a draft decision from a forward plan entry."""

import pytest

from decisions.models import Decision
from tests.meetings.helpers import MARKERS, make_world, published_decision

WIDE, NARROW = 1280, 320


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways ({width}px)"


def _no_marker(page) -> None:
    text = page.content()
    for marker in MARKERS:
        assert marker not in text, f"{marker} on {page.url}"


@pytest.mark.parametrize("width", [WIDE, NARROW])
def test_member_of_the_public_follows_the_transparency_page(journey, officer, width):
    world = make_world(officer)
    decision = published_decision()
    from decisions.meetings import services

    services.meeting_link_decision(
        actor=officer, meeting=world["public"], reference=decision.reference
    )
    j = journey(f"transparency-{width}")
    j.page.set_viewport_size({"width": width, "height": 900})
    page = j.goto("/public/transparency/")
    _no_sideways_scroll(page)
    assert page.get_by_role("heading", name="Transparency: what we publish").is_visible()
    assert page.get_by_text("Not yet published").first.is_visible()

    with page.expect_navigation():
        page.get_by_role(
            "link", name="Date, time and place of each public meeting", exact=True
        ).click()
    j.check()
    _no_sideways_scroll(page)
    _no_marker(page)
    assert page.get_by_text("Private meeting of Accountability board").is_visible()

    with page.expect_navigation():
        page.get_by_role("link", name="Quarterly accountability meeting").click()
    j.check()
    _no_sideways_scroll(page)
    _no_marker(page)
    assert page.get_by_text("Performance report").is_visible()
    assert page.get_by_role("link", name=f"{decision.reference} – {decision.title}").is_visible()

    j.goto("/public/transparency/")
    with page.expect_navigation():
        page.get_by_role("link", name="Forward plan of decisions", exact=False).first.click()
    j.check()
    _no_sideways_scroll(page)
    _no_marker(page)
    assert page.get_by_text("A confidential decision about estates").is_visible()
    assert page.get_by_text("Prevent partnership funding 2026-27").is_visible()


def test_officer_starts_a_draft_decision_from_the_plan(journey, officer, e2e_password):
    make_world(officer)
    j = journey("plan-draft")
    j.page.set_viewport_size({"width": WIDE, "height": 900})
    page = j.sign_in("officer", e2e_password)
    j.goto("/forward-plan/")
    with page.expect_navigation():
        page.get_by_role(
            "button", name="Start a draft decision from Prevent partnership funding 2026-27"
        ).click()
    j.check()
    decision = Decision.objects.get(title="Prevent partnership funding 2026-27")
    assert decision.status == Decision.Status.DRAFT
    assert page.url.endswith(f"/decisions/{decision.reference}/edit/")
    assert page.get_by_text(f"Draft decision {decision.reference} started").is_visible()
    j.goto("/forward-plan/")
    assert page.get_by_role("link", name=decision.reference).is_visible()
