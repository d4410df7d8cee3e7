"""What an audit pack holds for an auditor, and the pages around it: every member proved by
the manifest, decision notices (confidential ones too) and appendices, registers as CSV and
XLSX, the audit trail of the period, earlier packs with who asked, and a self-refreshing page.
"""

import csv
import hashlib
import io
import os
import tracemalloc
import zipfile
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from decisions import notices
from decisions.models import Appendix, Decision
from prevent_compliance.uploads import validate_upload
from tests.conftest import _make_user
from tests.decisions.helpers import MARKER, advance, complete_sections, make_draft, pdf_upload
from tests.prevent_compliance.samples import pdf_bytes, upload
from toolkit import services
from toolkit.auditpack import CHUNK, stream_audit_pack
from toolkit.models import ExportJob

FAKE_FINAL_PDF = b"%PDF-1.7\n% the signed annual review\n%%EOF\n"
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
FORMULA_TITLE = '=HYPERLINK("https://evil.example","click")'


def _evidence_file(make_evidence, title, name, content, **overrides):
    file = upload(name, content)
    return make_evidence(title=title, upload=file, upload_info=validate_upload(file), **overrides)


@pytest.fixture
def world(personas, period, make_evidence, make_action, today):
    """A period with evidence (files and a link), actions, and two decisions taken in it:
    one confidential (a withheld section holds MARKER) with a file and a link appendix."""
    officer = personas["officer"]
    minutes = _evidence_file(make_evidence, "Board minutes", "minutes.pdf", pdf_bytes("Minutes"))
    formula = _evidence_file(make_evidence, FORMULA_TITLE, "formula.pdf", pdf_bytes("F"))
    link = make_evidence(title="Council Prevent page", url="https://council.example/prevent")
    action = make_action(title="Refresh the referral pathway")
    decision_date = max(period.start_date, today - timedelta(days=20))

    public = make_draft(personas, title="Prevent training plan", decision_date=decision_date)
    complete_sections(public, actor=officer)
    public = advance(public, personas, "public")

    secret = make_draft(
        personas,
        title="Channel panel funding",
        decision_date=decision_date,
        confidentiality=Decision.Confidentiality.PARTLY_CONFIDENTIAL,
        withheld_parts="Section 5 (costs), under section 43.",
        foi_exemptions=["s43"],
    )
    complete_sections(secret, actor=officer, withheld=5, secret=MARKER)
    appendix_upload, info = pdf_upload("costs.pdf")
    from decisions import services as decision_services

    file_appendix = decision_services.appendix_add(
        actor=officer,
        decision=secret,
        title="Costs",
        upload=appendix_upload,
        upload_info=info,
        withheld=True,
    )
    Appendix.objects.create(
        decision=secret, position=2, title="Published report", url="https://opcc.example/report"
    )
    secret = advance(secret, personas, "public")
    services.review_period_close(
        actor=personas["commissioner"], period=period, final_pdf=FAKE_FINAL_PDF
    )
    period.refresh_from_db()
    return {
        "period": period,
        "minutes": minutes,
        "formula": formula,
        "link": link,
        "action": action,
        "public": public,
        "secret": secret,
        "appendix": file_appendix,
    }


def _pack(period, user=None) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(b"".join(stream_audit_pack(period, requested_by=user))))


def _csv(archive, path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(archive.read(path).decode("utf-8-sig"))))


def _verified(archive: zipfile.ZipFile) -> dict[str, dict]:
    """The manifest lists every member but itself and its hash, each with its real SHA-256."""
    assert archive.testzip() is None
    rows = list(csv.DictReader(io.StringIO(archive.read("manifest.csv").decode())))
    by_path = {row["path"]: row for row in rows}
    assert len(by_path) == len(rows)
    assert set(by_path) == set(archive.namelist()) - {"manifest.csv", "manifest.sha256"}
    for path, row in by_path.items():
        content = archive.read(path)
        assert row["sha256"] == hashlib.sha256(content).hexdigest(), path
        assert int(row["size"]) == len(content), path
    own = hashlib.sha256(archive.read("manifest.csv")).hexdigest()
    assert archive.read("manifest.sha256").decode() == f"{own}  manifest.csv\n"
    return by_path


