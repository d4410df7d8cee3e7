"""The annual-review PDF made in the background: one job per content, progress, downloads."""

import hashlib
from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from toolkit import annual_review_report
from toolkit import services as toolkit_services
from toolkit.models import ReviewPeriod
from toolkit.reports import selectors, services, tasks
from toolkit.reports.models import STALE_AFTER, ReportJob

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
INTERNAL, PUBLIC = ReportJob.Variant.INTERNAL, ReportJob.Variant.PUBLIC
FAKE_FINAL_PDF = b"%PDF-1.7\n% the signed annual review\n%%EOF\n"


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


def _url(name, period, *args):
    return reverse(f"reports:{name}", args=[period.year, *args])


def _ask(client, period, capture, variant=INTERNAL, *, execute=True):
    """POST the period page's button; with ``execute``, the worker's part runs after commit."""
    with capture(execute=execute) as callbacks:
        response = client.post(_url("request", period, variant))
    return response, callbacks


def _change_the_report(officer, period):
    """A new action in the plan: the report's content, and so its key, changes."""
    from toolkit.models import Section

    toolkit_services.action_create(
        actor=officer,
        period=period,
        title="Brief the new partnership board on Prevent",
        section=Section.objects.get(edition=period.edition, number=1),
        owner=officer,
        due_date=period.end_date,
    )


@pytest.fixture
def closed(commissioner, period):
    toolkit_services.review_period_close(
        actor=commissioner, period=period, final_pdf=FAKE_FINAL_PDF
    )
    period.refresh_from_db()
    return period


# --- One job per content ----------------------------------------------------------------------


def test_asking_twice_for_the_same_content_makes_one_job_and_one_build(
    client_for, officer, auditor, period, django_capture_on_commit_callbacks
):
    first, queued = _ask(client_for(officer), period, django_capture_on_commit_callbacks)
    second, again = _ask(client_for(auditor), period, django_capture_on_commit_callbacks)

    job = ReportJob.objects.get()
    assert (len(queued), len(again)) == (1, 0)  # the second request queues nothing
    assert DBTaskResult.objects.count() == 1
    assert first.status_code == second.status_code == 303
    assert first["Location"] == second["Location"] == job.get_absolute_url()
    assert (job.variant, job.final, job.status) == (INTERNAL, False, ReportJob.Status.QUEUED)
    assert job.requested_by == officer
    assert job.content_key == selectors.content_key(period, variant=INTERNAL, final=False)
    assert len(job.content_key) == 64


def test_the_worker_builds_a_job_once_even_if_it_is_queued_twice(period, officer):
    job = services.report_request(actor=officer, period=period, variant=INTERNAL)

    assert tasks.build_report.call(job.pk) == ReportJob.Status.READY
    assert tasks.build_report.call(job.pk) == "skipped"
    job.refresh_from_db()
    with job.file.open("rb") as handle:
        data = handle.read()
    assert data.startswith(b"%PDF") and len(data) == job.file_size
    assert hashlib.sha256(data).hexdigest() == job.sha256
    assert job.file.name.startswith(f"reports/{period.year}/") and job.finished_at


def test_a_change_to_the_period_gives_a_new_job(
    client_for, officer, period, immediate_tasks, django_capture_on_commit_callbacks
):
    _ask(client_for(officer), period, django_capture_on_commit_callbacks)
    _change_the_report(officer, period)
    _ask(client_for(officer), period, django_capture_on_commit_callbacks)

    old, new = ReportJob.objects.order_by("created_at", "pk")
    assert old.content_key != new.content_key
    assert old.sha256 != new.sha256
    assert old.status == new.status == ReportJob.Status.READY


def test_a_report_that_changed_before_it_was_built_is_not_made(period, officer, client_for):
    job = services.report_request(actor=officer, period=period, variant=INTERNAL)
    _change_the_report(officer, period)

    assert tasks.build_report.call(job.pk) == ReportJob.Status.FAILED
    job.refresh_from_db()
    assert job.error == tasks.CONTENT_CHANGED and not job.file
    page = client_for(officer).get(job.get_absolute_url()).content.decode()
    assert "changed after the PDF was asked for" in page
    assert services.report_request(actor=officer, period=period, variant=INTERNAL) != job


def test_the_public_version_is_a_job_of_its_own(period, officer):
    internal = services.report_request(actor=officer, period=period, variant=INTERNAL)
    public = services.report_request(actor=officer, period=period, variant=PUBLIC)
    assert internal != public and public.variant == PUBLIC and not public.final


# --- Failure, retry, stopped jobs -------------------------------------------------------------


