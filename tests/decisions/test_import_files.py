"""Decision logs shaped like four offices' own, from CSV and XLSX; hostile files refused.

The CSV files in tests/decisions/data are written in our words after the shapes of real
logs: a yearly register whose numbers restart (001 in 2012-13 and again in 2013-14) with
withdrawn, deferred and not published entries; a continuous PCC/D/2023/03 log with a
governance board, a deputy and financial values; numbered records with full supporting
sections; and "57 – 2014" references (en dash) with an accountability board, joint
decisions, approval given as "PCC & CC" and links to the original notices, saved by an older
Excel (semicolons, Windows-1252, CRLF). Each is also turned into an XLSX workbook here.
"""

import csv
import io
import zipfile
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import Workbook

from decisions.importer import ImportProblems, read_import, validate_import
from decisions.integrity import check_seal
from decisions.models import Decision, DecisionImport

DATA = Path(__file__).parent / "data"
OFFICES = {
    "staffordshire_style.csv": 7,
    "west_mercia_style.csv": 3,
    "warwickshire_style.csv": 2,
    "devon_cornwall_style.csv": 3,
}


def _run(path, *args) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import_decisions", str(path), *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _refused(path, *args) -> str:
    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError, match="[Nn]othing was imported") as refused:
        call_command("import_decisions", str(path), *args, stdout=out, stderr=err)
    assert Decision.objects.count() == 0
    text = f"{refused.value}\n{err.getvalue()}\n{out.getvalue()}"
    assert "Traceback" not in text
    return text


def _rows_of(name: str) -> list[list[str]]:
    raw = (DATA / name).read_bytes()
    text = raw.decode("utf-8-sig") if name != "devon_cornwall_style.csv" else raw.decode("cp1252")
    delimiter = ";" if name == "devon_cornwall_style.csv" else ","
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))


def xlsx_bytes(rows: list[list], *, title: str = "Decisions") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _as_xlsx(tmp_path, name: str) -> Path:
    path = tmp_path / name.replace(".csv", ".xlsx")
    path.write_bytes(xlsx_bytes(_rows_of(name)))
    return path


def _sealed_and_public(references: list[str]) -> None:
    for decision in Decision.objects.filter(reference__in=references):
        assert check_seal(decision).ok, decision.reference
        assert Decision.objects.public().filter(pk=decision.pk).exists(), decision.reference
        assert decision.source == Decision.Source.IMPORTED


# --- Four offices' logs ---------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize(("name", "count"), OFFICES.items())
def test_each_office_log_imports_from_csv_and_xlsx(tmp_path, toolkit, name, count, fmt):
    path = DATA / name if fmt == "csv" else _as_xlsx(tmp_path, name)
    out, _err = _run(path)
    assert f"Imported {count} decision record(s)." in out
    assert Decision.objects.count() == count
    _sealed_and_public(list(Decision.objects.values_list("reference", flat=True)))
    job = DecisionImport.objects.get()
    assert job.status == DecisionImport.Status.DONE and job.created_count == count
    assert len(job.sha256) == 64


def test_a_register_whose_numbers_restart_every_year(toolkit):
    _run(DATA / "staffordshire_style.csv")
    first = Decision.objects.filter(reference="001").order_by("register")
    assert [(d.register, d.title) for d in first] == [
        ("2012-13", "Anti-fraud and corruption policy"),
        ("2013-14", "Police and crime plan refresh"),
    ]
    assert first[0].decision_date == date(2012, 12, 3)  # 03/12/2012, as UK logs write it
    assert first[0].published_on == date(2012, 12, 10)
    assert first[0].decision_maker == "pcc"
    states = dict(Decision.objects.values_list("reference", "status").filter(register="2012-13"))
    assert states == {
        "001": "published",
        "002": "published",
        "003": "not_published",
        "004": "deferred",
        "010": "withdrawn",
    }
    body_worn = Decision.objects.get(register="2012-13", reference="003")
    assert body_worn.status_note == "Commercially sensitive: the tender is still open."
    assert body_worn.status_date == date(2013, 2, 4)
    assert body_worn.foi_exemptions == ["not_stated"]  # confidential, no exemption named
    grant = Decision.objects.get(register="2013-14", reference="002")
    assert grant.decision_maker == "deputy_pcc"
    assert grant.confidentiality == "partly-confidential"
    assert grant.foi_exemptions == ["not_stated"]
    # Nothing the file leaves empty is invented.
    assert grant.chief_officer_approval == Decision.ChiefOfficerApproval.NOT_STATED
    assert grant.signed_on is None and grant.signatory_name == ""


