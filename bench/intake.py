"""Benchmark Open311 intake: POST /open311/v2/requests.json from 32 concurrent clients against gunicorn.

Usage:
    .venv/bin/python bench/intake.py                          # SQLite, then PostgreSQL
    .venv/bin/python bench/intake.py --backend postgres --workers 3,5,8 --worker-class sync,gthread
    .venv/bin/python bench/intake.py --profile 300            # also profile the POST in process

For each backend it prepares a dedicated database (SQLite: ``var/bench/intake.sqlite3``;
PostgreSQL: database ``civicgrid_bench_intake`` on 127.0.0.1:5432 as user postgres, created if
missing), migrates it, builds the demo city there unless it is built already, creates an Open311
API key and a few thousand WGS-84 points that lie inside the city's grids. Then, for each server
configuration asked for, it starts ``gunicorn civicgrid.wsgi`` (``DEBUG=False``, bound to
127.0.0.1 on a free port), warms it up, and measures with ``wrk`` (installed with apt-get when it
is missing): GET /health, the trivial endpoint, then POST of service requests with form bodies
(API key, a public leaf service_code, a random point, a description) cycled by a Lua script.
Afterwards it checks in the database that every acknowledged submission (201) is a case with its
``report`` event. The server is always stopped, also on error or Ctrl-C.

``--profile N`` also sends N POSTs through Django's test client in one process (no HTTP, no
concurrency) and reports the SQL statements of one submission, the time per submission and where
it goes (cProfile). The full profile is written to ``var/bench/intake-profile-<backend>.txt``.
"""

import argparse
import base64
import contextlib
import json
import os
import re
import resource
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

from benchdb import PG_DSN, ROOT, SQLITE_DIR, create_pg_database, django_env

PG_DB = "civicgrid_bench_intake"  # --pg-database changes it
SQLITE_FILE = SQLITE_DIR / "intake.sqlite3"
POST_PATH = "/open311/v2/requests.json"
# Goals: accepted submissions per second on PostgreSQL, share of the /health rate, p99 latency.
GOAL_RATE = 400
GOAL_RATIO = 0.50
GOAL_P99_MS = 150
DESCRIPTIONS = (
    "Street light out at night",
    "Manhole cover missing on the pavement",
    "Illegal dumping of building waste",
    "Blocked fire lane in the courtyard",
    "Noise from construction after 22:00",
    "路灯不亮，晚上很黑",
    "井盖缺失，存在安全隐患",
    "小区消防通道被占用",
    "建筑垃圾乱堆乱放",
    "人行道破损，老人容易摔倒",
)


def fail(message: str) -> None:
    print(f"bench/intake.py: {message}", file=sys.stderr)
    sys.exit(1)


class Stop(Exception):
    """SIGTERM: unwind like Ctrl-C so that the server is stopped."""


# --- databases -------------------------------------------------------------------------------


def production_env(backend: str) -> dict[str, str]:
    """``backend_env`` with the settings a production server must have (DEBUG off, fresh keys)."""
    env = backend_env(backend)
    env.update(DEBUG="False", SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="127.0.0.1,testserver")
    if not env.get("TIP_ENCRYPTION_KEYS"):
        env["TIP_ENCRYPTION_KEYS"] = base64.urlsafe_b64encode(os.urandom(32)).decode()
    return env


def backend_env(backend: str) -> dict[str, str]:
    """The environment that points Django at the bench database of ``backend``."""
    env = django_env(backend, pg_database=PG_DB, sqlite_file=SQLITE_FILE)
    # whitenoise warns once per process that var/static is missing; nothing here serves static files.
    env["PYTHONWARNINGS"] = "ignore:No directory at:UserWarning"
    return env


def run_helper(backend: str, task: str, **options) -> dict:
    """Run ``task`` of this script in a child process set up for ``backend``; returns its JSON.

    Django can be set up for one database per process, and ``--backend both`` needs two."""
    with tempfile.TemporaryDirectory(prefix="civicgrid-intake-") as tmp:
        out = Path(tmp) / "out.json"
        command = [sys.executable, __file__, "--helper", task, "--backend", backend, "--helper-out", str(out)]
        for name, value in options.items():
            command += [f"--{name.replace('_', '-')}", str(value)]
        env = production_env(backend)  # as the server runs (DEBUG=False: no query log)
        result = subprocess.run(command, env=env, cwd=ROOT, check=False)
        if result.returncode != 0 or not out.exists():
            fail(f"{task} on {backend} failed (exit status {result.returncode})")
        return json.loads(out.read_text())


