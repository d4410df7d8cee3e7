"""The production configuration, end to end: gunicorn and the task worker as the README runs
them (DEBUG off, PostgreSQL, collectstatic, the manifest static storage), driven by chromium.

`.ci/smoke` starts the server and runs this module; it needs SMOKE_BASE_URL and
SMOKE_PASSWORD (the demo users' password). Every page visited must load its CSS and JS with
200 under their hashed names, run GOV.UK Frontend's scripts and log no console error.
"""

import hashlib
import io
import re
import time
import zipfile
from base64 import b32decode
from datetime import UTC, datetime

import pytest
from django_otp.oath import totp
from pypdf import PdfReader

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)
HASHED = re.compile(r"/static/.+\.[0-9a-f]{12}\.(css|js)$")
# How long the worker may take over a small audit pack before the journey gives up; it polls
# the page once a second, as a user pressing "Check again" would.
AUDIT_PACK_POLLS = 180

ASSETS_JS = """() => ({
  css: [...document.querySelectorAll('link[rel=stylesheet]')].map(l => l.href),
  js: [...document.querySelectorAll('script[src]')].map(s => s.src),
  sheets: document.styleSheets.length,
  font: getComputedStyle(document.querySelector('h1') || document.body).fontFamily,
  supported: document.body.classList.contains('govuk-frontend-supported'),
  uninitialised: [...document.querySelectorAll('[data-module]')]
    .filter(e => !e.hasAttribute(`data-${e.dataset.module}-init`))
    .map(e => e.dataset.module),
})"""