def test_a_continuous_log_with_a_board_a_deputy_and_money(toolkit):
    out, _err = _run(DATA / "west_mercia_style.csv")
    assert "Warning: column 'notes_from_the_office': is not a column" in out
    budget = Decision.objects.get(reference="PCC/D/2023/03")
    assert budget.register == ""
    assert (budget.forum, budget.forum_date) == ("Governance Board", date(2023, 2, 22))
    assert budget.financial_value == Decimal("312400000.00")
    assert budget.chief_officer_approval == Decision.ChiefOfficerApproval.REQUIRED
    assert budget.chief_officer_approver == "Chief Constable"
    assert (budget.signatory_name, budget.signed_on) == ("The Commissioner", date(2023, 2, 23))
    assert budget.treasurer_comments == "The budget is balanced and robust."
    fleet = Decision.objects.get(reference="PCC/D/2023/04")
    assert fleet.decision_maker == "deputy_pcc"
    assert fleet.decision_maker_name == "The Deputy Commissioner"
    estates = Decision.objects.get(reference="PCC/D/2023/05")
    assert estates.decision_maker == "officer_delegated" and estates.foi_exemptions == ["s43"]


def test_numbered_sections_and_toolkit_sections(toolkit):
    _run(DATA / "warwickshire_style.csv")
    funding = Decision.objects.get(reference="WPCC4-0031")
    sections = list(funding.supporting_sections.values_list("position", "heading", "body"))
    assert sections[0] == (
        1,
        "Background information",
        "The partnership asked for support.\n\nIt trains staff in schools.",
    )
    assert len(sections) == 2
    assert sorted(funding.sections.values_list("number", flat=True)) == [1, 3]
    assert funding.interests_declared
    handbook = Decision.objects.get(reference="WPCC4-0032")
    assert list(handbook.supporting_sections.values_list("withheld", flat=True)) == [
        False,
        False,
        True,
    ]
    assert handbook.history.first().history_change_reason == "Imported from an earlier decision log"


def test_en_dash_references_joint_decisions_and_original_notices(toolkit):
    out, _err = _run(DATA / "devon_cornwall_style.csv")
    assert "read as Windows-1252" in out and "separated by “;”" in out
    joint = Decision.objects.get(reference="57 – 2014")
    assert joint.title == "Joint collaboration agreement – firearms training"
    assert joint.decision_maker == "pcc_and_chief_constable"
    assert (joint.forum, joint.forum_date) == ("Accountability Board", date(2014, 6, 10))
    assert joint.chief_officer_approval == Decision.ChiefOfficerApproval.AS_PUBLISHED
    assert joint.chief_officer_approval_text == "PCC & CC"  # kept verbatim
    links = list(joint.appendices.values_list("position", "title", "url", "is_original_notice"))
    assert links == [
        (1, "Decision notice 57 – 2014", "https://example.org/decisions/57-2014.pdf", True),
        (
            2,
            "Collaboration agreement",
            "https://example.org/decisions/57-2014-agreement.pdf",
            False,
        ),
    ]
    assert check_seal(joint).ok