def test_a_failed_build_says_why_in_words_and_try_again_makes_it(
    client_for, officer, period, settings, tmp_path, django_capture_on_commit_callbacks
):
    client = client_for(officer)
    media = settings.MEDIA_ROOT
    settings.MEDIA_ROOT = tmp_path / "not-a-folder"
    settings.MEDIA_ROOT.write_text("storage that cannot be written to")
    settings.TASKS = IMMEDIATE
    _ask(client, period, django_capture_on_commit_callbacks)

    job = ReportJob.objects.get()
    assert job.status == ReportJob.Status.FAILED and job.error == tasks.BUILD_FAILED
    response = client.get(job.get_absolute_url())
    page = response.content.decode()
    assert "Refresh" not in response
    assert "could not be made because of a problem in the service" in page
    assert "Traceback" not in page and "Error:" not in page
    assert 'action="' + _url("request", period, INTERNAL) + '"' in page and "Try again" in page

    settings.MEDIA_ROOT = media
    retry, callbacks = _ask(client, period, django_capture_on_commit_callbacks)
    assert len(callbacks) == 1 and retry["Location"] == job.get_absolute_url()
    job.refresh_from_db()
    assert ReportJob.objects.count() == 1
    assert job.status == ReportJob.Status.READY and not job.error


def test_a_job_stopped_long_ago_shows_as_failed_and_is_queued_again(
    client_for, officer, period, django_capture_on_commit_callbacks
):
    job = services.report_request(actor=officer, period=period, variant=INTERNAL)
    long_ago = timezone.now() - STALE_AFTER - timedelta(minutes=1)
    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.RUNNING, started_at=long_ago)
    client = client_for(officer)

    response = client.get(job.get_absolute_url())
    assert "Refresh" not in response
    assert "Stopped without finishing" in response.content.decode()
    _, callbacks = _ask(client, period, django_capture_on_commit_callbacks, execute=False)
    job.refresh_from_db()
    assert len(callbacks) == 1
    assert job.status == ReportJob.Status.QUEUED and job.started_at is None
    # The old run, if it ever finishes, cannot overwrite the new one.
    assert tasks.build_report.call(job.pk) == ReportJob.Status.READY


def test_a_job_waiting_too_long_for_a_worker_is_not_refreshed_for_ever(client_for, officer, period):
    job = services.report_request(actor=officer, period=period, variant=INTERNAL)
    ReportJob.objects.filter(pk=job.pk).update(queued_at=timezone.now() - 2 * STALE_AFTER)
    response = client_for(officer).get(job.get_absolute_url())
    assert "Refresh" not in response
    assert "Try again" in response.content.decode()


# --- The progress page and the download -------------------------------------------------------


def test_the_progress_page_refreshes_itself_until_the_pdf_is_ready(client_for, officer, period):
    job = services.report_request(actor=officer, period=period, variant=INTERNAL)
    client = client_for(officer)

    waiting = client.get(job.get_absolute_url())
    assert waiting["Refresh"] == "5"
    assert "Waiting to start" in waiting.content.decode()
    ReportJob.objects.filter(pk=job.pk).update(
        status=ReportJob.Status.RUNNING, started_at=timezone.now()
    )
    running = client.get(job.get_absolute_url())
    assert running["Refresh"] == "5" and "Being made" in running.content.decode()

    ReportJob.objects.filter(pk=job.pk).update(status=ReportJob.Status.QUEUED)
    tasks.build_report.call(job.pk)
    ready = client.get(job.get_absolute_url())
    assert "Refresh" not in ready
    page = ready.content.decode()
    assert "govuk-panel" in page and "Ready to download" in page
    assert _url("job_download", period, job.public_id) in page


def test_anyone_who_may_export_downloads_the_pdf_with_its_hash(
    client_for, officer, auditor, treasurer, period
):
    job = services.report_request(actor=auditor, period=period, variant=INTERNAL)
    tasks.build_report.call(job.pk)
    job.refresh_from_db()

    for person in (officer, auditor, treasurer):
        response = client_for(person).get(_url("job_download", period, job.public_id))
        data = b"".join(response.streaming_content)
        assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
        assert response["X-Content-SHA256"] == job.sha256 == hashlib.sha256(data).hexdigest()
        assert response["Content-Disposition"] == (
            f'attachment; filename="annual-review-{period.year}-DRAFT.pdf"'
        )
        assert "no-store" in response["Cache-Control"]


def test_a_pdf_that_is_not_ready_is_not_downloaded(client_for, officer, period):
    job = services.report_request(actor=officer, period=period, variant=INTERNAL)
    assert client_for(officer).get(_url("job_download", period, job.public_id)).status_code == 404


