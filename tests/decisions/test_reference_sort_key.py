"""The stored natural-order key of references: set wherever a record is made, filled by the
migration for the records there were, the same order as the key computed in SQL before it,
and never part of a seal."""

import importlib
import io
from datetime import date

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db.models import CharField, F, Func, Value
from django.db.models.functions import Length, Substr
from django.urls import reverse

from decisions import integrity, selectors
from decisions.importer import validate_import
from decisions.models import Decision
from decisions.services import decisions_import
from prevent_compliance.sorting import natural_sort_key

from .helpers import make_draft

LOG = reverse("decisions:public_list")

# References that trip up a natural sort: numbers alone and padded, stems that are
# prefixes of others, case, slashes, brackets, spaces and the en dash real logs use.
AWKWARD = [
    "WPCC4-0028",
    "WPCC4-0009",
    "WPCC4-0100",
    "WPCC3-0099",
    "wpcc4-0010",
    "2019/10",
    "2019/9",
    "2020/1",
    "A-2",
    "A-10",
    "A-02",
    "a-2",
    "A (2)",
    "A (10)",
    "(A) 3",
    "A-2 (rev)",
    "57 – 2014",
    "100 – 2014",
    "9 – 2014",
    "PCC/D/2023/3",
    "PCC/D/2023/10",
    "1",
    "001",
    "01",
    "10",
    "2",
    "0",
]


def _old_sql_order() -> list:
    """The natural order as public_log computed it in SQL before the key was stored (four
    keys of string functions per record and request): the order the key must keep."""

    def trim(function, expression, characters="0123456789"):
        return Func(expression, Value(characters), function=function, output_field=CharField())

    reference = F("reference")
    unpadded = trim("LTRIM", reference, "0")
    lead_digits = Length(unpadded) - Length(trim("LTRIM", reference))
    stem = trim("RTRIM", unpadded)
    tail = Substr(reference, Length(trim("RTRIM", reference)) + 1)
    tail_digits = Length(trim("LTRIM", tail, "0"))
    return [k.asc() for k in (lead_digits, stem, tail_digits, reference)]


def _record(reference: str, when: str = "2024-05-10") -> dict:
    return {
        "reference": reference,
        "title": f"Decision {reference}",
        "decision_date": when,
        "confidentiality": "non-confidential",
        "summary": f"Summary of {reference}.",
    }


@pytest.fixture
def awkward(toolkit):
    # Imported in an order that is neither the natural one nor the reverse.
    return decisions_import(records=validate_import([_record(r) for r in sorted(AWKWARD)]))


def test_the_public_log_by_reference_keeps_the_old_natural_order(awkward, client):
    old = list(
        Decision.objects.public()
        .order_by(*_old_sql_order(), "register", "decision_date", "pk")
        .values_list("reference", flat=True)
    )
    assert list(selectors.public_log(sort="reference").values_list("reference", flat=True)) == old
    assert old.index("2") < old.index("10") and old.index("A-2") < old.index("A-10")
    assert old.index("57 – 2014") < old.index("100 – 2014")
    response = client.get(LOG, {"sort": "reference"})
    assert [e["notice"].reference for e in response.context["entries"]] == old[:20]


def test_the_database_sorts_the_key_as_python_does(awkward):
    """Hex digits only: the database's collation cannot reorder the keys."""
    stored = list(
        Decision.objects.order_by("reference_sort_key").values_list("reference", flat=True)
    )
    assert stored == sorted(AWKWARD, key=natural_sort_key)
    assert all(set(natural_sort_key(r)) <= set("0123456789abcdef") for r in AWKWARD)


def test_the_staff_list_by_reference_is_in_natural_order(awkward, client_for, personas):
    response = client_for(personas["officer"]).get(reverse("decisions:list"), {"sort": "reference"})
    shown = [d.reference for d in response.context["page"].object_list]
    assert shown == sorted(AWKWARD, key=natural_sort_key)[: len(shown)]


def test_every_way_of_making_a_record_sets_the_key(awkward, personas):
    draft = make_draft(personas, decision_date=date(2025, 5, 1))  # the create form's service
    draft.refresh_from_db()
    assert draft.reference_sort_key == natural_sort_key(draft.reference) != ""
    assert draft.history.get().reference_sort_key == draft.reference_sort_key
    # The import inserts in bulk, with history rows in bulk too.
    for decision in Decision.objects.filter(source=Decision.Source.IMPORTED):
        assert decision.reference_sort_key == natural_sort_key(decision.reference)
        assert decision.history.get().reference_sort_key == decision.reference_sort_key


def test_the_command_line_import_sets_the_key(toolkit, tmp_path):
    upload = tmp_path / "log.json"
    upload.write_text(
        '[{"reference": "PCC/D/2023/10", "title": "Grants", "decision_date": "2023-05-10", '
        '"confidentiality": "non-confidential", "summary": "Grants."}]',
        encoding="utf-8",
    )
    call_command("import_decisions", str(upload), stdout=io.StringIO())
    stored = Decision.objects.get(reference="PCC/D/2023/10")
    assert stored.reference_sort_key == natural_sort_key("PCC/D/2023/10")


def test_the_migration_fills_the_key_without_touching_any_seal(wpcc4_0028, personas):
    make_draft(personas)
    migration = importlib.import_module("decisions.migrations.0009_reference_sort_key")
    seals = dict(Decision.objects.values_list("pk", "content_hash"))
    Decision.objects.update(reference_sort_key="")
    Decision.history.update(reference_sort_key="")
    migration.fill_keys(apps, None)
    for decision in Decision.objects.all():
        assert decision.reference_sort_key == natural_sort_key(decision.reference)
    assert not Decision.history.filter(reference_sort_key="").exists()
    assert dict(Decision.objects.values_list("pk", "content_hash")) == seals
    stored = Decision.objects.get(pk=wpcc4_0028.pk)
    assert integrity.check_seal(stored).ok


def test_the_key_is_not_sealed(wpcc4_0028):
    decision = Decision.objects.get(pk=wpcc4_0028.pk)
    assert integrity.check_seal(decision).ok
    payload = integrity.canonical_json(integrity.sealed_payload(decision))
    assert decision.reference_sort_key.encode() not in payload
    sealed = integrity.content_hash(decision)
    decision.reference_sort_key = "00ff"
    assert integrity.content_hash(decision) == sealed == decision.content_hash
    assert integrity.check_seal(decision).ok


def test_a_save_anywhere_keeps_the_key_in_step_with_the_reference(awkward):
    """Decision.save sets the key, so a record made or renumbered outside the services (a
    shell, a data fix, the admin) still sorts by its reference."""
    decision = Decision.objects.get(reference="A-2")
    decision.reference = "A-30"
    decision.save(update_fields=["reference"])
    decision.refresh_from_db()
    assert decision.reference_sort_key == natural_sort_key("A-30")
    assert decision.reference_sort_key != natural_sort_key("A-2")


@pytest.mark.django_db
def test_the_scale_generator_sets_the_key(toolkit):
    from prevent_compliance.devdata import scale

    scale.generate(1, stream=io.StringIO(), sizes={"evidence": 4, "actions": 4, "decisions": 6})
    keys = Decision.objects.values_list("reference", "reference_sort_key")
    assert keys and all(key == natural_sort_key(reference) for reference, key in keys)
