"""Independent read-only queries of one request, run side by side on their own connections.

The command centre's numbers are a few aggregates over the same cases that do not depend on one
another (the ranking, the daily trend, the hotspots, …). Run one after the other they add up;
``side_by_side(f, g, h)`` runs ``f`` in the calling thread and the others in a small pool of
threads, each with its own database connection, so that the request waits about as long as the
slowest of them. Both database drivers release the GIL while the database works.

They run one after the other instead when the calling connection is inside a transaction (the
other connections could not see its uncommitted rows: tests run inside one), on an in-memory
SQLite database (only tests use one, and its shared cache locks whole tables between
connections), or when the pool has no threads (``SIDE_BY_SIDE_THREADS=0``).

The calls after the first are spread over the pool's threads in a few batches. A pool thread
handles its connection as a request does: ``close_old_connections()`` after each batch closes it
when it is past ``CONN_MAX_AGE`` (at once with SQLite's default 0) or broken; ``close_connections()``
closes them all (a test database cannot be dropped while they are open). Each call runs in the
caller's language and time zone, which are per thread.
"""

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait

from django.conf import settings
from django.db import close_old_connections, connection, connections
from django.utils import timezone, translation

_pool: ThreadPoolExecutor | None = None
_size = 0  # threads of ``_pool``


def threads() -> int:
    """Threads of the pool (``settings.SIDE_BY_SIDE_THREADS``); 0 runs every call in the caller."""
    return settings.SIDE_BY_SIDE_THREADS


def _executor() -> ThreadPoolExecutor:
    global _pool, _size
    if _pool is None or _size != threads():  # made, or the setting changed (tests)
        if _pool is not None:
            close_connections()
            _pool.shutdown()
        _pool, _size = ThreadPoolExecutor(max_workers=threads(), thread_name_prefix="side-by-side"), threads()
    return _pool


def _in_memory() -> bool:
    return connection.vendor == "sqlite" and connection.is_in_memory_db()


def _batch(language: str | None, zone, calls: list[Callable]) -> list:
    try:
        with translation.override(language), timezone.override(zone):
            return [call() for call in calls]
    finally:
        close_old_connections()


def side_by_side(*calls: Callable) -> list:
    """The results of ``calls`` (functions of no argument that only read), in their order.

    An exception of any call is raised here, once none of them is still running."""
    if len(calls) < 2 or threads() < 1 or connection.in_atomic_block or _in_memory():
        return [call() for call in calls]
    language, zone = translation.get_language(), timezone.get_current_timezone()
    rest = calls[1:]
    n = min(threads(), len(rest))
    batches = [list(rest[i::n]) for i in range(n)]
    futures = [_executor().submit(_batch, language, zone, batch) for batch in batches]
    try:
        first = calls[0]()
    finally:
        wait(futures)  # none is left running on, even when the first one failed
    results = [f.result() for f in futures]
    # Batch b holds calls b, b + n, b + 2n, … of ``rest``: put them back in order.
    return [first, *(results[i % n][i // n] for i in range(len(rest)))]


def close_connections() -> None:
    """Close the database connections of every pool thread."""
    if _pool is None:
        return
    n = _size
    barrier = threading.Barrier(n)

    def close():
        connections.close_all()
        barrier.wait(timeout=10)  # each of the n tasks holds its thread until all have closed

    for future in [_pool.submit(close) for _ in range(n)]:
        future.result()