def test_the_same_file_again_imports_nothing_and_says_so(tmp_path, toolkit):
    _run(DATA / "staffordshire_style.csv")
    before = Decision.history.count()
    out, _err = _run(DATA / "staffordshire_style.csv")
    assert "Already imported: all 7 record(s)" in out and "Nothing was imported." in out
    assert Decision.objects.count() == 7 and Decision.history.count() == before
    # The same records from a workbook are the same content: nothing new either.
    out, _err = _run(_as_xlsx(tmp_path, "staffordshire_style.csv"))
    assert "Already imported" in out
    assert DecisionImport.objects.filter(status=DecisionImport.Status.NOTHING_NEW).count() == 2


def test_a_log_grown_by_new_rows_imports_only_the_new_ones(tmp_path, toolkit):
    rows = _rows_of("staffordshire_style.csv")
    first = tmp_path / "first.csv"
    first.write_bytes(_csv_bytes(rows[:4]))
    _run(first)
    out, _err = _run(DATA / "staffordshire_style.csv")
    assert "Imported 4 decision record(s) (3 already imported)." in out
    assert Decision.objects.count() == 7


def test_check_reports_and_writes_nothing(toolkit):
    out, _err = _run(DATA / "west_mercia_style.csv", "--check")
    assert "No problems found: 3 record(s) would be imported" in out
    assert not Decision.objects.exists() and not DecisionImport.objects.exists()


def test_check_lists_every_problem_by_row_reference_and_column(tmp_path, toolkit):
    rows = _rows_of("west_mercia_style.csv")
    header = rows[0]
    bad = [dict(zip(header, row, strict=True)) for row in rows[1:]]
    bad[0]["decision_date"] = "31/02/2023"
    bad[1]["decision_maker"] = "The Mayor"
    bad[1]["financial_value"] = "lots"
    bad[2]["confidentiality"] = "secret"
    bad[2]["signed_on"] = ""
    path = tmp_path / "bad.csv"
    path.write_bytes(_csv_bytes([header] + [[r[h] for h in header] for r in bad]))
    text = _refused(path, "--check")
    assert "row 2 (PCC/D/2023/03), column 'decision_date': 31/02/2023 is not a real date" in text
    assert "row 3 (PCC/D/2023/04), column 'decision_maker': must be one of" in text
    assert "row 3 (PCC/D/2023/04), column 'financial_value': must be an amount" in text
    assert "row 4 (PCC/D/2023/05), column 'confidentiality': must be one of" in text
    assert "row 4 (PCC/D/2023/05), column 'signed_by': give both signed_by and signed_on" in text
    assert "5 problem(s) found; nothing was imported." in text


def test_a_reference_repeated_within_its_register_is_refused(tmp_path, toolkit):
    rows = _rows_of("staffordshire_style.csv")
    rows[2][1] = "001"  # the second 2012-13 row takes the first's number
    path = tmp_path / "repeat.csv"
    path.write_bytes(_csv_bytes(rows))
    text = _refused(path)
    assert "row 3 (001), column 'reference': repeats row 2 in register 2012-13" in text


def test_a_reference_in_the_log_with_other_content_is_refused(tmp_path, toolkit):
    _run(DATA / "warwickshire_style.csv")
    rows = _rows_of("warwickshire_style.csv")
    rows[1][1] = "A different title"
    path = tmp_path / "changed.csv"
    path.write_bytes(_csv_bytes(rows))
    with pytest.raises(CommandError):
        _run(path)
    assert (
        Decision.objects.get(reference="WPCC4-0031").title == "Prevent partnership funding 2024/25"
    )


def test_the_actor_is_recorded_in_the_history(administrator, toolkit):
    _run(DATA / "warwickshire_style.csv", "--actor", administrator.username)
    record = Decision.objects.get(reference="WPCC4-0031").history.first()
    assert record.history_user == administrator
    assert DecisionImport.objects.get().requested_by == administrator


def test_an_unknown_actor_is_refused(db):
    with pytest.raises(CommandError, match="No active user is called nobody"):
        _run(DATA / "warwickshire_style.csv", "--actor", "nobody")


