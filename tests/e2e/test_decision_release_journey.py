"""Record-keeping of real logs in a real browser: the conditional questions of the decision
form, and the Chief Executive releasing withheld content later (form, check page, record)."""

from django.utils import timezone

from decisions import integrity
from decisions.models import Decision, DecisionRelease
from tests.decisions.helpers import MARKER, advance, complete_sections, make_draft

from .test_decision_journey import _authenticator, _sign_in_with_code


def test_the_form_reveals_only_the_questions_an_answer_needs(journey, personas, e2e_password):
    j = journey("record-fields")
    page = j.sign_in("officer", e2e_password)
    j.goto("/decisions/new/")
    approver = page.get_by_label("Chief officer who approved")
    exemptions = page.locator("#conditional-confidentiality-2")
    assert not approver.is_visible() and not exemptions.is_visible()
    page.get_by_label("Required", exact=True).check()
    assert approver.is_visible()
    page.get_by_label("Confidential", exact=True).check()
    assert exemptions.is_visible()
    assert exemptions.get_by_label("Section 23 (information supplied by").is_visible()
    j.check()
    page.get_by_label("Not required").check()
    assert not approver.is_visible()


def _fits_320(page) -> None:
    """No sideways scrolling at 320 CSS pixels (WCAG 2.2 1.4.10), then back to the desktop."""
    size = page.viewport_size
    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    page.set_viewport_size(size)


def test_the_chief_executive_releases_a_withheld_section(journey, personas, e2e_password):
    decision = make_draft(
        personas,
        title="Venue hire for Prevent events",
        confidentiality=Decision.Confidentiality.PARTLY_CONFIDENTIAL,
        foi_exemptions=["s43"],
    )
    complete_sections(decision, actor=personas["officer"], withheld=5, secret=MARKER)
    decision = advance(decision, personas, "public")
    seal = decision.content_hash
    app = _authenticator(personas["chief_executive"])

    j = journey("release")
    page = _sign_in_with_code(j, "chief.executive", e2e_password, app)
    j.goto(decision.get_absolute_url())
    page.get_by_role("button", name="Release withheld content").click()
    page.wait_for_load_state()
    j.check()
    sections = page.locator("#conditional-scope-1")
    assert not sections.is_visible()
    page.get_by_label("Part of the record").check()
    assert sections.is_visible()
    _fits_320(page)
    sections.get_by_label("5.").check()
    today = timezone.localdate()
    page.locator("#id_released_on_0").fill(str(today.day))
    page.locator("#id_released_on_1").fill(str(today.month))
    page.locator("#id_released_on_2").fill(str(today.year))
    page.get_by_label("Reason for the release").fill("The venues are now publicly known.")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    j.check()
    assert page.get_by_text("This cannot be undone.").is_visible()
    assert not DecisionRelease.objects.exists()
    _fits_320(page)
    page.get_by_role("button", name="Record the release").click()
    page.wait_for_load_state()
    j.check()
    assert page.get_by_text("Later releases of withheld content").is_visible()
    _fits_320(page)
    release = DecisionRelease.objects.get()
    decision.refresh_from_db()
    assert decision.content_hash == seal and integrity.check_release(release).ok
