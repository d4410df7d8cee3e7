"""`make bench`: page costs at factor 1 and factor 10, side by side with their references.

Not a test: it prints one table of ratios and writes it, with the machine description, to
BENCHMARKS.md. It runs the way production runs: DEBUG off, the manifest static storage
(``collectstatic`` into a temporary STATIC_ROOT first), secure cookies behind the documented
proxy header (requests say X-Forwarded-Proto: https), two-factor codes confirmed in every
signed-in session, and the production file cache. In one run and on one database (a fresh
SQLite file, or the PostgreSQL database named by DATABASE_URL, which is dropped and created
again) it:

1. builds factor 1 with ``generate_scale_data`` (plus bench/extra_data.py: training records
   and a checked decision-log import), copies that database and grows the copy to factor
   10, so both data sets exist at once;
2. measures every key page on both side by side: SQL queries, and the median of the renders
   through the Django test client, signed in as the right role, taken in turns with the
   floor (a bare signed-in page rendering base.html, routed only by bench/urls.py) and the
   Django admin changelist of decisions;
3. renders the annual-review PDF of the largest period and WeasyPrint alone on the same
   pre-built HTML in turns in a child process, and each once more in a process of its own
   for its peak memory (bench/report.py's measure_report);
4. runs a load test on 127.0.0.1 only: gunicorn with 2 workers, 16 client threads, 30 s per
   page in three bursts taken in turns after a warm-up, against the floor, the dashboard
   (signed in by session cookie) and the public log;
5. imports a decision log of 5,000 records (rolled back).

Environment: DATABASE_URL (PostgreSQL; default a fresh SQLite file), BENCH_RENDERS (30),
BENCH_LOAD_SECONDS (30), BENCH_FACTORS ("1,10"), BENCH_PDF_RUNS (3; 0 skips the PDF). Each
run writes its own database's section of BENCHMARKS.md and keeps the other's and the notes:
run it once with and once without DATABASE_URL for both tables. Generating the data takes
a few minutes at factor 10 on a busy machine; nothing is cached between runs. A quick check
that it starts and measures: BENCH_FACTORS=1,2 BENCH_RENDERS=3 BENCH_LOAD_SECONDS=3 BENCH_PDF_RUNS=0
bench/run.py --output /tmp/bench.md (never overwrite BENCHMARKS.md with a reduced run).
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
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
# 0 skips the annual-review PDF (it takes minutes at factor 10).
PDF_RUNS = int(os.environ.get("BENCH_PDF_RUNS", os.environ.get("BENCH_PDF", "3")))
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


def _count_queries(client, url: str) -> int:
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
    return len(queries)


def measure_pair(sides: dict, urls: dict, renders: int = RENDERS) -> dict:
    """The same page on every data set, rendered in turn (f1, f10, f1, f10 …) so that both
    medians come from the same minutes of a shared machine: {factor: {queries, median_ms}}."""
    counts, times = {}, {factor: [] for factor in sides}
    for factor, (use, client) in sides.items():
        use()
        counts[factor] = _count_queries(client, urls[factor])
    for _ in range(renders):
        for factor, (use, client) in sides.items():
            use()
            started = time.perf_counter()
            client.get(urls[factor])
            times[factor].append(time.perf_counter() - started)
    return {
        factor: {"queries": counts[factor], "median_ms": statistics.median(times[factor]) * 1000}
        for factor in sides
    }


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
        # Comments to give and decisions to approve: the "waiting for you" panel's two kinds.
        "chief executive": User.objects.get(username="scale.u01.chief-executive.00"),
        "administrator": User.objects.get(username="scale.u01.administrator.00"),
        "commissioner": User.objects.get(username="scale.u01.commissioner.00"),
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


# How deep the "deep" audit-log page is: this many rows back, reached by an Older link's cursor
# (the log holds about 11,000 rows at factor 1 and 110,000 at factor 10).
AUDIT_DEPTH = 10_000


def audit_cursor() -> str:
    """The cursor of the row AUDIT_DEPTH rows back in the log, as an Older link carries it."""
    from prevent_compliance.audit.selectors import AuditLog, LogFilters

    row = AuditLog(LogFilters()).rows(limit=1, offset=AUDIT_DEPTH - 1, link=False)
    return str(row[0]["cursor"])


def pages(targets: dict) -> list[tuple[str, str | None, str]]:
    """(name, role, URL) of every key page; ``targets`` names the sample records."""
    from urllib.parse import quote

    reference = targets.get("reference", "x")
    return [
        ("dashboard", "officer", "/"),
        ("dashboard: waiting for you (chief executive)", "chief executive", "/"),
        ("section page", "officer", "/toolkit/1/"),
        ("evidence list", "officer", "/evidence/"),
        ("action plan", "officer", "/actions/"),
        ("decisions list", "officer", "/decisions/"),
        ("decision detail", "officer", f"/decisions/{reference}/"),
        ("public log", None, "/public/decisions/"),
        ("public decision", None, f"/public/decisions/{reference}/"),
        ("audit log", "auditor", "/audit/"),
        (
            f"audit log, {AUDIT_DEPTH:,} rows back (Older link)",
            "auditor",
            f"/audit/?before={quote(targets.get('audit_cursor', ''))}",
        ),
        ("audit log, oldest page (?page=100000)", "auditor", "/audit/?page=100000"),
        ("user list", "administrator", "/users/"),
        ("import preview (400 records)", "administrator", targets.get("import_url", "")),
        ("training records", "officer", "/training/"),
        ("training: people", "officer", "/training/people/"),
        # The transparency pages (issue 17) and the published annual reviews (issue 15).
        ("public annual reviews", None, "/public/annual-reviews/"),
        ("public register of interests", None, "/public/register-of-interests/"),
        ("public gifts and hospitality", None, "/public/gifts-and-hospitality/"),
        ("public meetings", None, "/public/meetings/"),
        ("public forward plan", None, "/public/forward-plan/"),
        ("transparency index", None, "/public/transparency/"),
        ("public meeting", None, targets.get("public_meeting", "")),
        ("meetings (staff)", "officer", "/meetings/"),
        ("meeting detail (staff)", "officer", targets.get("meeting", "")),
        ("register of interests (chief executive)", "chief executive", "/interests/"),
        ("a holder's gifts and interests", "chief executive", targets.get("holder", "")),
        ("my interests (commissioner)", "commissioner", targets.get("own_register", "")),
    ]


def transparency_targets() -> dict[str, str]:
    """Unit 1's meeting and register holders (bench/extra_data.py), the same at every size."""
    from decisions.interests.models import Holder
    from decisions.meetings.models import Meeting

    meeting = Meeting.objects.get(title="Bench meeting 01-00")
    own = Holder.objects.get(user__username="scale.u01.commissioner.00")
    return {
        "meeting": meeting.get_absolute_url(),
        "public_meeting": meeting.get_public_url(),
        "own_register": own.get_absolute_url(),
        "holder": Holder.objects.get(slug="bench-senior-01-00").get_absolute_url(),
    }


