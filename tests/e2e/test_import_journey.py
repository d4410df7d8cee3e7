"""An administrator imports an earlier decision log in a real browser; the public sees it.

Upload (after the administrator's one-time code) → a preview of every row → a file with a
problem is refused with the problem by row and column → the corrected file is confirmed →
the import runs (the task backend runs it in the request, as for the audit pack) → the
result and its report → the records on the public log with their own references. Every page
is checked with axe.
"""

from pathlib import Path

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from decisions.models import Decision, DecisionImport

DATA = Path(__file__).resolve().parents[1] / "decisions" / "data"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


def _code(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, step=device.step, t0=device.t0, digits=device.digits)
    return f"{totp.token():0{device.digits}d}"


def test_administrator_imports_a_log_and_the_public_log_shows_it(
    journey, personas, toolkit, immediate_tasks, e2e_password, tmp_path
):
    app = TOTPDevice.objects.create(
        user=personas["administrator"], name="Authenticator app", confirmed=True
    )
    j = journey("import")
    page = j.sign_in("admin", e2e_password)
    page.get_by_label("Code from your authenticator app").fill(_code(app))
    page.get_by_role("button", name="Continue").click()
    page.wait_for_load_state()
    j.check()
    j.goto("/decisions/import/")
    assert page.get_by_role("link", name="Download the CSV template").count()

    # A file with a mistake: refused, the problem named by row and column.
    broken = tmp_path / "devon_cornwall_style.csv"
    content = (DATA / "devon_cornwall_style.csv").read_bytes()
    broken.write_bytes(content.replace(b"12/06/2014", b"31/06/2014"))
    page.get_by_label("Decision log file").set_input_files(str(broken))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    j.check()
    summary = page.locator(".govuk-error-summary")
    assert "row 2 (57 – 2014), column 'decision_date': 31/06/2014 is not a real date" in (
        summary.inner_text()
    )
    assert page.get_by_role("button", name="Import 3 records").count() == 0
    assert not Decision.objects.exists()

    # The corrected file: a preview of every row, then the import.
    j.goto("/decisions/import/")
    page.get_by_label("Decision log file").set_input_files(str(DATA / "devon_cornwall_style.csv"))
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_load_state()
    j.check()
    rows = page.get_by_role("region", name="Every row and what the import does with it")
    assert rows.get_by_text("Joint collaboration agreement – firearms training").count()
    assert page.get_by_text("read as Windows-1252").count()
    page.get_by_role("button", name="Import 3 records").click()
    page.wait_for_load_state()
    j.check()
    assert page.get_by_role("heading", name="Import complete").count()
    job = DecisionImport.objects.get(status=DecisionImport.Status.DONE)
    assert job.created_count == 3 and Decision.objects.count() == 3
    with page.expect_download() as info:
        page.get_by_role("link", name="Download the report (CSV)").click()
    assert info.value.suggested_filename.endswith(".csv")

    # The public sees the records with their own references.
    page.context.clear_cookies()
    j.goto("/public/decisions/")
    assert page.get_by_text("57 – 2014").count()
    page.get_by_role("link", name="Joint collaboration agreement – firearms training").click()
    page.wait_for_load_state()
    j.check()
    assert page.get_by_text("PCC & CC").count()
