"""`make bench`: page costs at factor 1 and factor 10, side by side with their references.

Not a test: it prints one table of ratios and writes it, with the machine description, to
BENCHMARKS.md. It runs the way production runs: DEBUG off, the manifest static storage
(``collectstatic`` into a temporary STATIC_ROOT first), secure cookies behind the documented
proxy header (requests say X-Forwarded-Proto: https), two-factor codes confirmed in every
signed-in session, and the production file cache. In one run and on one database (a fresh
SQLite file, or the PostgreSQL database named by DATABASE_URL, which is dropped and created
again) it:

1. builds factor 1 with ``generate_scale_data``, measures every key page (SQL queries and the
   median of 30 server-side renders through the Django test client, signed in as the right
   role), the floor (a bare signed-in page rendering base.html, routed only by bench/urls.py)
   and the Django admin changelist of the same model where there is one;
2. grows the data to factor 10 and measures the same again;
3. renders the annual-review PDF of the largest period and WeasyPrint alone on the same
   pre-built HTML, each in its own subprocess, with its peak memory (getrusage maxrss);
4. runs a load test on 127.0.0.1 only: gunicorn with 2 workers, 16 client threads for 30 s
   against the floor, the dashboard (signed in by session cookie) and the public log.

Environment: DATABASE_URL (PostgreSQL; default a fresh SQLite file), BENCH_RENDERS (30),
BENCH_LOAD_SECONDS (30), BENCH_FACTORS ("1,10"), BENCH_PDF_RUNS (2). A quick check that it
starts and measures: BENCH_FACTORS=1 BENCH_RENDERS=3 BENCH_LOAD_SECONDS=3 BENCH_PDF_RUNS=1
bench/run.py --output /tmp/bench.md (never overwrite BENCHMARKS.md with a reduced run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import io
import json
import os
import platform
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RENDERS = int(os.environ.get("BENCH_RENDERS", "30"))
LOAD_SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "30"))
PDF_RUNS = int(os.environ.get("BENCH_PDF_RUNS", "2"))
FACTORS = [int(f) for f in os.environ.get("BENCH_FACTORS", "1,10").split(",")]
CLIENTS = 16
WORKERS = 2
ADMIN_DECISIONS = "/admin/decisions/decision/"


def log(message: str) -> None:
    sys.stderr.write(f"[bench {time.strftime('%H:%M:%S')}] {message}\n")
    sys.stderr.flush()


# --- Environment and database ---------------------------------------------------------------

# What the benchmark says about how it ran (BENCHMARKS.md).
SETTINGS_LABEL = (
    "production settings (DEBUG off, manifest static files from collectstatic, HTTPS via the "
    "proxy header, two-factor codes confirmed, file cache)"
)
# Every request says it came through the TLS-terminating proxy, as behind the real one.
PROXY_HEADER = ("X-Forwarded-Proto", "https")


def prepare_environment(workdir: Path) -> str:
    """Production settings, a fresh database, media, static and cache folders; returns the
    database description."""
    os.environ.update(
        {
            "DEBUG": "off",
            "DJANGO_SETTINGS_MODULE": "bench.settings",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DECISION_SEAL_KEYS": f"v1:{secrets.token_hex(32)}",
            "ALLOWED_HOSTS": "127.0.0.1,testserver",
            "SITE_URL": "https://127.0.0.1",
            "SECURE_PROXY_SSL_HEADER": "HTTP_X_FORWARDED_PROTO,https",
            "MEDIA_ROOT": str(workdir / "media"),
            "STATIC_ROOT": str(workdir / "static"),
            "CACHE_URL": f"filecache://{workdir / 'cache'}",
            "LOG_LEVEL": "ERROR",
        }
    )
    url = os.environ.get("DATABASE_URL", "")
    if not url:
        path = workdir / "bench.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
        return "SQLite (fresh file)"
    if url.startswith(("postgres://", "postgresql://")):
        import psycopg
        from psycopg import sql

        base, _, name = url.rpartition("/")
        name = name.split("?")[0]
        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        return f"PostgreSQL (database {name}, created afresh)"
    return "as given by DATABASE_URL"


def django_setup() -> None:
    import django

    django.setup()


# --- In-process page measurements -----------------------------------------------------------


def signed_in_client(user, *, verified: bool = True):
    """Signed in, and (as production asks of everyone) with a code confirmed this session."""
    from django.test import Client

    client = Client(headers=dict([PROXY_HEADER]))
    client.force_login(user)
    if verified:
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
        device = device or TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = client.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()
    return client


def measure(client, url: str, renders: int = RENDERS) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(3):
        response = client.get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
    connection.queries_log.clear()  # a full log (it keeps 9,000) would hide the count
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    # Counted now: with DEBUG off the next request empties the log the count is read from.
    count = len(queries)
    times = []
    for _ in range(renders):
        started = time.perf_counter()
        client.get(url)
        times.append(time.perf_counter() - started)
    return {"queries": count, "median_ms": statistics.median(times) * 1000}


def bench_users() -> dict:
    from django.contrib.auth import get_user_model

    User = get_user_model()
    admin, created = User.objects.get_or_create(
        username="bench.superuser", defaults={"is_staff": True, "is_superuser": True}
    )
    if created:
        admin.set_unusable_password()
        admin.save()
    return {
        "officer": User.objects.get(username="scale.u01.officer.00"),
        "auditor": User.objects.get(username="scale.u01.auditor.00"),
        "superuser": admin,
    }


def sample_decision() -> str:
    from decisions.models import Decision

    decision = (
        Decision.objects.filter(status=Decision.Status.PUBLISHED, appendices__isnull=False)
        .order_by("pk")
        .first()
    )
    return decision.reference


def pages(reference: str) -> list[tuple[str, str | None, str, str | None]]:
    """(name, role, URL, admin changelist of the same model or None)."""
    return [
        ("dashboard", "officer", "/", None),
        ("section page", "officer", "/toolkit/1/", None),
        ("evidence list", "officer", "/evidence/", None),
        ("action plan", "officer", "/actions/", None),
        ("decisions list", "officer", "/decisions/", ADMIN_DECISIONS),
        ("decision detail", "officer", f"/decisions/{reference}/", ADMIN_DECISIONS),
        ("public log", None, "/public/decisions/", ADMIN_DECISIONS),
        ("public decision", None, f"/public/decisions/{reference}/", ADMIN_DECISIONS),
        ("audit log", "auditor", "/audit/", None),
    ]


def measure_all(reference: str) -> dict:
    from django.test import Client

    users = bench_users()
    clients = {
        "officer": signed_in_client(users["officer"]),
        "auditor": signed_in_client(users["auditor"]),
        None: Client(headers=dict([PROXY_HEADER])),
    }
    admin_client = signed_in_client(users["superuser"])
    results = {"floor": measure(clients["officer"], "/bench/floor/")}
    log(f"  floor: {results['floor']}")
    admin_cache = {}
    for name, role, url, admin_url in pages(reference):
        results[name] = measure(clients[role], url)
        if admin_url:
            if admin_url not in admin_cache:
                admin_cache[admin_url] = measure(admin_client, admin_url)
            results[name]["admin"] = admin_cache[admin_url]
        log(f"  {name}: {results[name]}")
    results["session_refresh_queries"] = session_refresh_cost(clients["officer"])
    return results


def session_refresh_cost(client) -> dict:
    """Queries of a page that re-saves the idle session (once a minute) against one that doesn't."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from prevent_compliance.accounts.middleware import IdleSessionMiddleware

    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as plain:
        client.get("/bench/floor/")
    counts = {"plain": len(plain)}
    session = client.session
    session[IdleSessionMiddleware.KEY] = 0
    session.save()
    with CaptureQueriesContext(connection) as refreshed:
        client.get("/bench/floor/")
    return {**counts, "refreshing": len(refreshed)}


