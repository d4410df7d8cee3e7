"""The Commissioner's stale register of interests stops signing; they confirm it, sign, and
the public register (checked with axe, and at phone width) shows the confirmation."""

from datetime import timedelta

from django.utils import timezone

from decisions.interests.models import Confirmation
from decisions.models import Decision
from tests.decisions.helpers import advance, complete_sections, make_draft

from .conftest import keyboard_fill, keyboard_submit, keyboard_tick
from .test_decision_journey import _authenticator, _code


def test_commissioner_confirms_the_register_then_signs(journey, personas, e2e_password):
    decision = make_draft(personas, title="Prevent grant to a partner charity")
    complete_sections(decision, actor=personas["officer"])
    decision = advance(decision, personas, "awaiting_signature")
    Confirmation.objects.filter(holder__user=personas["commissioner"]).update(
        confirmed_at=timezone.now() - timedelta(days=200)
    )
    app = _authenticator(personas["commissioner"])
    j = journey("interests")

    page = j.sign_in("commissioner", e2e_password)
    keyboard_fill(page, "#id_code", _code(app))
    keyboard_submit(page)
    j.check()

    # The stale register blocks signing and says how to confirm it.
    j.goto(f"/decisions/{decision.reference}/sign/")
    assert page.get_by_test_id("register-blocks-signing").count() == 1
    assert page.get_by_role("button", name="Sign decision").count() == 0
    page.get_by_role("link", name="Review and confirm your register of interests").click()
    page.wait_for_load_state()
    j.check()

    # Check, then confirm (GOV.UK check answers, then the confirmation page).
    keyboard_tick(page, "#id_confirmed")
    keyboard_submit(page)
    j.check()
    assert page.get_by_role("heading", name="Register of interests confirmed").count() == 1

    # Now the sign page shows the register and signs.
    j.goto(f"/decisions/{decision.reference}/sign/")
    assert page.get_by_test_id("register-summary").count() == 1
    keyboard_tick(page, "#id_declaration")
    keyboard_fill(page, "#id_password", e2e_password)
    keyboard_submit(page)
    j.check()
    decision.refresh_from_db()
    assert decision.status == Decision.Status.SIGNED
    latest = Confirmation.objects.filter(holder__user=personas["commissioner"]).latest()
    assert decision.signed_register_version == latest

    # The public register, signed out, passes axe and fits a 320px-wide phone.
    page.context.clear_cookies()
    j.goto("/public/register-of-interests/")
    assert page.get_by_test_id("last-confirmed").first.inner_text() != "Not yet confirmed"
    page.set_viewport_size({"width": 320, "height": 800})
    j.goto(f"/public/register-of-interests/{latest.holder.slug}/versions/{latest.number}/")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, width
    j.goto("/public/gifts-and-hospitality/")
