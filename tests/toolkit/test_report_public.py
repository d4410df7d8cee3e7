"""The annual review's public version: people by role, OFFICIAL-SENSITIVE titles withheld,
no confidential decision; and the same holds on the public decision log, where the review's
public version is the appendix of its decision. Proved with unique markers, found in the
internal version (so the check can fail) and never in the public one."""

import io
import re
from datetime import timedelta

import pypdf
import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from decisions import annual_review
from decisions import services as decision_services
from decisions.models import Decision
from prevent_compliance.models import SecurityMarking
from prevent_compliance.roles import Role
from tests.conftest import PASSWORD
from tests.decisions.helpers import advance, complete_sections, make_draft
from tests.toolkit.helpers import rate_section
from toolkit import services
from toolkit.annual_review_report import (
    WITHHELD,
    annual_review_context,
    annual_review_html,
    annual_review_pdf,
    content_key,
)
from toolkit.models import Rating, Section, SectionAssessment

# Single words, so a line break in the PDF can never split one and hide it from the check.
NAME_MARK = "Quillfeatherzq"
FIRST_MARK = "Zebedeezq"
EMAIL_MARK = "zq.marker.staff"
SENSITIVE_MARK = "Sensitivemarker4f1c"
CONFIDENTIAL_MARK = "Confidentialmarker9b2e"
MARKERS = [NAME_MARK, FIRST_MARK, EMAIL_MARK, SENSITIVE_MARK, CONFIDENTIAL_MARK]


def _text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


@pytest.fixture
def marked(personas, period, toolkit, django_user_model, make_evidence, make_action, today):
    staff = django_user_model.objects.create_user(
        username=EMAIL_MARK,
        password=PASSWORD,
        first_name=FIRST_MARK,
        last_name=NAME_MARK,
        email=f"{EMAIL_MARK}@opcc.test",
    )
    staff.groups.add(Group.objects.get(name=Role.OFFICER.value))
    sections = {s.number: s for s in Section.objects.filter(edition=toolkit)}
    one = sections[1]
    sensitive = make_evidence(
        actor=staff,
        title=SENSITIVE_MARK,
        sections=[one],
        criteria=[one.criteria.first()],
        marking=SecurityMarking.OFFICIAL_SENSITIVE,
        url="https://example.org/sensitive",
    )
    plain = make_evidence(
        actor=staff, title="Partnership plan", sections=[one], url="https://example.org/plan"
    )
    assessment = SectionAssessment.objects.get(period=period, section=one)
    rate_section(
        actor=staff,
        assessment=assessment,
        rating=Rating.PARTLY_MET,
        narrative="The board meets; its terms of reference lapsed.",
    )
    services.assessment_key_evidence_set(
        actor=staff, assessment=assessment, evidence=[sensitive, plain]
    )
    make_action(title="Refresh the terms of reference", section=one, owner=staff)

    def decision(title, to, **values):
        draft = make_draft(
            personas,
            title=title,
            decision_date=period.start_date + timedelta(days=20),
            toolkit_sections=[sections[2]],
            **values,
        )
        complete_sections(draft, actor=personas["officer"])
        return advance(draft, personas, to)

    confidential = decision(
        CONFIDENTIAL_MARK,
        "signed",
        confidentiality=Decision.Confidentiality.CONFIDENTIAL,
        foi_exemptions=["s31"],
    )
    published = decision("Adopt the Prevent partnership plan", "public")
    return {"staff": staff, "confidential": confidential, "published": published}


def test_public_version_names_roles_withholds_sensitive_titles_and_confidential_decisions(
    marked, period
):
    internal_html = annual_review_html(period)
    public_html = annual_review_html(period, public=True)
    internal_pdf = _text(annual_review_pdf(period))
    public_pdf = _text(annual_review_pdf(period, public=True))

    for marker in (NAME_MARK, FIRST_MARK, SENSITIVE_MARK, CONFIDENTIAL_MARK):
        assert marker in internal_html, marker
        assert marker in internal_pdf, marker
    for marker in MARKERS:
        assert marker not in public_html, marker
        assert marker not in public_pdf, marker
    # What stands in their place.
    assert WITHHELD in public_html and "Withheld" in public_pdf
    assert "assessed by OPCC officer" in public_pdf
    assert "Partnership plan" in public_pdf  # an OFFICIAL item keeps its title
    assert marked["published"].reference in public_pdf  # a published decision is listed
    assert "public version" in public_pdf.lower()
    assert "OFFICIAL-SENSITIVE" in internal_pdf.split("Page")[0]  # the internal marking
    context = annual_review_context(period, public=True)
    assert context["doc_marking"] == SecurityMarking.OFFICIAL
    assert context["decision_count"] == 1
    assert content_key(period, public=True) != content_key(period)
    assert re.fullmatch(r"[0-9a-f]{64}", content_key(period))


def test_public_decision_log_never_shows_the_markers(
    marked, period, personas, chief_executive, deputy_chief_executive, client_for
):
    review = annual_review.annual_review_submit(actor=deputy_chief_executive, period=period)
    review = decision_services.decision_comment_treasurer(
        actor=personas["treasurer"], decision=review, comments="None."
    )
    review = decision_services.decision_comment_chief_executive(
        actor=chief_executive, decision=review, comments="Agreed."
    )
    review = decision_services.decision_approve(actor=chief_executive, decision=review)
    review = decision_services.decision_sign(
        actor=personas["commissioner"],
        decision=review,
        declaration_confirmed=True,
        password=PASSWORD,
    )
    decision_services.decision_publish(actor=personas["officer"], decision=review)
    review.refresh_from_db()
    assert review.status == Decision.Status.PUBLISHED
    appendix = review.appendices.get()
    with appendix.file.open("rb") as handle:
        attached = _text(handle.read())
    assert "public version" in attached.lower() and "Withheld" in attached

    client = client_for(None)
    pages = [
        client.get(reverse("decisions:public_list")),
        client.get(review.get_public_url()),
        client.get(reverse("decisions:public_json")),
    ]
    download = client.get(
        reverse(
            "decisions:public_appendix_download",
            kwargs={"reference": review.url_key, "public_id": appendix.public_id},
        )
    )
    assert all(page.status_code == 200 for page in pages)
    assert download.status_code == 200
    served = _text(b"".join(download.streaming_content))
    texts = [page.content.decode() for page in pages] + [attached, served]
    assert review.reference in texts[0]
    for marker in MARKERS:
        for text in texts:
            assert marker not in text, marker
