"""Real-browser journeys: Playwright driving Debian's chromium against Django's live server.

Skipped with a clear message where chromium is not installed. Screenshots of every page a
journey visits are written to test-artifacts/screenshots/ (git-ignored) for review.
"""

import os
import re
import shutil
from pathlib import Path

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
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
    return {
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


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
        self.base = live_server.url
        self.name = name
        self.step = 0
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
        """Assert no WCAG 2.2 A/AA violation and save a screenshot of the current page."""
        self.step += 1
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        slug = re.sub(r"[^a-z0-9]+", "-", self.page.title().lower()).strip("-")[:60]
        self.page.screenshot(
            path=str(SCREENSHOTS / f"{self.name}-{self.step:02d}-{slug}.png"), full_page=True
        )
        results = self.axe.run(
            self.page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}}
        )
        assert results.violations_count == 0, results.generate_report()
        return self.page


@pytest.fixture
def journey(page, live_server, request):
    def start(name: str | None = None) -> Journey:
        return Journey(page, live_server, name or request.node.name)

    return start


@pytest.fixture
def e2e_password():
    return os.environ.get("E2E_PASSWORD", "correct-horse-battery-staple")
