"""import_decisions: the whole file is checked first, and nothing is imported on any error."""

import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from decisions.integrity import content_hash
from decisions.models import Decision
from decisions.reference_record import WPCC4_0028

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
        ({"confidentiality": "confidential"}, "a confidential record must name its exemption"),
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
    path.write_text(json.dumps([{**MINIMAL, "reference": "NEW-1"}, MINIMAL]))
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
