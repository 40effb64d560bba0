"""Gunicorn settings for serving CivicGrid in production.

    DEBUG=False SECRET_KEY_FILE=... ALLOWED_HOSTS=... .venv/bin/gunicorn civicgrid.wsgi

Gunicorn reads this file from the working directory (the repository root). Every value can be
changed with an environment variable, and command-line options override this file.

- ``WEB_CONCURRENCY``: worker processes. The default is one sync worker per core, at least 2:
  on a 2-core machine ``bench/intake.py`` measured Open311 intake fastest with 2 workers, ahead
  of 3, 4, 5 and 8 (each extra worker adds CPU per request without adding a core; see
  ``bench/RESULTS.md``). Raise it when requests wait on something other than the CPU.
- ``GUNICORN_BIND``: address to listen on (default ``127.0.0.1:$PORT``, ``PORT`` default 8000);
  put a reverse proxy in front for TLS and static files.
- ``GUNICORN_WORKER_CLASS`` / ``GUNICORN_THREADS``: ``sync`` (default) or ``gthread`` with threads.
- ``GUNICORN_ACCESS_LOG``: a file, or ``-`` for stderr. Off by default: the reverse proxy logs
  requests, and a line per request costs the workers time.
- ``GUNICORN_TIMEOUT``: seconds before a silent worker is restarted (default 30).
"""

import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


bind = os.environ.get("GUNICORN_BIND") or f"127.0.0.1:{_int('PORT', 8000)}"
workers = _int("WEB_CONCURRENCY", max(2, os.cpu_count() or 1))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _int("GUNICORN_THREADS", 1)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = 30
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# Behind a proxy on the same host: trust its X-Forwarded-* headers only from there.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def post_worker_init(worker):
    """Each worker loads the locator's index and freezes what is loaded out of the garbage
    collector's reach before its first request (``civicgrid.wsgi.warm_up``)."""
    from civicgrid.wsgi import warm_up

    warm_up()
