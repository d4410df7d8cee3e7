"""The ``toolkit`` fixture's shortcut (tests/fast_seed.py) writes what ``seed_toolkit`` writes."""

import io

import pytest
from django.core.management import call_command
from django.db import transaction

from tests import fast_seed
from toolkit.management.commands.seed_toolkit import FIRST_EDITION_FILE


def _rows() -> dict[str, list[tuple]]:
    """Every row the seed writes, with keys replaced by what they stand for (the edition's
    code, a section's number, a criterion's section and number) and history times dropped."""
    from toolkit.models import Criterion, Section, ToolkitEdition

    editions = {e.pk: e.code for e in ToolkitEdition.objects.all()}
    sections = {s.pk: (editions[s.edition_id], s.number) for s in Section.objects.all()}
    criteria = {c.pk: (sections[c.section_id], c.number) for c in Criterion.objects.all()}
    keys = {ToolkitEdition: editions, Section: sections, Criterion: criteria}
    found = {}
    for model in fast_seed._models():
        base = getattr(model, "instance_type", model)
        rows = []
        for row in model.objects.values():
            row.pop("history_id", None)
            row.pop("history_date", None)
            if "id" in row and base in keys:
                row["id"] = keys[base][row["id"]]
            for name, mapping in (
                ("edition_id", editions),
                ("section_id", sections),
                ("from_criterion_id", criteria),
                ("to_criterion_id", criteria),
            ):
                if row.get(name) is not None:
                    row[name] = mapping[row[name]]
            rows.append(tuple(sorted((k, repr(v)) for k, v in row.items())))
        found[model._meta.label] = sorted(rows)
    return found


def _command_rows() -> dict[str, list[tuple]]:
    sid = transaction.savepoint()
    call_command("seed_toolkit", str(FIRST_EDITION_FILE), verbosity=0, stdout=io.StringIO())
    rows = _rows()
    transaction.savepoint_rollback(sid)
    return rows


def test_the_shortcut_writes_the_rows_the_command_writes(db, monkeypatch):
    expected = _command_rows()
    assert len(expected["toolkit.Criterion"]) == 51 and len(expected["toolkit.Section"]) == 8
    monkeypatch.setattr(fast_seed, "_snapshot", None)
    monkeypatch.setattr(fast_seed, "_unusable", False)

    fast_seed.seed_first_edition()  # the first time: the command itself, and the copy kept
    assert fast_seed._snapshot is not None, "the shortcut is not used: the command writes more"
    assert _rows() == expected


@pytest.mark.django_db
def test_later_tests_get_the_same_rows_quickly(django_assert_max_num_queries, monkeypatch):
    expected = _command_rows()
    sid = transaction.savepoint()
    monkeypatch.setattr(fast_seed, "_snapshot", None)
    monkeypatch.setattr(fast_seed, "_unusable", False)
    fast_seed.seed_first_edition()
    transaction.savepoint_rollback(sid)

    with django_assert_max_num_queries(20):
        fast_seed.seed_first_edition()  # from the copy
    assert _rows() == expected
    # A second load into a toolkit that is there already is the command's own business.
    fast_seed.seed_first_edition()
    assert _rows() == expected


def test_the_fixture_gives_the_2024_edition_with_its_sections(toolkit):
    assert toolkit.code == "2024"
    assert list(toolkit.sections.values_list("number", flat=True)) == list(range(1, 9))
    assert toolkit.history.count() == 1
    section = toolkit.sections.get(number=3)
    assert section.history.get().history_type == "+"
    assert section.criteria.count() == len(section.criteria.values("number").distinct())
