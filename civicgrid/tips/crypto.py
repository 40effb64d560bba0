"""Encryption at rest of everything a tip says: its text, photos, follow-ups, answers, notes,
reward reasons and the contact a submitter may choose to leave (DESIGN.md §1).

The maintained ``cryptography`` library's Fernet does the work (AES-128-CBC with an
HMAC-SHA256 over the whole token, and a fresh IV each time); ``MultiFernet`` gives key
rotation. Keys come from configuration, never from the database:

- ``settings.TIP_ENCRYPTION_KEYS``: a comma-separated list (or a list) of Fernet keys, each
  the URL-safe base64 of 32 random bytes (``python manage.py rotate_tip_keys --new-key``
  prints one). The **first** key encrypts; **every** key decrypts. To rotate, put a new key
  first, keep the old ones after it, run ``manage.py rotate_tip_keys`` (re-encrypts every
  stored value with the first key), then drop the old keys.
- Without keys, a development site (``DEBUG=True`` at startup) derives a key from
  ``SECRET_KEY`` and warns loudly: tip content is then only as secret as ``SECRET_KEY``. A
  production site (``DEBUG=False``) refuses to start (``check_configuration``, called by the
  app's ``ready()``).
"""

import base64
import functools
import json
import logging

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

SETTING = "TIP_ENCRYPTION_KEYS"
DEVELOPMENT_WARNING = (
    "TIP_ENCRYPTION_KEYS is not set: tip-line content is encrypted with a development key derived "
    "from SECRET_KEY. Never run a real tip line like this; set TIP_ENCRYPTION_KEYS (see civicgrid/tips/crypto.py)."
)

# Decided once at startup (``check_configuration``): whether a missing key may be replaced by
# the development key. A site that started with DEBUG=False never falls back, whatever happens
# to settings later.
_development_key_allowed = False


class DecryptionError(Exception):
    """A stored value no configured key opens (a key was dropped too early, or the value was
    tampered with)."""


def configured_keys() -> list[str]:
    """The keys of ``settings.TIP_ENCRYPTION_KEYS`` in order (read each time: nothing is cached
    that a settings change would not reach)."""
    raw = getattr(settings, SETTING, "") or ""
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    return [k.strip() for k in items if k and k.strip()]


def _validated(keys: list[str]) -> tuple[str, ...]:
    for position, key in enumerate(keys, start=1):
        try:
            Fernet(key)
        except (ValueError, TypeError) as e:
            raise ImproperlyConfigured(
                f"{SETTING}: key {position} is not a Fernet key (URL-safe base64 of 32 bytes): {e}"
            ) from None
    return tuple(keys)


def check_configuration(*, debug: bool | None = None) -> str:
    """Check the keys at startup: ``"configured"`` or ``"development"``.

    ImproperlyConfigured when a key is malformed, or when there is no key and the site does not
    run in DEBUG (a tip line must never start without its own key)."""
    global _development_key_allowed
    debug = settings.DEBUG if debug is None else debug
    keys = configured_keys()
    if keys:
        _validated(keys)
        _development_key_allowed = False
        return "configured"
    if not debug:
        _development_key_allowed = False
        raise ImproperlyConfigured(
            f"Set {SETTING} (comma-separated Fernet keys; the first encrypts) before running the tip line "
            "with DEBUG=False."
        )
    _development_key_allowed = True
    logger.warning(DEVELOPMENT_WARNING)
    return "development"


def development_key(secret_key: str) -> str:
    """A Fernet key derived from ``secret_key`` with HKDF-SHA256 (development only)."""
    raw = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=b"civicgrid.tips.development-key",
        info=b"tip-line encryption at rest",
    ).derive(secret_key.encode("utf-8"))
    return base64.urlsafe_b64encode(raw).decode("ascii")


def generate_key() -> str:
    """A new random Fernet key, for ``TIP_ENCRYPTION_KEYS``."""
    return Fernet.generate_key().decode("ascii")


@functools.lru_cache(maxsize=8)
def _fernet_for(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(k) for k in keys])


def _fernet() -> MultiFernet:
    keys = configured_keys()
    if keys:
        return _fernet_for(_validated(keys))
    if not _development_key_allowed:
        raise ImproperlyConfigured(f"{SETTING} is not set; the tip line cannot encrypt or decrypt.")
    return _fernet_for((development_key(settings.SECRET_KEY),))


def encrypt(data: bytes) -> bytes:
    """The token of ``data`` under the first key."""
    return _fernet().encrypt(bytes(data))


def decrypt(token) -> bytes:
    """The data of a token made by ``encrypt`` under any configured key; DecryptionError else.

    ``token`` may be bytes or the memoryview a database returns for a binary column."""
    try:
        return _fernet().decrypt(bytes(token))
    except InvalidToken:
        raise DecryptionError("no configured key opens this value") from None


def rotate(token) -> bytes:
    """``token`` re-encrypted under the first key (DecryptionError when no key opens it)."""
    try:
        return _fernet().rotate(bytes(token))
    except InvalidToken:
        raise DecryptionError("no configured key opens this value") from None


def encrypt_text(text: str) -> bytes:
    return encrypt(text.encode("utf-8"))


def decrypt_text(token) -> str:
    return decrypt(token).decode("utf-8")


def encrypt_json(value) -> bytes:
    return encrypt(json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))


def decrypt_json(token):
    return json.loads(decrypt(token))
