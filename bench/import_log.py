"""The cost of importing a decision log: reading and checking the file alone, then the
import, on the current database; ``make bench`` runs it after the page measurements.

Run alone against a migrated database (with the toolkit seeded)::

    DATABASE_URL=… DECISION_SEAL_KEYS=… python bench/import_log.py --records 5000

The import runs in a transaction that is rolled back, so the database is left as it was:
the time is everything but the final commit.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECORDS = int(os.environ.get("BENCH_IMPORT_RECORDS", "5000"))
HEADER = [
    "register",
    "reference",
    "title",
    "decision_date",
    "confidentiality",
    "summary",
    "decision_maker",
    "forum",
    "toolkit_sections",
    "signed_by",
    "signed_on",
    "section_1_heading",
    "section_1_body",
    "section_2_heading",
    "section_2_body",
    "section_3_heading",
    "section_3_body",
    "link_1_title",
    "link_1_url",
    "link_1_original",
]


def log_csv(count: int, *, start_year: int = 1990) -> bytes:
    """A log of ``count`` records, numbered afresh every financial year (400 a year), each
    with three supporting sections, two toolkit sections and a link to its notice."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for index in range(count):
        year = start_year + index // 400
        number = index % 400 + 1
        writer.writerow(
            [
                f"{year}-{(year + 1) % 100:02d}",
                f"{number:03d}",
                f"Bench decision {number} of {year}/{year + 1}",
                f"{(number % 28) + 1:02d}/{(number % 12) + 1:02d}/{year}",
                "partly-confidential" if index % 7 == 0 else "non-confidential",
                f"The Commissioner decides matter {number}. " * 8,
                "PCC" if index % 3 else "Deputy PCC",
                "Accountability Board" if index % 2 else "",
                "1, 3",
                "" if index % 5 == 0 else "The Commissioner",
                "" if index % 5 == 0 else f"28/12/{year}",
                "Background information",
                f"Why decision {number} was needed. " * 20,
                "Costs (including any identified savings)",
                "Within the approved budget.",
                "Equality considerations",
                "None identified.",
                "Decision notice as published",
                f"https://example.org/decisions/{year}/{number:03d}.pdf",
                "yes",
            ]
        )
    return out.getvalue().encode("utf-8")


class _RolledBack(Exception):
    pass


def measure_import(count: int = RECORDS) -> dict:
    """{records, bytes, check_s, import_s, ratio, queries}: Django must be set up."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from decisions.importer import read_import, validate_import
    from decisions.services import decisions_import

    content = log_csv(count)
    started = time.perf_counter()
    records = validate_import(read_import(content, "bench.csv"))
    check = time.perf_counter() - started
    queries = 0
    try:
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                started = time.perf_counter()
                decisions_import(records=records)
                imported = time.perf_counter() - started
            queries = len(captured)
            raise _RolledBack
    except _RolledBack:
        pass
    return {
        "records": count,
        "bytes": len(content),
        "check_s": check,
        "import_s": imported,
        "ratio": imported / check if check else float("inf"),
        "queries": queries,
    }


def report(result: dict, db_label: str) -> str:
    per_record = result["queries"] / result["records"]
    return "\n".join(
        [
            "",
            f"### Importing a decision log ({result['records']:,} records from CSV, {db_label})",
            "",
            "| step | time | |",
            "|---|---|---|",
            f"| read and check the file alone ({result['bytes'] / 1e6:.1f} MB) | "
            f"{result['check_s']:.2f} s | |",
            f"| import (bulk writes, seals checked, before commit) | {result['import_s']:.2f} s | "
            f"{result['queries']} queries ({per_record:.3f} per record) |",
            f"| import ÷ read and check | {result['ratio']:.2f} | |",
            "",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=RECORDS)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prevent_compliance.settings")
    import django

    django.setup()
    from django.db import connection

    result = measure_import(args.records)
    print(report(result, connection.vendor))


if __name__ == "__main__":
    main()
