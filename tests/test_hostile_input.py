"""Hostile input in every form: never a server error, always a clear field error or a correct
save, and stored markup shown escaped on pages and as literal text in PDFs. Hostile uploads
to decision appendices are refused and store nothing.

Each form is filled the way its page offers it (hidden and pre-filled fields read from the
page), made valid, and then every free-text field gets the same hostile value. Each example
runs in a savepoint that is rolled back, so one example's save never blocks the next.
"""

import io
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from axes.utils import reset as axes_reset
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from decisions.models import Appendix, Decision
from tests.decisions.helpers import advance, complete_sections, make_draft
from tests.prevent_compliance import samples
from tests.prevent_compliance.two_factor import sign_in_verified
from toolkit import services as toolkit_services
from toolkit.models import Section

MARKUP = ["<script>alert(1)</script>", '"><img src=x onerror=alert(1)>']
KNOWN = [
    *MARKUP,
    "' OR 1=1 --",
    "Robert'); DROP TABLE decisions_decision;--",
    "x" * 10_000,
    "".join(chr(c) for c in range(0x20)),
    "\u202eevil\u202c.pdf",
    "Prevent 🛡️ training 👩🏽‍🏫 in Wales 🏴󠁧󠁢󠁷󠁬󠁳󠁿",
]
# Lone surrogates cannot travel in an HTTP request (they are not UTF-8), so they are left out.
generated = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=300)
hostile = st.one_of(
    st.sampled_from(KNOWN),
    generated,
    st.builds(lambda m, t: f"{t}{m}", st.sampled_from(MARKUP), generated),
)
FAST = settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


# --- Reading a form the way a browser would --------------------------------------------------


