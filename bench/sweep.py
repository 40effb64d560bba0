"""Benchmark the deadline sweeper on a city-sized table of open cases.

Usage:
    .venv/bin/python bench/sweep.py                       # SQLite, 1,000,000 cases
    .venv/bin/python bench/sweep.py --backend postgres    # PostgreSQL at 127.0.0.1:5432
    .venv/bin/python bench/sweep.py --cases 100000 --due 500

Builds its own database from scratch (SQLite: ``var/bench/sweep.sqlite3``; PostgreSQL: database
``civicgrid_bench_sweep`` as user postgres, dropped and recreated), migrates it and loads the
open cases with their deadlines in the future. Then it times the sweep with nothing due, makes
``--due`` cases overdue, times the sweep that escalates them (each escalation is a real action:
a conditional update and a hash-chained event, committed one by one), and times the sweep once
more with those cases marked overdue. The other functions here are shared with
``bench/duplicates.py``.
"""

import argparse
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

import numpy as np
from benchdb import ROOT, SQLITE_DIR, create_pg_database, django_env

sys.path.insert(0, str(ROOT))

INSERT_BATCH = 20_000
# Region codes the loaded cases use: 4 districts x 5 streets x 5 communities x 10 grids.
GRID_CODES = [
    f"1201{d:02d}{s:03d}{c:03d}{g:03d}"
    for d in range(1, 5)
    for s in range(1, 6)
    for c in range(1, 6)
    for g in range(1, 11)
]


def fail(message: str) -> None:
    print(f"{Path(sys.argv[0]).name}: {message}", file=sys.stderr)
    sys.exit(1)


def setup_database(backend: str, name: str) -> str:
    """Create an empty database ``name`` for ``backend``, point Django at it, set Django up and
    migrate. Returns a description of where it is."""
    path = SQLITE_DIR / f"{name}.sqlite3"
    if backend == "postgres":
        create_pg_database(name, fresh=True)
        where = f"PostgreSQL database {name} at 127.0.0.1:5432"
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        where = f"SQLite file {path.relative_to(ROOT)}"
    os.environ.update(django_env(backend, pg_database=name, sqlite_file=path))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return where


def make_categories(parents: int, leaves_per_parent: int, **leaf_fields) -> list:
    """``parents`` event classes with ``leaves_per_parent`` leaves each; returns the leaves."""
    from civicgrid.categories.models import Category

    leaves = []
    for p in range(1, parents + 1):
        parent = Category.objects.create(
            code=f"B{p:02d}", kind="event", unit_type="urban_management", name_zh=f"类{p}", name_en=f"Class {p}"
        )
        for n in range(1, leaves_per_parent + 1):
            leaves.append(
                Category.objects.create(
                    code=f"B{p:02d}{n:02d}",
                    parent=parent,
                    kind="event",
                    unit_type="urban_management",
                    name_zh=f"小类{p}-{n}",
                    name_en=f"Leaf {p}-{n}",
                    deadlines={"accept": "2wh", "dispatch": "2wh", "sign": "1wd", "handle": "5wd", "verify": "1wd"},
                    **leaf_fields,
                )
            )
    return leaves


