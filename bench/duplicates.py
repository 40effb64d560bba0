"""Benchmark the duplicate lookup at intake on a city-sized table of open cases.

Usage:
    .venv/bin/python bench/duplicates.py                     # SQLite, 1,000,000 cases
    .venv/bin/python bench/duplicates.py --backend postgres  # PostgreSQL at 127.0.0.1:5432
    .venv/bin/python bench/duplicates.py --cases 100000 --calls 500

Builds its own database (SQLite: ``var/bench/civicgrid_bench_duplicates.sqlite3``; PostgreSQL:
database ``civicgrid_bench_duplicates``), loads the open cases uniformly over the demo city's
bounding box in ~80 categories, then times ``find_duplicates`` at random points of random
categories (p50/p99) and, in the same run and on the same points, a naive lookup without the
bounding box (every open case of the category read and measured in Python) on a smaller sample.
"""

import argparse
import math
import sys
import time

import numpy as np
from sweep import fail, insert_cases, make_categories, open_case_columns, setup_database

# The demo city's bounding box (GCJ-02 degrees).
BBOX = (117.0, 38.6, 118.0, 40.2)


def naive_duplicates(category, x, y, limit=5):
    """The same answer as ``find_duplicates`` without the bounding box: every open case of the
    category, measured in Python."""
    from civicgrid.cases.duplicates import OPEN_STATUSES, distance_m
    from civicgrid.cases.models import Case

    radius = category.duplicate_radius_m
    rows = Case.objects.filter(category=category, status__in=OPEN_STATUSES).order_by().values_list("pk", "x", "y")
    near = sorted((d, pk) for pk, cx, cy in rows if (d := distance_m(x, y, cx, cy)) <= radius)
    return [pk for _d, pk in near[:limit]]


def percentiles_ms(ns: np.ndarray) -> tuple[float, float]:
    return float(np.percentile(ns, 50)) / 1e6, float(np.percentile(ns, 99)) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--cases", type=int, default=1_000_000, help="open cases to load (default 1,000,000)")
    parser.add_argument("--calls", type=int, default=2_000, help="find_duplicates calls timed (default 2,000)")
    parser.add_argument("--naive", type=int, default=100, help="naive lookups timed (default 100)")
    parser.add_argument("--seed", type=int, default=1129)
    args = parser.parse_args()
    if args.cases < 1 or args.calls < 1 or not 0 < args.naive <= args.calls:
        fail("--cases and --calls must be positive, --naive between 1 and --calls")

    where = setup_database(args.backend, "civicgrid_bench_duplicates")
    from django.utils import timezone

    from civicgrid.cases.duplicates import find_duplicates

    rng = np.random.default_rng(args.seed)
    now = timezone.now().replace(second=0, microsecond=0)
    # 8 classes of 10 leaves; radii from 100 m to 500 m as a category file would set them.
    leaves = make_categories(8, 10)
    for i, leaf in enumerate(leaves):
        leaf.duplicate_radius_m = (100, 150, 250, 250, 250, 300, 500)[i % 7]
        leaf.save(update_fields=["duplicate_radius_m"])
    ids = np.array([c.pk for c in leaves])
    x0, y0, x1, y1 = BBOX
    statuses, steps, reported, due, started = open_case_columns(args.cases, rng, now)
    seconds = insert_cases(
        args.cases,
        category_ids=rng.choice(ids, args.cases),
        xs=rng.uniform(x0, x1, args.cases),
        ys=rng.uniform(y0, y1, args.cases),
        statuses=statuses,
        steps=steps,
        reported=reported,
        due=due,
        started=started,
    )
    n = f"{args.cases:,}"
    print(f"database: {where}")
    print(f"loaded {n} open cases over {BBOX} in {len(leaves)} categories in {seconds:.1f} s")
    # Density check: cases per category within 250 m of a point, on average.
    area_km2 = (x1 - x0) * 111.195 * math.cos(math.radians((y0 + y1) / 2)) * (y1 - y0) * 111.195
    per_cat = args.cases / len(leaves) / area_km2 * math.pi * 0.25**2
    print(f"density: {args.cases / area_km2:,.0f} cases per km², {per_cat:.2f} of one category within 250 m")

    by_id = {c.pk: c for c in leaves}
    cats = [by_id[int(i)] for i in rng.choice(ids, args.calls)]
    px, py = rng.uniform(x0, x1, args.calls).tolist(), rng.uniform(y0, y1, args.calls).tolist()
    for i in range(min(50, args.calls)):  # warm up the connection and the page cache
        find_duplicates(cats[i], px[i], py[i])

    clock = time.perf_counter_ns
    times = np.empty(args.calls, dtype=np.int64)
    answers, found = [], 0
    for i in range(args.calls):
        t0 = clock()
        dups = find_duplicates(cats[i], px[i], py[i])
        times[i] = clock() - t0
        answers.append([d.case.pk for d in dups])
        found += len(dups)
    p50, p99 = percentiles_ms(times)
    print(
        f"find_duplicates, {args.calls:,} calls at random points, {n} open cases: "
        f"p50 {p50:.3f} ms, p99 {p99:.3f} ms (goal p99 < 5 ms); {found:,} duplicates found"
    )

    naive_times = np.empty(args.naive, dtype=np.int64)
    same = 0
    for i in range(args.naive):
        t0 = clock()
        theirs = naive_duplicates(cats[i], px[i], py[i])
        naive_times[i] = clock() - t0
        same += theirs == answers[i]
    n50, n99 = percentiles_ms(naive_times)
    print(
        f"naive lookup without the bounding box, {args.naive:,} of the same calls: p50 {n50:.1f} ms, "
        f"p99 {n99:.1f} ms; the box is {n50 / p50:,.0f}x faster at p50, {n99 / p99:,.0f}x at p99"
    )
    print(f"check: same answers on {same} of {args.naive} calls: {'ok' if same == args.naive else 'MISMATCH'}")
    sys.exit(0 if same == args.naive else 1)


if __name__ == "__main__":
    main()