@pytest.fixture
def other_period(toolkit, officer, period):
    return toolkit_services.review_period_create(
        actor=officer,
        label="Older",
        start_date=date(period.year - 3, 4, 1),
        end_date=date(period.year - 2, 3, 31),
        edition=toolkit,
    )


def test_a_job_is_found_only_under_its_own_period(client_for, officer, period, other_period):
    job = services.report_request(actor=officer, period=other_period, variant=INTERNAL)
    tasks.build_report.call(job.pk)
    client = client_for(officer)

    assert client.get(_url("job_detail", period, job.public_id)).status_code == 404
    assert client.get(_url("job_download", period, job.public_id)).status_code == 404
    assert client.get(_url("job_download", other_period, job.public_id)).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/periods/{year}/annual-review/pdf/not-a-uuid/",
        "/periods/{year}/annual-review/pdf/00000000-0000-0000-0000-000000000000/",
        "/periods/{year}/annual-review/pdf/00000000-0000-0000-0000-000000000000/download/",
        "/periods/{year}/annual-review/pdf/%3Cscript%3Ealert(1)%3C%2Fscript%3E/",
        "/periods/{year}/annual-review/pdf/" + "f" * 5000 + "/",
        "/periods/0000/annual-review/pdf/00000000-0000-0000-0000-000000000000/",
        "/periods/99999/annual-review/pdf/00000000-0000-0000-0000-000000000000/",
        "/public/annual-reviews/0000.pdf",
        "/public/annual-reviews/%E2%80%AE2024.pdf",
    ],
)
def test_hostile_job_addresses_are_not_found(path, client_for, officer, period):
    response = client_for(officer).get(path.format(year=period.year))
    assert response.status_code == 404


@pytest.mark.parametrize("variant", ["secret", "INTERNAL", "<script>", "public%00", "x" * 300])
def test_a_version_that_does_not_exist_is_not_found(variant, client_for, officer, period):
    response = client_for(officer).post(f"/periods/{period.year}/annual-review/{variant}/")
    assert response.status_code == 404
    assert not ReportJob.objects.exists()


def test_asking_needs_post_a_role_and_sign_in(client_for, outsider, officer, period):
    url = _url("request", period, INTERNAL)
    assert client_for(officer).get(url).status_code == 405
    assert client_for(outsider).post(url).status_code == 403
    assert client_for(None).post(url).status_code == 302
    assert not ReportJob.objects.exists()


def test_only_people_who_may_export_see_a_job(client_for, outsider, officer, period):
    job = services.report_request(actor=officer, period=period, variant=INTERNAL)
    tasks.build_report.call(job.pk)
    for name in ("job_detail", "job_download"):
        url = _url(name, period, job.public_id)
        assert client_for(outsider).get(url).status_code == 403
        response = client_for(None).get(url)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("who", ["outsider", "superuser"])
def test_report_request_is_refused_without_export_rights(who, request, period):
    with pytest.raises(PermissionDenied):
        services.report_request(actor=request.getfixturevalue(who), period=period, variant=INTERNAL)
    assert not ReportJob.objects.exists()


# --- The old address and the period page ------------------------------------------------------


def test_the_old_pdf_address_renders_nothing_and_leads_to_the_button(client_for, officer, period):
    client = client_for(officer)
    url = reverse("toolkit:period_pdf", args=[period.year])

    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == period.get_absolute_url() + "#annual-review"
    assert not ReportJob.objects.exists()
    page = client.get(period.get_absolute_url()).content.decode()
    assert 'id="annual-review"' in page
    assert f'action="{_url("request", period, INTERNAL)}"' in page

    job = services.report_request(actor=officer, period=period, variant=INTERNAL)
    assert client.get(url)["Location"] == job.get_absolute_url()
    tasks.build_report.call(job.pk)
    assert client.get(url)["Location"] == _url("job_download", period, job.public_id)
    _change_the_report(officer, period)
    assert client.get(url)["Location"] == period.get_absolute_url() + "#annual-review"


def test_a_signed_period_serves_its_stored_copy_and_makes_no_internal_draft(
    client_for, officer, closed, django_capture_on_commit_callbacks
):
    client = client_for(officer)
    response = client.get(reverse("toolkit:period_pdf", args=[closed.year]))
    assert b"".join(response.streaming_content) == FAKE_FINAL_PDF
    assert response["X-Content-SHA256"] == hashlib.sha256(FAKE_FINAL_PDF).hexdigest()

    asked, _ = _ask(client, closed, django_capture_on_commit_callbacks, execute=False)
    assert asked.status_code == 303 and asked["Location"] == closed.get_absolute_url()
    assert not ReportJob.objects.exists()
    page = client.get(closed.get_absolute_url()).content.decode()
    assert services.SIGNED_COPY_STORED.split(":")[0] in page
    assert f'action="{_url("request", closed, INTERNAL)}"' not in page
    with pytest.raises(ValidationError):
        services.report_request(actor=officer, period=closed, variant=INTERNAL)


