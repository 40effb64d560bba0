"""What the benchmark scripts share: where their databases are and how Django is pointed at them.

PostgreSQL is this machine's server (127.0.0.1:5432, user postgres, trust authentication);
SQLite files live under ``var/bench/``.
"""

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_DSN = "host=127.0.0.1 port=5432 user=postgres"
PG_URL = "postgres://postgres@127.0.0.1:5432/{name}"
SQLITE_DIR = ROOT / "var" / "bench"


def django_env(backend: str, *, pg_database: str, sqlite_file: Path) -> dict[str, str]:
    """This process's environment with Django's settings pointed at the bench database of
    ``backend`` ("postgres": ``pg_database``; otherwise the SQLite file ``sqlite_file``)."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="civicgrid.settings", PYTHONUNBUFFERED="1")
    if backend == "postgres":
        env["DATABASE_URL"] = PG_URL.format(name=pg_database)
    else:
        env.pop("DATABASE_URL", None)
        env["SQLITE_PATH"] = str(sqlite_file)
    return env


def create_pg_database(name: str, *, fresh: bool = False) -> None:
    """Create the PostgreSQL database ``name`` unless it exists (``fresh``: drop it first); stop
    the script with one line saying why when the server cannot be reached."""
    import psycopg

    try:
        with psycopg.connect(f"{PG_DSN} dbname=postgres", autocommit=True) as admin:
            if fresh:
                admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
                admin.execute(f"CREATE DATABASE {name}")
    except psycopg.OperationalError as exc:
        sys.exit(f"{Path(sys.argv[0]).name}: cannot connect to PostgreSQL at 127.0.0.1:5432 as postgres: {exc}".strip())
