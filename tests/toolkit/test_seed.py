"""Loading toolkit editions from YAML with `manage.py seed_toolkit`."""

import io
from pathlib import Path

import pytest
import yaml
from django.core.management import CommandError, call_command

from toolkit.management.commands.seed_toolkit import FIRST_EDITION_FILE as DEFAULT_FILE
from toolkit.models import Criterion, Evidence, Section, SectionAssessment, ToolkitEdition


def test_yaml_loads_eight_sections_with_criteria(toolkit):
    sections = list(Section.objects.filter(edition=toolkit).order_by("number"))
    assert [s.number for s in sections] == list(range(1, 9))
    assert sections[0].title == "Multi-agency partnership group"
    assert sections[7].title == "Communications and engagement"
    for section in sections:
        count = section.criteria.count()
        assert 4 <= count <= 8, section
        assert set(section.criteria.values_list("level", flat=True)) <= {"must", "should"}
        # The first edition keeps no duty holder or source: the corrected one adds them.
        assert set(section.criteria.values_list("duty_holder", flat=True)) == {""}


def test_seed_toolkit_is_idempotent(toolkit):
    call_command("seed_toolkit", verbosity=0)  # every edition file, not only the fixture's
    counts = (ToolkitEdition.objects.count(), Section.objects.count(), Criterion.objects.count())
    history = Criterion.history.count()
    call_command("seed_toolkit", verbosity=0)
    assert (
        ToolkitEdition.objects.count(),
        Section.objects.count(),
        Criterion.objects.count(),
    ) == counts
    assert Criterion.history.count() == history


def test_seed_toolkit_reports_what_it_did(db):
    first, second = io.StringIO(), io.StringIO()
    call_command("seed_toolkit", stdout=first)
    call_command("seed_toolkit", stdout=second)
    for code in ("2024", "2024-02"):
        edition = ToolkitEdition.objects.get(code=code)
        total = (
            1
            + edition.sections.count()
            + Criterion.objects.filter(section__edition=edition).count()
        )
        assert f"Toolkit edition {code}: 8 sections; {total} records created, 0 updated" in (
            first.getvalue()
        )
    assert second.getvalue().count("8 sections; 0 records created, 0 updated") == 2


@pytest.fixture
def edition_data():
    return yaml.safe_load(DEFAULT_FILE.read_text(encoding="utf-8"))


def _write(tmp_path: Path, data, name="edition.yaml") -> Path:
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def test_reloading_edited_wording_updates_text_and_keeps_records(
    tmp_path, toolkit, period, make_evidence, make_action, edition_data
):
    section = Section.objects.get(edition=toolkit, number=1)
    criterion = section.criteria.get(number=2)
    evidence = make_evidence(criteria=[criterion])
    action = make_action(criterion=criterion)
    assessments = SectionAssessment.objects.count()
    ids = set(Criterion.objects.values_list("pk", flat=True))
    edition_data["sections"][0]["summary"] = "A reworded summary."
    edition_data["sections"][0]["criteria"][1]["text"] = "Reworded: written terms of reference."
    edition_data["sections"][0]["criteria"][1]["level"] = "must"

    out = io.StringIO()
    call_command("seed_toolkit", str(_write(tmp_path, edition_data)), stdout=out)

    assert "0 records created, 2 updated" in out.getvalue()
    section.refresh_from_db()
    criterion.refresh_from_db()
    assert section.summary == "A reworded summary."
    assert criterion.text == "Reworded: written terms of reference."
    assert criterion.level == Criterion.Level.MUST
    assert set(Criterion.objects.values_list("pk", flat=True)) == ids
    assert SectionAssessment.objects.count() == assessments
    assert list(Evidence.objects.get(pk=evidence.pk).criteria.all()) == [criterion]
    action.refresh_from_db()
    assert action.criterion == criterion
    assert criterion.history.first().history_change_reason == "Toolkit edition reloaded"
    assert criterion.history.first().text != criterion.history.last().text