# --- Public versions --------------------------------------------------------------------------


def test_a_signed_off_period_public_version_is_queued_and_served(
    client_for, closed, officer, django_capture_on_commit_callbacks
):
    client = client_for(None)
    pdf_url = reverse("reports:public_pdf", args=[closed.year])
    listing = client.get(reverse("reports:public_list")).content.decode()
    assert closed.label in listing and "Being prepared" in listing
    preparing = client.get(pdf_url)
    assert preparing.status_code == 200 and "is being prepared" in preparing.content.decode()

    job = services.report_queue_public(period=closed)
    assert (job.variant, job.final, job.requested_by) == (PUBLIC, True, None)
    tasks.build_report.call(job.pk)
    job.refresh_from_db()

    response = client.get(pdf_url)
    data = b"".join(response.streaming_content)
    assert response["Content-Type"] == "application/pdf"
    assert hashlib.sha256(data).hexdigest() == job.sha256 == response["X-Content-SHA256"]
    assert f'filename="annual-review-{closed.year}-public.pdf"' in response["Content-Disposition"]
    assert pdf_url in client.get(reverse("reports:public_list")).content.decode()
    # Asked for again by the period page's button: the same job, nothing queued.
    _, callbacks = _ask(client_for(officer), closed, django_capture_on_commit_callbacks, PUBLIC)
    assert ReportJob.objects.count() == 1 and not callbacks


def test_the_public_address_never_serves_the_internal_version_or_a_draft(
    client_for, officer, period, commissioner
):
    internal = services.report_request(actor=officer, period=period, variant=INTERNAL)
    draft_public = services.report_request(actor=officer, period=period, variant=PUBLIC)
    tasks.build_report.call(internal.pk)
    tasks.build_report.call(draft_public.pk)
    client = client_for(None)
    pdf_url = reverse("reports:public_pdf", args=[period.year])

    assert client.get(pdf_url).status_code == 404  # open: nothing public at all
    assert period.label not in client.get(reverse("reports:public_list")).content.decode()
    toolkit_services.review_period_close(
        actor=commissioner, period=period, final_pdf=FAKE_FINAL_PDF
    )
    response = client.get(pdf_url)
    assert response.status_code == 200  # signed off, but only drafts exist: being prepared
    assert response["Content-Type"].startswith("text/html")
    assert "is being prepared" in response.content.decode()


def test_public_pages_need_no_sign_in_and_link_from_the_public_navigation(client_for, closed):
    page = client_for(None).get(reverse("decisions:public_list")).content.decode()
    assert reverse("reports:public_list") in page and "Annual reviews" in page
    assert client_for(None).get(reverse("reports:public_list")).status_code == 200


def test_a_period_in_review_has_no_public_page(client_for, period):
    ReviewPeriod.objects.filter(pk=period.pk).update(status=ReviewPeriod.Status.IN_REVIEW)
    assert (
        client_for(None).get(reverse("reports:public_pdf", args=[period.year])).status_code == 404
    )
    with pytest.raises(ValidationError):
        services.report_queue_public(period=period)


def _text(pdf: bytes) -> str:
    import io

    from pypdf import PdfReader

    return " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_public_address_serves_no_staff_name_that_the_internal_version_prints(
    client_for, django_user_model, officer, commissioner, period
):
    from django.contrib.auth.models import Group

    from prevent_compliance.roles import Role
    from toolkit.models import Section

    owner = django_user_model.objects.create_user(
        username="zq", first_name="Zebedeequill", last_name="Markerfeather"
    )
    owner.groups.add(Group.objects.get(name=Role.OFFICER.value))
    toolkit_services.action_create(
        actor=officer,
        period=period,
        title="Refresh the Channel panel's terms of reference",
        section=Section.objects.get(edition=period.edition, number=1),
        owner=owner,
        due_date=period.end_date,
    )
    toolkit_services.review_period_close(
        actor=commissioner, period=period, final_pdf=FAKE_FINAL_PDF
    )
    period.refresh_from_db()
    public = services.report_queue_public(period=period)
    tasks.build_report.call(public.pk)
    internal = _text(annual_review_report.annual_review_pdf(period, final=True))
    assert "Zebedeequill" in internal  # the marker is printed where a name is

    response = client_for(None).get(reverse("reports:public_pdf", args=[period.year]))
    served = _text(b"".join(response.streaming_content))
    assert "Refresh the Channel panel" in served and "Zebedeequill" not in served
    assert "Markerfeather" not in served
