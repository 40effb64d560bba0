#!/usr/bin/env bash
# Runs the whole suite on SQLite, then again on PostgreSQL when DATABASE_URL names one or a
# server answers on 127.0.0.1:5432. REQUIRE_POSTGRES=1 turns a missing PostgreSQL into a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
# One pytest worker per core (TEST_WORKERS=0 runs in one process).
workers=(-n "${TEST_WORKERS:-$(nproc)}")

echo "== lint (ruff) =="
.venv/bin/ruff check .

echo "== tests on SQLite =="
env -u DATABASE_URL "$PY" -m pytest "${workers[@]}" "$@"

pg_url="${DATABASE_URL:-}"
if [ -z "$pg_url" ] && "$PY" -c "import socket; socket.create_connection(('127.0.0.1', 5432), 1)" 2>/dev/null; then
  pg_url="postgres://postgres@127.0.0.1:5432/civicgrid"
fi
if [ -n "$pg_url" ]; then
  echo "== tests on PostgreSQL (${pg_url%%\?*}) =="
  DATABASE_URL="$pg_url" "$PY" -m pytest "${workers[@]}" "$@"
else
  echo "== PostgreSQL: DATABASE_URL is unset and nothing answers on 127.0.0.1:5432; suite ran on SQLite only =="
  [ "${REQUIRE_POSTGRES:-0}" = 1 ] && { echo "REQUIRE_POSTGRES=1 but no PostgreSQL server" >&2; exit 1; }
fi
echo "== all suites passed =="