def test_reloading_a_shorter_edition_deletes_nothing(
    tmp_path, toolkit, make_evidence, period, edition_data
):
    make_evidence(
        criteria=[Criterion.objects.get(section__edition=toolkit, section__number=1, number=8)]
    )
    criteria = Criterion.objects.count()
    edition_data["sections"][0]["criteria"] = edition_data["sections"][0]["criteria"][:4]
    del edition_data["sections"][7]

    call_command("seed_toolkit", str(_write(tmp_path, edition_data)), verbosity=0)

    assert Criterion.objects.count() == criteria
    assert Section.objects.filter(edition=toolkit).count() == 8
    assert Evidence.objects.get().criteria.count() == 1


def test_a_new_edition_is_loaded_beside_the_old_one(tmp_path, toolkit, period, edition_data):
    edition_data["edition"]["code"] = "2026"
    edition_data["edition"]["title"] = "Prevent duty toolkit (2026)"
    assessments = SectionAssessment.objects.count()

    call_command("seed_toolkit", str(_write(tmp_path, edition_data)), verbosity=0)

    codes = list(ToolkitEdition.objects.values_list("code", flat=True))
    assert codes == ["2026", "2024"]
    assert Section.objects.filter(edition__code="2026").count() == 8
    assert SectionAssessment.objects.count() == assessments


def _break(data, where: str, value):
    """Set a value by a dotted path such as 'sections.2.title' (None deletes the key)."""
    *parents, last = where.split(".")
    target = data
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    key = int(last) if isinstance(target, list) else last
    if value is None:
        del target[key]
    else:
        target[key] = value


@pytest.mark.parametrize(
    ("where", "value", "message"),
    [
        ("edition.code", None, "edition: 'code' is required."),
        ("sections", [], "'sections' must be a non-empty list."),
        ("sections.2.title", None, "sections[3]: 'title' is required."),
        ("sections.0.criteria", None, "sections[1]: 'criteria' is required."),
        (
            "sections.0.criteria.1.level",
            "might",
            "sections[1].criteria[2]: needs 'text' and a 'level' of must, should or could.",
        ),
        (
            "sections.4.criteria.0.text",
            None,
            "sections[5].criteria[1]: needs 'text' and a 'level' of must, should or could.",
        ),
        ("sections.1.number", "two", "sections[2]: 'number' must be a whole number"),
        ("sections.1.number", 1, "sections[2]: section number 1 is used twice"),
        ("sections.3", "just text", "sections[4]: must be a mapping"),
        ("sections.3.criteria", "just text", "sections[4]: 'criteria' must be a list"),
        ("sections.3.criteria.0", "just text", "sections[4].criteria[1]: needs 'text'"),
    ],
)
def test_malformed_edition_names_the_place_and_changes_nothing(
    tmp_path, db, edition_data, where, value, message
):
    _break(edition_data, where, value)
    path = _write(tmp_path, edition_data)

    with pytest.raises(CommandError) as error:
        call_command("seed_toolkit", str(path), verbosity=0)

    assert str(path) in str(error.value)
    assert message in str(error.value)
    assert ToolkitEdition.objects.count() == Section.objects.count() == 0


def test_file_that_is_not_yaml_is_refused_with_its_line(tmp_path, db):
    path = tmp_path / "broken.yaml"
    path.write_text("edition:\n  code: '2024\n  title: x\nsections: [\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"(?s)broken\.yaml is not valid YAML: .*line \d+"):
        call_command("seed_toolkit", str(path), verbosity=0)


def test_file_without_an_edition_mapping_is_refused(tmp_path, db):
    path = tmp_path / "list.yaml"
    path.write_text("- one\n- two\n", encoding="utf-8")
    with pytest.raises(CommandError, match="must have an 'edition' mapping"):
        call_command("seed_toolkit", str(path), verbosity=0)


def test_missing_file_is_refused(tmp_path, db):
    with pytest.raises(CommandError, match="No such file: .*nowhere.yaml"):
        call_command("seed_toolkit", str(tmp_path / "nowhere.yaml"), verbosity=0)