class Watched:
    """A browser page whose console, script errors and CSS/JS responses are all checked."""

    def __init__(self, page, name: str):
        self.page = page
        self.name = name
        self.problems: list[str] = []
        page.set_default_timeout(15_000)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"script error: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", self._failed)

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error on {self.page.url}: {message.text}")

    def _response(self, response):
        kind = response.request.resource_type
        if kind in {"stylesheet", "script"} and response.status not in {200, 304}:
            self.problems.append(f"{kind} {response.url} answered {response.status}")
        if kind == "document" and response.status >= 400:
            self.problems.append(f"page {response.url} answered {response.status}")

    def _failed(self, request):
        # A download ends its navigation with "aborted": that is not a failure.
        if request.resource_type in {"stylesheet", "script", "image", "font", "fetch"}:
            self.problems.append(f"{request.resource_type} {request.url} failed: {request.failure}")

    def goto(self, path: str):
        response = self.page.goto(path)
        assert response is not None and response.status == 200, (path, response and response.status)
        return self.check()

    def click(self, locator):
        with self.page.expect_navigation():
            locator.click()
        return self.check()

    def check(self):
        """The page loaded its hashed CSS and JS with 200, both took effect, nothing failed."""
        page = self.page
        page.wait_for_load_state("load")
        state = page.evaluate(ASSETS_JS)
        where = f"{self.name}: {page.url}"
        assert state["css"] and state["js"], f"{where} has no stylesheet or script: {state}"
        for url in state["css"] + state["js"]:
            assert HASHED.search(url), f"{where}: {url} is not a hashed static file"
            response = page.request.get(url)
            assert response.status == 200, f"{where}: {url} answered {response.status}"
            kind = "text/css" if url.endswith(".css") else "javascript"
            assert kind in response.headers["content-type"], (url, response.headers)
            assert "immutable" in response.headers.get("cache-control", ""), (url, response.headers)
        assert state["sheets"] >= 1 and "arial" in state["font"].lower(), f"{where}: CSS unused"
        assert state["supported"], f"{where}: js/init.js did not run"
        assert state["uninitialised"] == [], f"{where}: GOV.UK Frontend did not start"
        assert self.problems == [], f"{where}: " + "\n".join(self.problems)
        return page

    def sign_in(self, username: str, password: str):
        page = self.goto("/accounts/login/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(password)
        self.click(page.get_by_role("button", name="Sign in"))
        assert "/accounts/login/" not in page.url, f"{username} could not sign in: {page.url}"
        secret = page.get_by_test_id("totp-secret")
        if secret.count():
            # TWO_FACTOR_ALL_ROLES (on in production) asks every role to set up an app first:
            # be the app, with the setup key the page offers to those who cannot scan.
            text = "".join(secret.text_content().split())
            key = b32decode(text + "=" * (-len(text) % 8))
            page.get_by_label("Code from your authenticator app").fill(f"{totp(key):06d}")
            self.click(page.get_by_role("button", name="Confirm code"))
            assert "/two-factor/" not in page.url, f"{username}: two-factor set-up failed"
        cookies = {cookie["name"]: cookie for cookie in page.context.cookies()}
        # The session cookie is Secure (DEBUG off) and chromium still keeps it on loopback.
        assert cookies["sessionid"]["secure"] and cookies["sessionid"]["httpOnly"], cookies
        return page


@pytest.fixture
def watched(page):
    def start(name: str) -> Watched:
        return Watched(page, name)

    return start


def test_production_serves_hashed_assets_and_security_headers(watched):
    w = watched("anonymous")
    page = w.goto("/accounts/login/")
    response = page.request.get("/accounts/login/")
    headers = response.headers
    assert "max-age=" in headers["strict-transport-security"], headers
    assert "script-src" in headers["content-security-policy"], headers
    csrf = next(c for c in page.context.cookies() if c["name"] == "csrftoken")
    assert csrf["secure"], csrf
    # Without the proxy's header the request counts as plain HTTP and is sent to HTTPS.
    plain = page.request.get(
        "/accounts/login/", headers={"X-Forwarded-Proto": "http"}, max_redirects=0
    )
    assert plain.status == 301 and plain.headers["location"].startswith("https://"), (
        plain.status,
        plain.headers,
    )


def test_officer_signs_in_opens_the_dashboard_and_adds_evidence_with_a_file(
    watched, smoke_password, tmp_path
):
    w = watched("officer")
    page = w.sign_in("officer", smoke_password)
    page = w.goto("/")
    assert page.get_by_role("heading", name="Prevent duty dashboard").is_visible()

    title = f"Smoke test terms of reference {time.time_ns()}"
    page = w.goto("/evidence/new/")
    page.get_by_label("Title", exact=True).fill(title)
    page.get_by_label("Policy or procedure").check()
    upload = tmp_path / "terms of reference.pdf"
    upload.write_bytes(PDF)
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    today = datetime.now(tz=UTC).date()
    page.locator("#id_effective_date_0").fill(str(today.day))
    page.locator("#id_effective_date_1").fill(str(today.month))
    page.locator("#id_effective_date_2").fill(str(today.year))
    page.get_by_label("1. Multi-agency partnership group").check()
    w.click(page.get_by_role("button", name="Save evidence"))
    assert page.get_by_role("heading", name=title).is_visible(), page.url
    assert page.get_by_text(hashlib.sha256(PDF).hexdigest()).is_visible()

    # The stored file comes back byte for byte through the permission-checked download. The
    # link has a `download` attribute, which chromium fetches outside the page and without
    # the proxy's header, so the journey asks for it with the page's cookies instead.
    link = page.get_by_role("link", name="Download terms of reference.pdf")
    response = page.request.get(link.get_attribute("href"))
    assert response.status == 200, response.status
    assert response.body() == PDF
    assert "attachment" in response.headers["content-disposition"], response.headers
    assert "no-store" in response.headers["cache-control"], response.headers
    assert w.problems == [], w.problems


def test_public_decision_log_and_a_decision_pdf(watched):
    w = watched("public")
    page = w.goto("/public/decisions/")
    records = page.locator("main h2 a.govuk-link")
    links = [records.nth(i).get_attribute("href") for i in range(records.count())]
    assert links, "the public decision log lists no decision"
    # A confidential record is listed without its notice: read the first one published.
    pdf_link = page.get_by_role("link", name="Download the decision notice (PDF)")
    for link in links:
        page = w.goto(link)
        if pdf_link.count():
            break
    else:
        raise AssertionError(f"none of {links} offers its decision notice as a PDF")
    reference = page.locator("main .govuk-caption-l").inner_text().removeprefix("Decision ")
    response = page.request.get(pdf_link.get_attribute("href"))
    assert response.status == 200, response.status
    assert response.headers["content-type"] == "application/pdf", response.headers
    reader = PdfReader(io.BytesIO(response.body()))
    text = "".join(p.extract_text() for p in reader.pages)
    assert reference in text, (reference, text[:300])
    assert w.problems == [], w.problems


def test_auditor_requests_an_audit_pack_and_the_worker_builds_it(watched, smoke_password):
    w = watched("auditor")
    page = w.sign_in("auditor", smoke_password)
    w.click(page.get_by_role("link", name="Review periods").first)
    w.click(page.locator("main table a.govuk-link").first)
    w.click(page.get_by_role("button", name="Build the audit pack"))
    status = page.get_by_role("status")
    download = page.get_by_role("button", name=re.compile("^Download"))
    check_again = page.get_by_role("link", name="Check again")
    for _ in range(AUDIT_PACK_POLLS):
        if not check_again.count():  # ready, or failed
            break
        page.wait_for_timeout(1000)
        w.click(check_again)
    assert status.inner_text().strip() == "Ready to download" and download.count(), (
        f"the task worker did not build the audit pack: status {status.inner_text()!r}"
    )
    with page.expect_download() as info:
        download.click()
    download = info.value
    assert download.suggested_filename.endswith(".zip")
    with open(download.path(), "rb") as handle:
        archive = zipfile.ZipFile(io.BytesIO(handle.read()))
    assert archive.testzip() is None
    assert any("manifest" in name.lower() for name in archive.namelist())
    assert w.problems == [], w.problems
