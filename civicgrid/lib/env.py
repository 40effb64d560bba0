"""Typed readers for environment variables that fail loudly on bad values.

Settings call these; nothing else reads ``os.environ`` for configuration.
"""

import os

from django.core.exceptions import ImproperlyConfigured


def envbool(name: str, default: str) -> bool:
    value = os.getenv(name, default)
    if value not in ("", "True", "False"):
        raise ImproperlyConfigured(f"Unexpected value {name}={value}, use 'True' or 'False'")
    return value == "True"


def envint(name: str, default: str) -> int:
    value = os.getenv(name, default)
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"Unexpected value {name}={value}, use a whole number") from None


def envstr(name: str, default: str) -> str:
    return os.getenv(name, default)


def envchoice(name: str, default: str, choices: tuple[str, ...]) -> str:
    value = os.getenv(name, default)
    if value not in choices:
        raise ImproperlyConfigured(f"Unexpected value {name}={value}, use one of {', '.join(choices)}")
    return value


def envsecret(name: str, default: str) -> str:
    """Read NAME, or the contents of the file named by NAME_FILE."""
    path = os.getenv(f"{name}_FILE")
    if path:
        try:
            with open(path, encoding="utf-8") as f:
                return f.read().strip()
        except OSError as e:
            raise ImproperlyConfigured(f"Cannot read {name}_FILE={path}: {e.strerror}") from None
    return os.getenv(name, default)
