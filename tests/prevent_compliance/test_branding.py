"""Branding the office sets once: a checked logo, address, e-mail and telephone, printed on
every PDF and the accessibility statement (prevent_compliance/branding.py)."""

import io
import re
import shutil
import struct
import subprocess
import zlib
from datetime import timedelta
from xml.etree import ElementTree

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from prevent_compliance import branding
from prevent_compliance.models import OrganisationProfile, get_organisation
from prevent_compliance.services import organisation_update
from tests.decisions.helpers import advance, complete_sections, make_draft
from tests.prevent_compliance.samples import upload

MARKER = "zq-hostile-marker"
ADDRESS = "Branding House\n1 Marker Street\nLeamington Spa CV31 1XX"


def _png(width=120, height=40, *, extra_chunk: bytes = b"") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (29, 112, 184)).save(buffer, format="PNG")
    data = buffer.getvalue()
    if extra_chunk:  # an ancillary text chunk just before IEND
        kind, body = b"tEXt", b"Comment\x00" + extra_chunk
        chunk = (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )
        data = data[:-12] + chunk + data[-12:]
    return data


def _raw_png(width: int, height: int, idat: bytes) -> bytes:
    """A PNG with correct checksums around whatever image data it is given."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )


ROWS = b"".join(b"\0" + b"\x10" * 3 * 32 for _ in range(32))  # 32 x 32 RGB, no filter
SVG_OK = (
    '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
    'viewBox="0 0 200 60"><title>Office logo</title><defs><linearGradient id="g">'
    '<stop offset="0" stop-color="#1d70b8"/></linearGradient></defs>'
    '<rect width="200" height="60" fill="url(#g)" style="stroke: #000; stroke-width: 2"/>'
    '<use xlink:href="#g"/><text x="10" y="40" font-size="20">OPCC</text></svg>'
)


def _svg(inner: str, attrs: str = "") -> bytes:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        f'viewBox="0 0 10 10"{attrs}><rect width="10" height="10"/>{inner}</svg>'
    ).encode()


# --- The logo check -------------------------------------------------------------------------


def test_png_is_reencoded_so_hidden_chunks_are_gone():
    logo = branding.validate_logo(upload("logo.png", _png(extra_chunk=MARKER.encode())))
    assert logo.content_type == "image/png" and logo.extension == ".png"
    assert MARKER.encode() not in logo.content
    assert Image.open(io.BytesIO(logo.content)).size == (120, 40)


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("logo.png", b"<html><body><script>alert(1)</script></body></html>", "PNG or SVG"),
        ("logo.svg", b"<html><body><script>alert(1)</script></body></html>", "PNG or SVG"),
        ("logo.png", b"%PDF-1.4\n%%EOF\n", "PNG or SVG"),
        ("logo.svg", _png(), "must end in .png"),
        ("logo.png", _svg(""), "must end in .svg"),
        ("logo.png", _png()[:60], "cannot be opened|can be opened"),
        ("logo.png", _png(5000, 20), "at most 4000 pixels"),
        ("logo.png", _png(8, 8), "at least 16 pixels"),
        ("logo.png", b"", "empty"),
        ("logo.png", _raw_png(32, 32, zlib.compress(ROWS)[:-6]), "can be opened"),
        ("logo.png", _raw_png(32, 32, zlib.compress(ROWS * 50)), "can be opened"),
        ("logo.png", _raw_png(40000, 40000, zlib.compress(ROWS)), "at most 4000 pixels"),
    ],
)
def test_bad_logos_are_refused(name, content, message):
    assert branding.validate_logo(upload("ok.png", _raw_png(32, 32, zlib.compress(ROWS))))
    with pytest.raises(ValidationError) as error:
        branding.validate_logo(upload(name, content))
    assert re.search(message, " ".join(error.value.messages)), error.value.messages


def test_oversized_logo_is_refused_before_it_is_read():
    big = _png() + b"\0" * branding.LOGO_MAX_BYTES
    with pytest.raises(ValidationError, match="smaller than 1"):
        branding.validate_logo(upload("logo.png", big))


def test_a_clean_svg_keeps_its_shapes_text_and_gradients():
    logo = branding.validate_logo(upload("logo.svg", SVG_OK.encode()))
    root = ElementTree.fromstring(logo.content)  # noqa: S314 (our own output)
    tags = [element.tag.split("}")[1] for element in root.iter()]
    for tag in ("svg", "title", "linearGradient", "stop", "rect", "use", "text"):
        assert tag in tags
    rect = root.find("{http://www.w3.org/2000/svg}rect")
    assert rect.get("fill") == "url(#g)"
    assert rect.get("style") == "stroke: #000; stroke-width: 2"
    assert root.find("{http://www.w3.org/2000/svg}use").get("href") == "#g"
    assert "OPCC" in logo.content.decode()


HOSTILE_SVGS = {
    "script": _svg(f"<script>alert('{MARKER}')</script>"),
    "onload": _svg("", f" onload=\"alert('{MARKER}')\""),
    "event on a shape": _svg(f'<circle r="2" onclick="{MARKER}()"/>'),
    "javascript link": _svg(f'<a xlink:href="javascript:{MARKER}()"><rect width="1"/></a>'),
    "javascript use": _svg(f'<use xlink:href="javascript:{MARKER}()"/>'),
    "external use": _svg(f'<use href="https://evil.example/{MARKER}.svg#x"/>'),
    "external image": _svg(f'<image href="https://evil.example/{MARKER}.png" width="5"/>'),
    "file image": _svg(f'<image xlink:href="file:///etc/passwd?{MARKER}" width="5"/>'),
    "foreignObject": _svg(
        f'<foreignObject><body xmlns="http://www.w3.org/1999/xhtml">{MARKER}</body></foreignObject>'
    ),
    "style import": _svg(f"<style>@import url(https://evil.example/{MARKER}.css);</style>"),
    "style url": _svg(f"<style>rect {{ fill: url(https://evil.example/{MARKER}) }}</style>"),
    "style attribute url": _svg(
        f'<rect style="fill: url(https://evil.example/{MARKER}); behavior: x" width="1"/>'
    ),
    "fill url": _svg(f'<rect fill="url(https://evil.example/{MARKER})" width="1"/>'),
    "stylesheet instruction": (
        f'<?xml-stylesheet href="https://evil.example/{MARKER}.css"?>'.encode() + _svg("")
    ),
    "html namespace": _svg(f'<h:script xmlns:h="http://www.w3.org/1999/xhtml">{MARKER}</h:script>'),
    "animate": _svg(f'<animate attributeName="href" to="javascript:{MARKER}()"/>'),
}


@pytest.mark.parametrize("case", HOSTILE_SVGS)
def test_hostile_svg_is_sanitised(case):
    logo = branding.validate_logo(upload("logo.svg", HOSTILE_SVGS[case]))
    text = logo.content.decode()
    assert MARKER not in text
    for word in ("script", "javascript", "onload", "onclick", "foreignObject", "@import", "http"):
        assert word not in text.replace("http://www.w3.org/", ""), (case, text)
    assert ElementTree.fromstring(logo.content)  # noqa: S314 (our own output).tag == "{http://www.w3.org/2000/svg}svg"


REFUSED_SVGS = {
    "XXE": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>'
    ),
    "billion laughs": (
        b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;">'
        b'<!ENTITY c "&b;&b;&b;&b;">]><svg xmlns="http://www.w3.org/2000/svg"><text>&c;</text>'
        b"</svg>"
    ),
    "external DTD": (
        b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" "https://evil.example/svg.dtd">'
        b'<svg xmlns="http://www.w3.org/2000/svg"/>'
    ),
    "undefined entity": b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text></svg>',
    "not svg root": b'<html xmlns="http://www.w3.org/1999/xhtml"><svg/></html>',
    "broken xml": b'<svg xmlns="http://www.w3.org/2000/svg"><rect></svg>',
    "too deep": b'<svg xmlns="http://www.w3.org/2000/svg">'
    + b"<g>" * 60
    + b"</g>" * 60
    + b"</svg>",
}


@pytest.mark.parametrize("case", REFUSED_SVGS)
def test_svg_with_a_doctype_entities_or_no_svg_root_is_refused(case):
    with pytest.raises(ValidationError):
        branding.validate_logo(upload("logo.svg", REFUSED_SVGS[case]))


def test_embedded_png_in_an_svg_is_kept_only_if_it_opens():
    import base64

    good = base64.b64encode(_png()).decode()
    logo = branding.validate_logo(
        upload(
            "logo.svg",
            _svg(
                f'<image href="data:image/png;base64,{good}" width="5"/>'
                f'<image href="data:image/png;base64,{base64.b64encode(b"<html>").decode()}"/>'
                f'<image href="data:image/svg+xml;base64,{good}"/>'
            ),
        )
    )
    root = ElementTree.fromstring(logo.content)  # noqa: S314 (our own output)
    images = root.findall("{http://www.w3.org/2000/svg}image")
    assert len(images) == 1 and images[0].get("href").startswith("data:image/png;base64,")


# --- The organisation page ------------------------------------------------------------------


def _form(**changes):
    data = {
        "name": "Office of the Police and Crime Commissioner for Markershire",
        "short_name": "OPCC",
        "reference_prefix": "WPCC",
        "term_number": 4,
        "reference_format": "{prefix}{term}-{seq:04d}",
        "default_marking": "OFFICIAL",
        "address": ADDRESS,
        "contact_email": "opcc@markershire.example",
        "telephone": "+44 (0)1926 412322",
        "accessibility_prepared_on_0": "1",
        "accessibility_prepared_on_1": "9",
        "accessibility_prepared_on_2": "2024",
        "accessibility_reviewed_on_0": "15",
        "accessibility_reviewed_on_1": "3",
        "accessibility_reviewed_on_2": "2025",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_administrator_sets_the_branding(administrator, client_for):
    client = client_for(administrator)
    assert 'enctype="multipart/form-data"' in client.get(reverse("organisation")).text

    response = client.post(
        reverse("organisation"), _form(logo_file=upload("Our logo.svg", SVG_OK.encode()))
    )

    assert response.status_code == 302
    profile = OrganisationProfile.objects.get()
    assert profile.address == ADDRESS.replace("\n", "\r\n") or profile.address == ADDRESS
    assert profile.address_lines == ADDRESS.splitlines()
    assert (profile.contact_email, profile.telephone) == (
        "opcc@markershire.example",
        "+44 (0)1926 412322",
    )
    assert profile.accessibility_reviewed_on.isoformat() == "2025-03-15"
    assert re.fullmatch(r"branding/[0-9a-f]{32}\.svg", profile.logo.name)
    assert profile.logo_original_name == "Our logo.svg"
    with profile.logo.open("rb") as handle:
        stored = handle.read()
    assert stored == branding.sanitise_svg(SVG_OK.encode())
    assert profile.logo_sha256 == branding.CheckedLogo(stored, "image/svg+xml", "").sha256
    latest = profile.history.first()
    assert latest.history_user == administrator
    assert (
        "logo" in latest.history_change_reason and "postal address" in latest.history_change_reason
    )
    assert get_organisation().telephone == "+44 (0)1926 412322"  # the cached copy was dropped


def test_replacing_and_removing_the_logo_keeps_the_history(administrator, client_for):
    client = client_for(administrator)
    client.post(reverse("organisation"), _form(logo_file=upload("a.png", _png())))
    first = OrganisationProfile.objects.get().logo.name
    client.post(reverse("organisation"), _form(logo_file=upload("b.svg", SVG_OK.encode())))
    second = OrganisationProfile.objects.get()
    assert second.logo.name != first and second.logo_content_type == "image/svg+xml"
    assert second.logo.storage.exists(first)  # the history still names a real file
    page = client.get(reverse("organisation")).text
    assert "Remove the current logo" in page and "b.svg" in page

    client.post(reverse("organisation"), _form(remove_logo="on"))

    profile = OrganisationProfile.objects.get()
    assert not profile.logo and not profile.logo_sha256
    names = [row.logo for row in profile.history.order_by("history_date")]
    assert names[-1] == "" and first in names and second.logo.name in names


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"telephone": "call 0800 FLOWERS"}, "telephone", "only digits, spaces"),
        ({"telephone": "12 34"}, "telephone", "between 7 and 20 digits"),
        ({"telephone": "1" * 25}, "telephone", "between 7 and 20 digits"),
        ({"telephone": "<script>1234567</script>"}, "telephone", "only digits"),
        ({"contact_email": "not an e-mail"}, "contact_email", "correct format"),
        ({"address": "x" * 501}, "address", "500 characters or fewer"),
        (
            {"accessibility_prepared_on_2": str(timezone.localdate().year + 1)},
            "accessibility_prepared_on",
            "today or in the past",
        ),
        (
            {"accessibility_reviewed_on_2": "2023"},
            "accessibility_reviewed_on",
            "same as or after",
        ),
        ({"accessibility_reviewed_on_1": "13"}, "accessibility_reviewed_on", "real date"),
        ({"accessibility_prepared_on_0": None}, "accessibility_prepared_on", "day, month and year"),
        (
            {
                "accessibility_prepared_on_0": "",
                "accessibility_prepared_on_1": "",
                "accessibility_prepared_on_2": "",
            },
            "accessibility_prepared_on",
            "prepared, as it has been reviewed",
        ),
        ({"logo_file": upload("logo.png", b"<html>not a png</html>")}, "logo_file", "PNG or SVG"),
        (
            {"logo_file": upload("logo.svg", REFUSED_SVGS["billion laughs"])},
            "logo_file",
            "DOCTYPE",
        ),
    ],
)
def test_bad_branding_is_refused_with_a_govuk_error(
    administrator, client_for, changes, field, message
):
    client = client_for(administrator)

    response = client.post(reverse("organisation"), _form(**changes))

    assert response.status_code == 200
    page = response.text
    assert "There is a problem" in page and "govuk-error-summary" in page
    assert f'href="#id_{field}' in page
    assert re.search(message, page), message
    profile = get_organisation()
    assert profile.address == "" and profile.telephone == "" and not profile.logo


def test_other_roles_cannot_set_a_logo(officer, client_for):
    response = client_for(officer).post(
        reverse("organisation"), _form(logo_file=upload("logo.png", _png()))
    )
    assert response.status_code == 403
    assert not OrganisationProfile.objects.filter(logo__gt="").exists()


def test_service_refuses_a_wrong_role_and_stores_nothing(officer, db, tmp_path, settings):
    from django.core.exceptions import PermissionDenied

    logo = branding.validate_logo(upload("logo.png", _png()))
    with pytest.raises(PermissionDenied):
        organisation_update(actor=officer, profile=get_organisation(), logo=logo)
    assert not (settings.MEDIA_ROOT / "branding").exists()


# --- The logo on the web, and the accessibility statement ----------------------------------


def _brand(administrator, name="logo.svg", content=SVG_OK.encode(), **fields):  # noqa: B008
    values = {
        "address": ADDRESS,
        "contact_email": "opcc@markershire.example",
        "telephone": "01926 412322",
        "accessibility_prepared_on": timezone.localdate() - timedelta(days=400),
        "accessibility_reviewed_on": timezone.localdate() - timedelta(days=10),
    }
    values.update(fields)
    return organisation_update(
        actor=administrator,
        profile=get_organisation(),
        logo=branding.validate_logo(upload(name, content)),
        **values,
    )


def test_svg_logo_is_served_with_a_policy_that_runs_nothing(administrator, client_for):
    _brand(administrator)

    response = client_for(None).get(reverse("organisation_logo"))

    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == branding.sanitise_svg(SVG_OK.encode())


def test_png_logo_is_served_as_png(administrator, client_for):
    _brand(administrator, "logo.png", _png())
    response = client_for(None).get(reverse("organisation_logo"))
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"\x89PNG")


def test_no_logo_is_a_404(client_for, db):
    assert client_for(None).get(reverse("organisation_logo")).status_code == 404


def test_accessibility_statement_names_the_office_dates_and_contacts(administrator, client_for):
    profile = _brand(administrator, telephone="01926 412322")

    page = client_for(None).get(reverse("accessibility")).text

    prepared = profile.accessibility_prepared_on
    reviewed = profile.accessibility_reviewed_on
    assert f"prepared on {prepared.day} {prepared:%B %Y}" in page
    assert f"last reviewed on {reviewed.day} {reviewed:%B %Y}" in page
    assert "opcc@markershire.example" in page and "01926 412322" in page
    assert "1 Marker Street<br>Leamington Spa CV31 1XX" in page
    assert f'src="{reverse("organisation_logo")}?v={profile.logo_sha256}"' in page


def test_accessibility_statement_escapes_what_the_office_typed(administrator, client_for):
    organisation_update(
        actor=administrator,
        profile=get_organisation(),
        address=f"<script>{MARKER}</script>\n<b>line</b>",
    )
    page = client_for(None).get(reverse("accessibility")).text
    assert f"<script>{MARKER}" not in page and "&lt;script&gt;" in page
    assert "This statement was prepared when" in page  # no dates set: the general sentence


# --- Every PDF carries the branding ---------------------------------------------------------


def _pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def _image_xobjects(content: bytes, size=(120, 40)) -> int:
    """How many pages draw an image XObject of the logo's size (120 by 40 pixels)."""
    reader = PdfReader(io.BytesIO(content))
    found = 0
    for page in reader.pages:
        objects = page.get("/Resources", {}).get("/XObject", {})
        images = [objects[key].get_object() for key in objects]
        found += any(
            image.get("/Subtype") == "/Image"
            and (image.get("/Width"), image.get("/Height")) == size
            for image in images
        )
    return found


