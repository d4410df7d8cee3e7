"""A decision from draft to the public log through all five roles, in a real browser.

The officer drafts and submits it, the Treasurer and the Chief Executive comment, the Chief
Executive approves (after entering a code from an authenticator app), the Commissioner signs
with the keyboard alone (code, declaration, password) and the officer publishes it.
"""

from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from decisions.models import Decision

from .conftest import keyboard_fill, keyboard_submit, keyboard_tick


def _authenticator(user) -> TOTPDevice:
    """The user's authenticator app, set up before the journey."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{totp.token():0{device.digits}d}"


def _sign_in_with_code(j, username, password, device):
    page = j.sign_in(username, password)
    assert page.get_by_role("heading", name="Enter the code from your authenticator app").count()
    page.get_by_label("Code from your authenticator app").fill(_code(device))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    return j.check()


def _open(j, decision):
    return j.goto(decision.get_absolute_url())


def test_decision_goes_from_draft_to_the_public_log_through_five_roles(
    journey, personas, e2e_password
):
    j = journey("decision")
    title = "Prevent training for partner agencies"
    chief_executive_app = _authenticator(personas["chief_executive"])
    commissioner_app = _authenticator(personas["commissioner"])

    # The officer drafts the record and its supporting information, then submits it.
    page = j.sign_in("officer", e2e_password)
    j.goto("/decisions/new/")
    page.get_by_label("Title").fill(title)
    page.locator("#id_decision_date_0").fill("3")
    page.locator("#id_decision_date_1").fill("6")
    page.locator("#id_decision_date_2").fill("2025")
    page.get_by_label("Not required").check()
    page.get_by_label("Non-confidential").check()
    page.get_by_label("Summary").fill("The Commissioner funds Prevent training for partners.")
    page.get_by_role("button", name="Save decision record").click()
    page.wait_for_load_state()
    j.check()
    *sections, _new_section = page.locator("textarea[name$='-body']").all()
    for body in sections:
        body.fill("Training for 120 staff across the partnership, costing £4,000.")
    page.get_by_role("button", name="Save supporting information").click()
    page.wait_for_load_state()
    j.check()
    decision = Decision.objects.get(title=title)
    page.get_by_role("button", name="Submit for consultation").click()
    page.wait_for_load_state()
    j.check()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.CONSULTATION

    # The Treasurer comments.
    page.context.clear_cookies()
    j.sign_in("treasurer", e2e_password)
    _open(j, decision)
    page.get_by_role("button", name="Add the Treasurer's comments").click()
    page.wait_for_load_state()
    j.check()
    page.get_by_label("Comments from the Treasurer").fill("Affordable within the grant.")
    page.get_by_role("button", name="Save comments").click()
    page.wait_for_load_state()
    j.check()

    # The Chief Executive enters a code, comments and approves.
    page.context.clear_cookies()
    _sign_in_with_code(j, "chief.executive", e2e_password, chief_executive_app)
    _open(j, decision)
    page.get_by_role("button", name="Add the Chief Executive's comments").click()
    page.wait_for_load_state()
    j.check()
    page.get_by_label("Comments from the Chief Executive and Monitoring Officer").fill(
        "Lawful and within policy."
    )
    page.get_by_role("button", name="Save comments").click()
    page.wait_for_load_state()
    j.check()
    page.get_by_role("button", name="Approve for signature").click()
    page.wait_for_load_state()
    j.check()
    # The check page says what approving does and that it cannot be undone.
    assert page.get_by_text("This cannot be undone.").is_visible()
    page.get_by_role("button", name="Approve for signature").click()
    page.wait_for_load_state()
    j.check()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.AWAITING_SIGNATURE

    # The Commissioner signs with the keyboard alone: code, declaration, password, Enter.
    page.context.clear_cookies()
    page = j.sign_in("commissioner", e2e_password)
    keyboard_fill(page, "#id_code", _code(commissioner_app))
    keyboard_submit(page)
    j.check()
    _open(j, decision)
    page.get_by_role("button", name="Sign decision").click()
    page.wait_for_load_state()
    j.check()
    keyboard_tick(page, "#id_declaration")
    keyboard_fill(page, "#id_password", e2e_password)
    keyboard_submit(page)
    j.check()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.SIGNED
    assert decision.signed_by == personas["commissioner"]

    # The officer publishes it (decisions/rules.py: publishing is the officer's step).
    page.context.clear_cookies()
    j.sign_in("officer", e2e_password)
    _open(j, decision)
    page.get_by_role("button", name="Publish", exact=True).click()
    page.wait_for_load_state()
    j.check()
    assert page.get_by_text("This cannot be undone.").is_visible()
    page.get_by_role("button", name="Publish").click()
    page.wait_for_load_state()
    j.check()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.PUBLISHED

    # Anyone can now read it on the public log.
    page.context.clear_cookies()
    j.goto("/public/decisions/")
    page.get_by_role("link", name=title).click()
    page.wait_for_load_state()
    j.check()
    assert page.get_by_role("heading", name=title).is_visible()
    assert page.get_by_text("Affordable within the grant.").is_visible()
