"""Benchmark point location: CivicGrid's in-process locator against PostGIS on the same points.

Usage:
    .venv/bin/python bench/locate.py                    # the grids in the configured database
    .venv/bin/python bench/locate.py --synthetic 16000  # N square grids generated in memory

Locates random points in the bounding box of the grids, in one batch and one point at a time,
then does the same work in PostGIS (database ``civicgrid_bench`` on 127.0.0.1:5432, created if
missing; the ``postgis`` extension is installed with apt when it is not available) and checks
that both give the same answers. Both sides apply the same border rule: among the grids whose
closed polygon covers a point (``ST_Intersects``), the one with the lowest code.
"""

import argparse
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicgrid.settings")

import django

django.setup()

import shapely  # noqa: E402

from civicgrid.geo.locator import Locator  # noqa: E402

PG_DSN = "host=127.0.0.1 port=5432 user=postgres"
PG_DB = "civicgrid_bench"
# A bounding box the size of the reference city (degrees), for synthetic grids.
SYNTHETIC_BOX = (116.70, 38.55, 118.05, 40.25)


def fail(message: str) -> None:
    print(f"bench/locate.py: {message}", file=sys.stderr)
    sys.exit(1)


def synthetic_grids(n: int, shape: str, seed: int) -> tuple[list, list[str]]:
    x0, y0, x1, y1 = SYNTHETIC_BOX
    if shape == "square":
        k = int(np.ceil(np.sqrt(n)))
        w, h = (x1 - x0) / k, (y1 - y0) / k
        i = np.arange(n)
        geoms = list(shapely.box(x0 + i % k * w, y0 + i // k * h, x0 + (i % k + 1) * w, y0 + (i // k + 1) * h))
    else:
        rng = np.random.default_rng(seed)
        seeds = shapely.multipoints(np.c_[rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
        frame = shapely.box(*SYNTHETIC_BOX)
        geoms = list(shapely.intersection(shapely.get_parts(shapely.voronoi_polygons(seeds, extend_to=frame)), frame))
    codes = [f"12010{i // 1_000_000 + 1}{i // 1000 % 1000:03d}{i // 100 % 10 + 1:03d}{i % 100:03d}" for i in range(n)]
    return geoms, codes


def percentiles_us(ns: np.ndarray) -> tuple[float, float]:
    return float(np.percentile(ns, 50)) / 1000, float(np.percentile(ns, 99)) / 1000


# --- PostGIS ---------------------------------------------------------------------------------


def pg_connect(dbname: str, autocommit: bool = False):
    import psycopg

    try:
        return psycopg.connect(f"{PG_DSN} dbname={dbname}", autocommit=autocommit)
    except psycopg.OperationalError as exc:
        fail(f"cannot connect to PostgreSQL at 127.0.0.1:5432 as postgres: {exc}".strip())


def install_postgis() -> None:
    versions = sorted(os.listdir("/etc/postgresql")) if os.path.isdir("/etc/postgresql") else []
    if not versions or shutil.which("apt-get") is None:
        fail("the postgis extension is not available and cannot be installed (no apt-get or /etc/postgresql)")
    package = f"postgresql-{versions[-1]}-postgis-3"
    print(f"installing {package} with apt-get ...", flush=True)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    command = ["apt-get", "install", "-y", "-q", package]
    if subprocess.run(command, env=env, check=False, capture_output=True).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False, capture_output=True)
        result = subprocess.run(command, env=env, check=False, capture_output=True, text=True)
        if result.returncode != 0:
            fail(f"apt-get install {package} failed: {result.stderr.strip().splitlines()[-1:]}")


def pg_prepare(geoms: np.ndarray):
    """Connect to the bench database (creating it and the extension if needed) and load the grids."""
    import psycopg

    with pg_connect("postgres", autocommit=True) as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [PG_DB]).fetchone():
            admin.execute(f"CREATE DATABASE {PG_DB}")
    conn = pg_connect(PG_DB, autocommit=True)
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    except psycopg.Error:
        install_postgis()
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    version = conn.execute("SELECT postgis_lib_version()").fetchone()[0]
    conn.execute("DROP TABLE IF EXISTS bench_grid")
    conn.execute("CREATE TABLE bench_grid (idx integer PRIMARY KEY, geom geometry NOT NULL)")
    started = time.perf_counter()
    with conn.cursor() as cur, cur.copy("COPY bench_grid (idx, geom) FROM STDIN") as copy:
        for idx, wkb in enumerate(shapely.to_wkb(geoms, hex=True)):
            copy.write_row((idx, wkb))
    conn.execute("CREATE INDEX bench_grid_geom ON bench_grid USING gist (geom)")
    conn.execute("ANALYZE bench_grid")
    return conn, version, time.perf_counter() - started


def pg_batch(conn, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, float]:
    """All points in one query: COPY them into a temp table, join on ST_Intersects."""
    started = time.perf_counter()
    conn.execute("DROP TABLE IF EXISTS bench_point")
    conn.execute("CREATE TEMP TABLE bench_point (id integer, x float8, y float8)")
    buf = io.StringIO()
    np.savetxt(buf, np.c_[np.arange(len(xs)), xs, ys], fmt=["%d", "%.17g", "%.17g"], delimiter="\t")
    with conn.cursor() as cur, cur.copy("COPY bench_point (id, x, y) FROM STDIN") as copy:
        copy.write(buf.getvalue())
    rows = conn.execute(
        "SELECT p.id, min(g.idx) FROM bench_point p "
        "JOIN bench_grid g ON ST_Intersects(g.geom, ST_Point(p.x, p.y)) GROUP BY p.id"
    ).fetchall()
    elapsed = time.perf_counter() - started
    out = np.full(len(xs), -1, dtype=np.int64)
    if rows:
        arr = np.asarray(rows, dtype=np.int64)
        out[arr[:, 0]] = arr[:, 1]
    return out, elapsed


def pg_single(conn, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One prepared query per point; returns the answers and each call's time in ns."""
    sql = "SELECT min(idx) FROM bench_grid WHERE ST_Intersects(geom, ST_Point(%s, %s))"
    out = np.empty(len(xs), dtype=np.int64)
    times = np.empty(len(xs), dtype=np.int64)
    clock = time.perf_counter_ns
    with conn.cursor() as cur:
        for i, (x, y) in enumerate(zip(xs.tolist(), ys.tolist(), strict=True)):
            t0 = clock()
            value = cur.execute(sql, (x, y), prepare=True).fetchone()[0]
            times[i] = clock() - t0
            out[i] = -1 if value is None else value
    return out, times


# --- main ------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--synthetic", type=int, metavar="N", help="use N generated grids instead of the database")
    parser.add_argument("--shape", choices=("square", "voronoi"), default="square", help="shape of synthetic grids")
    parser.add_argument("--points", type=int, default=1_000_000, help="points in the batch (default 1,000,000)")
    parser.add_argument("--singles", type=int, default=100_000, help="single-point calls (default 100,000)")
    parser.add_argument("--pg-singles", type=int, default=5_000, help="single-point PostGIS queries (default 5,000)")
    parser.add_argument("--no-postgis", action="store_true", help="skip the PostGIS comparison")
    parser.add_argument("--seed", type=int, default=1129)
    args = parser.parse_args()

    if args.synthetic is not None:
        if args.synthetic < 1:
            fail("--synthetic needs a positive number of grids")
        geoms, codes = synthetic_grids(args.synthetic, args.shape, args.seed)
        locator = Locator(geoms, codes)
        source = f"{len(locator):,} synthetic {args.shape} grids"
    else:
        from django.db import DatabaseError

        try:
            locator = Locator.from_db()
        except DatabaseError as exc:
            fail(f"cannot read the grids from the database ({exc}); run `manage.py migrate` first")
        if len(locator) == 0:
            fail("no grids in the database: run `manage.py build_demo_city` first, or pass --synthetic N")
        source = f"{len(locator):,} grids from the database"

    ny, nx = locator.shape
    print(
        f"index: {source}; built in {locator.build_seconds:.2f} s; {nx:,} x {ny:,} cells, "
        f"{locator.mixed_cells / locator.table.size:.1%} need an exact test"
    )

    bounds = shapely.total_bounds(locator.geometries)
    rng = np.random.default_rng(args.seed)
    xs = rng.uniform(bounds[0], bounds[2], args.points)
    ys = rng.uniform(bounds[1], bounds[3], args.points)

    # Batch: best of three runs of the whole array.
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        ours = locator.locate_many(xs, ys)
        runs.append(time.perf_counter() - t0)
    batch_rate = args.points / min(runs)
    inside = int((ours >= 0).sum())

    # Single points, one call each.
    n_single = min(args.singles, args.points)
    sx, sy = xs[:n_single].tolist(), ys[:n_single].tolist()
    times = np.empty(n_single, dtype=np.int64)
    singles = np.empty(n_single, dtype=np.int64)
    clock = time.perf_counter_ns
    locate_index = locator.locate_index
    for i in range(n_single):
        t0 = clock()
        singles[i] = locate_index(sx[i], sy[i])
        times[i] = clock() - t0
    p50, p99 = percentiles_us(times)
    single_rate = n_single / (times.sum() / 1e9)
    same_paths = int((singles == ours[:n_single]).sum())

    print(f"points: {args.points:,} uniform in the grids' bounding box, {inside:,} inside a grid")
    print(f"single == batch on {same_paths:,} of {n_single:,} points")

    if args.no_postgis:
        print(f"locate batch: {batch_rate:,.0f} points/s")
        print(f"locate single: p50 {p50:.2f} µs, p99 {p99:.2f} µs ({single_rate:,.0f} points/s)")
        sys.exit(0 if same_paths == n_single else 1)

    conn, version, load_seconds = pg_prepare(locator.geometries)
    print(f"PostGIS {version}: loaded {len(locator):,} grids with a GiST index in {load_seconds:.1f} s")
    theirs, pg_seconds = pg_batch(conn, xs, ys)
    pg_rate = args.points / pg_seconds
    n_pg_single = min(args.pg_singles, n_single)
    pg_singles, pg_times = pg_single(conn, xs[:n_pg_single], ys[:n_pg_single])
    pg_p50, pg_p99 = percentiles_us(pg_times)
    pg_single_rate = n_pg_single / (pg_times.sum() / 1e9)
    conn.close()

    batch_same = int((theirs == ours).sum())
    single_same = int((pg_singles == singles[:n_pg_single]).sum())
    print(
        f"locate batch: {batch_rate:,.0f} points/s | PostGIS: {pg_rate:,.0f} points/s | "
        f"ratio {batch_rate / pg_rate:.1f}x"
    )
    print(
        f"locate single: p50 {p50:.2f} µs, p99 {p99:.2f} µs ({single_rate:,.0f} points/s) | "
        f"PostGIS: p50 {pg_p50:.0f} µs, p99 {pg_p99:.0f} µs ({pg_single_rate:,.0f} points/s) | "
        f"ratio {single_rate / pg_single_rate:.1f}x"
    )
    print(
        f"same answers as PostGIS: batch {batch_same:,} of {args.points:,}, single {single_same:,} of {n_pg_single:,}"
    )
    ok = same_paths == n_single and batch_same == args.points and single_same == n_pg_single
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
