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
from tests.reports.helpers import download_report
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
        ["narrative", "criterion_1_note"],
        # Every criterion of section 1 (eight in the 2024 edition) partly met: proposed so.
        lambda w: (
            {f"criterion_{n}_rating": "partly_met" for n in range(1, 9)} | {"accept": "proposed"}
        ),
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
        ["title", "lead_officer", "decision_maker_name", "forum", "summary"],
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
        ["password"],  # the signature is the account's own name: nothing typed in
        lambda w: {"declaration": "on"},
        verified=True,
    ),
    "not_publish": Form(
        "officer",
        lambda w: reverse("decisions:not_publish", args=[w.decision("signed").ref]),
        ["reason"],
    ),
    "release": Form(
        "chief_executive",
        lambda w: reverse("decisions:release", args=[w.partly_confidential().ref]),
        ["reason", "text"],
        # posted from its check page (confirm=yes), which repeats the answers
        lambda w: {
            "scope": "part",
            "sections": "5",
            "confirm": "yes",
            **dates("released_on", w.today),
        },
        verified=True,
        shows=lambda w: w.partly_confidential().get_absolute_url(),
    ),
    "organisation": Form(
        "administrator",
        lambda w: reverse("organisation"),
        ["name", "short_name", "reference_prefix", "reference_format"],
    ),
    "user_invite": Form(
        "administrator",
        lambda w: reverse("users:invite"),
        ["first_name", "last_name"],
        lambda w: {"username": "hostile.user", "email": "hostile.user@opcc.test"},
        verified=True,
    ),
    "user_invite_names": Form(
        "administrator",
        lambda w: reverse("users:invite"),
        ["username", "email"],
        lambda w: {"first_name": "Hostile", "last_name": "User"},
        verified=True,
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

    def partly_confidential(self):
        """A published record whose section 5 is withheld: one whose content can be released."""
        if "partly" not in self._decisions:
            decision = make_draft(
                self.personas,
                title="Decision partly confidential",
                confidentiality=Decision.Confidentiality.PARTLY_CONFIDENTIAL,
                foi_exemptions=["s43"],
            )
            complete_sections(decision, actor=self.personas["officer"], withheld=5)
            decision = advance(decision, self.personas, "public")
            decision.ref = decision.reference
            self._decisions["partly"] = decision
        return self._decisions["partly"]

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


def test_markup_in_records_is_literal_text_in_the_annual_review(
    client, personas, period, django_capture_on_commit_callbacks
):
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
    data.update({f"criterion_{n}_rating": "partly_met" for n in range(1, 9)})
    data.update(accept="proposed", narrative=f"Partly {MARKUP[1]}")
    assert client.post(reverse("toolkit:assessment_edit", args=[1]), data).status_code == 302
    text = _pdf_text(download_report(client, period, django_capture_on_commit_callbacks))
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


def _zip_with(members: dict[str, bytes]) -> bytes:
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


REFUSED_UPLOADS = {
    "exe-renamed-pdf": ("minutes.pdf", samples.EXE),
    "exe-renamed-docx": ("report.docx", samples.EXE),
    "html-renamed-pdf": ("notice.pdf", samples.HTML),
    "zip-bomb-docx": ("terms.docx", samples.zip_bomb_docx()),
    "zip-bomb-xlsx": ("budget.xlsx", _zip_bomb_xlsx()),
    "empty": ("empty.pdf", b""),
    # Accepted before names had to agree with content and containers were read strictly.
    "text-named-html": ("notice.html", b"Agenda\n<b>Notes</b> <img src=x onerror=alert(1)>\n"),
    "pdf-named-rtl-exe": ("evil\u202efdp.exe", samples.pdf_bytes()),
    "docm": ("terms.docm", samples.docx_bytes()),
    "zip-claiming-text": ("notes.txt", _zip_with({"mimetype": b"text/plain", "a.xml": b"<a/>"})),
    "padded-mimetype": (
        "plan.odt",
        _zip_with({"mimetype": b"application/vnd.oasis.opendocument.text" + b" " * 200}),
    ),
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


# --- Malformed numbers in URLs ----------------------------------------------------------------
# Every route of the site (Django's own admin aside) is read from the resolver, so a route
# added later is covered without being listed here.

HOSTILE_NUMBERS = [
    "0",
    "00",
    "0000",
    "-1",
    "1e3",
    "10000",
    "2147483648",
    "9223372036854775808",
    "9" * 20,
    "9" * 400,
    "\u0661\u0662",  # Arabic-Indic digits
]
# What a well-formed value of each text-like converter looks like, for the other parts of a URL.
FILLERS = {
    "str": "x",
    "path": "x",
    "ref": "x",
    "slug": "x",
    "uuid": "00000000-0000-4000-8000-000000000000",
}
# Control characters in the text parts of a URL (PostgreSQL refuses NUL in any query).
HOSTILE_TEXT = ["%00", "x%00y", "%1b", "%7f", "PCC%2FD%2F%00"]


def _routes(patterns=None, prefix=""):
    from django.urls import URLResolver, get_resolver

    for entry in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            if route.startswith("admin/"):
                continue  # Django's admin: its object ids are Django's to parse
            yield from _routes(entry.url_patterns, route)
        else:
            yield route


_PARAM = re.compile(r"<(?:(?P<kind>[^>:]+):)?(?P<name>[^>]+)>")


def _parameters(route: str) -> list[tuple[str, str]]:
    return [(m["kind"] or "str", m["name"]) for m in _PARAM.finditer(route)]


NUMERIC_ROUTES = sorted(
    route for route in _routes() if any(kind not in FILLERS for kind, _ in _parameters(route))
)


def test_every_route_is_found():
    routes = list(_routes())
    assert "periods/<year:year>/" in routes and "toolkit/<number:number>/" in routes
    assert len(NUMERIC_ROUTES) >= 8


@pytest.mark.parametrize("route", sorted(r for r in set(_routes()) if _parameters(r)))
def test_no_route_takes_a_number_it_cannot_hold(route):
    """Each converter refuses out-of-range digits itself (Django's <int:> takes any number)."""
    from django.urls.converters import get_converters

    for kind, _name in _parameters(route):
        converter = get_converters()[kind]
        for value in HOSTILE_NUMBERS:
            if not re.fullmatch(converter.regex, value):
                continue
            try:
                parsed = converter.to_python(value)
            except ValueError:
                continue  # Django treats this as "no such URL": a 404
            assert isinstance(parsed, str) or 0 < parsed < 2**31, (route, kind, value)


def _url(route: str, name: str, value: str) -> str:
    good = {"year": "2024", "number": "1"}

    def fill(match):
        kind = match["kind"] or "str"
        if match["name"] == name:
            return value
        return FILLERS.get(kind) or good[kind]

    return "/" + _PARAM.sub(fill, route)


@pytest.mark.parametrize("route", NUMERIC_ROUTES)
def test_out_of_range_numbers_in_urls_are_not_found(route, client, personas, period):
    sign_in_verified(client, personas["officer"])
    for kind, name in _parameters(route):
        if kind in FILLERS:
            continue
        for value in HOSTILE_NUMBERS:
            url = _url(route, name, value)
            assert client.get(url).status_code == 404, url
            # A GET-only page refuses the method first: never a server error either way.
            assert client.post(url).status_code in (404, 405), url


TEXT_ROUTES = sorted(
    route for route in _routes() if any(kind in FILLERS for kind, _ in _parameters(route))
)


@pytest.mark.parametrize("route", TEXT_ROUTES)
def test_control_characters_in_url_text_are_not_found(route, client, personas, period):
    sign_in_verified(client, personas["officer"])
    for kind, name in _parameters(route):
        if kind not in FILLERS or kind == "uuid":
            continue
        for value in HOSTILE_TEXT:
            url = _url(route, name, value)
            assert client.get(url).status_code == 404, url
            assert client.post(url).status_code in (404, 405), url


HOSTILE_IDENTIFIERS = [
    *HOSTILE_NUMBERS,
    f"{'9' * 20}-1",
    f"1-{'9' * 20}",
    f"{'9' * 20}-{'9' * 20}",
    "2024-",
    "-",
    "2024-x",
    "x",
    "1e400",
    "\x00",
    "2024\x00-1",
    "PCC/D/\x00",
]


def _history_keys():
    from prevent_compliance.audit.registry import registry

    return sorted(registry())


@pytest.mark.parametrize("key", _history_keys())
def test_malformed_history_identifiers_are_not_found(key, client, personas, period):
    sign_in_verified(client, personas["auditor"])
    for identifier in HOSTILE_IDENTIFIERS:
        url = reverse("audit:history", args=[key, identifier])
        assert client.get(url).status_code == 404, url


# --- Malformed dates in every date field -------------------------------------------------------

OUR_APPS = ("prevent_compliance", "toolkit", "decisions")
HOSTILE_DATES = [
    ("9" * 20, "1", "2025"),
    ("1", "9" * 20, "2025"),
    ("1", "1", "9" * 20),
    ("9" * 20, "9" * 20, "9" * 20),
    ("31", "12", "9999"),
    ("1", "1", "0000"),
    ("1", "1", "0001"),
    ("0", "0", "2025"),
    ("32", "1", "2025"),
    ("29", "2", "2025"),
    ("1", "13", "2025"),
    ("-1", "1", "2025"),
    ("1", "1", "２０２５"),  # full-width digits
]


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _our_date_fields() -> list[tuple[str, str, object]]:
    """(form, field name, field) for every date-like field of every form and filter of ours."""
    import django_filters
    from django import forms
    from django.utils.module_loading import autodiscover_modules

    autodiscover_modules("forms")
    import prevent_compliance.accounts.forms  # its forms
    import prevent_compliance.audit.forms  # noqa: F401  (the audit log filter)

    found = []
    for form_class in set(_subclasses(forms.BaseForm)):
        if form_class.__module__.split(".")[0] not in OUR_APPS:
            continue
        for name, field in form_class.base_fields.items():
            if isinstance(field, forms.DateField | forms.DateTimeField | forms.MultiValueField):
                found.append((form_class.__qualname__, name, field))
    for filterset in set(_subclasses(django_filters.FilterSet)):
        if filterset.__module__.split(".")[0] not in OUR_APPS:
            continue
        for name, item in filterset.base_filters.items():
            if issubclass(item.field_class, forms.DateField | forms.DateTimeField):
                found.append((filterset.__qualname__, name, item.field))
    return sorted(found, key=lambda entry: entry[:2])


DATE_FIELDS = _our_date_fields()


def test_date_fields_are_found():
    names = {f"{form}.{name}" for form, name, _ in DATE_FIELDS}
    assert {"EvidenceForm.effective_date", "AuditFilterForm.date_to"} <= names
    assert len(names) >= 10


@pytest.mark.parametrize(
    "field", [f for _, _, f in DATE_FIELDS], ids=[f"{f}.{n}" for f, n, _ in DATE_FIELDS]
)
def test_every_date_field_turns_any_input_into_a_date_or_a_field_error(field):
    from django.core.exceptions import ValidationError

    from prevent_compliance.forms import MAX_YEAR, MIN_YEAR, GovUKDateField

    # One shared field, so one place decides what a date may be.
    assert isinstance(field, GovUKDateField)
    for day, month, year in HOSTILE_DATES:
        try:
            value = field.clean([day, month, year])
        except ValidationError as error:
            assert error.messages and all(error.messages)
            continue
        # Anything accepted can still be reasoned with: the day after, a year before.
        assert value is None or MIN_YEAR <= value.year <= MAX_YEAR, (day, month, year)
        if value:
            assert value + timedelta(days=366) and value - timedelta(days=366)


def _date_inputs(data: dict) -> list[str]:
    return sorted({k[:-2] for k in data if re.fullmatch(r".+_[012]", k) and k[:-2] + "_2" in data})


@pytest.mark.parametrize("form_key", sorted(FORMS))
def test_hostile_dates_in_every_form_are_field_errors(form_key, world, client):
    form = FORMS[form_key]
    user = world.personas[form.actor]
    sign_in_verified(client, user)
    url = form.url(world)
    blank = page_form(client, url)
    valid = {**blank, **form.valid(world)}
    names = _date_inputs(valid)
    if not names:
        pytest.skip(f"the {form_key} form has no date input")
    for name in names:
        for day, month, year in HOSTILE_DATES[:6]:
            data = {**valid, f"{name}_0": day, f"{name}_1": month, f"{name}_2": year}
            try:
                with transaction.atomic():
                    response = client.post(url, data)
                    assert response.status_code == 200, (name, day, month, year)
                    assert has_error_summary(response), (name, day, month, year)
                    raise _Undo
            except _Undo:
                pass


@pytest.mark.parametrize(
    "query",
    [
        {"date_to_2": "9999"},
        {"date_to_0": "31", "date_to_1": "12", "date_to_2": "9999"},
        {"date_from_0": "9" * 20, "date_from_1": "1", "date_from_2": "2025"},
        {"date_from_0": "1", "date_from_1": "1", "date_from_2": "9" * 20},
        {"date_to_0": "1", "date_to_1": "9" * 20, "date_to_2": "2025"},
    ],
    ids=["year-only", "last-day-of-9999", "huge-day", "huge-year", "huge-month"],
)
def test_audit_log_filter_with_a_bad_date_is_a_form_error(query, client, personas, period):
    sign_in_verified(client, personas["auditor"])
    page = client.get(reverse("audit:log"), query)
    assert page.status_code == 200
    assert has_error_summary(page)
    export = client.get(reverse("audit:export"), query)
    # Refused before a byte of CSV is sent, never a download that stops halfway.
    assert export.status_code == 400
    assert not export.streaming
    assert has_error_summary(export)


def test_audit_export_with_a_good_date_range_still_downloads(client, personas, period):
    sign_in_verified(client, personas["auditor"])
    today = timezone.localdate()
    query = {
        **{f"date_from_{i}": v for i, v in enumerate([1, 1, today.year - 1])},
        **{f"date_to_{i}": v for i, v in enumerate([today.day, today.month, today.year])},
    }
    export = client.get(reverse("audit:export"), query)
    assert export.status_code == 200
    body = b"".join(export.streaming_content).decode()
    assert body.startswith("Date and time,Username")
    assert "Review period" in body


@pytest.mark.parametrize(
    "query",
    [
        {"page": "100000"},
        {"page": "9" * 30},
        {"page": "-1"},
        {"page": "\x00"},
        {"before": "2025-01-01T00:00:00+00:00,review-period,99999999999999999999999"},
        {"after": "9999-99-99T00:00:00,review-period,1"},
        {"before": "2025-01-01,\x00,1"},
        {"before": "x" * 10000},
        {"before": "0001-01-01T00:00:00+00:00,review-period,1", "page": "5"},
    ],
)
def test_audit_log_deep_pages_and_bad_cursors_never_crash(query, client, personas, period):
    """Issue 16: the audit log is read by cursor; a bad one is a clear 400, never a 500."""
    sign_in_verified(client, personas["auditor"])
    response = client.get(reverse("audit:log"), query)
    assert response.status_code in (200, 400)
    if response.status_code == 400:
        assert has_error_summary(response)


# Every query-string parameter a page reads, with values no database or int() can take.
HOSTILE_QUERY = "&".join(
    f"{name}={value}"
    for name, value in (
        ("q", "x%00y%E2%80%AE"),
        ("page", "99999999999999999999"),
        ("section", "99999999999999999999"),
        ("status", "%00"),
        ("year", "%00"),
        ("next", "%00"),
        ("sort", "%00"),
    )
)
PLAIN_ROUTES = sorted(r for r in set(_routes()) if not _parameters(r))


@pytest.mark.parametrize("route", PLAIN_ROUTES)
def test_hostile_query_strings_never_crash_a_page(route, client, personas, period):
    """NUL in a search term was a 500 on PostgreSQL; huge numbers overflow SQLite."""
    for user in (None, personas["officer"], personas["auditor"]):
        client.logout()
        if user is not None:
            sign_in_verified(client, user)
        response = client.get(f"/{route}?{HOSTILE_QUERY}")
        # Readiness answers 503 by design here: no task worker runs in the tests.
        assert response.status_code < 500 or route == "healthz/ready", (route, user)


# --- Deep pages and unknown sort keys (issue 16) ------------------------------------------

DEEP_PAGE_ROUTES = ["actions/", "evidence/", "toolkit/1/", "decisions/", "public/decisions/"]


@pytest.mark.parametrize("route", DEEP_PAGE_ROUTES)
@pytest.mark.parametrize("page", ["100000", "401", "0", "-1", "abc", "9" * 30])
def test_deep_or_bad_page_numbers_answer_a_page_never_an_error(
    route, page, client, personas, period
):
    """A short list asked for page 100000 shows its last page (read without a full count)."""
    sign_in_verified(client, personas["officer"])
    response = client.get(f"/{route}?page={page}&sort=-password&order=__class__")
    assert response.status_code == 200, (route, page)
    shown = response.context["evidence_page" if route == "toolkit/1/" else "page"]
    assert shown.number >= 1 and not shown.has_next()


def test_a_page_deeper_than_the_limit_of_a_long_list_is_a_clear_404(rf):
    from django.http import Http404

    from prevent_compliance import web

    rows = list(range(web.PAGE_LIMIT * 2 + 10))
    assert web.page_of(rf.get("/", {"page": web.PAGE_LIMIT}), rows, 2).object_list == [
        web.PAGE_LIMIT * 2 - 2,
        web.PAGE_LIMIT * 2 - 1,
    ]
    with pytest.raises(Http404, match="at most"):
        web.page_of(rf.get("/", {"page": "100000"}), rows, 2)
    last = web.page_of(rf.get("/", {"page": "100000"}), rows[:7], 2)
    assert (last.number, last.object_list, last.has_next(), last.count) == (4, [6], False, 7)
    counted = web.page_of(rf.get("/"), rows, 2)
    assert counted.count is None and counted.has_next()  # more than COUNT_LIMIT: not counted
