"""A value read from the database at most every few seconds by each process.

For small, rarely edited tables read on every request (the categories one may report, the active
webhooks): ``Refreshing(load, seconds)`` calls ``load()`` when its copy is older than ``seconds``
or has been ``forget()``-ten. ``forget_on_change(Model)`` (from an app's ``ready``) forgets it
whenever a row of the model is saved or deleted in this process, so that such a change is seen at
once; other processes see it within ``seconds``.
"""

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
_ALL: list["Refreshing"] = []


class Refreshing(Generic[T]):
    clock: Callable[[], float] = staticmethod(time.monotonic)

    def __init__(self, load: Callable[[], T], seconds: float):
        self.load = load
        self.seconds = seconds
        self._lock = threading.Lock()
        self._value: T | None = None
        self._read_at: float | None = None
        _ALL.append(self)

    def get(self) -> T:
        now = self.clock()
        read_at = self._read_at
        if read_at is not None and now - read_at <= self.seconds:
            return self._value
        with self._lock:
            if self._read_at is None or now - self._read_at > self.seconds:
                self._value = self.load()
                self._read_at = now
            return self._value

    def forget(self, **kwargs) -> None:
        """Load again at the next ``get`` (usable as a signal receiver)."""
        self._read_at = None

    def forget_on_change(self, model) -> None:
        """Forget the value when a row of ``model`` is saved or deleted in this process."""
        from django.db.models.signals import post_delete, post_save

        for signal in (post_save, post_delete):
            signal.connect(
                self.forget, sender=model, weak=False, dispatch_uid=f"refreshing-{id(self)}-{signal is post_save}"
            )


def forget_all() -> None:
    """Make every ``Refreshing`` load again (tests: each starts from its own database)."""
    for value in _ALL:
        value.forget()