ROLES = ("officer", "auditor", "chief executive", "administrator", "commissioner")


def clients_for_data() -> dict:
    """Signed-in clients on the current data set (their sessions live in its database)."""
    from django.test import Client

    users = bench_users()
    clients = {role: signed_in_client(users[role]) for role in ROLES}
    clients[None] = Client(headers=dict([PROXY_HEADER]))
    clients["superuser"] = signed_in_client(users["superuser"])
    return clients


def measure_all(data: dict) -> dict:
    """Every page on every data set side by side; ``data``: factor -> (use, clients, targets).
    Returns factor -> page name -> {queries, median_ms}."""
    results: dict = {factor: {} for factor in data}

    last = max(data)
    use_last, clients_last, _targets = data[last]

    def pair(name: str, role, url_of, *, references: bool = True) -> None:
        sides = {f: (use, clients[role]) for f, (use, clients, _t) in data.items()}
        urls = {f: url_of(targets) for f, (_u, _c, targets) in data.items()}
        if references:  # the floor and the admin changelist, in the same turns
            sides["floor"] = (use_last, clients_last["officer"])
            urls["floor"] = "/bench/floor/"
            sides["admin"] = (use_last, clients_last["superuser"])
            urls["admin"] = ADMIN_DECISIONS
        measured = measure_pair(sides, urls)
        for factor in data:
            results[factor][name] = measured[factor]
            if references:
                results[factor][name]["floor_ms"] = measured["floor"]["median_ms"]
                results[factor][name]["admin_ms"] = measured["admin"]["median_ms"]
        log(f"  {name}: " + "; ".join(f"{f} {r}" for f, r in measured.items()))

    pair("floor", "officer", lambda t: "/bench/floor/", references=False)
    pair("admin", "superuser", lambda t: ADMIN_DECISIONS, references=False)
    names = [(name, role) for name, role, _url in pages({})]
    for index, (name, role) in enumerate(names):
        pair(name, role, lambda t, i=index: pages(t)[i][2])
    use_last()
    results[last]["session_refresh_queries"] = session_refresh_cost(clients_last["officer"])
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