class _FormReader(HTMLParser):
    """The values a browser would submit from the page's main form (no button pressed)."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self.in_form = False
        self.textarea = None
        self.select = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if (
            tag == "form"
            and a.get("method", "").lower() == "post"
            and "logout" not in (a.get("action") or "")
        ):
            self.in_form = True
        if not self.in_form or not a.get("name"):
            if tag == "option" and self.select and "selected" in a:
                self._add(self.select, a.get("value", ""))
            return
        kind = a.get("type", "text")
        if tag == "input" and kind not in ("submit", "button", "file", "checkbox", "radio"):
            self._add(a["name"], a.get("value", ""))
        elif tag == "input" and kind in ("checkbox", "radio") and "checked" in a:
            self._add(a["name"], a.get("value", "on"))
        elif tag == "textarea":
            self.textarea = a["name"]
            self._add(self.textarea, "")
        elif tag == "select":
            self.select = a["name"]

    def handle_endtag(self, tag):
        if tag == "form" and self.in_form:
            self.in_form = False
        elif tag == "textarea":
            self.textarea = None
        elif tag == "select":
            self.select = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea][-1] += data.removeprefix("\n")


def page_form(client, url) -> dict:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    reader = _FormReader()
    reader.feed(response.content.decode())
    return {k: v if len(v) > 1 else v[0] for k, v in reader.data.items()}


def has_error_summary(response) -> bool:
    return b'class="govuk-error-summary' in response.content


def dates(name, day) -> dict:
    return {f"{name}_0": day.day, f"{name}_1": day.month, f"{name}_2": day.year}


# --- The forms --------------------------------------------------------------------------------


@dataclass
class Form:
    """A form: who fills it in, where, what makes it valid, and which fields take free text."""

    actor: str
    url: Callable
    text_fields: list[str] | Callable
    valid: Callable = lambda world: {}
    verified: bool = False
    # The page that shows what was saved (default: the page the form redirects to).
    shows: Callable | None = None


def _sections_fields(data):
    return [k for k in data if re.fullmatch(r"sections-\d+-(heading|body)", k)][:4]


FORMS = {
    "evidence": Form(
        "officer",
        lambda w: reverse("toolkit:evidence_create"),
        ["title", "description"],
        lambda w: {
            "kind": "correspondence",
            "url": "https://example.org/letter",
            "marking": "OFFICIAL",
            "sections": [w.section.pk],
            **dates("effective_date", w.today - timedelta(days=3)),
        },
    ),
    "action": Form(
        "officer",
        lambda w: reverse("toolkit:action_create") + "?section=1",
        ["title", "description", "progress_notes"],
        lambda w: {
            "section": w.section.pk,
            "owner": w.personas["officer"].pk,
            "priority": "high",
            "status": "open",
            **dates("due_date", w.today + timedelta(days=30)),
        },
    ),
    "assessment": Form(
        "officer",
        lambda w: reverse("toolkit:assessment_edit", args=[1]),
        ["narrative"],
        lambda w: {"rating": "partly_met"},
    ),
    "period_start": Form("officer", lambda w: reverse("toolkit:period_start"), ["label"]),
    "guidance": Form(
        "officer",
        lambda w: reverse("toolkit:guidance_create"),
        ["title"],
        lambda w: {"kind": w.guidance_kind, **dates("published_on", w.today)},
    ),
    "decision_create": Form(
        "officer",
        lambda w: reverse("decisions:create"),
        ["title", "lead_officer", "withheld_parts", "summary"],
        lambda w: {
            "chief_officer_approval": "not_required",
            "confidentiality": "non-confidential",
            **dates("decision_date", w.today),
        },
        shows=lambda w: Decision.objects.latest("pk").get_absolute_url(),
    ),
    "decision_edit": Form(
        "officer",
        lambda w: reverse("decisions:edit", args=[w.decision("draft").reference]),
        ["title", "lead_officer", "summary"],
    ),
    "decision_sections": Form(
        "officer",
        lambda w: reverse("decisions:sections", args=[w.decision("draft").reference]),
        _sections_fields,
        shows=lambda w: w.decision("draft").get_absolute_url(),
    ),
    "comment": Form(
        "treasurer",
        lambda w: reverse("decisions:comment_treasurer", args=[w.decision("consultation").ref]),
        ["comments"],
    ),
    "return": Form(
        "chief_executive",
        lambda w: reverse("decisions:return", args=[w.decision("awaiting_approval").ref]),
        ["reason"],
        verified=True,
    ),
    "withdraw": Form(
        "officer",
        lambda w: reverse("decisions:withdraw", args=[w.decision("draft").reference]),
        ["reason"],
    ),
    "sign": Form(
        "commissioner",
        lambda w: reverse("decisions:sign", args=[w.decision("awaiting_signature").ref]),
        ["signatory_name", "password"],
        lambda w: {"declaration": "on"},
        verified=True,
    ),
    "organisation": Form(
        "administrator",
        lambda w: reverse("organisation"),
        ["name", "short_name", "reference_prefix", "reference_format"],
    ),
}


class World:
    def __init__(self, personas, period):
        self.personas = personas
        self.period = period
        self.today = timezone.localdate()
        self.section = Section.objects.get(edition=period.edition, number=1)
        self._decisions = {}
        self.blank_forms = {}

    @property
    def guidance_kind(self):
        from toolkit.models import GuidanceUpdate

        return GuidanceUpdate._meta.get_field("kind").choices[0][0]

    def decision(self, state):
        if state not in self._decisions:
            decision = make_draft(self.personas, title=f"Decision {state}")
            complete_sections(decision, actor=self.personas["officer"])
            decision = advance(decision, self.personas, state)
            decision.ref = decision.reference
            self._decisions[state] = decision
        return self._decisions[state]


@pytest.fixture
def world(personas, period):
    return World(personas, period)


class _Undo(Exception):
    pass


def _check_saved_page(client, url, value):
    """After a save, the page showing the record shows any markup as text, never as markup."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    content = page.content.decode()
    for marker in MARKUP:
        if marker in value:
            assert marker not in content
            assert escape(marker) in content, f"stored markup is not shown on {url}"