def _csv_bytes(rows: list[list], *, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode("utf-8")


# --- Hostile and awkward files --------------------------------------------------------------

HEADER = ["reference", "title", "decision_date", "confidentiality", "summary"]
ROW = ["X-1", "A title", "2024-01-02", "non-confidential", "A summary."]


def _read(content: bytes, name: str):
    return validate_import(read_import(content, name))


def test_a_byte_order_mark_and_windows_line_ends(toolkit):
    content = b"\xef\xbb\xbf" + _csv_bytes([HEADER, ROW]).replace(b"\n", b"\r\n")
    [record] = _read(content, "log.csv")
    assert record.values["reference"] == "X-1" and record.values["summary"] == "A summary."


def test_windows_1252_is_read_and_reported(toolkit):
    content = _csv_bytes([HEADER, ["X-1", "Caf\u00e9 \u2013 \u00a3500", *ROW[2:]]])
    parsed = read_import(content.decode("utf-8").encode("cp1252"), "log.csv")
    assert parsed.notes and "Windows-1252" in parsed.notes[0]
    [record] = validate_import(parsed)
    assert record.values["title"] == "Caf\u00e9 \u2013 \u00a3500"


def test_neither_utf8_nor_windows_1252_is_refused(db):
    with pytest.raises(ImportProblems, match="1 problem"):
        read_import(b"reference,title\n\x81\x8d\x8f,x\n", "log.csv")


def test_semicolons_are_sniffed(toolkit):
    [record] = _read(_csv_bytes([HEADER, ROW], delimiter=";"), "log.csv")
    assert record.values["title"] == "A title"


def test_a_formula_typed_as_text_is_kept_as_plain_text(tmp_path, toolkit):
    formula = '=HYPERLINK("http://evil.example","click")'
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(HEADER)
    sheet.append(["X-1", "A title", "2024-01-02", "non-confidential", "placeholder"])
    sheet["E2"].value = formula
    sheet["E2"].data_type = "s"  # a text cell that happens to start with "="
    buffer = io.BytesIO()
    workbook.save(buffer)
    [record] = _read(buffer.getvalue(), "log.xlsx")
    assert record.values["summary"] == formula


def test_a_formula_cell_is_never_evaluated(toolkit):
    # A real formula with no saved value reads as empty: the import never calculates it.
    content = xlsx_bytes([HEADER, ["X-1", "A title", "2024-01-02", "non-confidential", "=1+1"]])
    with pytest.raises(ImportProblems) as refused:
        _read(content, "log.xlsx")
    assert "row 2 (X-1), column 'summary': is required" in refused.value.problems


def test_a_huge_cell_is_refused(db):
    content = _csv_bytes(
        [HEADER, ["X-1", "A title", "2024-01-02", "non-confidential", "x" * 1_048_576]]
    )
    with pytest.raises(ImportProblems) as refused:
        read_import(content, "log.csv")
    assert "Line 2 has a cell longer than 100,000 characters" in refused.value.problems[0]


def test_a_huge_cell_in_a_workbook_is_refused(db):
    # A workbook cell holds 32,767 characters; longer text is cut on reading: never imported.
    content = xlsx_bytes(
        [HEADER, ["X-1", "A title", "2024-01-02", "non-confidential", "x" * 120_000]]
    )
    with pytest.raises(ImportProblems) as refused:
        read_import(content, "log.xlsx")
    assert "Row 2, column 5 reaches the 32,767 characters" in refused.value.problems[0]


def _zip(members: dict[str, bytes], *, compression=zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _workbook_with(extra: dict[str, bytes]) -> bytes:
    base = zipfile.ZipFile(io.BytesIO(xlsx_bytes([HEADER, ROW])))
    members = {info.filename: base.read(info) for info in base.infolist()}
    return _zip({**members, **extra})


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"MZ\x90\x00\x03" + b"\x00" * 200, "log.csv", "is a program"),
        (b"\x7fELF\x02\x01\x01" + b"\x00" * 100, "log.csv", "is a program"),
        (b"%PDF-1.7\n%..." + b"\x00" * 50, "log.csv", "is not text or an Excel workbook"),
        (_workbook_with({"xl/vbaProject.bin": b"\x00" * 64}), "log.xlsx", "contains macros"),
        (xlsx_bytes([HEADER, ROW]), "log.xlsm", "macro-enabled workbook"),
        (
            _workbook_with({"xl/externalLinks/externalLink1.xml": b"<externalLink/>"}),
            "log.xlsx",
            "links to other files",
        ),
        (_zip({"bomb.txt": b"\x00" * 50_000_000}), "log.xlsx", "looks like a zip bomb"),
        (_zip({"notes.txt": b"hello"}), "log.xlsx", "not an Excel workbook"),
        (b"PK\x03\x04 broken", "log.xlsx", "not a readable Excel workbook"),
        (b"", "log.csv", "The file is empty"),
    ],
)
def test_hostile_files_are_refused_and_nothing_is_imported(tmp_path, db, content, name, message):
    path = tmp_path / name
    path.write_bytes(content)
    assert message in _refused(path)
    assert not DecisionImport.objects.exists()


