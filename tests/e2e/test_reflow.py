"""Reflow (WCAG 2.2 1.4.10): no page scrolls sideways at 320 CSS pixels, and every page
passes axe at 320 and at 1280 pixels.

Each role signs in (a session made by the test client, with a confirmed code for the roles
that need one) and visits its dashboard, every page its navigation links to, and the main
record pages of the demo data; a visitor with no account visits the public pages. A wide
table may scroll inside its labelled region (``.app-table-wrapper``), never the page.
"""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from tests.prevent_compliance.two_factor import sign_in_verified

from .conftest import Journey

WIDTHS = (320, 1280)
ROLES = ("officer", "treasurer", "chief.executive", "commissioner", "auditor", "admin")

NAV_LINKS = """[...document.querySelectorAll(
    'header a[href^="/"], .govuk-service-navigation a[href^="/"], nav a[href^="/"]'
)].map(a => a.getAttribute('href'))"""
OVERFLOW = """(() => {
    const root = document.documentElement;
    const wide = [...document.body.querySelectorAll('*')]
        .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1
                  && !e.closest('.app-table-wrapper, .app-table-scroll'))
        .slice(0, 5)
        .map(e => e.tagName + '.' + [...e.classList].join('.'));
    return {scroll: root.scrollWidth, client: root.clientWidth, wide};
})()"""


@pytest.fixture
def demo(transactional_db):
    call_command("load_demo", "--force", stdout=io.StringIO())
    from decisions.models import Decision
    from toolkit.models import Action, Evidence, ReviewPeriod

    period = ReviewPeriod.objects.order_by("-start_date").first()
    pages = [
        reverse("toolkit:section_detail", args=[1]),
        reverse("toolkit:period_detail", args=[period.year]),
        Evidence.objects.order_by("pk").first().get_absolute_url(),
        Action.objects.order_by("pk").first().get_absolute_url(),
        reverse("toolkit:evidence_create"),
        reverse("toolkit:action_create"),
    ]
    # One record in each kind of state: a draft, one going through sign-off, one on the log.
    for status in (Decision.Status.DRAFT, Decision.Status.AWAITING_SIGNATURE, "published"):
        decision = Decision.objects.filter(status=status).order_by("pk").first()
        if decision is not None:
            pages.append(decision.get_absolute_url())
    public = Decision.objects.filter(status=Decision.Status.PUBLISHED).order_by("pk").first()
    return {
        "pages": pages,
        "public": [
            reverse("decisions:public_list"),
            public.get_public_url(),
            "/accessibility/",
            reverse("login"),
        ],
    }


def _session_for(page, live_server, username: str) -> None:
    from django.contrib.auth import get_user_model

    client = sign_in_verified(Client(), get_user_model().objects.get(username=username))
    page.context.clear_cookies()
    page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": client.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )


def _visit(journeys: dict[int, Journey], page, path: str, problems: list[str]) -> bool:
    """Open the page at each width; note sideways scrolling; axe checks it (Journey.check)."""
    for width, journey in journeys.items():
        page.set_viewport_size({"width": width, "height": 900})
        response = page.goto(journey.url(path))
        if response is None or response.status in (403, 404, 405):
            return False  # not this role's page
        assert response.status < 400, (path, response.status)
        try:
            journey.check()
        except AssertionError as failed:
            problems.append(f"{path} at {width}px: axe: {' '.join(str(failed).split())[:600]}")
        found = page.evaluate(OVERFLOW)
        if found["scroll"] > found["client"]:
            problems.append(
                f"{path} at {width}px: {found['scroll']} > {found['client']} {found['wide']}"
            )
    return True


def test_every_page_reflows_at_320_and_passes_axe_at_both_widths(page, live_server, demo):
    problems: list[str] = []
    visited = 0
    for username in ROLES:
        _session_for(page, live_server, username)
        journeys = {w: Journey(page, live_server, f"reflow-{username}-{w}") for w in WIDTHS}
        page.goto(journeys[1280].url("/"))
        links = [
            h for h in page.evaluate(NAV_LINKS) if not h.startswith(("/accounts/logout", "/admin"))
        ]
        # Every role's own navigation; the record pages once, as the officer sees them.
        extra = demo["pages"] if username == "officer" else []
        for path in dict.fromkeys(["/", *links, *extra]):
            visited += _visit(journeys, page, path, problems)
    page.context.clear_cookies()
    journeys = {w: Journey(page, live_server, f"reflow-public-{w}") for w in WIDTHS}
    for path in demo["public"]:
        visited += _visit(journeys, page, path, problems)
    assert visited > 25
    assert not problems, "\n".join(problems)