def insert_cases(n: int, *, category_ids, xs, ys, statuses, steps, reported, due, started) -> float:
    """Insert ``n`` cases straight into the table (COPY on PostgreSQL, executemany on SQLite).

    The per-case columns are arrays of length ``n`` (``due`` and ``started`` hold datetimes or
    None); every other column takes the model's default. Returns the seconds it took."""
    from django.db import connection, transaction

    from civicgrid.cases.models import Case

    fields = [f for f in Case._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    varying = ("number", "tracking_token", "category_id", "x", "y", "grid_code", "community_code", "street_code")
    varying += ("district_code", "status", "step", "step_started_at", "step_due_at", "reported_at", "updated_at")
    template = {}
    for f in fields:
        if f.attname in varying:
            template[f.attname] = None  # set per row below
            continue
        value = f.get_default() if f.has_default() else (None if f.null else "")
        template[f.attname] = f.get_db_prep_save(value, connection)
    index = {name: columns.index(Case._meta.get_field(name).column) for name in varying}
    base = [template[f.attname] for f in fields]
    adapt = connection.ops.adapt_datetimefield_value
    # Few distinct times: convert each once.
    cache: dict = {}

    def when(value):
        if value is None:
            return None
        out = cache.get(value)
        if out is None:
            out = cache[value] = adapt(value)
        return out

    grids = GRID_CODES
    started_clock = time.perf_counter()
    rows = []
    for i in range(n):
        row = base.copy()
        grid = grids[i % len(grids)]
        row[index["number"]] = f"B{i:011d}"
        row[index["tracking_token"]] = f"bench-{i}"
        row[index["category_id"]] = int(category_ids[i])
        row[index["x"]] = float(xs[i])
        row[index["y"]] = float(ys[i])
        row[index["grid_code"]] = grid
        row[index["community_code"]] = grid[:12]
        row[index["street_code"]] = grid[:9]
        row[index["district_code"]] = grid[:6]
        row[index["status"]] = statuses[i]
        row[index["step"]] = steps[i]
        row[index["step_started_at"]] = when(started[i])
        row[index["step_due_at"]] = when(due[i])
        row[index["reported_at"]] = when(reported[i])
        row[index["updated_at"]] = when(reported[i])
        rows.append(tuple(row))
        if len(rows) == INSERT_BATCH or i == n - 1:
            _write(connection, transaction, Case._meta.db_table, columns, rows)
            rows = []
    with connection.cursor() as cur:
        cur.execute(f"ANALYZE {Case._meta.db_table}" if connection.vendor == "postgresql" else "ANALYZE")
    return time.perf_counter() - started_clock


def _write(connection, transaction, table, columns, rows):
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    with transaction.atomic(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            with cur.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            cur.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)


def open_case_columns(n: int, rng, now, *, parked_share=0.03):
    """Statuses, steps and times of ``n`` open cases whose deadlines are all in the future."""
    from civicgrid.cases.workflow import problem

    on_clock = [
        (problem.REPORTED, "accept"),
        (problem.ACCEPTED, "dispatch"),
        (problem.DISPATCHED, "sign"),
        (problem.SIGNED, "handle"),
        (problem.IN_PROGRESS, "handle"),
        (problem.HANDLED, "verify"),
    ]
    pick = rng.integers(0, len(on_clock), n)
    parked = rng.random(n) < parked_share
    # Times on a 10-minute raster, so that there are few distinct values to convert.
    minute = timedelta(minutes=10)
    due_steps = rng.integers(6, 6 * 24 * 30, n)  # 1 hour to 30 days ahead
    age_steps = rng.integers(1, 6 * 24 * 60, n)  # reported up to 60 days ago
    statuses, steps, due, started, reported = [], [], [], [], []
    for i in range(n):
        rep = now - int(age_steps[i]) * minute
        reported.append(rep)
        if parked[i]:
            statuses.append(problem.PARKED)
            steps.append("")
            due.append(None)
            started.append(None)
        else:
            status, step = on_clock[pick[i]]
            statuses.append(status)
            steps.append(step)
            due.append(now + int(due_steps[i]) * minute)
            started.append(rep)
    return statuses, steps, reported, due, started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000, help="open cases to load (default 1,000,000)")
    parser.add_argument("--due", type=int, default=1_000, help="cases made overdue (default 1,000)")
    parser.add_argument("--seed", type=int, default=1129)
    args = parser.parse_args()
    if args.cases < 1 or not 0 < args.due <= args.cases:
        fail("--cases must be positive and --due between 1 and --cases")

    where = setup_database(args.backend, "civicgrid_bench_sweep")
    from django.db import connection
    from django.utils import timezone

    from civicgrid.cases import sweep
    from civicgrid.cases.models import Case, CaseEvent
    from civicgrid.cases.workflow import problem

    rng = np.random.default_rng(args.seed)
    now = timezone.now().replace(second=0, microsecond=0)
    leaves = make_categories(2, 4)
    leaves[-1].escalates = False
    leaves[-1].save(update_fields=["escalates"])
    ids = [c.pk for c in leaves]
    statuses, steps, reported, due, started = open_case_columns(args.cases, rng, now)
    seconds = insert_cases(
        args.cases,
        category_ids=rng.choice(ids, args.cases),
        xs=rng.uniform(117.0, 118.0, args.cases),
        ys=rng.uniform(38.6, 40.2, args.cases),
        statuses=statuses,
        steps=steps,
        reported=reported,
        due=due,
        started=started,
    )
    n = f"{args.cases:,}"
    print(f"database: {where}")
    print(f"loaded {n} open cases in {seconds:.1f} s ({len(leaves)} categories, {len(GRID_CODES)} grids)")

    # 1. Nothing due: the index answers "none" at once, however many cases are open.
    runs = []
    for _ in range(5):
        result = sweep.sweep(now=now)
        assert result.checked == 0, result
        runs.append(result.elapsed)
    print(f"sweep, nothing due, {n} open cases: {runs[0]:.4f} s first, {min(runs):.4f} s best of 5 (goal < 2 s)")

    # 2. Make --due escalating cases overdue, on the clock, spread over the table.
    candidates = np.flatnonzero(np.asarray(statuses) != problem.PARKED)
    escalating = [c.pk for c in leaves if c.escalates]
    numbers = [f"B{i:011d}" for i in rng.choice(candidates, min(len(candidates), args.due * 2), replace=False)]
    picked = list(
        Case.objects.filter(number__in=numbers, category_id__in=escalating).values_list("pk", flat=True)[: args.due]
    )
    if len(picked) < args.due:
        fail(f"only {len(picked)} escalating cases found to make due; use a larger --cases")
    Case.objects.filter(pk__in=picked).update(step_due_at=now - timedelta(hours=1))
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute(f"ANALYZE {Case._meta.db_table}")

    dry = sweep.sweep(now=now, dry_run=True)
    result = sweep.sweep(now=now)
    escalated = CaseEvent.objects.filter(action="escalate").count()
    at_street = Case.objects.filter(pk__in=picked, escalation_level="street", overdue_marked=True).count()
    ok = result.escalated == args.due == escalated == at_street and result.taken == 0
    print(f"sweep, dry run, {args.due:,} due of {n}: {dry.elapsed:.3f} s")
    print(
        f"sweep, {args.due:,} due of {n}: {result.elapsed:.3f} s, escalated {result.escalated:,}, "
        f"{result.elapsed / max(result.escalated, 1) * 1000:.2f} ms per escalated case "
        f"(each a conditional update, a hash-chained event and a commit)"
    )
    again = sweep.sweep(now=now)
    print(
        f"sweep, again with those {args.due:,} marked overdue: {again.elapsed:.4f} s, "
        f"checked {again.checked} (goal < 2 s)"
    )
    print(f"check: {escalated:,} escalate events, {at_street:,} cases at street level: {'ok' if ok else 'MISMATCH'}")
    sys.exit(0 if ok and again.checked == 0 else 1)


if __name__ == "__main__":
    main()