def test_every_member_is_listed_with_its_hash(world, auditor):
    period = world["period"]

    by_path = _verified(_pack(period, auditor))

    year = period.year
    expected = {
        "README.txt",
        f"annual-review-{year}.pdf",
        f"decisions/{notices.pdf_filename(world['public'].reference)}",
        f"decisions/{notices.pdf_filename(world['secret'].reference)}",
        f"audit-trail-{year}.csv",
        "links.csv",
        *(f"registers/{slug}-{year}.{fmt}" for slug in
          ("evidence", "actions", "assessments", "criteria", "decisions")
          for fmt in ("csv", "xlsx")),
    }  # fmt: skip
    assert expected <= set(by_path)
    evidence = {path for path in by_path if path.startswith("evidence/")}
    assert evidence == {
        f"evidence/{world['minutes'].public_id}/minutes.pdf",
        f"evidence/{world['formula'].public_id}/formula.pdf",
    }
    appendix_paths = [path for path in by_path if path.startswith("decisions/appendices/")]
    assert len(appendix_paths) == 1 and appendix_paths[0].endswith("/01-costs.pdf")
    assert by_path[appendix_paths[0]]["sha256"] == world["appendix"].sha256
    assert "withheld from publication" in by_path[appendix_paths[0]]["record"]
    assert by_path[f"annual-review-{year}.pdf"]["sha256"] == period.final_pdf_sha256


def test_confidential_notice_is_in_the_pack_whole(world, auditor):
    archive = _pack(world["period"], auditor)

    path = f"decisions/{notices.pdf_filename(world['secret'].reference)}"
    reader = PdfReader(io.BytesIO(archive.read(path)))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert MARKER in text  # the pack is internal: withheld parts are in it, marked
    assert "OFFICIAL-SENSITIVE" in text
    readme = archive.read("README.txt").decode()
    assert "OFFICIAL-SENSITIVE" in readme and "manifest.sha256" in readme


def test_links_csv_lists_web_addresses_of_evidence_and_appendices(world, auditor):
    rows = _csv(_pack(world["period"], auditor), "links.csv")

    assert rows[0] == ["url", "record"]
    assert ["https://council.example/prevent", "Evidence: Council Prevent page"] in rows
    secret = world["secret"].reference
    assert ["https://opcc.example/report", f"Decision {secret} appendix 2: Published report"] in (
        rows
    )


def test_registers_xlsx_open_and_match_the_csv(world, auditor):
    archive = _pack(world["period"], auditor)
    year = world["period"].year

    for slug in ("evidence", "actions", "assessments", "criteria", "decisions"):
        book = load_workbook(io.BytesIO(archive.read(f"registers/{slug}-{year}.xlsx")))
        sheet = book.active
        cells = list(sheet.iter_rows())
        assert not any(cell.data_type == "f" for row in cells for cell in row), slug
        values = [["" if c.value is None else c.value for c in row] for row in cells]
        from_csv = _csv(archive, f"registers/{slug}-{year}.csv")
        assert len(values) == len(from_csv), slug
        assert [str(v) for v in values[0]] == from_csv[0], slug

    evidence = load_workbook(io.BytesIO(archive.read(f"registers/evidence-{year}.xlsx"))).active
    titles = [row[0] for row in evidence.iter_rows(min_row=2, values_only=True)]
    assert sorted(titles) == sorted(["Board minutes", "'" + FORMULA_TITLE, "Council Prevent page"])
    actions = load_workbook(io.BytesIO(archive.read(f"registers/actions-{year}.xlsx"))).active
    assert [row[0] for row in actions.iter_rows(min_row=2, values_only=True)] == [
        "Refresh the referral pathway"
    ]
    criteria = load_workbook(io.BytesIO(archive.read(f"registers/criteria-{year}.xlsx"))).active
    assert criteria.max_row - 1 == world["period"].criterion_assessments.count() > 0
    decisions = load_workbook(io.BytesIO(archive.read(f"registers/decisions-{year}.xlsx"))).active
    references = {row[0] for row in decisions.iter_rows(min_row=2, values_only=True)}
    assert references == {world["public"].reference, world["secret"].reference}


def test_audit_trail_holds_the_period_changes(world, auditor):
    rows = _csv(_pack(world["period"], auditor), f"audit-trail-{world['period'].year}.csv")

    assert rows[0][:3] == ["Date and time", "Username", "Name"]
    records = {(row[3], row[4]) for row in rows[1:]}
    assert ("Evidence", "Board minutes") in records
    assert ("Action", "Refresh the referral pathway") in records
    assert ("Decision", "Channel panel funding") in records
    formula_rows = [row for row in rows if FORMULA_TITLE in row[4]]
    assert formula_rows and all(row[4].startswith("'=") for row in formula_rows)


def test_a_pack_for_a_role_that_may_not_read_the_audit_log_has_no_audit_trail(world, officer):
    archive = _pack(world["period"], officer)

    by_path = _verified(archive)
    assert not any(path.startswith("audit-trail-") for path in by_path)
    assert "no audit trail" in archive.read("README.txt").decode()
    assert f"registers/evidence-{world['period'].year}.csv" in by_path


