"""Real-browser journeys: Playwright driving Debian's chromium against Django's live server.

Skipped with a clear message where chromium is not installed. Screenshots of every page a
journey visits are written to test-artifacts/screenshots/ (git-ignored) for review.
"""

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Error as PlaywrightError

from tests.browser import CHROMIUM, LAUNCH_ARGS

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)
            if CHROMIUM is None:
                item.add_marker(
                    pytest.mark.skip(
                        reason="Debian chromium is not installed (apt-get install chromium); "
                        "browser journeys skipped"
                    )
                )


@pytest.fixture(scope="session")
def browser_type_launch_args():
    return LAUNCH_ARGS


@pytest.fixture(scope="session", autouse=True)
def _allow_sync_orm_in_browser_tests():
    # Playwright's sync API keeps an event loop in this thread for the rest of the session;
    # the ORM calls the tests make (creating users, checking rows) are still synchronous and
    # safe. Browser tests are collected last (tests/conftest.py), so no other test runs
    # with this switch on.
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


class Journey:
    """A signed-in browser session that checks every page it visits with axe-core."""

    def __init__(self, page, live_server, name: str):
        self.page = page
        page.set_default_timeout(10_000)
        self.base = live_server.url
        self.name = name
        self.step = 0
        self.checked: set[tuple[str, str]] = set()
        from axe_playwright_python.sync_playwright import Axe

        self.axe = Axe()

    def url(self, path: str) -> str:
        return self.base + path

    def goto(self, path: str):
        response = self.page.goto(self.url(path))
        assert response is not None and response.status < 400, (path, response and response.status)
        return self.check()

    def sign_in(self, username: str, password: str):
        self.goto("/accounts/login/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Password").fill(password)
        self.page.get_by_role("button", name="Sign in").click()
        self.page.wait_for_load_state()
        return self.check()

    def check(self):
        """Assert no WCAG 2.2 A/AA violation and save a screenshot of the current page.

        A page seen before in this journey, at the same address with the same text and
        form fields (the sign-in page, for each person), is not checked again.
        """
        # A click that submits a form may still be navigating when the caller's
        # wait_for_load_state() returns (the old page was already loaded): retry once the
        # new page has loaded rather than fail on "Execution context was destroyed".
        for attempt in range(3):
            try:
                return self._check()
            except PlaywrightError as exc:
                if "context was destroyed" not in str(exc) or attempt == 2:
                    raise
                self.page.wait_for_load_state("load")
        return self.page

    def _check(self):
        self.page.wait_for_load_state("load")
        seen = (
            self.page.url.split("?")[0],
            self.page.evaluate(
                "document.body.innerText + [...document.querySelectorAll('input,select,"
                "textarea,button')].map(e => e.outerHTML.replace(/value=\"[^\"]*\"/, ''))"
                ".join()"
            ),
        )
        if seen in self.checked:
            return self.page
        self.checked.add(seen)
        self.step += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", self.page.title().lower()).strip("-")[:60]
        # JPEG at CSS pixels: a third quicker than PNG, and plenty for a reviewer's eye.
        self.page.screenshot(
            path=str(SCREENSHOTS / f"{self.name}-{self.step:02d}-{slug}.jpg"),
            full_page=True,
            type="jpeg",
            quality=70,
            scale="css",
        )
        # Only violations are reported: collecting passes too doubles axe's time per page.
        options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
        results = self.axe.run(self.page, options=options)
        results.response["violations"] = _without_known_govuk_issue(results.response["violations"])
        assert results.violations_count == 0, results.generate_report()
        return self.page


def _radio_expanded_only(node: dict) -> bool:
    messages = [i["message"] for i in node.get("all", []) + node.get("any", [])]
    return "govuk-radios__input" in node.get("html", "") and all(
        m.startswith("ARIA attribute is not allowed: aria-expanded=") for m in messages
    )


def _without_known_govuk_issue(violations: list[dict]) -> list[dict]:
    """GOV.UK Frontend's radios with conditional content set aria-expanded on the radio,
    which ARIA does not list for that role: a known issue the Design System keeps on
    purpose, after research with screen reader users (alphagov/govuk-frontend#979). Only
    that attribute on those radios is set aside; any other finding still fails."""
    kept = []
    for violation in violations:
        if violation["id"] == "aria-allowed-attr":
            nodes = [n for n in violation["nodes"] if not _radio_expanded_only(n)]
            if not nodes:
                continue
            violation = {**violation, "nodes": nodes}
        kept.append(violation)
    return kept


@pytest.fixture(autouse=True)
def _roles_after_flush(transactional_db):
    """Browser tests use the live server, so each ends by emptying every table, the role
    groups a data migration made included: make them again for the next journey."""
    from tests.conftest import _recreate_roles

    _recreate_roles()


def _tab_to(page, selector: str, limit: int = 150) -> None:
    """Press Tab until the element matching ``selector`` has the focus, as a keyboard user
    would (fails if it is never reached)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("(s) => document.activeElement?.matches(s) ?? false", selector):
            return
    raise AssertionError(f"{selector} cannot be reached with the Tab key")


def keyboard_fill(page, selector: str, text: str) -> None:
    """Tab to a field and type into it."""
    _tab_to(page, selector)
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type(text)


def keyboard_tick(page, selector: str) -> None:
    """Tab to a checkbox or radio button (the first that matches) and press Space."""
    _tab_to(page, selector)
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked"), f"Space did not select {selector}"


def keyboard_choose(page, name: str, value: str) -> None:
    """Tab into a group of radio buttons, then use the arrow keys to select one."""
    _tab_to(page, f"input[type=radio][name='{name}']")
    target = page.locator(f"input[type=radio][name='{name}'][value='{value}']")
    page.keyboard.press("Space")
    for _ in range(20):
        if target.is_checked():
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"the arrow keys never reached {name}={value}")


def keyboard_submit(page, button: str | None = None) -> None:
    """Press Enter in the focused text field, or on ``button`` after tabbing to it."""
    if button:
        _tab_to(page, button)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.wait_for_load_state()


@pytest.fixture
def journey(page, live_server, request):
    def start(name: str | None = None) -> Journey:
        return Journey(page, live_server, name or request.node.name)

    return start


@pytest.fixture
def e2e_password():
    return os.environ.get("E2E_PASSWORD", "correct-horse-battery-staple")