# --- PDF in subprocesses --------------------------------------------------------------------


def largest_period():
    from django.db.models import Count

    from toolkit.models import ReviewPeriod

    return (
        ReviewPeriod.objects.annotate(n=Count("evidence", distinct=True))
        .order_by("-n", "-start_date")
        .first()
    )


def pdf_child(mode: str, argument: str, runs: int) -> None:
    """Runs in its own process: time ``runs`` renders, print JSON with the peak memory."""
    import resource

    django_setup()
    from prevent_compliance.pdf import html_to_pdf

    html_to_pdf("<p>warm up fonts</p>")
    times, size, pages = [], 0, None
    if mode == "full":
        from toolkit.annual_review_report import annual_review_pdf
        from toolkit.models import ReviewPeriod

        period = ReviewPeriod.objects.get(pk=int(argument))
        for _ in range(runs):
            started = time.perf_counter()
            pdf = annual_review_pdf(period)
            times.append(time.perf_counter() - started)
        size = len(pdf)
        from pypdf import PdfReader

        pages = len(PdfReader(io.BytesIO(pdf)).pages)
    else:
        html = Path(argument).read_text(encoding="utf-8")
        for _ in range(runs):
            started = time.perf_counter()
            size = len(html_to_pdf(html))
            times.append(time.perf_counter() - started)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    result = {"median_s": statistics.median(times), "peak_mb": peak_kb / 1024, "bytes": size}
    print(json.dumps({**result, "pages": pages}))