def test_pack_memory_stays_flat_as_files_grow(make_evidence, period, commissioner):
    """Peak Python memory while streaming a pack with one 8 MB file is about that of a pack
    with a tiny one: files pass through a chunk at a time."""
    services.review_period_close(actor=commissioner, period=period, final_pdf=FAKE_FINAL_PDF)
    period.refresh_from_db()

    def peak() -> int:
        tracemalloc.start()
        for _chunk in stream_audit_pack(period):
            pass
        _, top = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        return top

    evidence = _evidence_file(make_evidence, "Small", "small.pdf", pdf_bytes("s"), periods=[])
    evidence.periods.add(period)
    small = peak()
    big = pdf_bytes("x") + os.urandom(8 * 1024 * 1024)
    large = _evidence_file(make_evidence, "Large", "large.pdf", big, periods=[])
    large.periods.add(period)
    assert large.file_size > 30 * CHUNK
    assert peak() < small + 4 * CHUNK + 1024 * 1024


# --- The pages: progress refreshes itself, earlier packs show who asked ---------------------


@pytest.fixture
def immediate_tasks(settings):
    settings.TASKS = IMMEDIATE


def _job(period, user, status=ExportJob.Status.READY, size=1234):
    return ExportJob.objects.create(
        kind=ExportJob.Kind.AUDIT_PACK,
        period=period,
        requested_by=user,
        status=status,
        filename="audit-pack.zip",
        file_size=size if status == ExportJob.Status.READY else None,
    )


@pytest.mark.parametrize(
    ("status", "refresh"),
    [
        (ExportJob.Status.QUEUED, "5"),
        (ExportJob.Status.RUNNING, "5"),
        (ExportJob.Status.READY, None),
        (ExportJob.Status.FAILED, None),
    ],
)
def test_progress_page_refreshes_itself_only_while_the_pack_is_built(
    client_for, auditor, period, status, refresh
):
    job = _job(period, auditor, status)

    response = client_for(auditor).get(job.get_absolute_url())

    assert response.status_code == 200
    assert response.get("Refresh") == refresh
    assert "<script" not in response.text.split("</main>")[0].split("<main")[-1]


def test_earlier_packs_show_who_asked_and_only_to_whom_they_belong(
    client_for, auditor, officer, period, django_user_model, immediate_tasks
):
    other_officer = _make_user(django_user_model, "second.officer", None)
    other_officer.groups.set(officer.groups.all())
    officer_pack = _job(period, officer, size=4 * 1024 * 1024)
    auditor_pack = _job(period, auditor, ExportJob.Status.RUNNING)
    period_url = period.get_absolute_url()

    page = client_for(auditor).get(period_url).text
    assert officer_pack.get_absolute_url() in page and auditor_pack.get_absolute_url() in page
    assert "Officer Tester" in page and "Auditor Tester" in page  # who asked for each
    assert "4.0\xa0MB" in page and "Being built" in page
    assert reverse("toolkit:export_download", args=[officer_pack.public_id]) in page
    assert reverse("toolkit:export_download", args=[auditor_pack.public_id]) not in page
    detail = client_for(auditor).get(officer_pack.get_absolute_url())
    assert detail.status_code == 200 and "Officer Tester" in detail.text

    own = client_for(officer).get(period_url).text
    assert officer_pack.get_absolute_url() in own
    assert auditor_pack.get_absolute_url() not in own  # it may hold the audit trail

    stranger = client_for(other_officer)
    assert officer_pack.get_absolute_url() not in stranger.get(period_url).text
    assert stranger.get(officer_pack.get_absolute_url()).status_code == 404
    download = reverse("toolkit:export_download", args=[officer_pack.public_id])
    assert stranger.get(download).status_code == 404


def test_auditor_downloads_a_pack_an_officer_built(
    client_for,
    auditor,
    officer,
    commissioner,
    period,
    immediate_tasks,
    django_capture_on_commit_callbacks,
):
    services.review_period_close(actor=commissioner, period=period, final_pdf=FAKE_FINAL_PDF)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(officer).post(reverse("toolkit:audit_pack", args=[period.year]))
    job = ExportJob.objects.get()
    assert job.status == ExportJob.Status.READY, job.error

    download = client_for(auditor).get(reverse("toolkit:export_download", args=[job.public_id]))

    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert hashlib.sha256(data).hexdigest() == job.sha256
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert not any(name.startswith("audit-trail-") for name in names)  # built for an officer


def test_period_page_queries_do_not_grow_with_the_packs(client_for, auditor, period, personas):
    client = client_for(auditor)
    url = period.get_absolute_url()

    def count() -> int:
        client.get(url)  # warm: session, caches
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    for who in ("officer", "treasurer"):
        _job(period, personas[who])
    small = count()
    for index in range(15):
        _job(period, personas[("officer", "treasurer", "auditor")[index % 3]])
    large = count()

    assert small == large
    assert "(the 10 most recent)" in client.get(url).text
