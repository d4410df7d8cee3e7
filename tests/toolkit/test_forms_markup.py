"""Every page each role can reach, rendered and parsed: no <form> inside another, no
"[invalid name]" label, one error summary at most, breadcrumbs without a repeated step.

Each demo user (a confirmed code where one is needed) starts at the dashboard and follows
the links of every page, breadth first, to the form pages and the record pages; downloads
and sign-out are not followed. Only GET is used, so walking changes nothing.
"""

import io
from collections import deque
from html.parser import HTMLParser
from urllib.parse import urldefrag, urlparse

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from tests.prevent_compliance.two_factor import sign_in_verified

ROLES = ("officer", "treasurer", "chief.executive", "commissioner", "auditor", "admin")
PAGES_PER_ROLE = 70
SKIP = ("/accounts/logout", "/admin", "/static/", "/media/", "/health")
DOWNLOADS = (".pdf", ".csv", ".xlsx", ".zip", ".json", ".xml", "/pdf/", "/download/", "/feed")


class _Page(HTMLParser):
    def __init__(self):
        super().__init__()
        self.depth = 0
        self.nested = 0
        self.links: list[str] = []
        self.crumbs: list[str] = []
        self.summaries = 0
        self._crumb = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "form":
            self.depth += 1
            self.nested += self.depth > 1
        elif tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "li" and "govuk-breadcrumbs__list-item" in classes:
            self._crumb = True
            self.crumbs.append("")
        if "govuk-error-summary" in classes:
            self.summaries += 1

    def handle_endtag(self, tag):
        if tag == "form":
            self.depth -= 1
        elif tag == "li":
            self._crumb = False

    def handle_data(self, data):
        if self._crumb:
            self.crumbs[-1] += data.strip()


def _followed(href: str) -> str | None:
    url = urlparse(urldefrag(href)[0])
    if url.scheme or url.netloc or not url.path.startswith("/"):
        return None
    if url.path.startswith(SKIP) or any(part in url.path for part in DOWNLOADS):
        return None
    return url.path + (f"?{url.query}" if url.query and "page=" not in url.query else "")


@pytest.fixture
def demo(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    call_command("load_demo", "--force", stdout=io.StringIO())


@pytest.mark.parametrize("username", ROLES)
def test_no_page_nests_forms_or_shows_an_invalid_name(demo, username):
    client = sign_in_verified(Client(), get_user_model().objects.get(username=username))
    queue, seen, problems = deque(["/"]), {"/"}, []
    rendered = 0
    while queue and rendered < PAGES_PER_ROLE:
        path = queue.popleft()
        response = client.get(path)
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        rendered += 1
        body = response.content.decode()
        page = _Page()
        page.feed(body)
        if page.nested:
            problems.append(f"{path}: a <form> inside a <form>")
        if "[invalid name]" in body:
            problems.append(f"{path}: an “[invalid name]” label")
        if page.summaries > 1:
            problems.append(f"{path}: {page.summaries} error summaries")
        crumbs = [c for c in page.crumbs if c]
        if len(crumbs) != len(set(crumbs)):
            problems.append(f"{path}: breadcrumbs repeat a step: {crumbs}")
        for href in page.links:
            target = _followed(href)
            if target and target not in seen:
                seen.add(target)
                queue.append(target)
    assert rendered >= 15, rendered
    assert not problems, "\n".join(problems)
