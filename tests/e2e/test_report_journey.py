"""An officer asks for the annual-review PDF, watches the progress page refresh itself while
the real worker (``manage.py task_worker --batch``) makes it, and downloads both versions; a
member of the public finds a signed-off period's public version from the navigation."""

import hashlib
import re
from datetime import date

from django.core.management import call_command
from django.utils import timezone

from toolkit import services as toolkit_services
from toolkit.models import ReviewPeriod
from toolkit.reports import services as report_services
from toolkit.reports.models import ReportJob

# The progress page reloads every 5 seconds (its Refresh header); give it three chances.
REFRESHED_WITHIN_MS = 16_000


def _run_the_worker():
    call_command("task_worker", "--batch", "--no-startup-delay", "--worker-id", "e2e", verbosity=0)


def _ask_and_download(j, page, button: str, variant: str) -> ReportJob:
    page.get_by_role("button", name=button).click()
    page.wait_for_load_state()
    j.check()
    status = page.get_by_test_id("report-status")
    assert status.inner_text() == "Waiting to start"
    job = ReportJob.objects.get(variant=variant)
    assert job.status == ReportJob.Status.QUEUED
    _run_the_worker()
    # Nobody clicks: the page's own refresh shows the finished PDF.
    download_link = page.get_by_role("button", name=re.compile(r"^Download annual-review-"))
    download_link.wait_for(timeout=REFRESHED_WITHIN_MS)
    j.check()
    assert page.get_by_role("heading", name="The PDF is ready").is_visible()
    job.refresh_from_db()
    with page.expect_download() as info:
        download_link.click()
    data = open(info.value.path(), "rb").read()  # noqa: SIM115
    assert info.value.suggested_filename == job.filename
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == job.sha256
    return job


def test_officer_asks_for_the_report_and_downloads_both_versions(
    journey, period, officer, e2e_password
):
    j = journey("report")
    page = j.sign_in("officer", e2e_password)
    page = j.goto(period.get_absolute_url())

    internal = _ask_and_download(
        j, page, "Download the annual-review PDF (draft)", ReportJob.Variant.INTERNAL
    )
    assert internal.filename == f"annual-review-{period.year}-DRAFT.pdf"

    page = j.goto(period.get_absolute_url())
    public = _ask_and_download(
        j, page, "Download the public version (draft)", ReportJob.Variant.PUBLIC
    )
    assert public.filename == f"annual-review-{period.year}-public-DRAFT.pdf"
    assert public.sha256 != internal.sha256

    # Asked for again, unchanged: straight to the copy already made.
    page = j.goto(period.get_absolute_url())
    page.get_by_role("button", name="Download the annual-review PDF (draft)").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="The PDF is ready").is_visible()
    assert ReportJob.objects.count() == 2


def test_member_of_the_public_downloads_a_signed_off_review(
    journey, toolkit, officer, commissioner
):
    year = timezone.localdate().year - 3
    period = toolkit_services.review_period_create(
        actor=officer,
        label=f"{year}/{str(year + 1)[-2:]}",
        start_date=date(year, 4, 1),
        end_date=date(year + 1, 3, 31),
        edition=toolkit,
    )
    toolkit_services.review_period_close(
        actor=commissioner, period=period, final_pdf=b"%PDF-1.7\n%%EOF\n"
    )
    job = report_services.report_queue_public(period=ReviewPeriod.objects.get(pk=period.pk))

    j = journey("public-report")
    page = j.goto("/public/decisions/")
    page.get_by_role("link", name="Annual reviews").click()
    page.wait_for_load_state()
    j.check()
    assert page.get_by_text("Being prepared").is_visible()

    _run_the_worker()
    job.refresh_from_db()
    assert job.status == ReportJob.Status.READY
    page.reload()
    j.check()
    with page.expect_download() as info:
        page.get_by_role("link", name=f"Download the annual review {period.label} (PDF)").click()
    data = open(info.value.path(), "rb").read()  # noqa: SIM115
    assert hashlib.sha256(data).hexdigest() == job.sha256
    assert info.value.suggested_filename == f"annual-review-{year}-public.pdf"
