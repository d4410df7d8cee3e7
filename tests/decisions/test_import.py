"""import_decisions: the whole file is checked first, and nothing is imported on any error."""

import json

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.core.management.base import CommandError

from decisions.importer import validate_import
from decisions.integrity import content_hash
from decisions.models import Decision
from decisions.services import decisions_import
from prevent_compliance.devdata.wpcc4_0028 import WPCC4_0028

MINIMAL = {
    "reference": "PCC/D/2023/03",
    "title": "Precept proposal 2023/24",
    "decision_date": "2023-02-01",
    "confidentiality": "non-confidential",
    "summary": "The Commissioner proposes the precept.",
}


def _run(tmp_path, records, name="log.json"):
    path = tmp_path / name
    path.write_text(json.dumps(records), encoding="utf-8")
    out, err = __import__("io").StringIO(), __import__("io").StringIO()
    call_command("import_decisions", str(path), stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def _refused(tmp_path, records) -> str:
    err = __import__("io").StringIO()
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(records), encoding="utf-8")
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_decisions", str(path), stdout=__import__("io").StringIO(), stderr=err)
    assert Decision.objects.count() == 0
    return err.getvalue()


def test_import_the_real_record_and_a_minimal_one(tmp_path, toolkit):
    out, _ = _run(tmp_path, [WPCC4_0028, MINIMAL])
    assert "Imported 2 decision record(s)." in out
    real = Decision.objects.get(reference="WPCC4-0028")
    assert real.status == Decision.Status.PUBLISHED and real.source == Decision.Source.IMPORTED
    assert real.signatory_name == "P. Seccombe" and str(real.signed_on) == "2024-10-18"
    assert real.signed_by is None and real.interests_declared
    assert real.sections.count() == 8 and real.supporting_sections.count() == 9
    assert real.content_hash == content_hash(real)
    minimal = Decision.objects.get(reference="PCC/D/2023/03")
    assert not minimal.signature_recorded and minimal.content_hash == content_hash(minimal)
    assert minimal.status == Decision.Status.PUBLISHED
    assert "PCC/D/2023/03: Published (signature not recorded)" in out


def test_confidential_records_arrive_withheld(tmp_path, toolkit):
    record = {**MINIMAL, "confidentiality": "confidential", "foi_exemptions": ["s31"]}
    _run(tmp_path, [record])
    assert Decision.objects.get().status == Decision.Status.WITHHELD


def test_sections_marked_withheld_are_kept_withheld(tmp_path, toolkit):
    record = {
        **MINIMAL,
        "confidentiality": "partly-confidential",
        "foi_exemptions": ["s43"],
        "sections": [
            {"heading": "Costs", "body": "£1", "withheld": True},
            {"heading": "B", "body": "x"},
        ],
    }
    _run(tmp_path, [record])
    assert list(Decision.objects.get().supporting_sections.values_list("withheld", flat=True)) == [
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"decision_date": "11/10/2024"},
            "record 2 (WPCC4-0099), field 'decision_date': must be a date written YYYY-MM-DD",
        ),
        ({"decision_date": "2024-02-30"}, "field 'decision_date': 2024-02-30 is not a real date"),
        ({"confidentiality": "secret"}, "field 'confidentiality': must be one of"),
        ({"summary": ""}, "field 'summary': must not be empty"),
        ({"title": None}, "field 'title': is required"),
        ({"reference": "bad//ref"}, "field 'reference'"),
        ({"foi_exemptions": ["s99"]}, "unknown code(s) s99"),
        ({"signed_by": "P. Seccombe"}, "field 'signed_by': give both signed_by and signed_on"),
        ({"toolkit_sections": [9]}, "no toolkit section numbered 9"),
        ({"sections": [{"body": "no heading"}]}, "field 'sections[1].heading': is required"),
        (
            {"sections": [{"heading": "H", "withheld": "yes"}]},
            "sections[1].withheld': must be true or false",
        ),
        ({"chief_officer_approval": "Chief Constable"}, "field 'chief_officer_approval'"),
        ({"interests_declared": "yes"}, "field 'interests_declared': must be true or false"),
        ({"colour": "red"}, "field 'colour': unknown key"),
        ({"confidentiality": "confidential", "status": "published"}, "cannot be published"),
    ],
)
def test_a_bad_record_is_reported_by_position_and_field_and_nothing_is_imported(
    tmp_path, toolkit, change, message
):
    bad = {**MINIMAL, "reference": "WPCC4-0099", **change}
    err = _refused(tmp_path, [MINIMAL, bad, {**MINIMAL, "reference": "WPCC4-0100"}])
    assert message in err


