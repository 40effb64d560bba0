"""Keep the tip line's requests out of the logs' reach: no client address, no user agent.

Django attaches the request to the records it logs about a response (``django.request``: "Not
Found: /tips/check/", with ``record.request``), about CSRF failures (``django.security.csrf``)
and, under ``runserver``, about every request (``django.server``, with the client's socket). A
formatter or handler may print any of that (the admin error mail prints the whole ``META``).
``ScrubTipRequests`` removes the request from every record about a tip-line URL, so the path is
all that remains. ``install()`` (called from the app's ``ready()``) puts the filter on those
loggers and on every handler configured at startup, which also covers records of other loggers
that reach them.

What is outside Django is the server's business: the reverse proxy's and gunicorn's access logs
must not record the address or user agent of requests to ``/tips/`` and ``/api/v1/tips`` (see
the tip line's section of the README).
"""

import logging

LOGGERS = ("django.request", "django.server", "django.security.csrf")
# Path prefixes of the tip line (pages and API). Staff pages are included: their paths carry tip
# ids, and nothing about them needs the client's address either.
PREFIXES = ("/tips/", "/tips?", "/api/v1/tips")


def is_tip_path(path: str) -> bool:
    path = path or ""
    return path == "/tips" or path.startswith(PREFIXES)


def _path_of(record) -> str:
    request = getattr(record, "request", None)
    path = getattr(request, "path", None)
    if isinstance(path, str):
        return path
    # django.server: the request line is the first argument ('POST /tips/ HTTP/1.1').
    args = record.args if isinstance(record.args, tuple) else ()
    if args and isinstance(args[0], str):
        parts = args[0].split(" ")
        if len(parts) >= 2:
            return parts[1]
    return ""


class ScrubTipRequests(logging.Filter):
    """Drop ``record.request`` from records about tip-line URLs (the record is still logged)."""

    def filter(self, record) -> bool:
        if hasattr(record, "request") and is_tip_path(_path_of(record)):
            record.request = None
        return True


_FILTER = ScrubTipRequests()


def install() -> None:
    """Attach the filter to the request loggers and to every handler that exists now."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
    handlers = set(logging.getLogger().handlers)
    for logger in list(logging.Logger.manager.loggerDict.values()):
        handlers.update(getattr(logger, "handlers", ()))
    for handler in handlers:
        if _FILTER not in handler.filters:
            handler.addFilter(_FILTER)
