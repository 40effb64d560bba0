"""Error bodies every JSON API router shares (the handlers in ``civicgrid/api.py`` produce them)."""

from typing import Any

from ninja import Schema


class Message(Schema):
    message: str


class ValidationMessage(Schema):
    message: str
    errors: list[dict[str, Any]]
