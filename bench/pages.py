"""Benchmark the staff and resident pages with 90 days of history: server time and SQL queries.

Usage:
    .venv/bin/python bench/pages.py                      # SQLite, then PostgreSQL
    .venv/bin/python bench/pages.py --backend sqlite --repeat 50
    .venv/bin/python bench/pages.py --record             # also append the figures to bench/RESULTS.md

For each backend it prepares a dedicated database (SQLite: ``var/bench/pages.sqlite3``;
PostgreSQL: database ``civicgrid_bench_pages`` on 127.0.0.1:5432 as user postgres, created if
missing), migrates it, builds the demo city unless it is built, and fills it with ``--days`` (90)
days of history with ``manage.py simulate_history`` unless simulated history is there already
(``--rebuild`` simulates it again, ending now). On PostgreSQL it then runs ``ANALYZE``, as
autovacuum does on a production server. When the project has no ``simulate_history``
command yet, it says so and stops: measure again once it exists.

Then, in one process per backend with ``DEBUG=False`` and prepared like a server worker
(``civicgrid.wsgi.warm_up``: the locator built, the loaded objects frozen out of the garbage
collector's reach, as ``gunicorn.conf.py`` does), Django's test ``Client`` signed in as the
demo accounts requests every page ``--warmup`` (3) times and then ``--repeat`` (30) times, and
prints per page the p50 and p95 server time (in process: URL routing, middleware, view, SQL,
template; no HTTP or network) and the number of SQL queries of one request
(``CaptureQueriesContext``), next to the goal (p95 < 200 ms) and the time of ``/health`` (no
database) measured the same way in the same run:

- the workbench: ``/workbench/`` and every queue of ``civicgrid/web/workbench/urls.py``
  (``queues/<slug>/``) for the demo dispatcher, handler and supervisor of the first district;
- a case page (``/workbench/cases/<id>/``, the district's case with the most events);
- the resident's tracking page (``/track/<token>/``) of that case, anonymous;
- the command centre at city (``leader``), district and street level (``district.supervisor``),
  "numbers computed in the request" (the region's shared numbers deleted before each request: a
  view nobody watched in the last minutes, or no ``refresh_numbers`` running) and "numbers kept"
  (stored and fresh, as ``refresh_numbers`` keeps every watched view, or as an earlier viewer of
  the minute left them), its tiles refresh and its map points (within a process's one-minute
  memory, and without).

Besides the pages, it times what ``refresh_numbers`` does in the background for the city's
default view in one language (``numbers.refresh``): the cost a request no longer pays.

It also checks that no page's query count grows with the data it shows: a workbench queue for
one street against the whole district, the case and tracking pages of the case with the fewest
events against the one with the most, the command centre and its map for a street against the
city. Pages that fail (another part of the product still being written) are reported, not fatal.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from benchdb import ROOT, SQLITE_DIR, create_pg_database, django_env

PG_DB = "civicgrid_bench_pages"
SQLITE_FILE = SQLITE_DIR / "pages.sqlite3"
RESULTS = ROOT / "bench" / "RESULTS.md"
GOAL_P95_MS = 200
DISTRICT = "120101"  # the demo accounts' district (和平区)
SKIPPED = 3  # exit status when the history command is missing


def fail(message: str, status: int = 1) -> None:
    print(f"bench/pages.py: {message}", file=sys.stderr)
    sys.exit(status)


# --- databases -------------------------------------------------------------------------------


def backend_env(backend: str) -> dict[str, str]:
    """The environment that points Django at the bench database of ``backend``, with DEBUG off."""
    env = django_env(backend, pg_database=PG_DB, sqlite_file=SQLITE_FILE)
    env.update(DEBUG="False", SECRET_KEY="bench-pages-not-secret-" + "x" * 40)
    if "TIP_ENCRYPTION_KEYS" not in env:  # required with DEBUG=False; the bench database has no tips
        from cryptography.fernet import Fernet

        env["TIP_ENCRYPTION_KEYS"] = Fernet.generate_key().decode()
    env.setdefault("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver")
    return env


def run_helper(backend: str, args) -> dict | None:
    """Prepare and measure ``backend`` in a child process (Django is set up for one database per
    process); its JSON result, or None when the history command does not exist yet."""
    with tempfile.TemporaryDirectory(prefix="civicgrid-pages-") as tmp:
        out = Path(tmp) / "out.json"
        command = [
            sys.executable,
            __file__,
            "--helper",
            "--backend",
            backend,
            "--helper-out",
            str(out),
            "--days",
            str(args.days),
            "--repeat",
            str(args.repeat),
            "--warmup",
            str(args.warmup),
        ]
        if args.rebuild:
            command.append("--rebuild")
        result = subprocess.run(command, env=backend_env(backend), cwd=ROOT, check=False)
        if result.returncode == SKIPPED:
            return None
        if result.returncode != 0 or not out.exists():
            fail(f"the measurement on {backend} failed (exit status {result.returncode})")
        return json.loads(out.read_text())


# --- inside the Django process -----------------------------------------------------------------


def percentile(values: list[float], p: float) -> float:
    """The ``p``-th percentile (0..100) by linear interpolation between closest ranks."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def helper(args) -> dict:
    import django
    from django.conf import settings

    # With DEBUG=False the tip line refuses to start without its keys (the bench has no tips);
    # the environment carries a throwaway key for settings that do not read it themselves.
    if not getattr(settings, "TIP_ENCRYPTION_KEYS", ""):
        settings.TIP_ENCRYPTION_KEYS = os.environ["TIP_ENCRYPTION_KEYS"]
    django.setup()
    from django.core.management import call_command, get_commands
    from django.db import connection

    from civicgrid.geo.models import Region

    call_command("migrate", verbosity=0)
    if not Region.objects.filter(level=Region.Level.GRID).exists():
        print(f"building the demo city in the {connection.vendor} bench database ...", flush=True)
        call_command("build_demo_city", verbosity=0)
    if "simulate_history" not in get_commands():
        print(
            "bench/pages.py: this project has no `manage.py simulate_history` command yet, so there is no "
            "history to measure the pages on. Nothing was measured; run this script again once it exists.",
            file=sys.stderr,
        )
        sys.exit(SKIPPED)
    from civicgrid.cases import history
    from civicgrid.cases.models import Case, CaseEvent

    if args.rebuild or not history.simulated_cases().exists():
        print(f"simulating {args.days} days of history in the {connection.vendor} bench database ...", flush=True)
        started = time.monotonic()
        call_command("simulate_history", days=args.days, replace=args.rebuild, stdout=sys.stderr)
        print(f"  done in {time.monotonic() - started:.0f} s", flush=True)
    if connection.vendor == "postgresql":
        # A PostgreSQL server keeps its planner statistics up to date in the background
        # (autovacuum); a bench server may run without it, and unanalysed tables get plans no
        # production database would (a district's 3,000 cases estimated at 80 rows).
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    first, last = (
        Case.objects.order_by("reported_at").values_list("reported_at", flat=True).first(),
        Case.objects.order_by("-reported_at").values_list("reported_at", flat=True).first(),
    )
    data = {
        "backend": connection.vendor,
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "history": [first.date().isoformat() if first else "", last.date().isoformat() if last else ""],
    }
    # As each gunicorn worker does before its first request (gunicorn.conf.py).
    from civicgrid.wsgi import warm_up

    warm_up()
    load_before = os.getloadavg()[0]
    data.update(measure_pages(args))
    data["load"] = [round(load_before, 1), round(os.getloadavg()[0], 1)]
    return data


