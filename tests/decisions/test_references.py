"""Reference numbers: the configurable format, restarts, imported references and concurrency."""

import threading
from datetime import date
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from decisions.importer import validate_import
from decisions.models import Decision, ReferenceCounter
from decisions.references import reference_allocate
from decisions.services import decisions_import
from prevent_compliance.models import (
    OrganisationProfile,
    get_organisation,
    split_reference_format,
    validate_reference,
)

from .helpers import make_draft


def _profile(**values) -> OrganisationProfile:
    profile = get_organisation()
    OrganisationProfile.objects.filter(pk=profile.pk).update(**values)
    return profile


def _allocate(today=date(2025, 6, 1)) -> str:
    with transaction.atomic():
        return reference_allocate(actor=None, today=today)


def _import(reference, **extra):
    record = {
        "reference": reference,
        "title": "Historic decision",
        "decision_date": "2023-03-01",
        "confidentiality": "non-confidential",
        "summary": "Recorded before this service.",
        **extra,
    }
    return decisions_import(records=validate_import([record]))[0]


def test_default_format_gives_prefix_term_and_four_digits(db):
    assert _allocate() == "WPCC4-0001"
    assert _allocate() == "WPCC4-0002"


def test_sequence_restarts_when_the_term_changes(db):
    assert _allocate() == "WPCC4-0001"
    assert _allocate() == "WPCC4-0002"
    _profile(term_number=5)
    assert _allocate() == "WPCC5-0001"
    _profile(term_number=4)
    assert _allocate() == "WPCC4-0003"


def test_west_mercia_scheme_restarts_each_year_and_contains_slashes(db):
    _profile(reference_format="PCC/D/{year}/{seq:02d}")
    assert _allocate(date(2023, 1, 5)) == "PCC/D/2023/01"
    assert _allocate(date(2023, 12, 31)) == "PCC/D/2023/02"
    assert _allocate(date(2024, 1, 1)) == "PCC/D/2024/01"


def test_allocation_continues_after_imported_references(db):
    _import("WPCC4-0028")
    assert _allocate() == "WPCC4-0029"


def test_imported_reference_is_never_allocated_again(db):
    assert _allocate() == "WPCC4-0001"
    _import("WPCC4-0002")
    _import("WPCC4-0003")
    assert _allocate() == "WPCC4-0004"
    assert Decision.objects.filter(reference="WPCC4-0002").count() == 1


def test_imported_references_keep_older_schemes_and_typos(db):
    for reference in ("WPC3-0054", "PCC/D/2023/03", "001 Decision Form 2012/13"):
        assert _import(reference).reference == reference


def test_allocation_outside_a_transaction_is_refused(db, monkeypatch):
    outside = SimpleNamespace(get_connection=lambda: SimpleNamespace(in_atomic_block=False))
    monkeypatch.setattr("decisions.references.transaction", outside)  # as if no atomic()
    with pytest.raises(RuntimeError):
        reference_allocate(actor=None)


def test_counter_records_each_allocation_in_history(db):
    _allocate()
    counter = ReferenceCounter.objects.get()
    assert counter.history.first().history_change_reason == "Allocated WPCC4-0001"


@pytest.mark.parametrize(
    "reference",
    ["WPCC4-0028", "PCC/D/2023/03", "WPC3-0054", "001 Decision Form 2012/13", "A.1_b"],
)
def test_valid_references(reference):
    validate_reference(reference)


@pytest.mark.parametrize(
    "reference",
    [
        "",
        "/WPCC4",
        "WPCC4/",
        "PCC//D",
        "PCC/../etc",
        "A/./B",
        "-A",
        "A?b",
        "A#b",
        "X/pdf",
        "new",
        "import",
        "Import/2024/1",
        "PCC/D/edit",
        "<script>",
        "x" * 61,
        "A\nB",
    ],
)
def test_invalid_references(reference):
    with pytest.raises(ValidationError):
        validate_reference(reference)


@pytest.mark.parametrize(
    "fmt",
    ["{prefix}{term}", "{seq}{seq}", "{prefix}-{bogus}-{seq}", "{seq:q}", "{seq", "{seq!r}"],
)
def test_unusable_formats_are_refused(fmt):
    with pytest.raises(ValidationError):
        split_reference_format(fmt, prefix="WPCC", term=4, year=2025)


def test_profile_refuses_a_format_that_would_give_unusable_references(db):
    profile = get_organisation()
    profile.reference_format = "{prefix}/{seq}/pdf"
    with pytest.raises(ValidationError) as caught:
        profile.full_clean()
    assert "reference_format" in caught.value.message_dict


def test_decision_create_gives_the_next_reference(personas, toolkit):
    first = make_draft(personas)
    second = make_draft(personas)
    assert (first.reference, second.reference) == ("WPCC4-0001", "WPCC4-0002")


# --- PostgreSQL: many officers creating decisions at once ----------------------------------

THREADS = 24


def _run_together(worker, count: int) -> list:
    """Start `count` threads that wait at a barrier, then run worker(i) at the same moment."""
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def run(i):
        try:
            barrier.wait(timeout=30)
            results[i] = worker(i)
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results, errors


postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="Row locks (SELECT … FOR UPDATE) need PostgreSQL; SQLite runs one writer at a time.",
)


@postgres_only
@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_creation_gives_unique_consecutive_references(roles_present, personas, toolkit):
    assert make_draft(personas).reference == "WPCC4-0001"
    _import("WPCC4-0005")  # a taken number ahead of the counter is skipped, not duplicated

    def create(i):
        return make_draft(personas, title=f"Concurrent decision {i}").reference

    references, errors = _run_together(create, THREADS)
    assert errors == []
    numbers = sorted(int(r.split("-")[1]) for r in references)
    expected = [n for n in range(2, THREADS + 3) if n != 5]
    assert numbers == expected  # no duplicates and no gaps
    assert ReferenceCounter.objects.get(stem="WPCC4-{seq}").last_number == THREADS + 2
    assert Decision.objects.count() == THREADS + 2