def _assert_tagged(content: bytes) -> None:
    catalog = PdfReader(io.BytesIO(content)).trailer["/Root"]
    assert bool(catalog.get("/MarkInfo", {}).get("/Marked"))
    assert "/StructTreeRoot" in catalog
    if shutil.which("pdfinfo"):
        info = subprocess.run(  # noqa: S603 (a fixed system tool reading our own bytes)
            [shutil.which("pdfinfo"), "-"], input=content, capture_output=True, check=True
        ).stdout.decode()
        assert re.search(r"Tagged:\s+yes", info), info


@pytest.fixture
def signed_decision(personas):
    draft = make_draft(personas, title="Prevent training for OPCC staff")
    complete_sections(draft, actor=personas["officer"])
    return advance(draft, personas, "public")


def test_decision_notice_pdf_has_the_logo_and_the_address(personas, signed_decision):
    from decisions import notices

    before = notices.notice_pdf(notices.staff_notice(signed_decision))
    _brand(personas["administrator"], "logo.png", _png())

    content = notices.notice_pdf(notices.staff_notice(signed_decision))

    assert _image_xobjects(before) == 0
    # On every page: the logo is in the running header.
    assert _image_xobjects(content) == len(PdfReader(io.BytesIO(content)).pages) >= 1
    text = _pdf_text(content)
    assert "1 Marker Street" in text and "Leamington Spa CV31 1XX" in text
    assert "opcc@markershire.example" in text and "01926 412322" in text
    assert "1 Marker Street" not in _pdf_text(before)
    _assert_tagged(content)


def test_annual_review_pdf_has_the_branding(personas, period):
    from toolkit import annual_review_report

    _brand(personas["administrator"], "logo.png", _png())

    content = annual_review_report.annual_review_pdf(period)

    assert _image_xobjects(content) >= 1
    assert "1 Marker Street" in _pdf_text(content)
    _assert_tagged(content)


def test_svg_logo_renders_in_a_pdf_without_fetching_anything(personas, signed_decision, caplog):
    from decisions import notices

    _brand(personas["administrator"], "logo.svg", HOSTILE_SVGS["external image"])
    content = notices.notice_pdf(notices.staff_notice(signed_decision))
    assert content.startswith(b"%PDF") and "refused to fetch" not in caplog.text
    _assert_tagged(content)
