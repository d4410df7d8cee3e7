"""An administrator invites a new colleague, who chooses a password from the e-mailed link,
signs in and changes it from "Your account"; then a forgotten password is asked for. Then
two-factor is asked for only where a step needs it. Every page passes axe at 1280 and at
320 CSS pixels, and nothing scrolls sideways at 320."""

import re

from django.core import mail
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from prevent_compliance.models import AccountEvent

WIDE, NARROW = 1280, 320
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
FIRST_PASSWORD = "kettle-lantern-orchard-seven"
SECOND_PASSWORD = "harbour-meadow-violin-twelve"


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{totp.token():0{device.digits}d}"


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{page.url} scrolls sideways ({width}px)"


def _sign_out(j):
    page = j.page
    if not page.get_by_role("button", name="Sign out").is_visible():
        page.get_by_role("button", name="Menu").click()  # narrow: the navigation is folded
    with page.expect_navigation():
        page.get_by_role("button", name="Sign out").click()


def test_administrator_invites_a_user_who_sets_a_password_and_changes_it(
    journey, administrator, period, settings, live_server, e2e_password
):
    settings.TASKS = IMMEDIATE
    settings.SITE_URL = live_server.url
    app = TOTPDevice.objects.create(user=administrator, name="Phone", confirmed=True)
    j = journey("accounts")
    page = j.page
    page.set_viewport_size({"width": WIDE, "height": 900})

    # The administrator signs in with a code and finds Users in the navigation.
    j.sign_in("admin", e2e_password)
    page.get_by_label("Code from your authenticator app").fill(_code(app))
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    j.check()
    with page.expect_navigation():
        page.get_by_role("link", name="Users", exact=True).click()
    j.check()
    assert page.get_by_role("heading", name="Users", exact=True).is_visible()

    # Invite: a mistake first (no email), then the whole form.
    with page.expect_navigation():
        page.get_by_role("button", name="Invite a user").click()
    j.check()
    page.get_by_label("Username").fill("sam.patel")
    page.get_by_label("First name").fill("Sam")
    page.get_by_label("Last name").fill("Patel")
    page.get_by_label("OPCC officer").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Send invitation").click()
    j.check()
    assert page.get_by_role("link", name="Enter their email address").is_visible()
    page.get_by_label("Email address").fill("sam.patel@opcc.test")
    with page.expect_navigation():
        page.get_by_role("button", name="Send invitation").click()
    j.check()
    assert "Invitation sent to sam.patel@opcc.test" in page.inner_text("main")
    assert "Invited" in page.get_by_test_id("user-status").inner_text()

    # The list and the account's pages reflow at 320 CSS pixels.
    page.set_viewport_size({"width": NARROW, "height": 800})
    for path in (
        "/users/",
        "/users/?q=sam&role=OPCC+officer",
        "/users/sam.patel/",
        "/users/sam.patel/roles/",
        "/users/sam.patel/deactivate/",
        "/users/invite/",
    ):
        j.goto(path)
        _no_sideways_scroll(page)
    page.set_viewport_size({"width": WIDE, "height": 900})
    _sign_out(j)

    # Sam opens the link in the invitation and chooses a password.
    [invitation] = mail.outbox
    assert invitation.to == ["sam.patel@opcc.test"]
    link = re.search(r"(http\S+/accounts/invitation/\S+/)", invitation.body).group(1)
    page.goto(link)
    j.check()
    assert page.get_by_role("heading", name="Choose a password for your account").is_visible()
    assert "/set-password/" in page.url  # the token is no longer in the address bar
    page.get_by_label("New password", exact=True).fill(FIRST_PASSWORD)
    page.get_by_label("Confirm new password").fill(FIRST_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Save password").click()
    j.check()
    assert "Your password has been saved" in page.inner_text("main")

    # Sam signs in, then changes the password from the footer link.
    page.get_by_label("Username").fill("sam.patel")
    page.get_by_label("Password").fill(FIRST_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Sign in").click()
    j.check()
    assert page.get_by_role("heading", name="Prevent duty dashboard").is_visible()
    with page.expect_navigation():
        page.get_by_role("link", name="Your account").click()
    j.check()
    with page.expect_navigation():
        page.get_by_role("link", name="Change your password").click()
    j.check()
    page.get_by_label("Current password").fill(FIRST_PASSWORD)
    page.get_by_label("New password", exact=True).fill(SECOND_PASSWORD)
    page.get_by_label("Confirm new password").fill("not-the-same-password")
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    j.check()
    assert page.get_by_role("link", name="The two new passwords do not match").is_visible()
    page.set_viewport_size({"width": NARROW, "height": 800})
    _no_sideways_scroll(page)
    page.get_by_label("Current password").fill(FIRST_PASSWORD)
    page.get_by_label("New password", exact=True).fill(SECOND_PASSWORD)
    page.get_by_label("Confirm new password").fill(SECOND_PASSWORD)
    with page.expect_navigation():
        page.get_by_role("button", name="Change password").click()
    j.check()
    _no_sideways_scroll(page)
    assert "Your password has been changed" in page.inner_text("main")
    _sign_out(j)

    # Later Sam forgets it: the reset pages, at 320 pixels.
    j.goto("/accounts/password/reset/")
    _no_sideways_scroll(page)
    page.get_by_label("Email address").fill("sam.patel@opcc.test")
    with page.expect_navigation():
        page.get_by_role("button", name="Send the link").click()
    j.check()
    _no_sideways_scroll(page)
    assert page.get_by_role("heading", name="Check your email").is_visible()
    reset = mail.outbox[-1]
    link = re.search(r"(http\S+/accounts/password/reset/\S+/)", reset.body).group(1)
    page.goto(link)
    j.check()
    _no_sideways_scroll(page)
    assert page.get_by_role("heading", name="Choose a new password").is_visible()

    summaries = set(AccountEvent.objects.values_list("summary", flat=True))
    assert "sam.patel accepted the invitation and chose a password" in summaries
    assert "sam.patel changed their password" in summaries


def test_two_factor_is_asked_for_only_at_the_step_that_needs_it_and_not_now_goes_back(
    journey, personas, toolkit, settings, e2e_password
):
    """The Chief Executive, with no authenticator app yet, comments without being asked for
    one; approving asks; "Not now" returns to the decision, at 1280 and at 320 pixels."""
    from tests.decisions.helpers import advance, complete_sections, make_draft

    settings.TWO_FACTOR_ALL_ROLES = False
    in_consultation = make_draft(personas, title="Prevent referral pathway review")
    complete_sections(in_consultation, actor=personas["officer"])
    in_consultation = advance(in_consultation, personas, "consultation")
    to_approve = make_draft(personas, title="Channel panel chair appointment")
    complete_sections(to_approve, actor=personas["officer"])
    to_approve = advance(to_approve, personas, "awaiting_approval")

    j = journey("two-factor-when-needed")
    page = j.page
    j.sign_in("chief.executive", e2e_password)
    for width in (WIDE, NARROW):
        page.set_viewport_size({"width": width, "height": 900})
        j.checked.clear()
        j.goto(in_consultation.get_absolute_url())
        with page.expect_navigation():
            page.get_by_role("button", name="Add the Chief Executive's comments").click()
        j.check()
        assert page.url.endswith("/comment/chief-executive/")  # no set-up page first
        assert page.locator("textarea[name='comments']").count() == 1

        detail = j.url(to_approve.get_absolute_url())
        j.goto(to_approve.get_absolute_url())
        with page.expect_navigation():
            page.get_by_role("button", name="Approve for signature").click()
        j.check()
        _no_sideways_scroll(page)
        assert page.get_by_role("heading", name="Set up two-factor authentication").count()
        with page.expect_navigation():
            page.get_by_test_id("not-now").click()
        j.check()
        assert page.url == detail