class Counter:
    """Counts Open311 cases (and their ``report`` events) straight in the database, without Django."""

    def __init__(self, backend: str, case_table: str, event_table: str):
        self.backend = backend
        self.case_table = case_table
        self.event_table = event_table

    def _query(self, sql: str, params: tuple):
        if self.backend == "postgres":
            import psycopg

            with psycopg.connect(f"{PG_DSN} dbname={PG_DB}") as conn:
                return conn.execute(sql.replace("?", "%s"), params).fetchone()
        with contextlib.closing(sqlite3.connect(SQLITE_FILE, timeout=30)) as conn:
            return conn.execute(sql, params).fetchone()

    def max_id(self) -> int:
        return self._query(f"SELECT coalesce(max(id), 0) FROM {self.case_table}", ())[0]

    def created_since(self, last_id: int) -> tuple[int, int]:
        """(Open311 cases with an id above ``last_id``, how many of them have their report event)."""
        cases = self._query(f"SELECT count(*) FROM {self.case_table} WHERE id > ? AND source = ?", (last_id, "open311"))
        with_event = self._query(
            f"SELECT count(DISTINCT c.id) FROM {self.case_table} c JOIN {self.event_table} e ON e.case_id = c.id "
            "WHERE c.id > ? AND c.source = ? AND e.action = ?",
            (last_id, "open311", "report"),
        )
        return cases[0], with_event[0]

    def settled_since(self, last_id: int, quiet: float = 1.0, limit: float = 15.0) -> tuple[int, int]:
        """``created_since`` once the count stops moving (requests in flight when wrk stopped)."""
        started = time.monotonic()
        last = self.created_since(last_id)
        while time.monotonic() - started < limit:
            time.sleep(quiet)
            now = self.created_since(last_id)
            if now == last:
                return now
            last = now
        return last


# --- helpers run inside a Django process ------------------------------------------------------


def helper_prepare(args) -> dict:
    """Migrate, build the demo city unless built, create an API key, draw points inside grids."""
    import django

    django.setup()
    import numpy as np
    import shapely
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from civicgrid.cases.models import Case, CaseEvent
    from civicgrid.geo import codes
    from civicgrid.geo.gcj02 import gcj02_to_wgs84
    from civicgrid.geo.locator import Locator, to_city_crs
    from civicgrid.geo.models import Region
    from civicgrid.open311.forms import service_categories
    from civicgrid.org.apikeys import create_api_key

    call_command("migrate", verbosity=0)
    built = None
    if not Region.objects.filter(level=codes.GRID).exists():
        print(f"building the demo city in the {connection.vendor} bench database (about 30 s) ...", flush=True)
        started = time.monotonic()
        call_command("build_demo_city", stdout=sys.stderr)
        built = time.monotonic() - started
    _record, key = create_api_key(f"bench intake {timezone.now():%Y-%m-%d %H:%M:%S.%f}")
    service_codes = sorted(service_categories().values_list("code", flat=True))
    if not service_codes:
        fail("the bench database has no public leaf categories")

    # Points: pick grids at random (so points are as dense as grids are), draw a point inside
    # each one by rejection in its bounding box, convert GCJ-02 -> WGS-84, and keep it only if
    # the rounded WGS-84 value the clients send lands in that same grid again.
    locator = Locator.from_db()
    rng = np.random.default_rng(args.seed)
    picks = rng.integers(0, len(locator), args.points * 2)
    geoms = locator.geometries[picks]
    bounds = shapely.bounds(geoms)
    xs = np.full(len(picks), np.nan)
    ys = np.full(len(picks), np.nan)
    for _ in range(100):
        todo = np.flatnonzero(np.isnan(xs))
        if not len(todo):
            break
        b = bounds[todo]
        cx = b[:, 0] + rng.random(len(todo)) * (b[:, 2] - b[:, 0])
        cy = b[:, 1] + rng.random(len(todo)) * (b[:, 3] - b[:, 1])
        inside = shapely.contains_xy(geoms[todo], cx, cy)
        xs[todo[inside]], ys[todo[inside]] = cx[inside], cy[inside]
    points, rejected = [], 0
    for grid, x, y in zip(picks.tolist(), xs.tolist(), ys.tolist(), strict=True):
        if len(points) == args.points:
            break
        if x != x:  # NaN: no point drawn inside this grid
            rejected += 1
            continue
        lat, lon = gcj02_to_wgs84(y, x)
        lat_text, lon_text = f"{lat:.8f}", f"{lon:.8f}"
        back_x, back_y = to_city_crs(float(lat_text), float(lon_text), "wgs84")
        if locator.locate_index(back_x, back_y) != grid:
            rejected += 1
            continue
        points.append((lat_text, lon_text))
    if len(points) < args.points:
        fail(f"only {len(points)} of {args.points} points could be drawn inside grids")
    return {
        "vendor": connection.vendor,
        "grids": len(locator),
        "built_seconds": built,
        "key": key,
        "codes": service_codes,
        "points": points,
        "rejected_points": rejected,
        "case_table": Case._meta.db_table,
        "event_table": CaseEvent._meta.db_table,
    }


