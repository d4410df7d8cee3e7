"""Each role starts at the dashboard's "Waiting for you" and reaches the step by clicking.

Every page on the way is checked with axe at 1280 and at 320 CSS pixels, and at 320 px
none may scroll sideways (WCAG 2.2 1.4.10 reflow).
"""

from datetime import timedelta

from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from decisions import services as decision_services
from tests.conftest import PASSWORD
from tests.decisions.helpers import advance, complete_sections, make_draft
from toolkit import services as toolkit_services

WIDE, NARROW = 1280, 320


def _decision(personas, to: str, **fields):
    decision = make_draft(personas, **fields)
    complete_sections(decision, actor=personas["officer"])
    return advance(decision, personas, to)


def _at_both_widths(j):
    """Check the current page with axe at 1280 and at 320 px; at 320 px the "waiting for
    you" panel and the navigation must fit (no sideways scrolling of their own).

    Other parts of a page (the dashboard's ratings table) are their owners' reflow work,
    checked in tests/e2e/test_reflow.py.
    """
    page = j.page
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 900})
        j.checked.clear()  # the same page again, at another width: check it again
        j.check()
        if width == NARROW:
            wide = page.evaluate(
                "[...document.querySelectorAll('.govuk-service-navigation *, "
                "[data-testid=waiting-for-you] *')].filter(e => "
                "e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)"
                ".map(e => e.tagName + ' ' + (e.innerText || '').slice(0, 40))"
            )
            assert wide == [], f"{page.url} at 320px: these do not fit: {wide}"
    page.set_viewport_size({"width": WIDE, "height": 900})


def _sign_in(j, username, device=None):
    page = j.sign_in(username, PASSWORD)
    if device is not None:
        totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
        page.get_by_label("Code from your authenticator app").fill(
            f"{totp.token():0{device.digits}d}"
        )
        page.get_by_role("button", name="Continue").click()
        page.wait_for_load_state()
    return page


def _from_dashboard(j, link_text: str, *, count: int):
    """On the dashboard: the navigation count, then the item's link, clicked."""
    page = j.page
    if page.url.rstrip("/") != j.base:
        j.goto("/")
    nav = page.get_by_test_id("waiting-count")
    assert nav.inner_text().startswith(str(count))
    hidden = nav.locator(".govuk-visually-hidden").inner_text()
    assert hidden.endswith("waiting for you")
    _at_both_widths(j)
    panel = page.get_by_test_id("waiting-for-you")
    with page.expect_navigation():
        panel.get_by_role("link", name=link_text).click()
    page.wait_for_load_state()
    _at_both_widths(j)
    return page


def test_treasurer_and_commissioner_reach_their_steps(journey, personas):
    decision = _decision(personas, "consultation", title="Training plan")
    signing = _decision(personas, "awaiting_signature", title="Venue hire policy")
    j = journey("waiting-treasurer")
    _sign_in(j, "treasurer")
    page = _from_dashboard(j, f"{decision.reference}: Training plan", count=1)
    assert page.get_by_label("Comments from the Treasurer").count()
    page.context.clear_cookies()

    device = TOTPDevice.objects.create(
        user=personas["commissioner"], name="Authenticator app", confirmed=True
    )
    j = journey("waiting-commissioner")
    _sign_in(j, "commissioner", device)
    page = _from_dashboard(j, f"{signing.reference}: Venue hire policy", count=1)
    assert page.url.endswith(f"/decisions/{signing.reference}/sign/")
    assert page.get_by_role("button", name="Sign decision").count()


def test_chief_executive_reaches_comment_and_approve_steps(journey, personas):
    consulting = _decision(personas, "consultation", title="Communications plan")
    approving = _decision(personas, "awaiting_approval", title="Grant due diligence")
    device = TOTPDevice.objects.create(
        user=personas["chief_executive"], name="Authenticator app", confirmed=True
    )
    j = journey("waiting-chief-executive")
    _sign_in(j, "chief.executive", device)
    page = _from_dashboard(j, f"{consulting.reference}: Communications plan", count=2)
    assert page.url.endswith(f"/decisions/{consulting.reference}/comment/chief-executive/")
    page = _from_dashboard(j, f"{approving.reference}: Grant due diligence", count=2)
    assert page.url.endswith(f"/decisions/{approving.reference}/approve/")


def test_officer_reaches_returned_decision_overdue_action_and_evidence(journey, personas, period):
    officer = personas["officer"]
    returned = _decision(personas, "awaiting_approval", title="Channel assurance")
    decision_services.decision_return(
        actor=personas["chief_executive"], decision=returned, reason="Add the costs."
    )
    today = timezone.localdate()
    section = period.edition.sections.get(number=1)
    toolkit_services.action_create(
        actor=officer,
        title="Refresh the terms of reference",
        section=section,
        owner=officer,
        due_date=today - timedelta(days=3),
        period=period,
    )
    toolkit_services.evidence_create(
        actor=officer,
        title="Partnership minutes",
        kind="web_page",
        url="https://example.org/minutes",
        effective_date=today - timedelta(days=300),
        review_by=today + timedelta(days=10),
        sections=[section],
        periods=[period],
    )
    j = journey("waiting-officer")
    _sign_in(j, "officer")
    page = _from_dashboard(j, f"{returned.reference}: Channel assurance", count=3)
    assert page.url.endswith(f"/decisions/{returned.reference}/")
    assert page.get_by_test_id("status-note").get_by_text("Add the costs.").is_visible()
    page = _from_dashboard(j, "Refresh the terms of reference", count=3)
    assert page.url.endswith("/edit/") and "/actions/" in page.url
    page = _from_dashboard(j, "Partnership minutes", count=3)
    assert page.url.endswith("/edit/") and "/evidence/" in page.url


def test_auditor_reaches_what_was_signed_since_the_last_visit(journey, personas):
    signed = _decision(personas, "signed", title="Prevent duty procedure")
    j = journey("waiting-auditor")
    _sign_in(j, "auditor")
    page = _from_dashboard(j, f"{signed.reference}: Prevent duty procedure", count=1)
    assert page.url.endswith(f"/decisions/{signed.reference}/")
    # Back on the dashboard in the same sitting, it is still listed.
    j.goto("/")
    assert page.get_by_test_id("waiting-signed-since").is_visible()