def measure_pdf(workdir: Path, runs: int = PDF_RUNS) -> dict:
    from toolkit.annual_review_report import annual_review_html

    period = largest_period()
    html_path = workdir / "annual-review.html"
    html_path.write_text(annual_review_html(period), encoding="utf-8")
    out = {"period": period.label}
    for mode, argument in (("full", str(period.pk)), ("weasy", str(html_path))):
        done = subprocess.run(
            [sys.executable, __file__, "--pdf-child", mode, argument, "--runs", str(runs)],
            check=True,
            capture_output=True,
            text=True,
            env=os.environ.copy(),
        )
        out[mode] = json.loads(done.stdout.strip().splitlines()[-1])
        out["pages"] = out[mode]["pages"] or out.get("pages")
        log(f"  PDF {mode}: {out[mode]}")
    return out


# --- Load test on loopback ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int) -> subprocess.Popen:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    process = subprocess.Popen(
        [
            gunicorn,
            "--workers",
            str(WORKERS),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            "prevent_compliance.wsgi:application",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz/live")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.2)  # bounded wait for the server to start
    process.terminate()
    raise RuntimeError("gunicorn did not start within 30 s")


def load_test(port: int, path: str, cookie: str, seconds: float = LOAD_SECONDS) -> dict:
    latencies: list[float] = []
    bad = [0]
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    headers = {"Host": "127.0.0.1", PROXY_HEADER[0]: PROXY_HEADER[1]}
    if cookie:
        headers["Cookie"] = cookie

    def worker():
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, errors = [], 0
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                conn.request("GET", path, headers=headers)
                response = conn.getresponse()
                response.read()
                if not 200 <= response.status < 300:
                    errors += 1
                if response.getheader("Connection", "").lower() == "close":
                    conn.close()
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                continue
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            bad[0] += errors

    threads = [threading.Thread(target=worker) for _ in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(seconds + 60)
    elapsed = time.monotonic() - started
    latencies.sort()

    def pct(p):
        return (
            latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0
        )

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "non_2xx": bad[0],
    }


def run_load() -> dict:
    from django.conf import settings

    users = bench_users()
    client = signed_in_client(users["officer"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = free_port()
    process = start_gunicorn(port)
    results = {}
    try:
        for name, path, needs_cookie in (
            ("floor", "/bench/floor/", True),
            ("dashboard", "/", True),
            ("public log", "/public/decisions/", False),
        ):
            results[name] = load_test(port, path, cookie if needs_cookie else "")
            log(f"  load {name}: {results[name]}")
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
    return results


# --- Report ---------------------------------------------------------------------------------


def machine() -> dict:
    from django import get_version
    from django.db import connection

    memory = "unknown"
    if connection.vendor == "sqlite":
        version = connection.Database.sqlite_version
    else:
        version = connection.cursor().connection.info.server_version
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": os.cpu_count(),
        "memory": memory,
        "python": platform.python_version(),
        "django": get_version(),
        "database": f"{connection.vendor} {version}",
        "platform": platform.platform(),
        "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


def report(db_label: str, counts: dict, sizes: dict, pdf: dict, load: dict) -> str:
    small, large = sizes[FACTORS[0]], sizes[FACTORS[-1]]
    lines = [
        "| Page | Queries f1 | Queries f10 | Median f1 (ms) | Median f10 (ms) | ÷ floor | "
        "÷ admin | f10 ÷ f1 | Targets met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    floor = large["floor"]["median_ms"]
    lines.append(
        f"| floor (bare base.html) | {small['floor']['queries']} | {large['floor']['queries']} | "
        f"{small['floor']['median_ms']:.1f} | {floor:.1f} | 1.00 | – | "
        f"{floor / small['floor']['median_ms']:.2f} | – |"
    )
    for name, *_ in pages("x"):
        a, b = small[name], large[name]
        to_floor = b["median_ms"] / floor
        growth = b["median_ms"] / a["median_ms"]
        admin = b.get("admin")
        to_admin = b["median_ms"] / admin["median_ms"] if admin else None
        ok = (
            a["queries"] <= 12
            and a["queries"] == b["queries"]
            and to_floor <= 3
            and (to_admin is None or to_admin <= 1)
            and growth <= 1.5
        )
        lines.append(
            f"| {name} | {a['queries']} | {b['queries']} | {a['median_ms']:.1f} | "
            f"{b['median_ms']:.1f} | {to_floor:.2f} | "
            f"{f'{to_admin:.2f}' if to_admin is not None else 'n/a'} | {growth:.2f} | "
            f"{verdict(ok)} |"
        )
    admin_rows = {
        f"admin changelist {ADMIN_DECISIONS}": (
            small["decisions list"]["admin"],
            large["decisions list"]["admin"],
        )
    }
    for label, (a, b) in admin_rows.items():
        lines.append(
            f"| {label} | {a['queries']} | {b['queries']} | {a['median_ms']:.1f} | "
            f"{b['median_ms']:.1f} | {b['median_ms'] / floor:.2f} | 1.00 | "
            f"{b['median_ms'] / a['median_ms']:.2f} | – |"
        )
    pdf_ratio = pdf["full"]["median_s"] / pdf["weasy"]["median_s"]
    lines += [
        "",
        f"Annual-review PDF of the largest period ({pdf['period']}, {pdf['pages']} pages, "
        f"factor {FACTORS[-1]}):",
        "",
        "| Render | Median (s) | Peak memory (MB) | Ratio |",
        "|---|---:|---:|---:|",
        f"| app (context + template + WeasyPrint) | {pdf['full']['median_s']:.2f} | "
        f"{pdf['full']['peak_mb']:.0f} | {pdf_ratio:.3f} ({verdict(pdf_ratio <= 1.15)}) |",
        f"| WeasyPrint alone, same HTML | {pdf['weasy']['median_s']:.2f} | "
        f"{pdf['weasy']['peak_mb']:.0f} | 1.000 |",
        "",
        f"Load test on 127.0.0.1, factor {FACTORS[-1]}: gunicorn {WORKERS} sync workers, "
        f"{CLIENTS} client threads, {LOAD_SECONDS:.0f} s per page:",
        "",
        "| Page | Requests | Requests/s | p50 (ms) | p95 (ms) | Non-2xx |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, row in load.items():
        lines.append(
            f"| {name} | {row['requests']} | {row['rps']:.1f} | {row['p50_ms']:.0f} | "
            f"{row['p95_ms']:.0f} | {row['non_2xx']} |"
        )
    dash_share = load["dashboard"]["rps"] / load["floor"]["rps"]
    non_2xx = sum(r["non_2xx"] for r in load.values())
    session = large["session_refresh_queries"]
    lines += [
        "",
        f"Dashboard throughput ÷ floor throughput: {dash_share:.2f} "
        f"(target ≥ 0.5: {verdict(dash_share >= 0.5)}); non-2xx responses: {non_2xx} "
        f"({verdict(non_2xx == 0)}).",
        f"Idle-session refresh: a floor request costs {session['plain']} queries, "
        f"{session['refreshing']} on the one request a minute that re-saves the session.",
        "",
        "Data set sizes: "
        + "; ".join(
            f"factor {f}: " + ", ".join(f"{k} {v}" for k, v in c.items()) for f, c in counts.items()
        ),
    ]
    return "\n".join(lines)


def write_markdown(table: str, info: dict, db_label: str, output: Path) -> None:
    text = [
        "# Benchmarks",
        "",
        "Written by `make bench` (bench/run.py). Server-side renders through the Django test "
        f"client, median of {RENDERS}; queries counted on one render. Ratios use the factor "
        f"{FACTORS[-1]} figures, all taken in this one run.",
        "",
        f"- Settings: {SETTINGS_LABEL}, for every page and the load test alike",
        f"- Date: {info['date']}",
        f"- Machine: {info['nproc']} CPUs (nproc), {info['memory']} memory, {info['platform']}",
        f"- Python {info['python']}, Django {info['django']}",
        f"- Database: {db_label}, {info['database']}",
        f"- Load average at the end (1/5/15 min): {info['load']} — timings on a shared machine "
        "vary with what else runs; the ratios compare figures taken minutes apart.",
        "",
        table,
        "",
    ]
    output.write_text("\n".join(text), encoding="utf-8")


def clear_caches() -> None:
    from django.core.cache import cache

    cache.clear()


def count_rows() -> dict:
    from decisions.models import Decision
    from toolkit.models import Action, Evidence

    return {
        "evidence": Evidence.objects.count(),
        "actions": Action.objects.count(),
        "decisions": Decision.objects.count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pdf-child", nargs=2, metavar=("MODE", "ARG"))
    parser.add_argument("--runs", type=int, default=PDF_RUNS)
    parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "BENCHMARKS.md", help="Where to write the table."
    )
    args = parser.parse_args()
    if args.pdf_child:
        pdf_child(*args.pdf_child, args.runs)
        return
    workdir = Path(tempfile.mkdtemp(prefix="pc-bench-"))
    try:
        db_label = prepare_environment(workdir)
        django_setup()
        from django.core.management import call_command

        log(f"database: {db_label}; {SETTINGS_LABEL}; work folder {workdir}")
        call_command("collectstatic", "--noinput", verbosity=0)
        call_command("migrate", verbosity=0)
        call_command("seed_toolkit", verbosity=0)
        sizes, counts = {}, {}
        reference = None
        for factor in FACTORS:
            log(f"generating factor {factor}")
            started = time.monotonic()
            call_command("generate_scale_data", factor=factor, force=True)
            clear_caches()  # the cached profile and years would describe the smaller data
            log(f"factor {factor} ready in {time.monotonic() - started:.0f} s")
            reference = reference or sample_decision()
            counts[factor] = count_rows()
            log(f"measuring pages at factor {factor}")
            sizes[factor] = measure_all(reference)
        log("measuring the annual-review PDF")
        pdf = measure_pdf(workdir)
        log("load test")
        load = run_load()
        from bench.import_log import measure_import
        from bench.import_log import report as import_report

        log("importing a decision log of 5,000 records (rolled back afterwards)")
        imported = measure_import()
        info = machine()
        table = report(db_label, counts, sizes, pdf, load) + import_report(imported, db_label)
        print(table)
        write_markdown(table, info, db_label, args.output)
        log(f"written to {args.output}")
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