def form_bodies(key: str, codes: list[str], points: list, seed: int) -> list[str]:
    """One urlencoded POST body per point, each with a random service code and description."""
    import random

    rng = random.Random(seed)
    bodies = []
    for i, (lat, lon) in enumerate(points):
        fields = {
            "api_key": key,
            "service_code": rng.choice(codes),
            "lat": lat,
            "long": lon,
            "description": f"{rng.choice(DESCRIPTIONS)} (bench {i})",
        }
        bodies.append(urllib.parse.urlencode(fields))
    return bodies


def helper_profile(args) -> dict:
    """POSTs through the test client in this process: SQL per submission, time, cProfile.

    The test client keeps the database connection between requests; the server closes it at
    the end of each request when ``CONN_MAX_AGE`` says so (and health-checks a kept one at the
    next), so ``close_old_connections`` runs after each POST here as it does there."""
    import cProfile
    import io
    import pstats

    import django

    django.setup()
    from django.db import close_old_connections, connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    data = json.loads(Path(args.points_file).read_text())
    bodies = form_bodies(data["key"], data["codes"], data["points"], args.seed + 1)
    client = Client()

    def post(i: int):
        response = client.post(POST_PATH, bodies[i % len(bodies)], content_type="application/x-www-form-urlencoded")
        if response.status_code != 201:
            fail(f"profile POST answered {response.status_code}: {response.content[:300]!r}")
        close_old_connections()

    for i in range(20):  # warm: the locator index, the connection
        post(i)
    # The statements of one submission (the on-commit notification queue included).
    with CaptureQueriesContext(connection) as one:
        post(20)
    statements = [q["sql"] for q in one.captured_queries]
    with CaptureQueriesContext(connection) as many:
        for i in range(50):
            post(21 + i)
    per_post = len(many.captured_queries) / 50
    reset_queries()

    n = args.profile
    wall, cpu = time.perf_counter(), time.process_time()
    for i in range(n):
        post(100 + i)
    wall_ms = (time.perf_counter() - wall) / n * 1000
    cpu_ms = (time.process_time() - cpu) / n * 1000

    profiler = cProfile.Profile()
    profiler.enable()
    for i in range(n):
        post(100 + n + i)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(80)
    stats.sort_stats("tottime").print_stats(40)
    backend = "postgres" if connection.vendor == "postgresql" else "sqlite"
    report = ROOT / "var" / "bench" / f"intake-profile-{backend}.txt"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(text.getvalue())

    # Where the time goes: the cumulative time of a few functions, as a share of the whole.
    watched = {
        "view (_post_service_request)": ("civicgrid/open311/views.py", "_post_service_request"),
        "  check_api_key": ("civicgrid/org/apikeys.py", "check_api_key"),
        "  ServiceRequestForm (service_code lookup)": ("civicgrid/open311/forms.py", "clean_service_code"),
        "  do_report_case": ("civicgrid/cases/actions.py", "do_report_case"),
        "    locate_report (WGS-84 -> GCJ-02, grid)": ("civicgrid/cases/actions.py", "locate_report"),
        "    deadlines.due_at (working calendar)": ("civicgrid/cases/deadlines.py", "due_at"),
        "    apply_transition (UPDATE case, INSERT event)": ("civicgrid/cases/actions.py", "apply_transition"),
        "  notify queue_for_event (on commit)": ("civicgrid/notify/queue.py", "queue_for_event"),
        "  render the response": ("civicgrid/open311/serializers.py", "render"),
        "ORM: compiling SQL (as_sql)": ("django/db/models/sql/compiler.py", "as_sql"),
        "driver: executing SQL": ("django/db/backends/utils.py", "_execute"),
        "driver: commit": ("django/db/backends/base/base.py", "commit"),
        "opening database connections": ("django/db/backends/base/base.py", "connect"),
    }
    raw = stats.stats  # {(file, line, name): (cc, nc, tt, ct, callers)}
    breakdown = {}
    for label, (file_end, name) in watched.items():
        breakdown[label] = sum(v[3] for k, v in raw.items() if k[0].endswith(file_end) and k[2] == name)
        breakdown[label] /= stats.total_tt
    return {
        "statements": statements,
        "per_post": per_post,
        "wall_ms": wall_ms,
        "cpu_ms": cpu_ms,
        "breakdown": breakdown,
        "report": str(report.relative_to(ROOT)),
    }


