"""Importing many records costs a bounded number of queries, not a few per record."""

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from decisions.importer import read_import, validate_import
from decisions.integrity import check_seal
from decisions.models import Decision
from decisions.services import decisions_import

HEADER = [
    "register",
    "reference",
    "title",
    "decision_date",
    "confidentiality",
    "summary",
    "decision_maker",
    "toolkit_sections",
    "signed_by",
    "signed_on",
    "section_1_heading",
    "section_1_body",
    "section_2_heading",
    "section_2_body",
    "link_1_title",
    "link_1_url",
    "link_1_original",
]


def log_csv(count: int, *, start_year: int = 2014) -> bytes:
    """A log of ``count`` records whose numbers restart every financial year (400 a year)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for index in range(count):
        year = start_year + index // 400
        number = index % 400 + 1
        partly = index % 7 == 0
        writer.writerow(
            [
                f"{year}-{(year + 1) % 100:02d}",
                f"{number:03d}",
                f"Decision {number} of {year}/{year + 1}",
                f"{(number % 28) + 1:02d}/{(number % 12) + 1:02d}/{year}",
                "partly-confidential" if partly else "non-confidential",
                f"The Commissioner decides matter {number}.",
                "PCC" if index % 3 else "Deputy PCC",
                "1, 3",
                "" if index % 5 == 0 else "The Commissioner",
                "" if index % 5 == 0 else f"28/12/{year}",
                "Background information",
                f"Why decision {number} was needed.\nSecond line.",
                "Costs",
                "Within the approved budget.",
                "Decision notice as published",
                f"https://example.org/decisions/{year}/{number:03d}.pdf",
                "yes",
            ]
        )
    return out.getvalue().encode("utf-8")


def _queries_to_import(count: int) -> int:
    records = validate_import(read_import(log_csv(count), "log.csv"))
    with CaptureQueriesContext(connection) as queries:
        decisions_import(records=records)
    assert Decision.objects.count() == count
    return len(queries)


@pytest.mark.django_db(transaction=False)
def test_the_queries_of_an_import_do_not_grow_with_the_records(toolkit):
    small = _queries_to_import(20)
    Decision.objects.all().delete()
    large = _queries_to_import(200)
    if connection.vendor == "postgresql":
        # The same statements, in batches of up to 500 rows: equal for these sizes.
        assert large == small, (small, large)
    else:
        # SQLite takes at most 999 parameters a statement (Django's limit), so a decision
        # INSERT carries about 19 rows: a fraction of a query per record, never a few.
        assert (large - small) / 180 < 0.3, (small, large)
    assert small < 40


def test_a_large_import_is_sealed_and_complete(toolkit):
    records = validate_import(read_import(log_csv(450), "log.csv"))
    decisions_import(records=records)
    assert Decision.objects.filter(register="2015-16", reference="001").exists()
    sample = Decision.objects.filter(reference__in=["001", "050", "399"])
    assert all(check_seal(d).ok for d in sample)
    decision = Decision.objects.get(register="2014-15", reference="002")
    assert decision.supporting_sections.count() == 2 and decision.appendices.count() == 1
    assert sorted(decision.sections.values_list("number", flat=True)) == [1, 3]
    assert decision.history.first().sections.count() == 2  # the toolkit links in its history


def test_checking_costs_a_bounded_number_of_queries(toolkit):
    content = log_csv(300)
    with CaptureQueriesContext(connection) as queries:
        validate_import(read_import(content, "log.csv"))
    assert len(queries) < 10
