"""An officer records evidence with a file, raises an action and rates a section."""

from datetime import timedelta

from django.utils import timezone

from toolkit.models import Action, Evidence, SectionAssessment

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_officer_records_evidence_raises_action_and_rates_section(
    journey, period, officer, tmp_path, e2e_password
):
    j = journey("officer")
    page = j.sign_in("officer", e2e_password)
    assert page.get_by_role("heading", name="Prevent duty dashboard").is_visible()

    # Evidence with a file, using the keyboard-accessible GOV.UK form.
    j.goto("/evidence/new/")
    page.get_by_label("Title", exact=True).fill("Board terms of reference 2026")
    page.get_by_label("Policy or procedure").check()
    upload = tmp_path / "terms of reference.pdf"
    upload.write_bytes(PDF)
    page.get_by_label("File", exact=True).set_input_files(str(upload))
    page.locator("#id_effective_date_0").fill("1")
    page.locator("#id_effective_date_1").fill("4")
    page.locator("#id_effective_date_2").fill(str(period.start_date.year))
    page.get_by_label("1. Multi-agency partnership group").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Save evidence").click()
    j.check()
    assert page.get_by_role("heading", name="Board terms of reference 2026").is_visible()
    evidence = Evidence.objects.get(title="Board terms of reference 2026")
    assert evidence.original_filename == "terms of reference.pdf"
    assert evidence.sha256 and evidence.file_size == len(PDF)

    # An action, submitted with the keyboard alone (Enter in the title field submits).
    j.goto("/actions/new/?section=1")
    page.get_by_label("Title", exact=True).fill("Review the board's membership")
    page.get_by_label("Owner").select_option(label=officer.get_full_name())
    due = timezone.localdate() + timedelta(days=30)
    page.locator("#id_due_date_0").fill(str(due.day))
    page.locator("#id_due_date_1").fill(str(due.month))
    page.locator("#id_due_date_2").fill(str(due.year))
    page.get_by_label("Title", exact=True).focus()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    j.check()
    action = Action.objects.get(title="Review the board's membership")
    assert action.section.number == 1 and action.owner == officer

    # An assessment: each criterion rated, the section takes the proposed rating; with an
    # error first: "Partly met" needs a narrative.
    j.goto("/toolkit/1/assessment/")
    for number in range(1, 9):
        page.locator(f"#id_criterion_{number}_rating_0").check()  # Met
    page.locator("#id_criterion_1_rating_1").check()  # 1.1 Partly met
    # "Not applicable" reveals its reason (GOV.UK conditional reveal), and hides it again.
    reason = page.locator("#id_criterion_2_reason")
    assert not reason.is_visible()
    page.locator("#id_criterion_2_rating_3").check()
    assert reason.is_visible()
    page.locator("#id_criterion_2_rating_0").check()
    assert not reason.is_visible()
    with page.expect_navigation():
        page.get_by_role("button", name="Save assessment").click()
    j.check()
    assert page.get_by_text("There is a problem").is_visible()
    page.get_by_label("Narrative").fill("Terms of reference agreed; membership review is open.")
    with page.expect_navigation():
        page.get_by_role("button", name="Save assessment").click()
    j.check()
    assessment = SectionAssessment.objects.get(period=period, section__number=1)
    assert assessment.rating == "partly_met" and assessment.assessed_by == officer

    # All three are visible from the dashboard.
    j.goto("/")
    row = page.get_by_role("row", name="1. Multi-agency partnership group")
    assert "Partly met" in row.inner_text()