def test_html_in_cells_is_kept_as_text(toolkit):
    script = "<script>alert('x')</script>"
    [record] = _read(_csv_bytes([HEADER, ["X-1", script, *ROW[2:]]]), "log.csv")
    assert record.values["title"] == script


def test_unknown_columns_are_reported_not_dropped_silently(toolkit):
    parsed = read_import(_csv_bytes([[*HEADER, "Colour"], [*ROW, "red"]]), "log.csv")
    assert [str(w) for w in parsed.warnings] == [
        "column 'colour': is not a column of the decision log format, so its cells are not "
        "imported; rename it if it holds one of the documented columns"
    ]


def test_headers_are_matched_whatever_their_case_and_spaces(toolkit):
    header = ["Reference", "Title", "Decision date", "CONFIDENTIALITY", " summary "]
    [record] = _read(_csv_bytes([header, ROW]), "log.csv")
    assert record.values["decision_date"] == date(2024, 1, 2)


def test_blank_rows_are_skipped_and_rows_keep_their_spreadsheet_numbers(toolkit):
    content = _csv_bytes([HEADER, ROW, ["", "", "", "", ""], ["X-2", "", *ROW[2:]]])
    with pytest.raises(ImportProblems) as refused:
        _read(content, "log.csv")
    assert refused.value.problems == ["row 4 (X-2), column 'title': is required"]


def test_a_gap_in_the_numbered_sections_is_a_problem(toolkit):
    header = [*HEADER, "section_1_heading", "section_3_heading"]
    with pytest.raises(ImportProblems) as refused:
        _read(_csv_bytes([header, [*ROW, "One", "Three"]]), "log.csv")
    assert (
        "row 2 (X-1), column 'section_2_heading': is empty, but section 3 is given"
        in (refused.value.problems[0])
    )


def test_the_model_rules_are_reported_by_column(toolkit):
    header = [*HEADER, "signed_by", "signed_on"]
    row = [*ROW, "P. Commissioner", "2023-12-01"]  # signed before the decision date
    with pytest.raises(ImportProblems) as refused:
        _read(_csv_bytes([header, row]), "log.csv")
    assert refused.value.problems == [
        "row 2 (X-1), column 'decision_date': the date of the decision must be the same as or "
        "before the date it was signed"
    ]


def test_too_many_rows_are_refused(db, monkeypatch):
    from decisions import importer

    monkeypatch.setattr(importer, "MAX_ROWS", 3)
    with pytest.raises(ImportProblems, match="1 problem"):
        read_import(_csv_bytes([HEADER, *[ROW] * 6]), "log.csv")