def test_every_problem_is_listed(tmp_path, toolkit):
    err = _refused(tmp_path, [{**MINIMAL, "title": ""}, {"reference": "X1"}, "not an object"])
    assert "record 1 (PCC/D/2023/03), field 'title'" in err
    assert "record 2 (X1), field 'decision_date': is required" in err
    assert "record 2 (X1), field 'summary': is required" in err
    assert "record 3: must be a JSON object" in err


def test_duplicate_references_are_refused(tmp_path, toolkit):
    err = _refused(tmp_path, [MINIMAL, MINIMAL])
    assert "record 2 (PCC/D/2023/03), field 'reference': repeats record 1" in err


def test_a_reference_already_in_the_log_is_refused(tmp_path, toolkit):
    _run(tmp_path, [MINIMAL])
    path = tmp_path / "again.json"
    changed = {**MINIMAL, "title": "Another title"}
    path.write_text(json.dumps([{**MINIMAL, "reference": "NEW-1"}, changed]))
    with pytest.raises(CommandError):
        call_command(
            "import_decisions",
            str(path),
            stdout=__import__("io").StringIO(),
            stderr=__import__("io").StringIO(),
        )
    assert list(Decision.objects.values_list("reference", flat=True)) == ["PCC/D/2023/03"]


@pytest.mark.parametrize("content", ["{not json", '{"reference": "x"}', ""])
def test_malformed_files_are_refused(tmp_path, toolkit, content):
    path = tmp_path / "broken.json"
    path.write_text(content)
    with pytest.raises(CommandError, match="[Nn]othing was imported"):
        call_command(
            "import_decisions",
            str(path),
            stdout=__import__("io").StringIO(),
            stderr=__import__("io").StringIO(),
        )
    assert Decision.objects.count() == 0


def test_missing_file(tmp_path, db):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_decisions", str(tmp_path / "absent.json"))


def test_imported_references_are_never_allocated(tmp_path, personas, toolkit):
    from .helpers import make_draft

    _run(tmp_path, [{**MINIMAL, "reference": "WPCC4-0001"}, {**MINIMAL, "reference": "WPC3-0054"}])
    assert make_draft(personas).reference == "WPCC4-0002"


# --- Malformed input: a list of problems, never a traceback, nothing imported ----------------


def _refused_bytes(tmp_path, content: bytes) -> str:
    """Run the command on raw bytes; it must refuse with a CommandError and import nothing."""
    path = tmp_path / "hostile.json"
    path.write_bytes(content)
    out, err = __import__("io").StringIO(), __import__("io").StringIO()
    with pytest.raises(CommandError, match="[Nn]othing was imported") as refused:
        call_command("import_decisions", str(path), stdout=out, stderr=err)
    assert Decision.objects.count() == 0
    text = f"{refused.value}\n{err.getvalue()}"
    assert "Traceback" not in text
    text.encode("utf-8")  # printable: no lone surrogate reaches the terminal
    return text


