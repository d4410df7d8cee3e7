"""The annual-review report's cost: pages, time and peak memory, beside WeasyPrint alone.

``measure_report(period)`` is what ``bench/run.py`` can call (Django set up, data loaded):
it renders the period's internal report in a child process (so its peak memory is its own)
and, in another, WeasyPrint alone on the same pre-built HTML, and returns

    {"period", "pages", "seconds", "peak_mb", "html_seconds", "weasy_seconds",
     "weasy_peak_mb", "ratio"}

``seconds`` is the app's whole render (queries, template, WeasyPrint), ``ratio`` its time
over WeasyPrint alone (target at most 1.1), medians of ``runs``. Run on its own:

    DATABASE_URL=sqlite:////tmp/f10.sqlite3 DEBUG=on python bench/report.py [--period YEAR]
        [--demo-period YEAR] [--runs N] [--public]

which measures the largest period (by evidence) and, with ``--demo-period``, a second one
(the demo data's) for the "at most 10x the demo period's time" target.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

RUNS = int(os.environ.get("BENCH_PDF_RUNS", "2"))


def _setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "prevent_compliance.settings")
    import django

    django.setup()


def _child(mode: str, argument: str, runs: int, public: bool) -> dict:
    """In its own process: ``runs`` renders, timed; the process's peak memory (maxrss)."""
    import resource

    _setup()
    from prevent_compliance.pdf import html_to_pdf

    html_to_pdf("<p>warm up fonts</p>")
    times, html_times, pages = [], [], None
    if mode == "full":
        from pypdf import PdfReader

        from toolkit.annual_review_report import annual_review_html
        from toolkit.models import ReviewPeriod

        period = ReviewPeriod.objects.get(pk=int(argument))
        for _ in range(runs):
            started = time.perf_counter()
            html = annual_review_html(period, public=public)
            html_times.append(time.perf_counter() - started)
            pdf = html_to_pdf(html)
            times.append(time.perf_counter() - started)
        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    else:
        html = Path(argument).read_text(encoding="utf-8")
        for _ in range(runs):
            started = time.perf_counter()
            html_to_pdf(html)
            times.append(time.perf_counter() - started)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": statistics.median(times),
        "html_seconds": statistics.median(html_times) if html_times else None,
        "peak_mb": peak_kb / 1024,
        "pages": pages,
    }


def _run_child(mode: str, argument: str, runs: int, public: bool) -> dict:
    command = [sys.executable, __file__, "--child", mode, argument, "--runs", str(runs)]
    if public:
        command.append("--public")
    done = subprocess.run(
        command, check=True, capture_output=True, text=True, env=os.environ.copy()
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure_report(period, *, runs: int = RUNS, public: bool = False) -> dict:
    """Pages, time and peak memory of the period's report, and of WeasyPrint alone on the
    same HTML (each in a child process with the parent's environment and database)."""
    from toolkit.annual_review_report import annual_review_html

    with tempfile.TemporaryDirectory(prefix="pc-report-") as folder:
        html_path = Path(folder) / "annual-review.html"
        html_path.write_text(annual_review_html(period, public=public), encoding="utf-8")
        full = _run_child("full", str(period.pk), runs, public)
        weasy = _run_child("weasy", str(html_path), runs, public)
    return {
        "period": period.label,
        "pages": full["pages"],
        "seconds": full["seconds"],
        "html_seconds": full["html_seconds"],
        "peak_mb": full["peak_mb"],
        "weasy_seconds": weasy["seconds"],
        "weasy_peak_mb": weasy["peak_mb"],
        "ratio": full["seconds"] / weasy["seconds"] if weasy["seconds"] else None,
    }


def largest_period():
    """The period with the most evidence (as bench/run.py picks it)."""
    from django.db.models import Count

    from toolkit.models import ReviewPeriod

    return (
        ReviewPeriod.objects.annotate(n=Count("evidence", distinct=True))
        .order_by("-n", "-start_date")
        .first()
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("MODE", "ARG"))
    parser.add_argument("--runs", type=int, default=RUNS)
    parser.add_argument("--public", action="store_true")
    parser.add_argument("--period", type=int, help="Start year (default: the largest).")
    parser.add_argument("--demo-period", type=int, help="Start year of a period to compare.")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(*args.child, args.runs, args.public)))
        return
    _setup()
    from toolkit.models import ReviewPeriod

    period = (
        ReviewPeriod.objects.get(start_date__year=args.period) if args.period else largest_period()
    )
    result = {"largest": measure_report(period, runs=args.runs, public=args.public)}
    if args.demo_period:
        demo = ReviewPeriod.objects.get(start_date__year=args.demo_period)
        result["demo"] = measure_report(demo, runs=args.runs, public=args.public)
        result["times_demo"] = result["largest"]["seconds"] / result["demo"]["seconds"]
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
