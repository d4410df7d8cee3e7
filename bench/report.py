"""The annual-review report's cost: pages, time and peak memory, beside WeasyPrint alone.

``measure_report(period)`` is what ``bench/run.py`` can call (Django set up, data loaded):
it renders the period's internal report in a child process (so its peak memory is its own)
and, in another, WeasyPrint alone on the same pre-built HTML, and returns

    {"period", "pages", "seconds", "peak_mb", "html_seconds", "weasy_seconds",
     "weasy_peak_mb", "ratio"}

``seconds`` is the app's whole render (queries, template, WeasyPrint), ``ratio`` its time
over WeasyPrint alone (target at most 1.1), medians of ``runs`` taken in turns. Run on its own:

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
    """In its own process, so that its peak memory (maxrss) is its own.

    ``turns`` (argument "period pk:html path") times the app's whole render and WeasyPrint
    alone on the pre-built HTML in turns (app, WeasyPrint, app, …), so both medians come from
    the same seconds of a shared machine; ``full`` and ``weasy`` render once for the peak
    memory of each alone.
    """
    import resource

    _setup()
    from pypdf import PdfReader

    from prevent_compliance.pdf import html_to_pdf
    from toolkit.annual_review_report import annual_review_html, annual_review_pdf
    from toolkit.models import ReviewPeriod

    html_to_pdf("<p>warm up fonts</p>")
    out: dict = {}
    if mode == "turns":
        pk, _, html_path = argument.partition(":")
        period = ReviewPeriod.objects.get(pk=int(pk))
        prebuilt = Path(html_path).read_text(encoding="utf-8")
        # One untimed render first (fonts, stylesheets, images warm, as in a worker that has
        # made a report before), then the two in turns, alternating which goes first.
        pdf = html_to_pdf(prebuilt)
        times, html_times, weasy_times = [], [], []

        def app() -> bytes:
            started = time.perf_counter()
            annual_review_html(period, public=public)
            html_times.append(time.perf_counter() - started)
            started = time.perf_counter()
            made = annual_review_pdf(period, public=public)  # what the worker calls
            times.append(time.perf_counter() - started)
            return made

        def weasy() -> None:
            started = time.perf_counter()
            html_to_pdf(prebuilt)
            weasy_times.append(time.perf_counter() - started)

        for turn in range(runs):
            if turn % 2:
                weasy()
                pdf = app()
            else:
                pdf = app()
                weasy()
        out = {
            "seconds": statistics.median(times),
            "html_seconds": statistics.median(html_times),
            "weasy_seconds": statistics.median(weasy_times),
            "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        }
    elif mode == "full":
        annual_review_pdf(ReviewPeriod.objects.get(pk=int(argument)), public=public)
    else:
        html_to_pdf(Path(argument).read_text(encoding="utf-8"))
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


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
    same HTML: times taken in turns in one child process, each peak in its own."""
    from toolkit.annual_review_report import annual_review_html

    with tempfile.TemporaryDirectory(prefix="pc-report-") as folder:
        html_path = Path(folder) / "annual-review.html"
        html_path.write_text(annual_review_html(period, public=public), encoding="utf-8")
        turns = _run_child("turns", f"{period.pk}:{html_path}", runs, public)
        full = _run_child("full", str(period.pk), 1, public)
        weasy = _run_child("weasy", str(html_path), 1, public)
    return {
        "period": period.label,
        "pages": turns["pages"],
        "seconds": turns["seconds"],
        "html_seconds": turns["html_seconds"],
        "peak_mb": full["peak_mb"],
        "weasy_seconds": turns["weasy_seconds"],
        "weasy_peak_mb": weasy["peak_mb"],
        "ratio": turns["seconds"] / turns["weasy_seconds"] if turns["weasy_seconds"] else None,
        "runs": runs,
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