class Bench:
    """Times pages with the test client and counts their queries."""

    def __init__(self, repeat: int, warmup: int):
        self.repeat = repeat
        self.warmup = warmup
        self.clients = {}
        self.rows = []

    def client(self, username: str | None):
        from django.contrib.auth import get_user_model
        from django.test import Client

        if username not in self.clients:
            client = Client()
            if username is not None:
                client.force_login(get_user_model().objects.get(username=username))
            self.clients[username] = client
        return self.clients[username]

    def queries(self, username, url, before=None) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        if before:
            before()
        with CaptureQueriesContext(connection) as ctx:
            response = self.client(username).get(url)
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
        return len(ctx.captured_queries)

    def time(self, label: str, username: str | None, url: str, before=None) -> dict:
        """``warmup`` requests, then ``repeat`` timed ones; ``before`` runs untimed before each."""
        client = self.client(username)
        row = {"page": label, "account": username or "anonymous", "url": url}
        try:
            times = []
            for i in range(self.warmup + self.repeat):
                if before:
                    before()
                started = time.perf_counter()
                response = client.get(url)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status_code != 200:
                    raise RuntimeError(f"answered {response.status_code}")
                if i >= self.warmup:
                    times.append(elapsed)
            row.update(
                p50=statistics.median(times),
                p95=percentile(times, 95),
                max=max(times),
                queries=self.queries(username, url, before),
            )
        except Exception as exc:  # a page still being written elsewhere: report it and go on
            row["error"] = f"{type(exc).__name__}: {exc}"[:200]
        self.rows.append(row)
        print(f"  {label:<62} {row.get('p50', 0):8.1f} ms p50 {row.get('p95', 0):8.1f} ms p95", flush=True)
        return row