@pytest.mark.parametrize("form_key", sorted(FORMS))
@FAST
@given(value=hostile)
@example(value=KNOWN[0]).via("markup")
@example(value=KNOWN[4]).via("10,000 characters")
@example(value=KNOWN[5]).via("control characters")
def test_hostile_text_in_every_form(form_key, value, world, client):
    form = FORMS[form_key]
    user = world.personas[form.actor]
    if form.verified:
        sign_in_verified(client, user)
    else:
        client.force_login(user)
    url = form.url(world)
    try:
        with transaction.atomic():
            if url not in world.blank_forms:
                world.blank_forms[url] = page_form(client, url)
            data = {**world.blank_forms[url], **form.valid(world)}
            fields = form.text_fields(data) if callable(form.text_fields) else form.text_fields
            for name in fields:
                data[name] = value
            response = client.post(url, data)
            assert response.status_code in (200, 302), response.status_code
            if response.status_code == 200:
                assert has_error_summary(response), f"{form_key}: neither saved nor an error"
                for marker in MARKUP:
                    assert marker not in response.content.decode()
            else:
                shown = form.shows(world) if form.shows else response["Location"]
                _check_saved_page(client, shown, value)
            raise _Undo
    except _Undo:
        pass


@FAST
@given(username=hostile, password=hostile)
@example(username=KNOWN[2], password=KNOWN[2])
def test_hostile_sign_in_is_an_error_never_a_crash(username, password, client, officer):
    axes_reset()
    response = client.post(reverse("login"), {"username": username, "password": password})
    assert response.status_code == 200
    assert has_error_summary(response)
    assert "_auth_user_id" not in client.session
    for marker in MARKUP:
        assert marker not in response.content.decode()


def test_a_hostile_organisation_profile_still_lets_officers_create_decisions(
    client, world, administrator
):
    """The reference format is text too: a hostile one must be refused or still work."""
    client.force_login(administrator)
    data = page_form(client, reverse("organisation"))
    data.update(reference_format="{prefix}<script>/{number}", short_name=MARKUP[0][:40])
    client.post(reverse("organisation"), data)
    client.force_login(world.personas["officer"])
    data = page_form(client, reverse("decisions:create"))
    data.update(FORMS["decision_create"].valid(world), title="After", summary="Summary")
    response = client.post(reverse("decisions:create"), data)
    assert response.status_code in (200, 302)
    assert MARKUP[0] not in client.get(reverse("decisions:list")).content.decode()


# --- Markup in PDFs is literal text -------------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return "".join("".join(page.extract_text().split()) for page in reader.pages)


def test_markup_in_a_decision_is_literal_text_in_its_notices(client, personas):
    decision = make_draft(personas, title=f"Training {MARKUP[0]}", summary=f"Agreed {MARKUP[1]}")
    complete_sections(decision, actor=personas["officer"])
    advance(decision, personas, "public")
    client.force_login(personas["auditor"])
    for url in (
        reverse("decisions:pdf", args=[decision.reference]),
        reverse("decisions:public_pdf", args=[decision.reference]),
    ):
        text = _pdf_text(client.get(url).content)
        for marker in MARKUP:
            assert "".join(marker.split()) in text, (url, marker)


def test_markup_in_records_is_literal_text_in_the_annual_review(client, personas, period):
    officer = personas["officer"]
    section = Section.objects.get(edition=period.edition, number=1)
    toolkit_services.evidence_create(
        actor=officer,
        title=f"Minutes {MARKUP[0]}",
        kind="minutes",
        url="https://example.org/minutes",
        effective_date=period.start_date,
        sections=[section],
    )
    client.force_login(officer)
    data = page_form(client, reverse("toolkit:assessment_edit", args=[1]))
    data.update(rating="partly_met", narrative=f"Partly {MARKUP[1]}")
    assert client.post(reverse("toolkit:assessment_edit", args=[1]), data).status_code == 302
    text = _pdf_text(client.get(reverse("toolkit:period_pdf", args=[period.year])).content)
    for marker in MARKUP:
        assert "".join(marker.split()) in text, marker


def test_control_characters_in_records_do_not_break_the_registers(client, personas, period):
    """Spreadsheets cannot hold most control characters; the export must still work."""
    section = Section.objects.get(edition=period.edition, number=1)
    toolkit_services.evidence_create(
        actor=personas["officer"],
        title="Minutes\x01\x02\x0b\x1b end",
        description="Bell\x07 and escape\x1b",
        kind="minutes",
        url="https://example.org/minutes",
        effective_date=period.start_date,
        sections=[section],
    )
    client.force_login(personas["auditor"])
    for fmt in ("csv", "xlsx"):
        url = reverse("toolkit:period_export", args=[period.year, "evidence", fmt])
        response = client.get(url)
        assert response.status_code == 200
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert body


