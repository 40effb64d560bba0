"""Rate limits of the tip line, kept in Django's cache and nowhere else.

- Receipt code + passphrase: at most ``CODE_FAILURES`` wrong attempts per receipt code in
  ``CODE_WINDOW`` seconds, and ``ADDRESS_FAILURES`` per client address in ``ADDRESS_WINDOW``.
  A code is counted whether or not a tip has it, so a refusal says nothing about the code.
- Submissions: at most ``SUBMISSIONS`` per client address in ``SUBMISSION_WINDOW``.

The client address is used only for these counters: the cache key is an HMAC of it (keyed with
``SECRET_KEY``), it expires with its window, and it is never written to the database or a log.
Windows are fixed: the first counted event opens one. A production site with several worker
processes needs a cache they share (``CACHES``: Redis or Memcached); the default local-memory
cache counts per process. (The database and file caches reset a key's expiry on each count.)
"""

from django.core.cache import cache
from django.utils.crypto import salted_hmac

CODE_FAILURES, CODE_WINDOW = 5, 15 * 60
ADDRESS_FAILURES, ADDRESS_WINDOW = 20, 60 * 60
SUBMISSIONS, SUBMISSION_WINDOW = 10, 60 * 60

_SALT = "civicgrid.tips.throttle"


def _key(kind: str, value: str) -> str:
    return f"tips:{kind}:{salted_hmac(_SALT, value or '-', algorithm='sha256').hexdigest()}"


def _count(key: str) -> int:
    return int(cache.get(key) or 0)


def _bump(key: str, window: int) -> int:
    """Count one more event in ``key``'s window (opening the window when there is none)."""
    if cache.add(key, 1, timeout=window):
        return 1
    try:
        return cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, timeout=window)
        return 1


def check_blocked(code_digest: str, address: str | None) -> bool:
    """True when attempts with this code, or from this address, are used up for now."""
    return _count(_key("code", code_digest)) >= CODE_FAILURES or (
        address is not None and _count(_key("addr", address)) >= ADDRESS_FAILURES
    )


def record_check_failure(code_digest: str, address: str | None) -> None:
    """Count a wrong receipt code or passphrase against the code and the address."""
    _bump(_key("code", code_digest), CODE_WINDOW)
    if address is not None:
        _bump(_key("addr", address), ADDRESS_WINDOW)


def allow_submission(address: str | None) -> bool:
    """Count a submission from ``address``; False once the address has used up its window."""
    if address is None:
        return True
    key = _key("submit", address)
    if _count(key) >= SUBMISSIONS:
        return False
    _bump(key, SUBMISSION_WINDOW)
    return True


def client_address(request) -> str | None:
    """The address the request came from (``REMOTE_ADDR``, as the privacy app reads it), for
    the counters above only."""
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None