def _record_bytes(**change) -> bytes:
    return json.dumps([MINIMAL, {**MINIMAL, "reference": "WPCC4-0099", **change}]).encode()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"signed_by": "   ", "signed_on": "2024-01-02"},
            "field 'signed_by': must name who signed",
        ),
        ({"title": "\ud800"}, "field 'title': contains a lone surrogate"),
        ({"summary": "Text \udfff here"}, "field 'summary': contains a lone surrogate"),
        ({"summary": "NUL \u0000 byte"}, "field 'summary': contains the control character U+0000"),
        ({"title": "Bell \u0007"}, "field 'title': contains the control character U+0007"),
        ({"lead_officer": "C1 \u0085"}, "field 'lead_officer': contains the control character"),
        ({"title": "Two\nlines"}, "field 'title': must be on one line"),
        ({"reference": "WPCC4-\u00000099"}, "field 'reference': contains the control character"),
        ({"signed_by": "P.\u0000S", "signed_on": "2024-01-02"}, "field 'signed_by': contains"),
        ({"treasurer_comments": "\u0000"}, "field 'treasurer_comments': contains the control"),
        ({"withheld_parts": ["a list"]}, "field 'withheld_parts': must be text"),
        ({"title": 12}, "field 'title': must be text"),
        ({"summary": {"nested": "object"}}, "field 'summary': must be text"),
        ({"summary": None}, "field 'summary': is required"),
        ({"confidentiality": ["non-confidential"]}, "field 'confidentiality': must be one of"),
        ({"confidentiality": 3}, "field 'confidentiality': must be one of"),
        ({"decision_date": 20240101}, "field 'decision_date': must be a date"),
        ({"decision_date": "2024-01-01\n"}, "field 'decision_date': must be a date"),
        ({"decision_date": "\u0662\u0660\u0662\u0664-01-01"}, "field 'decision_date': must be a"),
        ({"foi_exemptions": "s31"}, "field 'foi_exemptions': must be a list"),
        ({"foi_exemptions": 0}, "field 'foi_exemptions': must be a list"),
        ({"foi_exemptions": ["\u0000"]}, "unknown code(s) \\x00;"),
        ({"sections": {"heading": "H"}}, "field 'sections': must be a list"),
        ({"sections": 0}, "field 'sections': must be a list"),
        ({"sections": [{"heading": "H\u0000"}]}, "field 'sections[1].heading': contains"),
        ({"sections": [{"heading": "H", "body": "\ud800"}]}, "field 'sections[1].body': contains"),
        ({"sections": [{"heading": "H", "body": 5}]}, "field 'sections[1].body': must be text"),
        ({"sections": [{"heading": "H"}] * 101}, "field 'sections': at most 100 sections"),
        ({"toolkit_sections": [10**30]}, "no toolkit section numbered 1000000000000000000000000"),
        ({"toolkit_sections": [1.5]}, "field 'toolkit_sections': must be a list of section"),
        ({"toolkit_sections": "1"}, "field 'toolkit_sections': must be a list of section"),
        ({"interests_declared": None}, "field 'interests_declared': must be true or false"),
        (
            {"chief_officer_approval": {"by": "C\u0000C", "date": "2024-01-01"}},
            "field 'chief_officer_approval': 'by' contains the control character",
        ),
        (
            {"chief_officer_approval": {"by": "C" * 201, "date": "2024-01-01"}},
            "'by' must be at most 200 characters",
        ),
        ({"\ud800key": 1}, "field '\\ud800key': unknown key"),
    ],
)
def test_hostile_values_are_listed_as_problems(tmp_path, toolkit, change, message):
    text = _refused_bytes(tmp_path, _record_bytes(**change))
    assert message in text


def test_a_hostile_reference_is_echoed_escaped(tmp_path, toolkit):
    text = _refused_bytes(tmp_path, _record_bytes(reference="\ud800" + "x" * 100))
    assert "record 2 (\\ud800xxx" in text and "…)" in text


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "The file is empty"),
        (b"   \n", "is not valid JSON"),
        (b"\xff\xfe[]", "is not UTF-8 text (byte 0"),
        (b'[{"title": "caf\xe9"}]', "is not UTF-8 text"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'[{"toolkit_sections": [' + b"9" * 5000 + b"]}]", "is not valid JSON"),
        (b'[{"title": NaN}]', "NaN is not a JSON number"),
        (b'[{"title": Infinity}]', "Infinity is not a JSON number"),
        (b'{"reference": "x"}', "must contain a JSON list"),
        (b'"a string"', "must contain a JSON list"),
        (b"null", "must contain a JSON list"),
        (b"[]", "lists no decision records"),
        (b"[1, null, []]", "record 1: must be a JSON object"),
    ],
)
def test_malformed_files_get_a_message_not_a_traceback(tmp_path, toolkit, content, message):
    assert message in _refused_bytes(tmp_path, content)


def test_a_byte_order_mark_is_accepted(tmp_path, toolkit):
    path = tmp_path / "bom.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps([MINIMAL]).encode())
    out = __import__("io").StringIO()
    call_command("import_decisions", str(path), stdout=out, stderr=__import__("io").StringIO())
    assert "Imported 1 decision record(s)." in out.getvalue()


def test_a_directory_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="Cannot read .*Nothing was imported"):
        call_command("import_decisions", str(tmp_path))


def test_multi_line_text_keeps_its_line_breaks(tmp_path, toolkit):
    record = {**MINIMAL, "summary": "First line.\r\n\tSecond line."}
    _run(tmp_path, [record])
    assert Decision.objects.get().summary == "First line.\r\n\tSecond line."


# --- decisions_import is a service: a user given as the actor must be allowed ---------------


@pytest.mark.parametrize("who", ["auditor", "treasurer", "superuser"])
def test_import_refuses_an_actor_who_may_not_add_decisions(who, request, db):
    records = validate_import([MINIMAL])
    with pytest.raises(PermissionDenied):
        decisions_import(records=records, actor=request.getfixturevalue(who))
    assert not Decision.objects.exists()


def test_import_by_an_officer_records_them_in_the_history(officer, db):
    [decision] = decisions_import(records=validate_import([MINIMAL]), actor=officer)
    record = decision.history.first()
    assert (record.history_user, record.history_change_reason) == (
        officer,
        "Imported from an earlier decision log",
    )
    assert decision.status == Decision.Status.PUBLISHED