# --- Hostile uploads to decision appendices -----------------------------------------------------


def _polyglot() -> bytes:
    """A PDF with a ZIP archive appended: valid as both."""
    buffer = io.BytesIO()
    import zipfile

    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("payload.exe", samples.EXE)
    return samples.pdf_bytes() + buffer.getvalue()


def _zip_bomb_xlsx(expanded_mb: int = 50) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types/>')
        archive.writestr("xl/workbook.xml", b"\x00" * (expanded_mb * 1024 * 1024))
    return buffer.getvalue()


REFUSED_UPLOADS = {
    "exe-renamed-pdf": ("minutes.pdf", samples.EXE),
    "exe-renamed-docx": ("report.docx", samples.EXE),
    "html-renamed-pdf": ("notice.pdf", samples.HTML),
    "zip-bomb-docx": ("terms.docx", samples.zip_bomb_docx()),
    "zip-bomb-xlsx": ("budget.xlsx", _zip_bomb_xlsx()),
    "empty": ("empty.pdf", b""),
}


def _stored_files(settings):
    from pathlib import Path

    root = Path(settings.MEDIA_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


@pytest.fixture
def draft_for_upload(personas):
    decision = make_draft(personas)
    complete_sections(decision, actor=personas["officer"])
    return decision


def _post_appendix(client, decision, name, content):
    url = reverse("decisions:appendix_add", args=[decision.reference])
    return client.post(url, {"title": "Appendix", "upload": samples.upload(name, content)})


@pytest.mark.parametrize("case", sorted(REFUSED_UPLOADS))
def test_hostile_appendix_is_refused_and_nothing_stored(
    case, client, personas, draft_for_upload, settings
):
    name, content = REFUSED_UPLOADS[case]
    client.force_login(personas["officer"])
    response = _post_appendix(client, draft_for_upload, name, content)
    assert response.status_code == 200
    assert has_error_summary(response)
    assert not Appendix.objects.exists()
    assert _stored_files(settings) == []


def test_oversize_appendix_is_refused_and_nothing_stored(
    client, personas, draft_for_upload, settings
):
    settings.UPLOAD_MAX_BYTES = 1024
    client.force_login(personas["officer"])
    response = _post_appendix(
        client, draft_for_upload, "big.pdf", samples.pdf_bytes() + b" " * 2048
    )
    assert response.status_code == 200 and has_error_summary(response)
    assert not Appendix.objects.exists() and _stored_files(settings) == []


def test_polyglot_appendix_is_judged_by_its_content(client, personas, draft_for_upload, settings):
    """A PDF with a ZIP appended starts as a PDF: stored as a PDF, under a random .pdf name."""
    client.force_login(personas["officer"])
    response = _post_appendix(client, draft_for_upload, "evil.zip", _polyglot())
    if response.status_code == 200:
        assert has_error_summary(response)
        assert not Appendix.objects.exists() and _stored_files(settings) == []
        return
    appendix = Appendix.objects.get()
    assert appendix.content_type == "application/pdf"
    assert appendix.file.name.endswith(".pdf")


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.pdf", "..\\..\\windows\\win.ini.pdf", "/etc/cron.d/x.pdf", "a\x00b.pdf"],
)
def test_traversal_names_never_reach_the_file_system(
    name, client, personas, draft_for_upload, settings
):
    client.force_login(personas["officer"])
    response = _post_appendix(client, draft_for_upload, name, samples.pdf_bytes())
    assert response.status_code in (200, 302)
    for path in _stored_files(settings):
        assert path.resolve().is_relative_to(settings.MEDIA_ROOT.resolve())
        assert ".." not in path.name and "passwd" not in str(path) and "win.ini" not in str(path)
    for appendix in Appendix.objects.all():
        assert "/" not in appendix.original_filename and "\\" not in appendix.original_filename
        assert ".." not in appendix.original_filename
