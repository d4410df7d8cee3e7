"""The office's branding: the logo (checked and sanitised), and what PDFs and pages print.

A logo is a PNG or an SVG, nothing else, at most ``LOGO_MAX_BYTES``. Its bytes are sniffed
as evidence uploads are (libmagic, see prevent_compliance/uploads.py) and must match the
name's extension. A PNG must decode completely within ``LOGO_MAX_SIDE`` pixels a side and is
re-encoded, which drops every ancillary chunk (text, metadata, anything appended). An SVG is
parsed with expat refusing any DOCTYPE or entity (no XXE, no "billion laughs"), then rebuilt
from an allow-list of shape, text and gradient elements and presentation attributes: scripts,
event handlers, foreignObject, external references and style sheets that fetch anything are
dropped. The stored file is always the re-encoded or rebuilt one, never the upload.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import struct
import xml.parsers.expat as expat
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.etree.ElementTree import Element, TreeBuilder
from xml.sax.saxutils import escape, quoteattr

import magic
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat

from .uploads import SNIFF_BYTES, safe_original_name

if TYPE_CHECKING:
    from .models import OrganisationProfile

LOGO_MAX_BYTES = 1024 * 1024
LOGO_MAX_SIDE = 4000
LOGO_MIN_SIDE = 16
SVG_MAX_ELEMENTS = 5000
SVG_MAX_DEPTH = 40

PNG = "image/png"
SVG = "image/svg+xml"
EXTENSIONS = {PNG: ".png", SVG: ".svg"}
# What libmagic calls an SVG: its own type, or XML/text when the file starts with a comment.
_SNIFFED_AS_SVG = {SVG, "text/xml", "application/xml", "text/plain"}

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"

ELEMENTS = frozenset(
    {
        "svg", "g", "defs", "title", "desc", "path", "rect", "circle", "ellipse", "line",
        "polyline", "polygon", "text", "tspan", "linearGradient", "radialGradient", "stop",
        "use", "clipPath", "style", "image",
    }
)  # fmt: skip
# Elements whose text is kept (everywhere else text is only whitespace between elements).
TEXT_ELEMENTS = frozenset({"title", "desc", "text", "tspan", "style"})
PRESENTATION = frozenset(
    {
        "fill", "fill-opacity", "fill-rule", "stroke", "stroke-width", "stroke-linecap",
        "stroke-linejoin", "stroke-miterlimit", "stroke-dasharray", "stroke-dashoffset",
        "stroke-opacity", "opacity", "color", "display", "visibility", "font-family",
        "font-size", "font-weight", "font-style", "font-variant", "text-anchor",
        "dominant-baseline", "alignment-baseline", "baseline-shift", "letter-spacing",
        "word-spacing", "text-decoration", "stop-color", "stop-opacity", "clip-path",
        "clip-rule", "transform-origin", "vector-effect", "shape-rendering", "text-rendering",
        "paint-order",
    }
)  # fmt: skip
GEOMETRY = frozenset(
    {
        "id", "class", "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "rx", "ry", "fx",
        "fy", "fr", "width", "height", "d", "points", "transform", "viewBox",
        "preserveAspectRatio", "version", "offset", "gradientUnits", "gradientTransform",
        "spreadMethod", "clipPathUnits", "pathLength", "dx", "dy", "rotate", "textLength",
        "lengthAdjust", "role", "aria-label", "lang",
    }
)  # fmt: skip
ATTRIBUTES = PRESENTATION | GEOMETRY
_FRAGMENT = re.compile(r"^#[A-Za-z_][\w.\-]*$")
_LOCAL_URL = re.compile(r"url\(\s*#[A-Za-z_][\w.\-]*\s*\)")
_PNG_DATA = re.compile(r"^data:image/png;base64,([A-Za-z0-9+/=\s]+)$")
# After local url(#id) references are removed, none of these may be left in CSS.
_UNSAFE_CSS = ("url(", "@import", "@font-face", "image-set(", "expression(", "\\", "<", "&")


class _Refused(Exception):
    """The SVG uses something that is never accepted (a DOCTYPE, entities, too much)."""


@dataclass(frozen=True)
class CheckedLogo:
    """A logo ready to store: the re-encoded or rebuilt bytes, never the upload itself."""

    content: bytes
    content_type: str
    original_name: str

    @property
    def extension(self) -> str:
        return EXTENSIONS[self.content_type]

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def _refusal(message: str, code: str = "bad_logo") -> ValidationError:
    return ValidationError(message, code=code)


def validate_logo(uploaded) -> CheckedLogo:
    """Accept a PNG or SVG logo, re-encoded or sanitised; raise ValidationError otherwise."""
    size = uploaded.size
    if not size:
        raise _refusal("The selected logo file is empty", "empty")
    if size > LOGO_MAX_BYTES:
        raise _refusal(
            f"The logo must be smaller than {filesizeformat(LOGO_MAX_BYTES)} "
            f"(it is {filesizeformat(size)})",
            "too_large",
        )
    uploaded.seek(0)
    data = uploaded.read(LOGO_MAX_BYTES + 1)
    uploaded.seek(0)
    if len(data) > LOGO_MAX_BYTES:
        raise _refusal(f"The logo must be smaller than {filesizeformat(LOGO_MAX_BYTES)}")
    name = safe_original_name(uploaded.name)
    extension = os.path.splitext(name)[1].lower()
    detected = magic.from_buffer(data[:SNIFF_BYTES], mime=True)
    if detected == PNG and extension == ".png":
        return CheckedLogo(png_reencoded(data), PNG, name)
    if detected in _SNIFFED_AS_SVG and extension == ".svg":
        return CheckedLogo(sanitise_svg(data), SVG, name)
    if detected in (PNG, SVG):
        wanted = EXTENSIONS[detected]
        raise _refusal(
            f"The name of the logo file must end in {wanted} to match its content", "extension"
        )
    raise _refusal("The logo must be a PNG or SVG image", "bad_type")


# --- PNG ------------------------------------------------------------------------------------


def png_reencoded(data: bytes) -> bytes:
    """The PNG decoded in full and written again (only its pixels survive)."""
    from PIL import Image, UnidentifiedImageError  # WeasyPrint's own dependency

    broken = _refusal("The logo is not a PNG image that can be opened")
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            width, height = image.size
            if max(width, height) > LOGO_MAX_SIDE:
                raise _refusal(
                    f"The logo must be at most {LOGO_MAX_SIDE} pixels wide and high "
                    f"(it is {width} by {height})",
                    "too_large",
                )
            if min(width, height) < LOGO_MIN_SIDE:
                raise _refusal(
                    f"The logo must be at least {LOGO_MIN_SIDE} pixels wide and high "
                    f"(it is {width} by {height})",
                    "too_small",
                )
            image.verify()  # every chunk's checksum, up to IEND: nothing truncated
        _check_pixel_data(data, width, height)
        # WeasyPrint lets Pillow fill truncated images in (LOAD_TRUNCATED_IMAGES), so the
        # checks above, not load(), are what prove the file whole.
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            image.load()
            if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA", "I;16"):
                image = image.convert("RGBA")
            out = io.BytesIO()
            image.save(out, format="PNG")
    except ValidationError:
        raise
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        EOFError,
        zlib.error,
        struct.error,
    ) as exc:
        raise broken from exc
    except Image.DecompressionBombError as exc:
        raise _refusal(
            f"The logo must be at most {LOGO_MAX_SIDE} pixels wide and high", "too_large"
        ) from exc
    return out.getvalue()


def _check_pixel_data(data: bytes, width: int, height: int) -> None:
    """The image data (IDAT chunks) is one complete zlib stream no longer than the pixels
    could need, read a piece at a time so a compression bomb never expands in memory."""
    position, stream = 8, zlib.decompressobj()
    limit, expanded = height * (1 + width * 8), 0
    while position + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[position : position + 8])
        body = data[position + 8 : position + 8 + length]
        position += 12 + length
        if kind != b"IDAT":
            continue
        while body:
            expanded += len(stream.decompress(body, 64 * 1024))
            body = stream.unconsumed_tail
            if expanded > limit:
                raise ValueError("more pixel data than the image's size allows")
    if not stream.eof:
        raise ValueError("the pixel data is incomplete")


# --- SVG ------------------------------------------------------------------------------------


def _parse_svg(data: bytes) -> Element:
    """Parse with expat, refusing any DOCTYPE, entity or external reference outright."""
    builder = TreeBuilder()
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = count = 0

    def refuse(*_args):
        raise _Refused("The logo must not contain a DOCTYPE or entity declarations")

    def start(name, attrs):
        nonlocal depth, count
        depth, count = depth + 1, count + 1
        if depth > SVG_MAX_DEPTH or count > SVG_MAX_ELEMENTS:
            raise _Refused("The logo has too many elements to be a logo")
        builder.start(_qualified(name), {_qualified(k): v for k, v in attrs.items()})

    def end(name):
        nonlocal depth
        depth -= 1
        builder.end(_qualified(name))

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.UnparsedEntityDeclHandler = refuse
    parser.NotationDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = builder.data
    # Comments and processing instructions (<?xml-stylesheet?>) are dropped: no handler.
    parser.buffer_text = True
    parser.Parse(data, True)
    return builder.close()


def _qualified(name: str) -> str:
    return "{" + name if "}" in name else name


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        namespace, local = tag[1:].split("}", 1)
        return namespace, local
    return "", tag


def sanitise_svg(data: bytes) -> bytes:
    """The SVG rebuilt from allowed elements and attributes only, as UTF-8 bytes."""
    try:
        root = _parse_svg(data)
    except _Refused as exc:
        raise _refusal(str(exc)) from exc
    except (expat.ExpatError, ValueError) as exc:
        raise _refusal("The logo is not an SVG image that can be read") from exc
    namespace, local = _split(root.tag)
    if local != "svg" or namespace not in (SVG_NS, ""):
        raise _refusal("The logo is not an SVG image: its outermost element must be <svg>")
    clean = _clean_element(root)
    if clean is None:  # pragma: no cover - the root was checked just above
        raise _refusal("The logo is not an SVG image that can be read")
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    _serialise(clean, parts, root=True)
    return "".join(parts).encode("utf-8")


def _serialise(element: Element, parts: list[str], *, root: bool = False) -> None:
    """Write the cleaned tree: every element is SVG, every attribute plain or xml:space."""
    local = _split(element.tag)[1]
    attributes = [("xmlns", SVG_NS)] if root else []
    attributes += [("xml:space" if k == XML_SPACE else k, v) for k, v in element.attrib.items()]
    parts.append(f"<{local}" + "".join(f" {k}={quoteattr(v)}" for k, v in attributes) + ">")
    if element.text:
        parts.append(escape(element.text))
    for child in element:
        _serialise(child, parts)
        if child.tail:
            parts.append(escape(child.tail))
    parts.append(f"</{local}>")


def _clean_element(element: Element) -> Element | None:
    namespace, local = _split(element.tag)
    if namespace not in (SVG_NS, "") or local not in ELEMENTS:
        return None
    if local == "style" and not css_is_safe(element.text or ""):
        return None
    clean = Element(f"{{{SVG_NS}}}{local}")
    for name, value in element.attrib.items():
        kept = _clean_attribute(local, name, value)
        if kept is not None:
            clean.set(*kept)
    if local in ("image", "use") and clean.get("href") is None:
        return None  # nothing (allowed) to show: dropped, never left to fetch something
    if local in TEXT_ELEMENTS:
        clean.text = element.text
    for child in element:
        kept = _clean_element(child)
        if kept is None:
            continue
        if local in TEXT_ELEMENTS:
            kept.tail = child.tail
        clean.append(kept)
    return clean


def _clean_attribute(element: str, name: str, value: str) -> tuple[str, str] | None:
    if name in (XLINK_HREF, "href"):
        return ("href", value.strip()) if _href_allowed(element, value.strip()) else None
    if name == XML_SPACE:
        return (name, value) if value in ("default", "preserve") else None
    if name == "style":
        kept = _clean_style(value)
        return ("style", kept) if kept else None
    if name not in ATTRIBUTES or not css_is_safe(value):
        return None
    return name, value


def _href_allowed(element: str, href: str) -> bool:
    """A reference inside the same file, or (for <image>) an embedded PNG that opens."""
    if element in ("use", "linearGradient", "radialGradient"):
        return bool(_FRAGMENT.match(href))
    if element == "image":
        match = _PNG_DATA.match(href)
        if not match:
            return False
        try:
            png_reencoded(base64.b64decode(match.group(1), validate=False))
        except (ValidationError, ValueError):
            return False
        return True
    return False


def _clean_style(style: str) -> str:
    """A style attribute reduced to presentation properties with safe values."""
    kept = []
    for declaration in style.split(";"):
        prop, colon, value = declaration.partition(":")
        prop, value = prop.strip().lower(), value.strip()
        if colon and prop in PRESENTATION and value and css_is_safe(value):
            kept.append(f"{prop}: {value}")
    return "; ".join(kept)


def css_is_safe(text: str) -> bool:
    """Whether CSS (a style sheet or a value) can fetch nothing: only url(#local) refers."""
    lowered = re.sub(r"/\*.*?\*/", "", text.lower(), flags=re.S)
    lowered = _LOCAL_URL.sub("", lowered)
    lowered = re.sub(r"\s+", "", lowered)
    return not any(marker in lowered for marker in _UNSAFE_CSS) and "javascript:" not in lowered


# --- What documents and pages print ---------------------------------------------------------


def has_logo(profile: OrganisationProfile) -> bool:
    return bool(profile.logo) and profile.logo_content_type in EXTENSIONS


def logo_bytes(profile: OrganisationProfile) -> bytes | None:
    """The stored (already sanitised) logo, or None when there is none or it is missing."""
    if not has_logo(profile):
        return None
    try:
        with profile.logo.open("rb") as handle:
            return handle.read()
    except (FileNotFoundError, OSError):
        return None


def logo_data_uri(profile: OrganisationProfile) -> str:
    """The logo as a data: URI for PDFs (WeasyPrint's fetcher allows data: and nothing else)."""
    content = logo_bytes(profile)
    if content is None:
        return ""
    return f"data:{profile.logo_content_type};base64,{base64.b64encode(content).decode()}"


@dataclass(frozen=True)
class Branding:
    name: str
    logo_uri: str
    address_lines: list[str]
    email: str
    telephone: str

    @property
    def has_contact(self) -> bool:
        return bool(self.address_lines or self.email or self.telephone)


def pdf_branding(profile: OrganisationProfile | None = None) -> Branding:
    """What pdf/base.html prints in every PDF's header and contact footer."""
    if profile is None:
        from .models import get_organisation

        profile = get_organisation()
    return Branding(
        name=profile.name,
        logo_uri=logo_data_uri(profile),
        address_lines=profile.address_lines,
        email=profile.contact_email,
        telephone=profile.telephone,
    )


LOGO_CSP = "default-src 'none'; style-src 'unsafe-inline'"