def measure_pages(args) -> dict:
    from django.contrib.auth import get_user_model
    from django.core.cache import cache
    from django.db.models import Count
    from django.urls import reverse
    from django.utils import timezone

    from civicgrid.cases.models import Case
    from civicgrid.geo.models import Region
    from civicgrid.web.command import numbers
    from civicgrid.web.workbench import queues

    bench = Bench(args.repeat, args.warmup)
    users = get_user_model().objects
    street = Region.objects.filter(level=Region.Level.STREET, code__startswith=DISTRICT).order_by("code").first()
    health = bench.time("/health (baseline, no database)", None, "/health")

    # The workbench: its home and every queue, each for the first demo account whose desk shows it.
    bench.time("workbench home", "district.dispatcher", reverse("workbench:home"))
    measured = set()
    for username in ("district.dispatcher", "district.handler", "district.supervisor"):
        for queue in queues.queues_for(users.get(username=username)):
            if queue.slug not in measured:
                measured.add(queue.slug)
                bench.time(f"workbench queue {queue.slug}", username, reverse("workbench:queue", args=[queue.slug]))

    # The case page and the tracking page: the district's case with the most events (and, for the
    # growth check, one with the fewest).
    in_district = Case.objects.filter(district_code=DISTRICT).annotate(n=Count("events"))
    busiest = in_district.order_by("-n", "pk").first()
    # In the same state and through the same path (not resolved on the spot), so that the pages
    # show the same parts and differ only in their events.
    quietest = (
        in_district.filter(status=busiest.status, closed_on_spot=busiest.closed_on_spot).order_by("n", "pk").first()
    )
    case_url = reverse("workbench:case", args=[busiest.pk])
    track_url = reverse("portal:track", args=[busiest.tracking_token])
    bench.time(f"case page ({busiest.n} events)", "district.dispatcher", case_url)
    bench.time(f"tracking page ({busiest.n} events)", None, track_url)

    # The command centre: the region's numbers computed in the request, or kept (stored, fresh).
    home = reverse("command:home")
    command_pages = [
        ("city", "leader", home),
        ("district", "district.supervisor", home),
        ("street", "district.supervisor", f"{home}?region={street.code}"),
    ]
    for level, username, url in command_pages:
        bench.time(f"command centre, {level}, numbers computed in the request", username, url, before=numbers.forget)
        bench.time(f"command centre, {level}, numbers kept", username, url)
    tiles = reverse("command:tiles")
    bench.time("command tiles refresh, city, computed in the request", "leader", tiles, before=numbers.forget)
    bench.time("command tiles refresh, city, numbers kept", "leader", tiles)
    bench.time("command map points, city, cold", "leader", reverse("command:cases_geojson"), before=cache.clear)
    bench.time("command map points, city, warm", "leader", reverse("command:cases_geojson"))
    refresher = time_refresher(args.repeat)

    # Query counts must not grow with what a page shows.
    growth = []

    def compare(label, username, small, large, before=None):
        try:
            a, b = bench.queries(username, small, before), bench.queries(username, large, before)
            growth.append({"page": label, "small": a, "large": b, "ok": a == b})
        except Exception as exc:
            growth.append({"page": label, "error": f"{type(exc).__name__}: {exc}"[:200]})

    dispatcher = users.get(username="district.dispatcher")
    first_queue = queues.queues_for(dispatcher)[0]
    queue_url = reverse("workbench:queue", args=[first_queue.slug])
    # A street with some of the queue's cases: an empty page rightly skips the rows' queries.
    in_queue = queues.cases_in(dispatcher, first_queue, queues.desk_of(dispatcher, timezone.now()))
    queue_street = (
        in_queue.filter(district_code=DISTRICT).order_by("street_code").values_list("street_code", flat=True).first()
    )
    compare(
        f"workbench queue {first_queue.slug}: a street / the district",
        "district.dispatcher",
        f"{queue_url}?region={queue_street or street.code}",
        queue_url,
    )
    compare(
        f"case page: {quietest.n} / {busiest.n} events",
        "district.dispatcher",
        reverse("workbench:case", args=[quietest.pk]),
        case_url,
    )
    compare(
        f"tracking page: {quietest.n} / {busiest.n} events",
        None,
        reverse("portal:track", args=[quietest.tracking_token]),
        track_url,
    )
    city = Region.objects.get(level=Region.Level.CITY).code
    by_code = {size: f"?region={code}" for size, code in (("small", street.code), ("large", city))}
    compare(
        "command centre (numbers computed): a street / the city",
        "leader",
        home + by_code["small"],
        home + by_code["large"],
        numbers.forget,
    )
    points = reverse("command:cases_geojson")
    compare(
        "command map points: a street / the city",
        "leader",
        points + by_code["small"],
        points + by_code["large"],
        cache.clear,
    )
    return {"rows": bench.rows, "growth": growth, "health": health, "refresher": refresher}


