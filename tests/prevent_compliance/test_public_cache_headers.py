"""Every page and file under /public/ may be kept by a proxy for a few minutes, because each
shows published content only: the same for every visitor, signed in or not.

tests/prevent_compliance/test_cache_headers.py names the header's rule case by case (a
session, a cookie, an error); these tests walk every /public/ route, so a new public page
left out of PUBLIC_VIEWS, or one that shows a signed-in visitor something more, fails here.
"""

import re
from datetime import date

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from decisions import services as decision_services
from decisions.meetings import services as meeting_services
from prevent_compliance.middleware import PRIVATE, PUBLIC, PUBLIC_VIEWS
from tests.decisions.helpers import MARKER, advance, complete_sections, make_draft, pdf_upload
from tests.interests.conftest import GIFT_NOTE, PRIVATE_NOTE, SMALL_GIFT, register  # noqa: F401
from tests.meetings.helpers import MARKERS, make_world

# Text only staff may read (internal notes, withheld and private content); on a public page,
# for anyone, it would mean the page shows what it should not.
STAFF_ONLY = [MARKER, PRIVATE_NOTE, GIFT_NOTE, SMALL_GIFT, *MARKERS]
# What the site's frame shows a signed-in visitor: never on a copy a proxy may share.
SIGNED_IN_FRAME = ["Sign out", "Signed in as", "Your account"]


def _routes(patterns, prefix="", namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _routes(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield prefix + str(pattern.pattern), namespace + pattern.name


def _public_routes() -> dict[str, str]:
    """Every named route under /public/: its name and its pattern."""
    routes = _routes(get_resolver().url_patterns)
    return {name: route for route, name in routes if route.startswith("public/")}


@pytest.fixture
def no_weasyprint(monkeypatch):
    monkeypatch.setattr("prevent_compliance.pdf.html_to_pdf", lambda html: b"%PDF-1.7 test")


def _published_decision(personas):
    """A published record with a withheld section holding MARKER and a public appendix."""
    decision = make_draft(
        personas,
        title="Published for the public cache tests",
        confidentiality="partly-confidential",
        foi_exemptions=["s40"],
    )
    complete_sections(decision, actor=personas["officer"], withheld=2, secret=MARKER)
    upload, info = pdf_upload()
    decision_services.appendix_add(
        actor=personas["officer"],
        decision=decision,
        title="Appendix A",
        upload=upload,
        upload_info=info,
    )
    return advance(decision, personas, "public")


def _public_review(period):
    """A period signed off years ago with its public version ready (as the matrix makes it)."""
    from toolkit.models import ReviewPeriod
    from toolkit.reports.models import ReportJob

    year = period.year - 5
    old = ReviewPeriod.objects.create(
        label=f"{year}/{str(year + 1)[-2:]}",
        start_date=date(year, 4, 1),
        end_date=date(year + 1, 3, 31),
        edition=period.edition,
        status=ReviewPeriod.Status.SIGNED_OFF,
        signed_off_at=timezone.now(),
    )
    job = ReportJob.objects.create(
        period=old,
        variant=ReportJob.Variant.PUBLIC,
        final=True,
        content_key="1" * 64,
        status=ReportJob.Status.READY,
        sha256="1" * 64,
        file="reports/public.pdf",
        finished_at=timezone.now(),
    )
    job.file.save("public.pdf", ContentFile(b"%PDF-1.7 public"))
    return old


@pytest.fixture
def public_urls(personas, period, register, no_weasyprint):  # noqa: F811
    """One URL for every /public/ route, with staff-only content behind each."""
    officer = personas["officer"]
    decision = _published_decision(personas)
    world = make_world(officer)
    meeting_services.meeting_link_decision(
        actor=officer, meeting=world["public"], reference=decision.reference
    )
    paper = world["public"].documents.filter(withheld=False, agenda_item=None).get()
    confirmation = register.confirmations.order_by("-number").first()
    ref = {"reference": decision.reference}
    urls = {name: reverse(name) for name, route in _public_routes().items() if "<" not in route}
    urls.update(
        {
            "decisions:public_detail": reverse("decisions:public_detail", kwargs=ref),
            "decisions:public_pdf": reverse("decisions:public_pdf", kwargs=ref),
            "decisions:public_appendix_download": reverse(
                "decisions:public_appendix_download",
                kwargs={**ref, "public_id": decision.appendices.get().public_id},
            ),
            "meetings:public_detail": world["public"].get_public_url(),
            "meetings:public_document_download": reverse(
                "meetings:public_document_download", kwargs={"document_id": paper.public_id}
            ),
            "interests:public_person": register.get_public_url(),
            "interests:public_version": confirmation.get_public_url(),
            "reports:public_pdf": reverse(
                "reports:public_pdf", kwargs={"year": _public_review(period).year}
            ),
        }
    )
    return urls


def _body(response) -> bytes:
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def test_every_public_route_is_named_in_public_views():
    missing = set(_public_routes()) - PUBLIC_VIEWS
    assert not missing, f"add to PUBLIC_VIEWS (prevent_compliance/middleware.py): {missing}"


def test_every_public_url_is_shared_with_an_anonymous_visitor(public_urls):
    assert set(public_urls) == set(_public_routes())  # every route tried, none forgotten
    for name, url in public_urls.items():
        response = Client().get(url)
        assert response.status_code == 200, (name, url)
        assert response["Cache-Control"] == PUBLIC, (name, url)
        assert not response.cookies, (name, url)
        body = _body(response).decode("utf-8", errors="replace")
        for text in SIGNED_IN_FRAME:
            assert text not in body, (name, text)


def _main(body: bytes) -> bytes:
    """The page's own content (the frame around it shows who is signed in); a file whole."""
    found = re.search(rb"<main\b.*?</main>", body, flags=re.DOTALL)
    return found.group(0) if found else body


def test_no_public_page_varies_with_who_is_signed_in(public_urls, personas, client_for):
    """A Chief Executive may read every internal note and withheld item: on a public page
    they see what everyone sees, and no more (a page's copy is private only for its frame;
    a paper or appendix is the same file for everyone, and its view says so itself)."""
    staff = client_for(personas["chief_executive"])
    for name, url in public_urls.items():
        anonymous, signed_in = Client().get(url), staff.get(url)
        assert signed_in.status_code == 200, (name, url)
        shared, theirs = _main(_body(anonymous)), _main(_body(signed_in))
        if theirs.startswith(b"<main"):  # a page: its frame is theirs (a file may be shared)
            assert signed_in["Cache-Control"] == PRIVATE, (name, url)
        assert theirs == shared, (name, url)
        for marker in STAFF_ONLY:
            assert marker.encode() not in theirs, (name, marker)
