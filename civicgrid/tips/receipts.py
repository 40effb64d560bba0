"""Receipt codes: what a submitter keeps (with their passphrase) to read the answers to a tip.

A code is 16 characters of Crockford's base32 (80 random bits), shown in four groups
(``7KQ2-M9XD-4RTB-H0WS``) once, on the page that confirms the tip. Only its SHA-256 is stored:
80 random bits cannot be guessed from it, and nobody, staff included, can show the code again.
Input is forgiving: case, spaces and dashes do not matter, and O, I and L read as 0, 1 and 1.
Plain module: no Django.
"""

import hashlib
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32: no I, L, O, U
LENGTH = 16
GROUP = 4
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})


def new_code() -> str:
    """A new receipt code, grouped for reading (``XXXX-XXXX-XXXX-XXXX``)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + GROUP] for i in range(0, LENGTH, GROUP))


def normalize(text: str) -> str:
    """The code as typed, without separators, upper-case, confusable letters mapped."""
    text = (text or "").upper().translate(_CONFUSABLE)
    return "".join(c for c in text if c not in " -\t\n")


def looks_valid(text: str) -> bool:
    code = normalize(text)
    return len(code) == LENGTH and all(c in ALPHABET for c in code)


def digest(text: str) -> str:
    """SHA-256 (hex) of the normalised code: what the database keeps and looks up."""
    return hashlib.sha256(normalize(text).encode("ascii", "replace")).hexdigest()