# --- PDF -----------------------------------------------------------------------------------


def largest_period():
    from bench.report import largest_period as largest

    return largest()


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


def load_burst(port: int, path: str, cookie: str, seconds: float) -> dict:
    """CLIENTS threads requesting ``path`` for ``seconds``: latencies, elapsed time, errors."""
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
    return {"latencies": latencies, "elapsed": time.monotonic() - started, "non_2xx": bad[0]}


def summarise(bursts: list[dict]) -> dict:
    latencies = sorted(x for burst in bursts for x in burst["latencies"])
    elapsed = sum(burst["elapsed"] for burst in bursts)

    def pct(p):
        return (
            latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000 if latencies else 0
        )

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(0.50),
        "p95_ms": pct(0.95),
        "non_2xx": sum(burst["non_2xx"] for burst in bursts),
    }


# Each page's LOAD_SECONDS are split into this many bursts, the pages' bursts taken in turns
# (floor, dashboard, public log, floor, …) so that the throughput ratios compare the same
# minutes of a shared machine; before them, every page is requested for WARM_SECONDS
# (uncounted) so that no page pays for a worker's first compilation of its templates.
LOAD_ROUNDS = 3
WARM_SECONDS = 3.0


def run_load() -> dict:
    from django.conf import settings

    users = bench_users()
    client = signed_in_client(users["officer"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    port = free_port()
    process = start_gunicorn(port)
    targets = (
        ("floor", "/bench/floor/", cookie),
        ("dashboard", "/", cookie),
        ("public log", "/public/decisions/", ""),
    )
    bursts: dict[str, list[dict]] = {name: [] for name, _path, _cookie in targets}
    try:
        for _name, path, sent in targets:
            load_burst(port, path, sent, WARM_SECONDS)
        for _ in range(LOAD_ROUNDS):
            for name, path, sent in targets:
                bursts[name].append(load_burst(port, path, sent, LOAD_SECONDS / LOAD_ROUNDS))
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
    results = {name: summarise(taken) for name, taken in bursts.items()}
    for name, result in results.items():
        log(f"  load {name}: {result}")
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
        "vendor": connection.vendor,
        "platform": platform.platform(),
        "load": " / ".join(f"{x:.1f}" for x in os.getloadavg()),
    }


def verdict(ok: bool) -> str:
    return "yes" if ok else "**no**"


# The targets of issue 16, checked on the factor 10 figures of one run.
MAX_QUERIES = 12
MAX_TO_FLOOR = 4.0
MAX_GROWTH = 1.2
MIN_DASHBOARD_SHARE = 0.5


def page_table(sizes: dict) -> list[str]:
    small, large = sizes[FACTORS[0]], sizes[FACTORS[-1]]
    lines = [
        "| Page | Queries f1 | Queries f10 | Median f1 (ms) | Median f10 (ms) | ÷ floor | "
        "÷ admin | f10 ÷ f1 | Targets met |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    floor, admin = large["floor"]["median_ms"], large["admin"]["median_ms"]

    def row(label, a, b, to_admin: str, ok: str) -> str:
        return (
            f"| {label} | {a['queries']} | {b['queries']} | {a['median_ms']:.1f} | "
            f"{b['median_ms']:.1f} | {b['median_ms'] / floor:.2f} | {to_admin} | "
            f"{b['median_ms'] / a['median_ms']:.2f} | {ok} |"
        )

    lines.append(row("floor (bare base.html)", small["floor"], large["floor"], "–", "–"))
    for name, *_ in pages({}):
        a, b = small[name], large[name]
        # The floor and the admin changelist rendered in the same turns as this page.
        to_floor = b["median_ms"] / b.get("floor_ms", floor)
        to_admin = b["median_ms"] / b.get("admin_ms", admin)
        ok = (
            a["queries"] <= MAX_QUERIES
            and a["queries"] == b["queries"]
            and to_floor <= MAX_TO_FLOOR
            and to_admin < 1
            and b["median_ms"] / a["median_ms"] <= MAX_GROWTH
        )
        lines.append(
            f"| {name} | {a['queries']} | {b['queries']} | {a['median_ms']:.1f} | "
            f"{b['median_ms']:.1f} | {to_floor:.2f} | {to_admin:.2f} | "
            f"{b['median_ms'] / a['median_ms']:.2f} | {verdict(ok)} |"
        )
    lines.append(
        row(f"admin changelist {ADMIN_DECISIONS}", small["admin"], large["admin"], "1.00", "–")
    )
    return lines


def pdf_lines(pdf: dict | None) -> list[str]:
    if pdf is None:
        return ["", "Annual-review PDF: not measured in this run (BENCH_PDF=0)."]
    ratio = pdf["ratio"]
    return [
        "",
        f"Annual-review PDF of the largest period ({pdf['period']}, {pdf['pages']} pages, "
        f"factor {FACTORS[-1]}); medians of {pdf['runs']} renders each, the two taken in turns "
        "in one process; each peak measured in a process of its own:",
        "",
        "| Render | Median (s) | Peak memory (MB) | Ratio |",
        "|---|---:|---:|---:|",
        f"| app (queries + template + WeasyPrint) | {pdf['seconds']:.2f} | "
        f"{pdf['peak_mb']:.0f} | {ratio:.3f} (≤ 1.1: {verdict(ratio <= 1.1)}) |",
        f"| of which the HTML (queries + template) | {pdf['html_seconds']:.2f} | – | – |",
        f"| WeasyPrint alone, same HTML | {pdf['weasy_seconds']:.2f} | "
        f"{pdf['weasy_peak_mb']:.0f} | 1.000 |",
    ]


def report(db_label: str, counts: dict, sizes: dict, pdf: dict | None, load: dict) -> str:
    lines = page_table(sizes)
    lines += pdf_lines(pdf)
    lines += [
        "",
        f"Load test on 127.0.0.1, factor {FACTORS[-1]}: gunicorn {WORKERS} sync workers, "
        f"{CLIENTS} client threads, {LOAD_SECONDS:.0f} s per page in {LOAD_ROUNDS} bursts taken "
        f"in turns with the other pages', after {WARM_SECONDS:.0f} s of uncounted requests each:",
        "",
        "| Page | Requests | Requests/s | ÷ floor | p50 (ms) | p95 (ms) | Non-2xx |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, row in load.items():
        lines.append(
            f"| {name} | {row['requests']} | {row['rps']:.1f} | "
            f"{row['rps'] / load['floor']['rps']:.2f} | {row['p50_ms']:.0f} | "
            f"{row['p95_ms']:.0f} | {row['non_2xx']} |"
        )
    dash_share = load["dashboard"]["rps"] / load["floor"]["rps"]
    non_2xx = sum(r["non_2xx"] for r in load.values())
    session = sizes[FACTORS[-1]]["session_refresh_queries"]
    lines += [
        "",
        f"Dashboard throughput ÷ floor throughput: {dash_share:.2f} "
        f"(target ≥ {MIN_DASHBOARD_SHARE}: {verdict(dash_share >= MIN_DASHBOARD_SHARE)}); "
        f"dashboard p95 {load['dashboard']['p95_ms']:.0f} ms; non-2xx responses: {non_2xx} "
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


HEADER = """# Benchmarks

Written by `make bench` (bench/run.py), one section per database: a run on SQLite replaces
the SQLite section, a run with `DATABASE_URL` naming PostgreSQL the PostgreSQL section; the
notes after them are written by hand. Server-side renders through the Django test client,
queries counted on one render. The factor 1 and factor 10 databases are both kept, and every
page is rendered on each in turn, with the floor page and the admin changelist in the same
turns (f1, f10, floor, admin, f1, …), so every ratio compares figures taken in the same
seconds of a shared machine. Targets (issue 16): at most 12 queries and the same at both
sizes, f10 ÷ f1 at most 1.2, at most 4× the floor page, faster than the admin changelist
(/admin/decisions/decision/, the reference for every page); dashboard throughput under 16
clients at least 0.5× the floor's with no non-2xx.
"""


def section_text(table: str, info: dict, db_label: str) -> str:
    return "\n".join(
        [
            f"<!-- bench:{info['vendor']} -->",
            f"## {'PostgreSQL' if info['vendor'] == 'postgresql' else 'SQLite'}",
            "",
            f"- Settings: {SETTINGS_LABEL}, for every page and the load test alike",
            f"- Date: {info['date']}; median of {RENDERS} renders",
            f"- Machine: {info['nproc']} CPUs (nproc), {info['memory']} memory, {info['platform']}",
            f"- Python {info['python']}, Django {info['django']}",
            f"- Database: {db_label}, {info['database']}",
            f"- Load average at the end (1/5/15 min): {info['load']} — timings on a shared "
            "machine vary with what else runs; each ratio compares renders taken in turns.",
            "",
            table,
            f"<!-- /bench:{info['vendor']} -->",
        ]
    )


def write_markdown(table: str, info: dict, db_label: str, output: Path) -> None:
    """Replace this database's section of ``output``, keeping the other one and the notes."""
    section = section_text(table, info, db_label)
    start, end = f"<!-- bench:{info['vendor']} -->", f"<!-- /bench:{info['vendor']} -->"
    text = output.read_text(encoding="utf-8") if output.exists() else ""
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        text = before + section + after
    elif "<!-- bench:" in text:  # the other database's section only: this one goes first
        first = text.index("<!-- bench:")
        text = text[:first] + section + "\n\n" + text[first:]
    else:
        text = HEADER + "\n" + section + "\n"
    output.write_text(text, encoding="utf-8")


class DataSets:
    """The factor 1 and factor 10 databases side by side, each with its own connection and
    its own cache key prefix, so that pages are measured on both in turn (measure_pair).

    The factor 10 database starts as a copy of the factor 1 one (a file copy on SQLite,
    CREATE DATABASE … TEMPLATE on PostgreSQL) and grows from there.
    """

    def __init__(self, url: str):
        from django.db import connections

        self.urls = {FACTORS[0]: url}
        self.wrappers = {FACTORS[0]: connections["default"]}
        self.current = FACTORS[0]
        self.use(FACTORS[0])

    def use(self, factor: int) -> None:
        from django.core.cache import caches
        from django.db import connections

        connections._connections.default = self.wrappers[factor]
        caches["default"].key_prefix = f"bench-f{factor}"
        self.current = factor

    def user(self, factor: int):
        return lambda: self.use(factor)

    def copy(self, source: int, factor: int) -> None:
        """A new data set ``factor``, a copy of ``source`` as it is now; then use it."""
        import copy as copying

        from django.db import connections
        from django.db.utils import load_backend

        self.use(source)
        connections["default"].close()
        url = self.urls[source]
        settings_dict = copying.deepcopy(connections.settings["default"])
        if url.startswith("sqlite"):
            path = Path(url.removeprefix("sqlite:///"))
            target = path.with_name(f"{path.stem}-f{factor}{path.suffix}")
            shutil.copyfile(path, target)
            self.urls[factor] = f"sqlite:///{target}"
            settings_dict["NAME"] = str(target)
        else:
            import psycopg
            from psycopg import sql

            base, _, name = url.rpartition("/")
            name = name.split("?")[0]
            target_name = f"{name}_f{factor}"
            with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                conn.execute(
                    sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                        sql.Identifier(target_name)
                    )
                )
                conn.execute(
                    sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
                        sql.Identifier(target_name), sql.Identifier(name)
                    )
                )
            self.urls[factor] = f"{base}/{target_name}"
            settings_dict["NAME"] = target_name
        backend = load_backend(settings_dict["ENGINE"])
        self.wrappers[factor] = backend.DatabaseWrapper(settings_dict, "default")
        self.use(factor)

    def drop_copies(self) -> None:
        from django.db import connections

        for factor, url in self.urls.items():
            if factor == FACTORS[0]:
                continue
            self.wrappers[factor].close()
            if not url.startswith("sqlite"):
                import psycopg
                from psycopg import sql

                base, _, name = url.rpartition("/")
                self.use(FACTORS[0])
                connections["default"].close()
                with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
                    conn.execute(
                        sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(
                            sql.Identifier(name)
                        )
                    )


def clear_caches() -> None:
    from django.core.cache import cache

    cache.clear()


def grow_data(factor: int) -> None:
    """The bench's own data for the newer pages (bench/extra_data.py), then fresh statistics
    on PostgreSQL, as autovacuum gathers them after bulk writes."""
    from django.db import connection
    from django.utils import timezone

    from bench.extra_data import grow_training, grow_transparency

    grow_training(factor, timezone.localdate())
    grow_transparency(factor, timezone.localdate())
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def import_preview(admin, factor: int) -> str:
    from bench.extra_data import import_preview as checked

    return checked(admin, factor)


def measure_report_pdf() -> dict:
    """bench/report.py's measure_report: the app's render and WeasyPrint alone in turns."""
    from bench.report import measure_report

    period = largest_period()
    return {"period": period.label, **measure_report(period, runs=PDF_RUNS)}


def count_rows() -> dict:
    from decisions.models import Decision
    from toolkit.models import Action, Evidence
    from toolkit.training.models import Completion

    return {
        "evidence": Evidence.objects.count(),
        "actions": Action.objects.count(),
        "decisions": Decision.objects.count(),
        "training completions": Completion.objects.count(),
        "history rows": sum(
            source.history_model._default_manager.count() for source in audit_sources()
        ),
    }


def audit_sources():
    from prevent_compliance.audit.selectors import log_sources

    return log_sources()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="Keep the work folder.")
    parser.add_argument(
        "--output", type=Path, default=ROOT / "BENCHMARKS.md", help="Where to write the table."
    )
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pc-bench-"))
    try:
        db_label = prepare_environment(workdir)
        django_setup()
        from django.core.management import call_command

        log(f"database: {db_label}; {SETTINGS_LABEL}; work folder {workdir}")
        call_command("collectstatic", "--noinput", verbosity=0)
        call_command("migrate", verbosity=0)
        call_command("seed_toolkit", verbosity=0)
        counts: dict = {}
        data_sets = DataSets(os.environ["DATABASE_URL"])
        prepared: dict = {}
        for index, factor in enumerate(FACTORS):
            if index:
                data_sets.copy(FACTORS[index - 1], factor)
            log(f"generating factor {factor}")
            started = time.monotonic()
            call_command("generate_scale_data", factor=factor, force=True)
            grow_data(factor)
            log(f"factor {factor} ready in {time.monotonic() - started:.0f} s")
            targets = {
                "reference": sample_decision(),
                "audit_cursor": audit_cursor(),
                "import_url": import_preview(bench_users()["administrator"], factor),
                **transparency_targets(),
            }
            counts[factor] = count_rows()
            prepared[factor] = targets
        clear_caches()  # every data set's cached counts are computed afresh by the pages
        data = {}
        for factor in FACTORS:
            data_sets.use(factor)
            data[factor] = (data_sets.user(factor), clients_for_data(), prepared[factor])
        log("measuring pages, factor " + " and ".join(map(str, FACTORS)) + " side by side")
        sizes = measure_all(data)
        # The PDF, the load test and the import run on the largest data set.
        data_sets.use(FACTORS[-1])
        os.environ["DATABASE_URL"] = data_sets.urls[FACTORS[-1]]
        clear_caches()
        pdf = None
        if PDF_RUNS > 0:
            log("measuring the annual-review PDF")
            pdf = measure_report_pdf()
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
        data_sets.drop_copies()
    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