def time_refresher(repeat: int) -> dict:
    """p50 and p95 of ``numbers.refresh`` for the city's default view in the product's language."""
    from django.conf import settings

    from civicgrid.web.command import numbers

    view = next(v for v in numbers.default_views() if v.language == settings.LANGUAGE_CODE)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        numbers.refresh(view)
        times.append((time.perf_counter() - started) * 1000)
    result = {"p50": statistics.median(times), "p95": percentile(times, 95)}
    label = "refresh_numbers, the city's default view (background)"
    print(f"  {label:<62} {result['p50']:8.1f} ms p50 {result['p95']:8.1f} ms p95", flush=True)
    return result


# --- report -----------------------------------------------------------------------------------


def table(result: dict) -> list[str]:
    health = result["health"]
    lines = [
        f"| page | account | p50 ms | p95 ms | queries | p95 < {GOAL_P95_MS} ms |",
        "| --- | --- | ---: | ---: | ---: | --- |",
    ]
    for row in result["rows"]:
        if "error" in row:
            lines.append(f"| {row['page']} | {row['account']} | — | — | — | failed: {row['error']} |")
            continue
        ok = "yes" if row["p95"] < GOAL_P95_MS else "**no**"
        if row is health or row["page"] == health["page"]:
            ok = "baseline"
        lines.append(
            f"| {row['page']} | {row['account']} | {row['p50']:.1f} | {row['p95']:.1f} | {row['queries']} | {ok} |"
        )
    lines += ["", "| query count check (small / large) | queries | same |", "| --- | --- | --- |"]
    for g in result["growth"]:
        if "error" in g:
            lines.append(f"| {g['page']} | — | failed: {g['error']} |")
        else:
            lines.append(f"| {g['page']} | {g['small']} / {g['large']} | {'yes' if g['ok'] else '**no**'} |")
    return lines


def report(results: list[dict]) -> str:
    out = []
    for r in results:
        name = "PostgreSQL" if r["backend"] == "postgresql" else "SQLite"
        first, last = r["history"]
        out += [
            f"### {name}: {r['cases']:,} cases, {r['events']:,} events, reported {first} to {last}",
            "",
            f"Load average (1 min) before and after the measurements: {r['load'][0]} / {r['load'][1]} "
            f"on {os.cpu_count()} cores.",
            "",
            *table(r),
            "",
            f"`refresh_numbers`, the city's default view in one language, in the background: "
            f"{r['refresher']['p50']:.1f} ms p50, {r['refresher']['p95']:.1f} ms p95.",
            "",
        ]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    parser.add_argument("--days", type=int, default=90, help="days of simulated history (default 90)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests first (default 3)")
    parser.add_argument("--rebuild", action="store_true", help="simulate the history again, ending now")
    parser.add_argument("--record", action="store_true", help="append the figures to bench/RESULTS.md")
    parser.add_argument("--helper", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--helper-out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.repeat < 2 or args.warmup < 0 or args.days < 1:
        fail("--repeat must be at least 2, --warmup not negative, --days positive")

    if args.helper:
        sys.path.insert(0, str(ROOT))
        args.helper_out.write_text(json.dumps(helper(args)))
        return

    results = []
    for backend in ["sqlite", "postgres"] if args.backend == "both" else [args.backend]:
        if backend == "postgres":
            create_pg_database(PG_DB)
        else:
            SQLITE_FILE.parent.mkdir(parents=True, exist_ok=True)
        print(f"{backend}:", flush=True)
        result = run_helper(backend, args)
        if result is None:
            fail("skipped: no `simulate_history` command yet (see above)", SKIPPED)
        results.append(result)
    text = report(results)
    print()
    print(text)
    if args.record:
        machine = f"{os.cpu_count()} cores, Python {platform.python_version()}"
        header = (
            f"\n## {date.today().isoformat()} — `bench/pages.py` (pages with {args.days} days of history)\n\n"
            f"Machine: {machine}. Django test client in process, DEBUG=False, {args.warmup} warm-ups then "
            f"{args.repeat} requests per page; server time (routing, middleware, view, SQL, template), no HTTP.\n\n"
        )
        with RESULTS.open("a") as f:
            f.write(header + text)
        print(f"appended to {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