# --- wrk --------------------------------------------------------------------------------------


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if shutil.which("apt-get") is None:
        fail("wrk is not installed and there is no apt-get to install it: install wrk (https://github.com/wg/wrk)")
    print("installing wrk with apt-get ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", "install", "-y", "-q", "wrk"]
    if subprocess.run(command, env=env, check=False, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False, capture_output=True)
        result = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
        if result.returncode != 0:
            last = (result.stderr.strip().splitlines() or ["no message"])[-1]
            fail(f"apt-get install wrk failed ({last}); install wrk by hand (needs root) and run again")
    found = shutil.which("wrk")
    if not found:
        fail("apt-get reported success but wrk is not on PATH")
    return found


LUA_TEMPLATE = """-- POST bodies for bench/intake.py: each thread cycles through them from its own offset and
-- counts the response statuses; done() prints them as "status <code> <count>" lines.
local bodies = {
%(bodies)s
}
local n = #bodies
local i = 0
local threads = {}
counts = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
end

function init(args)
  i = (id * 7919) %% n
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end

function request()
  i = i %% n + 1
  return wrk.format(nil, nil, nil, bodies[i])
end

function response(status, headers, body)
  counts[status] = (counts[status] or 0) + 1
end

function done(summary, latency, requests)
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("counts")) do
      total[status] = (total[status] or 0) + count
    end
  end
  for status, count in pairs(total) do
    io.write(string.format("status %%d %%d\\n", status, count))
  end
end
"""


def write_lua(directory: Path, bodies: list[str]) -> Path:
    path = directory / "intake.lua"
    lines = ",\n".join(f'  "{b}"' for b in bodies)  # urlencoded: no quotes or backslashes
    path.write_text(LUA_TEMPLATE % {"bodies": lines})
    return path


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3, "h": 3600e3}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m|h)", text).groups()
    return float(number) * UNITS[unit]


def parse_wrk(text: str) -> dict:
    """Requests, duration, rate, latency percentiles (ms), errors and (with the Lua script) statuses."""
    out = {"statuses": {}, "socket_errors": {"connect": 0, "read": 0, "write": 0, "timeout": 0}, "non_2xx_3xx": 0}
    m = re.search(r"(\d+) requests in ([\d.]+)(us|ms|s|m)", text)
    if not m:
        raise ValueError(f"unexpected wrk output:\n{text}")
    out["requests"] = int(m.group(1))
    out["seconds"] = _ms(m.group(2) + m.group(3)) / 1000
    out["rate"] = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    for pct, value in re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", text, re.M):
        out[f"p{pct}"] = _ms(value)
    m = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    if m:
        out["socket_errors"] = dict(zip(("connect", "read", "write", "timeout"), map(int, m.groups()), strict=True))
    m = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if m:
        out["non_2xx_3xx"] = int(m.group(1))
    for status, count in re.findall(r"^status (\d+) (\d+)$", text, re.M):
        out["statuses"][int(status)] = int(count)
    return out


