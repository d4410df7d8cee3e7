"""Render a Django template to a tagged PDF with WeasyPrint.

Every PDF the app produces goes through ``render_pdf``: tagged (PDF/UA-1) with a title and
language, the shared print stylesheet (running header with organisation, reference and
security marking; "Page X of Y" footer), and a URL fetcher that serves only our own static
files. WeasyPrint's default fetcher would follow ``file://`` and network URLs, which could
embed a local system file into a document, so anything else is refused.
"""

import logging
import mimetypes
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from .branding import pdf_branding
from .models import OrganisationProfile

logger = logging.getLogger(__name__)

# Documents are rendered against a base URL that cannot exist, so relative and root-relative
# references resolve to it and can be recognised; nothing is ever fetched over a network.
BASE_URL = "https://pdf.invalid/"
PRINT_STYLESHEET = "pdf/print.css"


class RefusedURL(ValueError):
    """A document asked for a resource outside our static files."""


class StaticOnlyFetcher(URLFetcher):
    """Serves our static files (and inline data: URIs); refuses file://, http(s) and the rest."""

    def fetch(self, url, headers=None):
        if url.startswith("data:"):
            return super().fetch(url, headers)
        static_prefix = BASE_URL + settings.STATIC_URL.lstrip("/")
        if url.startswith(static_prefix):
            relative = url[len(static_prefix) :].split("?", 1)[0].split("#", 1)[0]
            path = _find_static(relative)
            if path is not None:
                content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
                with open(path, "rb") as handle:
                    body = handle.read()
                return URLFetcherResponse(url, body, {"Content-Type": content_type})
        logger.warning("PDF rendering refused to fetch %s", url[:200])
        raise RefusedURL(f"Refused to fetch {url[:200]}")


def _find_static(relative: str) -> str | None:
    """The file for a static path, refusing anything that climbs out of the static folders."""
    parts = PurePosixPath(relative).parts
    if not parts or any(part in ("..", "") or part.startswith("/") for part in parts):
        return None
    found = finders.find(relative)
    if found:
        return found if isinstance(found, str) else found[0]
    if settings.STATIC_ROOT:
        candidate = Path(settings.STATIC_ROOT) / relative
        return str(candidate) if candidate.is_file() else None
    return None


def print_stylesheet() -> CSS:
    path = _find_static(PRINT_STYLESHEET)
    if path is None:
        raise RuntimeError(
            "static/dist/pdf/print.css is missing: build the static files (make static)."
        )
    return CSS(filename=path, url_fetcher=StaticOnlyFetcher())


def render_html(template_name: str, context: dict) -> str:
    """The HTML of a PDF document (also used by the benchmark to time WeasyPrint alone).

    Every document gets the office's ``branding`` (logo as a data: URI, address, e-mail,
    telephone), which pdf/base.html prints, unless the caller passed its own.
    """
    if "branding" not in context:
        organisation = context.get("organisation")
        profile = organisation if isinstance(organisation, OrganisationProfile) else None
        context = {**context, "branding": pdf_branding(profile)}
    return render_to_string(template_name, context)


def html_to_pdf(html: str) -> bytes:
    """WeasyPrint with our fetcher, print stylesheet and PDF/UA tagging."""
    document = HTML(string=html, base_url=BASE_URL, url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(
        stylesheets=[print_stylesheet()],
        pdf_variant="pdf/ua-1",
    )


def render_pdf(template_name: str, context: dict) -> bytes:
    """Render a template that extends ``pdf/base.html`` to tagged PDF bytes."""
    return html_to_pdf(render_html(template_name, context))
