"""Issue and check API keys. The key itself is shown once, at creation; only its hash is kept."""

import hashlib
import secrets

from django.utils import timezone

from civicgrid.lib.rows import RowLookup
from civicgrid.org.models import ApiKey

# Every machine call starts with this lookup: one statement, built once per process.
_FIND_ACTIVE_KEY = RowLookup(ApiKey, "key_hash = %s AND active")


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_key(name: str, user=None) -> tuple[ApiKey, str]:
    """Create a key named ``name``; returns the record and the key (never stored in clear)."""
    key = "cg_" + secrets.token_urlsafe(30)
    record = ApiKey.objects.create(name=name, prefix=key[:8], key_hash=_digest(key), user=user)
    return record, key


def check_api_key(key: str | None, *, record_use: bool = True) -> ApiKey | None:
    """The active key record matching ``key``, or None. Records when it was last used, unless
    ``record_use`` is False (the caller then calls ``record_api_key_use`` once the call succeeds).
    The key's user, when it has one, is read when the call first needs it."""
    if not key or len(key) > 100:
        return None
    record = _FIND_ACTIVE_KEY([_digest(key)])
    if record is not None and record_use:
        record_api_key_use(record)
    return record


def record_api_key_use(record: ApiKey) -> None:
    """Stamp ``last_used_at``, at most once a minute per key."""
    now = timezone.now()
    if record.last_used_at is None or (now - record.last_used_at).total_seconds() > 60:
        ApiKey.objects.filter(pk=record.pk).update(last_used_at=now)
        record.last_used_at = now
