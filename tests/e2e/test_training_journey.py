"""An officer records a completion with a certificate, imports a CSV, and sees the
percentage trained change; the pages pass axe at 1280 and 320 CSS pixels wide."""

from django.utils import timezone

from tests.e2e.conftest import WCAG_TAGS
from tests.prevent_compliance.samples import pdf_bytes
from tests.training.helpers import make_world
from toolkit.training.models import Completion

WIDE, NARROW = 1280, 320
AXE = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


def _no_sideways_scroll(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways ({width}px)"


def test_officer_records_and_imports_training(journey, officer, tmp_path, e2e_password):
    make_world(officer)
    today = timezone.localdate()
    j = journey("training")
    j.page.set_viewport_size({"width": WIDE, "height": 900})
    page = j.sign_in("officer", e2e_password)

    j.goto("/training/")
    overall = page.get_by_test_id("training-overall")
    assert "25%" in overall.inner_text() and "(1 of 4)" in overall.inner_text()
    assert page.get_by_role("region", name="Overdue (3)").is_visible()

    # Record Grace's leadership course with a certificate.
    page.get_by_role("button", name="Record a completion").click()
    page.wait_for_load_state()
    j.check()
    page.get_by_label("Person").select_option(label="Grace Hopper (Senior leadership)")
    page.get_by_label("Course").select_option(label="Prevent for strategic leads")
    page.locator("#id_completed_on_0").fill(str(today.day))
    page.locator("#id_completed_on_1").fill(str(today.month))
    page.locator("#id_completed_on_2").fill(str(today.year + 1))
    certificate = tmp_path / "leadership certificate.pdf"
    certificate.write_bytes(pdf_bytes("Certificate"))
    page.get_by_label("Certificate (optional)").set_input_files(str(certificate))
    with page.expect_navigation():
        page.get_by_role("button", name="Record completion").click()
    j.check()
    # A date in the future is refused with a message beside the field.
    assert page.get_by_text("There is a problem").is_visible()
    assert not Completion.objects.filter(person__name="Grace Hopper").exists()
    page.locator("#id_completed_on_2").fill(str(today.year))
    page.get_by_label("Certificate (optional)").set_input_files(str(certificate))
    with page.expect_navigation():
        page.get_by_role("button", name="Record completion").click()
    j.check()
    assert page.get_by_role("heading", name="Grace Hopper").is_visible()
    assert page.get_by_role("link", name="Download leadership certificate.pdf").is_visible()
    completion = Completion.objects.get(person__name="Grace Hopper")
    assert completion.original_filename == "leadership certificate.pdf"

    j.goto("/training/")
    assert "(2 of 4)" in page.get_by_test_id("training-overall").inner_text()

    # Import Alan's completion from a learning system's export (Windows-1252, CRLF).
    export = tmp_path / "lms-export.csv"
    export.write_bytes(
        f"Learner name,Course title,Completion date\r\n"
        f"Alan Turing,Prevent awareness e-learning,{today:%d/%m/%Y}\r\n".encode("cp1252")
    )
    j.goto("/training/import/")
    page.get_by_label("CSV file of completions").set_input_files(str(export))
    with page.expect_navigation():
        page.get_by_role("button", name="Check the file").click()
    j.check()
    assert "1 completion will be recorded" in page.get_by_test_id("import-summary").inner_text()
    with page.expect_navigation():
        page.get_by_role("button", name="Import 1 completion").click()
    j.check()
    assert "(3 of 4)" in page.get_by_test_id("training-overall").inner_text()
    assert Completion.objects.filter(person__name="Alan Turing", source="imported").exists()

    # The dashboard shows the figure too.
    j.goto("/")
    assert "75%" in page.get_by_test_id("dashboard-training").inner_text()

    # At 320 CSS pixels (400% zoom) nothing scrolls sideways and axe finds no problem.
    page.set_viewport_size({"width": NARROW, "height": 800})
    person_page = completion.person.get_absolute_url()
    for path in (
        "/training/",
        "/training/people/",
        "/training/courses/",
        "/training/import/",
        person_page,
    ):
        response = page.goto(j.url(path))
        assert response is not None and response.status == 200, path
        _no_sideways_scroll(page)
        results = j.axe.run(page, options=AXE)
        assert results.violations_count == 0, results.generate_report()