def run_wrk(wrk: str, url: str, seconds: float, connections: int, threads: int, script: Path | None = None) -> dict:
    command = [wrk, f"-t{threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--latency", "--timeout", "5s"]
    if script is not None:
        command += ["-s", str(script)]
    result = subprocess.run([*command, url], check=False, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"wrk failed: {result.stderr.strip() or result.stdout.strip()}")
    parsed = parse_wrk(result.stdout)
    if "p99" not in parsed:
        fail(f"wrk answered no latency distribution (no response at all?):\n{result.stdout}")
    parsed["output"] = result.stdout
    return parsed


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def gunicorn(backend: str, workers: int, worker_class: str, threads: int, log: Path):
    """Run ``gunicorn civicgrid.wsgi`` for ``backend`` on a free port; yields its base URL."""
    port = free_port()
    env = production_env(backend)
    env["ALLOWED_HOSTS"] = "127.0.0.1"
    command = [sys.executable, "-m", "gunicorn"]
    if (ROOT / "gunicorn.conf.py").exists():
        command += ["-c", str(ROOT / "gunicorn.conf.py")]
    command += [
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--threads",
        str(threads),
        "--no-control-socket",
        "--error-logfile",
        "-",
        "civicgrid.wsgi",
    ]
    log.parent.mkdir(parents=True, exist_ok=True)
    # The server's own output (Django's error reports included) goes to the log, not the terminal.
    # A session of its own: Ctrl-C reaches this script only, which then stops the server cleanly.
    log.write_text("")
    with open(log, "a") as out:
        proc = subprocess.Popen(command, env=env, cwd=ROOT, start_new_session=True, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    gunicorn.pgid = proc.pid
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                fail(f"gunicorn exited with status {proc.returncode}; see {log}:\n{log.read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                fail(f"gunicorn did not answer /health within 60 s; see {log}")
            time.sleep(0.2)
        yield base
    finally:
        stop_server(proc)


def stop_server(proc: subprocess.Popen) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)  # graceful: workers finish the request in hand
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # the group gunicorn leads (start_new_session)
        proc.wait(timeout=5)


# --- CPU accounting --------------------------------------------------------------------------


def cpu_snapshot(server_pgid: int) -> dict[str, float]:
    """CPU seconds used so far by the server (its process group), PostgreSQL (``_ours``) and wrk,
    the machine's total and its idle seconds (summed over cores)."""
    tick = os.sysconf("SC_CLK_TCK")
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    # wrk has been waited for when a snapshot is taken: it is counted among our children.
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {"server": 0.0, "postgres": 0.0, "wrk": children.ru_utime + children.ru_stime}
    out["total"] = sum(fields[:8]) / tick
    out["idle"] = (fields[3] + fields[4]) / tick
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                text = f.read()
        except OSError:
            continue
        comm = text[text.index("(") + 1 : text.rindex(")")]
        rest = text[text.rindex(")") + 2 :].split()
        used = (int(rest[11]) + int(rest[12])) / tick
        if int(rest[2]) == server_pgid:
            out["server"] += used
        elif comm == "postgres" and _ours(pid):
            out["postgres"] += used
    return out


def _ours(pid: str) -> bool:
    """A PostgreSQL backend serving the bench database, or the shared WAL writer, checkpointer and
    background writer (other sessions' backends count as "other")."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            title = f.read().decode(errors="replace")
    except OSError:
        return False
    return PG_DB in title or any(w in title for w in ("walwriter", "checkpointer", "background writer"))


def cpu_shares(before: dict, after: dict) -> dict[str, float]:
    """Share of one core used by each group between two snapshots (2 cores = 200%)."""
    wall = (after["total"] - before["total"]) / (os.cpu_count() or 1)
    shares = {k: (after[k] - before[k]) / wall for k in ("server", "postgres", "wrk", "idle")}
    shares["other"] = (os.cpu_count() or 1) - sum(shares.values())
    shares["wall"] = wall
    return shares


def machine_busy(seconds: float = 2.0) -> float:
    """Cores busy over ``seconds`` (from /proc/stat)."""

    def sample():
        with open("/proc/stat") as f:
            fields = [int(v) for v in f.readline().split()[1:]]
        return sum(fields[:8]), fields[3] + fields[4]

    total0, idle0 = sample()
    time.sleep(seconds)
    total1, idle1 = sample()
    cores = os.cpu_count() or 1
    return cores * (1 - (idle1 - idle0) / max(1, total1 - total0))


def wait_quiet(limit: float, threshold: float = 0.25) -> float:
    """Wait (at most ``limit`` seconds) until other work on the machine keeps less than
    ``threshold`` of a core busy; returns the last reading. Other processes on a 2-core machine
    change the figures a lot, so each run also reports the CPU they took."""
    started = time.monotonic()
    busy = machine_busy()
    told = False
    while busy > threshold and time.monotonic() - started < limit:
        if not told:
            print(f"  waiting for a quiet machine ({busy:.0%} of a core busy elsewhere) ...", flush=True)
            told = True
        busy = machine_busy(5.0)
    return busy


# --- one measurement -------------------------------------------------------------------------


def measure(wrk, backend, counter, lua, args, workers, worker_class, threads) -> dict:
    label = f"{workers} {worker_class}" + (f" x {threads} threads" if worker_class == "gthread" else "")
    log = ROOT / "var" / "bench" / f"intake-gunicorn-{backend}.log"
    with gunicorn(backend, workers, worker_class, threads, log) as base:
        # Warm-up: every worker imports the app, connects and builds its locator index.
        run_wrk(wrk, base + POST_PATH, args.warmup, args.connections, args.threads, lua)
        busy_before = wait_quiet(args.wait_quiet)
        run_wrk(wrk, base + "/health", min(args.warmup, 2), args.connections, args.threads)
        cpu = cpu_snapshot(gunicorn.pgid)
        health = run_wrk(wrk, base + "/health", args.duration, args.connections, args.threads)
        health["cpu"] = cpu_shares(cpu, cpu_snapshot(gunicorn.pgid))
        before = counter.max_id()
        cpu = cpu_snapshot(gunicorn.pgid)
        intake = run_wrk(wrk, base + POST_PATH, args.duration, args.connections, args.threads, lua)
        intake["cpu"] = cpu_shares(cpu, cpu_snapshot(gunicorn.pgid))
        created, with_event = counter.settled_since(before)
    server_errors = [line for line in log.read_text().splitlines() if line.startswith("Traceback")]
    statuses = intake["statuses"]
    ok_2xx = sum(c for s, c in statuses.items() if 200 <= s < 300)
    accepted = statuses.get(201, 0)
    errors = (
        sum(c for s, c in statuses.items() if not 200 <= s < 300)
        + sum(intake["socket_errors"].values())
        + sum(health["socket_errors"].values())
        + health["non_2xx_3xx"]
    )
    return {
        "backend": backend,
        "label": label,
        "workers": workers,
        "worker_class": worker_class,
        "threads": threads,
        "health": health,
        "intake": intake,
        "accepted": accepted,
        "accepted_rate": accepted / intake["seconds"],
        "ok_2xx": ok_2xx,
        "errors": errors,
        "created": created,
        "with_event": with_event,
        "lost": max(0, ok_2xx - created),
        "server_log_errors": len(server_errors),
        "log": str(log.relative_to(ROOT)),
        "busy_before": busy_before,
    }


def summary_line(r: dict) -> str:
    goals = [
        r["accepted_rate"] >= GOAL_RATE if r["backend"] == "postgres" else None,
        r["accepted_rate"] >= GOAL_RATIO * r["health"]["rate"],
        r["intake"]["p99"] < GOAL_P99_MS,
        r["errors"] == 0,
    ]
    missed = [g for g in goals if g is False]
    ratio = r["accepted_rate"] / r["health"]["rate"]
    return (
        f"intake ({r['backend']}, {r['label']}): {r['accepted_rate']:,.0f} accepted/s, "
        f"p99 {r['intake']['p99']:.0f} ms, errors {r['errors']} | /health: {r['health']['rate']:,.0f} req/s | "
        f"ratio {ratio:.0%} (goals: ≥ {GOAL_RATE}/s on PostgreSQL, ≥ {GOAL_RATIO:.0%} of /health, "
        f"p99 < {GOAL_P99_MS} ms, no error: {'met' if not missed else f'{len(missed)} missed'})"
    )


def detail_lines(r: dict) -> list[str]:
    i, h = r["intake"], r["health"]
    statuses = ", ".join(f"{s}: {c:,}" for s, c in sorted(i["statuses"].items()))
    se = i["socket_errors"]
    in_flight = r["created"] - r["ok_2xx"]
    return [
        f"  POST: {i['requests']:,} responses in {i['seconds']:.2f} s ({statuses}); latency p50 {i['p50']:.1f} ms, "
        f"p90 {i['p90']:.1f} ms, p99 {i['p99']:.1f} ms; socket errors connect {se['connect']}, read {se['read']}, "
        f"write {se['write']}, timeout {se['timeout']}",
        f"  GET /health: {h['requests']:,} responses, p50 {h['p50']:.2f} ms, p99 {h['p99']:.2f} ms, "
        f"non-2xx {h['non_2xx_3xx']}, socket errors {sum(h['socket_errors'].values())}",
        f"  check: {r['created']:,} Open311 cases created ({r['with_event']:,} with their report event) for "
        f"{r['ok_2xx']:,} 2xx responses counted by wrk"
        + (f" (+{in_flight} answered after wrk stopped counting)" if in_flight > 0 else "")
        + (": ok" if r["lost"] == 0 and r["with_event"] == r["created"] else f": {r['lost']} LOST"),
        f"  CPU (% of one core, {os.cpu_count()} cores): POST {cpu_text(i['cpu'])}; /health {cpu_text(h['cpu'])}",
        per_request_line("POST", i),
        per_request_line("/health", h),
        f"  server log: {r['server_log_errors']} tracebacks ({r['log']})",
    ]


def per_request_line(name: str, run: dict) -> str:
    """CPU time per request, and the rate the machine's cores would allow if nothing else ran."""
    cpu, n = run["cpu"], max(1, run["requests"])
    ms = {k: cpu[k] * cpu["wall"] / n * 1000 for k in ("server", "postgres", "wrk")}
    total = sum(ms.values())
    line = (
        f"  CPU per {name} request: server {ms['server']:.2f} ms, PostgreSQL {ms['postgres']:.2f} ms, "
        f"wrk {ms['wrk']:.2f} ms: {os.cpu_count()} cores would allow {os.cpu_count() * 1000 / total:,.0f}/s"
    )
    if cpu["other"] > 0.3:
        line += f" (other work took {cpu['other']:.0%} of a core during this run)"
    return line


def cpu_text(shares: dict) -> str:
    return ", ".join(f"{name} {shares[name]:.0%}" for name in ("server", "postgres", "wrk", "other", "idle"))


def print_profile(backend: str, p: dict) -> None:
    print(
        f"profile ({backend}): {p['per_post']:.1f} SQL statements per submission; one process without HTTP: "
        f"{p['wall_ms']:.2f} ms per submission ({p['cpu_ms']:.2f} ms CPU in Python, so at most "
        f"{1000 / p['cpu_ms']:,.0f}/s per core); share of the profiled time:"
    )
    for label, share in p["breakdown"].items():
        print(f"  {label:<44} {share:6.1%}")
    print("  statements of one submission:")
    for sql in p["statements"]:
        print(f"    {sql[:150]}{' …' if len(sql) > 150 else ''}")
    print(f"  full profile: {p['report']}")


# --- main ------------------------------------------------------------------------------------


def on_sigterm(signum, frame):
    raise Stop


def int_list(text: str) -> list[int]:
    return [int(v) for v in text.split(",") if v.strip()]


def main() -> None:
    global PG_DB
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--duration", type=float, default=20, help="seconds of each measurement (default 20)")
    parser.add_argument("--warmup", type=float, default=5, help="seconds of warm-up POSTs per server (default 5)")
    parser.add_argument("--connections", type=int, default=32, help="concurrent clients (default 32)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument(
        "--workers", type=int_list, default=None, help="gunicorn worker counts, comma-separated (default: the config)"
    )
    parser.add_argument("--worker-class", default="sync", help="gunicorn worker classes, comma-separated")
    parser.add_argument("--worker-threads", type=int, default=4, help="threads per gthread worker (default 4)")
    parser.add_argument("--points", type=int, default=4000, help="points (and POST bodies) to cycle (default 4,000)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also profile N POSTs in process")
    parser.add_argument("--no-load", action="store_true", help="only prepare (and profile): no server, no wrk")
    parser.add_argument("--seed", type=int, default=1129)
    parser.add_argument("--pg-database", default=PG_DB, help=f"PostgreSQL bench database (default {PG_DB})")
    parser.add_argument(
        "--wait-quiet",
        type=float,
        default=300,
        metavar="S",
        help="wait up to S seconds for other work on the machine to stop before each measurement (default 300)",
    )
    parser.add_argument("--json", type=Path, help="also write the results to this file")
    parser.add_argument("--helper", choices=("prepare", "profile"), help=argparse.SUPPRESS)
    parser.add_argument("--helper-out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--points-file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", args.pg_database):
        fail("--pg-database must be a plain lower-case name")
    PG_DB = args.pg_database

    if args.helper:
        sys.path.insert(0, str(ROOT))
        result = helper_prepare(args) if args.helper == "prepare" else helper_profile(args)
        args.helper_out.write_text(json.dumps(result))
        return

    if args.duration < 1 or args.connections < args.threads or args.points < 1:
        fail("--duration must be at least 1 s, --connections at least --threads, --points positive")
    signal.signal(signal.SIGTERM, on_sigterm)
    backends = ["sqlite", "postgres"] if args.backend == "both" else [args.backend]
    classes = [c.strip() for c in args.worker_class.split(",") if c.strip()]
    workers = args.workers or [default_workers()]
    wrk = None if args.no_load else ensure_wrk()
    if wrk:
        version = subprocess.run([wrk, "--version"], check=False, capture_output=True, text=True).stdout.split("\n")[0]
        print(f"load: {version.strip()}, {args.threads} threads, {args.connections} connections, {args.duration:g} s")
    results, profiles = [], {}
    try:
        for backend in backends:
            if backend == "postgres":
                create_pg_database(PG_DB)
            else:
                SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
            prepared = run_helper(backend, "prepare", points=args.points, seed=args.seed)
            where = f"PostgreSQL {PG_DB}" if backend == "postgres" else f"SQLite {SQLITE_FILE.relative_to(ROOT)}"
            built = f", demo city built in {prepared['built_seconds']:.0f} s" if prepared["built_seconds"] else ""
            print(
                f"database: {where}: {prepared['grids']:,} grids{built}; {len(prepared['codes'])} service codes, "
                f"{len(prepared['points']):,} points inside grids ({prepared['rejected_points']} drawn points dropped)"
            )
            counter = Counter(backend, prepared["case_table"], prepared["event_table"])
            bodies = form_bodies(prepared["key"], prepared["codes"], prepared["points"], args.seed)
            with tempfile.TemporaryDirectory(prefix="civicgrid-intake-") as tmp:
                lua = write_lua(Path(tmp), bodies)
                if args.profile:
                    points_file = Path(tmp) / "points.json"
                    points_file.write_text(json.dumps(prepared))
                    profiles[backend] = run_helper(
                        backend, "profile", profile=args.profile, points_file=points_file, seed=args.seed
                    )
                    print_profile(backend, profiles[backend])
                if args.no_load:
                    continue
                for worker_class in classes:
                    for n in workers:
                        threads = args.worker_threads if worker_class == "gthread" else 1
                        r = measure(wrk, backend, counter, lua, args, n, worker_class, threads)
                        results.append(r)
                        print(summary_line(r), flush=True)
                        for line in detail_lines(r):
                            print(line, flush=True)
    except (KeyboardInterrupt, Stop):
        fail("interrupted; the server was stopped")
    if len(results) > len(backends):
        print("best per backend:")
        for backend in backends:
            mine = [r for r in results if r["backend"] == backend]
            best = max(mine, key=lambda r: r["accepted_rate"])
            print(f"  {summary_line(best)}")
    if args.json:
        for r in results:
            r["intake"].pop("output", None)
            r["health"].pop("output", None)
        args.json.write_text(json.dumps({"results": results, "profiles": profiles}, indent=1))
    lost = any(r["lost"] or r["with_event"] != r["created"] for r in results)
    sys.exit(1 if lost else 0)


def default_workers() -> int:
    """The worker count gunicorn.conf.py would use (WEB_CONCURRENCY, else its default)."""
    config = ROOT / "gunicorn.conf.py"
    if config.exists():
        namespace: dict = {"__file__": str(config)}
        exec(compile(config.read_text(), str(config), "exec"), namespace)
        if "workers" in namespace:
            return int(namespace["workers"])
    return int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))


if __name__ == "__main__":
    main()
