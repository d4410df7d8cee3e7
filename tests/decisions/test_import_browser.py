"""The browser import: upload → preview → confirm → the worker imports → report.

The worker's task runs for real (django-tasks' immediate backend, after the transaction
commits); a failure in the middle of the import is injected in the database itself (a
trigger that refuses the supporting sections once decisions are written), and a worker that
died mid-run is found by the next attempt.
"""

import csv
import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from decisions import services
from decisions.integrity import check_seal
from decisions.models import Decision, DecisionImport
from decisions.tasks import run_decision_import

DATA = Path(__file__).parent / "data"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
UPLOAD = reverse("decisions:import_upload")


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


def _file(name: str, content: bytes | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content if content is not None else (DATA / name).read_bytes())


def _upload(client, name: str, content: bytes | None = None):
    return client.post(UPLOAD, {"upload": _file(name, content)})


def _job() -> DecisionImport:
    return DecisionImport.objects.get()


def test_the_administrator_uploads_previews_confirms_and_downloads_the_report(
    client_for, administrator, toolkit, immediate_tasks, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    page = client.get(UPLOAD)
    assert page.status_code == 200 and b"Download the CSV template" in page.content
    response = _upload(client, "staffordshire_style.csv")
    job = _job()
    assert response.status_code == 302 and response["Location"] == job.get_absolute_url()
    assert job.status == DecisionImport.Status.CHECKED and job.row_count == 7
    assert not Decision.objects.exists()  # nothing before confirmation
    preview = client.get(job.get_absolute_url())
    text = preview.content.decode()
    assert "Import 7 records" in text
    assert "Body worn video for front line officers" in text and "Not published" in text
    assert "Refresh" not in preview.headers
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("decisions:import_confirm", args=[job.public_id]))
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == DecisionImport.Status.DONE and job.created_count == 7
    assert Decision.objects.count() == 7
    assert all(check_seal(d).ok for d in Decision.objects.all())
    assert all(d.history.first().history_user == administrator for d in Decision.objects.all())
    done = client.get(job.get_absolute_url()).content.decode()
    assert "Import complete" in done and "7 records created and sealed" in done
    report = client.get(reverse("decisions:import_report", args=[job.public_id]))
    assert report["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert rows[0] == ["row", "reference", "register", "title", "result", "column", "problem"]
    assert [r[4] for r in rows[1:]] == ["created"] * 7
    assert rows[1][:3] == ["2", "001", "2012-13"]


def test_a_confirmed_import_cannot_be_confirmed_again(
    client_for, administrator, toolkit, immediate_tasks, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    _upload(client, "warwickshire_style.csv")
    job = _job()
    confirm = reverse("decisions:import_confirm", args=[job.public_id])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(confirm)
    response = client.post(confirm, follow=True)
    assert "This import is imported, so it cannot be started again" in response.content.decode()
    assert Decision.objects.count() == 2


def test_a_file_with_problems_shows_each_by_row_and_column_and_cannot_be_confirmed(
    client_for, administrator, toolkit
):
    content = (
        b"reference,title,decision_date,confidentiality,summary,colour\n"
        b"X-1,<script>alert(1)</script>,2024-02-30,non-confidential,A summary,red\n"
        b"X-2,Second,2024-01-01,secret,,blue\n"
    )
    client = client_for(administrator)
    _upload(client, "bad.csv", content)
    job = _job()
    assert job.status == DecisionImport.Status.REFUSED and not job.file
    page = client.get(job.get_absolute_url()).content.decode()
    assert "There is a problem with the file: nothing was imported" in page
    assert "row 2 (X-1), column &#x27;decision_date&#x27;: 2024-02-30 is not a real date" in page
    assert "row 3 (X-2), column &#x27;confidentiality&#x27;: must be one of" in page
    assert "row 3 (X-2), column &#x27;summary&#x27;: is required" in page
    assert "column &#x27;colour&#x27;: is not a column" in page  # the warning
    assert "<script>alert(1)</script>" not in page
    assert "Import 0" not in page and "Import 2" not in page
    response = client.post(reverse("decisions:import_confirm", args=[job.public_id]), follow=True)
    assert "This import is problems found" in response.content.decode()
    assert not Decision.objects.exists()
    report = client.get(reverse("decisions:import_report", args=[job.public_id]))
    rows = list(csv.reader(io.StringIO(report.content.decode("utf-8-sig"))))
    assert ["2", "X-1", "", "", "problem", "decision_date", "2024-02-30 is not a real date"] in rows


def test_html_in_a_cell_is_escaped_in_the_preview(client_for, administrator, toolkit):
    content = (
        b"reference,title,decision_date,confidentiality,summary\n"
        b"X-1,<img src=x onerror=alert(1)>,2024-01-02,non-confidential,A summary\n"
    )
    client = client_for(administrator)
    _upload(client, "log.csv", content)
    page = client.get(_job().get_absolute_url()).content.decode()
    assert "&lt;img src=x onerror=alert(1)&gt;" in page and "<img src=x" not in page


def test_a_hostile_file_is_refused_and_not_kept(client_for, administrator, db):
    client = client_for(administrator)
    _upload(client, "log.csv", b"MZ\x90\x00" + b"\x00" * 300)
    job = _job()
    assert job.status == DecisionImport.Status.REFUSED and not job.file
    assert "The file is a program" in client.get(job.get_absolute_url()).content.decode()


def test_the_same_file_again_says_already_imported(
    client_for, administrator, toolkit, immediate_tasks, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    _upload(client, "west_mercia_style.csv")
    first = _job()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("decisions:import_confirm", args=[first.public_id]))
    _upload(client, "west_mercia_style.csv")
    again = DecisionImport.objects.exclude(pk=first.pk).get()
    assert again.status == DecisionImport.Status.NOTHING_NEW and again.sha256 == first.sha256
    page = client.get(again.get_absolute_url()).content.decode()
    assert "Already imported: every record in this file is in the log" in page
    assert Decision.objects.count() == 3


def test_the_progress_page_refreshes_itself_while_the_worker_has_the_job(
    client_for, administrator, toolkit, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    _upload(client, "warwickshire_style.csv")
    job = _job()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        client.post(reverse("decisions:import_confirm", args=[job.public_id]))
    assert len(callbacks) == 1  # queued only once the confirmation commits
    page = client.get(job.get_absolute_url())
    assert page["Refresh"] == "3"
    assert "The import is running in the background" in page.content.decode()
    assert run_decision_import.call(job.pk) == DecisionImport.Status.DONE
    assert "Refresh" not in client.get(job.get_absolute_url()).headers


def test_another_administrator_cannot_see_or_confirm_the_job(
    client_for, administrator, django_user_model, toolkit
):
    from prevent_compliance.roles import Role
    from tests.conftest import _make_user

    client = client_for(administrator)
    _upload(client, "warwickshire_style.csv")
    job = _job()
    other = _make_user(django_user_model, "admin2", Role.ADMINISTRATOR)
    client = client_for(other)
    assert client.get(job.get_absolute_url()).status_code == 404
    assert client.post(reverse("decisions:import_confirm", args=[job.public_id])).status_code == 404
    assert client.get(reverse("decisions:import_report", args=[job.public_id])).status_code == 404


@pytest.mark.parametrize("who", ["officer", "chief_executive", "auditor", "outsider"])
def test_only_administrators_may_import(client_for, request, who, db):
    client = client_for(request.getfixturevalue(who))
    assert client.get(UPLOAD).status_code == 403
    assert _upload(client, "warwickshire_style.csv").status_code == 403
    assert not DecisionImport.objects.exists()


def test_an_administrator_without_a_code_is_sent_to_enter_one(client, administrator, db):
    from tests.prevent_compliance.two_factor import confirmed_device

    confirmed_device(administrator)
    client.force_login(administrator)
    response = client.get(UPLOAD)
    assert response.status_code == 302 and "/accounts/" in response["Location"]


def test_the_template_lists_every_documented_column(client_for, administrator, db):
    from decisions.import_views import TEMPLATE_COLUMNS

    response = client_for(administrator).get(reverse("decisions:import_template"))
    header = next(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert header == list(TEMPLATE_COLUMNS)
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Importing a decision log", 1)[1].split("\n## ", 1)[0]
    for column in TEMPLATE_COLUMNS:
        generic = column.replace("_1_", "_N_").replace("_2_", "_N_")
        assert f"`{generic}`" in section, column


# --- A half-written import is impossible ----------------------------------------------------

_REFUSE_SECTIONS = {
    "sqlite": [
        "CREATE TRIGGER test_refuse_sections BEFORE INSERT ON decisions_supportingsection "
        "WHEN (SELECT COUNT(*) FROM decisions_decision) >= 2 "
        "BEGIN SELECT RAISE(ABORT, 'injected failure after the decisions were written'); END"
    ],
    "postgresql": [
        "CREATE FUNCTION test_refuse_sections() RETURNS trigger AS $$ BEGIN "
        "IF (SELECT COUNT(*) FROM decisions_decision) >= 2 THEN "
        "RAISE EXCEPTION 'injected failure after the decisions were written'; END IF; "
        "RETURN NEW; END $$ LANGUAGE plpgsql",
        "CREATE TRIGGER test_refuse_sections BEFORE INSERT ON decisions_supportingsection "
        "FOR EACH ROW EXECUTE FUNCTION test_refuse_sections()",
    ],
}


def test_a_failure_midway_leaves_nothing_and_marks_the_job_failed(
    client_for, administrator, toolkit, immediate_tasks, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    _upload(client, "warwickshire_style.csv")
    job = _job()
    with connection.cursor() as cursor:
        for statement in _REFUSE_SECTIONS[connection.vendor]:
            cursor.execute(statement)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("decisions:import_confirm", args=[job.public_id]))
    job.refresh_from_db()
    assert job.status == DecisionImport.Status.FAILED
    assert "injected failure" in job.error and "nothing was imported" in job.error
    assert Decision.objects.count() == 0 and Decision.history.count() == 0
    page = client.get(job.get_absolute_url()).content.decode()
    assert "Failed: nothing was imported" in page


def test_a_worker_killed_midway_is_found_by_the_next_attempt(
    client_for, administrator, toolkit, django_capture_on_commit_callbacks
):
    client = client_for(administrator)
    _upload(client, "warwickshire_style.csv")
    job = _job()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("decisions:import_confirm", args=[job.public_id]))
    # What a worker killed inside the import's transaction leaves: the job marked running
    # (its own committed write) and nothing else (the database rolled the rest back).
    DecisionImport.objects.filter(pk=job.pk).update(status=DecisionImport.Status.RUNNING)
    assert run_decision_import.call(job.pk) == DecisionImport.Status.FAILED
    job.refresh_from_db()
    assert job.error == services.INTERRUPTED and not Decision.objects.exists()


def test_a_job_whose_worker_died_stops_refreshing_and_says_so(
    client_for, administrator, toolkit, django_capture_on_commit_callbacks
):
    from datetime import timedelta

    from django.utils import timezone

    client = client_for(administrator)
    _upload(client, "warwickshire_style.csv")
    job = _job()
    with django_capture_on_commit_callbacks(execute=False):
        client.post(reverse("decisions:import_confirm", args=[job.public_id]))
    DecisionImport.objects.filter(pk=job.pk).update(
        status=DecisionImport.Status.RUNNING, started_at=timezone.now() - timedelta(hours=2)
    )
    page = client.get(job.get_absolute_url())
    assert "Refresh" not in page.headers
    assert "the background worker seems to have stopped" in page.content.decode()


def test_the_decision_list_links_to_the_import_for_administrators_only(
    client_for, administrator, officer, db
):
    listing = reverse("decisions:list")
    assert UPLOAD in client_for(administrator).get(listing).content.decode()
    assert UPLOAD not in client_for(officer).get(listing).content.decode()


# --- The preview is paged: problems first, then the rows ----------------------------------------


def test_a_long_checked_log_is_previewed_fifty_rows_a_page_with_the_import_button_on_each(
    client_for, administrator, toolkit
):
    from bench.import_log import log_csv

    client = client_for(administrator)
    _upload(client, "long.csv", log_csv(120, start_year=1970))
    url = _job().get_absolute_url()
    first = client.get(url).content.decode()
    assert "Rows 1 to 50 of 120" in first and "Import 120 records" in first
    assert "Bench decision 50 of 1970/1971" in first
    assert "Bench decision 51 of 1970/1971" not in first
    assert 'href="?page=2"' in first
    last = client.get(url, {"page": 3}).content.decode()
    assert "Rows 101 to 120 of 120" in last and "Import 120 records" in last
    assert "Bench decision 120 of 1970/1971" in last and 'href="?page=4"' not in last


def test_every_problem_of_a_long_refused_log_is_on_a_page_before_any_row(
    client_for, administrator, toolkit
):
    rows = "".join(f"X-{n},Title {n},2024-01-01,non-confidential,\n" for n in range(1, 61))
    content = f"reference,title,decision_date,confidentiality,summary\n{rows}".encode()
    client = client_for(administrator)
    _upload(client, "bad.csv", content)
    url = _job().get_absolute_url()
    first = client.get(url).content.decode()
    assert "Fix these 60 problems" in first and "Problems 1 to 50 of 60" in first
    assert 'href="#problem-50"' in first and 'id="problem-50"' in first
    assert "and 10 more on other pages of this preview" in first
    assert "row 52 (X-51)" not in first
    second = client.get(url, {"page": 2}).content.decode()
    assert "Fix these 60 problems" in second and "Problems 51 to 60 of 60" in second
    assert 'href="#problem-60"' in second and 'id="problem-60"' in second
    assert "row 61 (X-60), column &#x27;summary&#x27;: is required" in second
    assert "and 50 more on other pages of this preview" in second
