"""Sending the outbox: claim due rows, hand each to its transport, record the outcome.

A worker claims a row with a conditional UPDATE that moves ``next_attempt_at`` to the end of a
lease, matching on the value it saw; a second worker that saw the same value updates nothing
and leaves the row alone, so two workers never send the same row at once. A worker that dies
mid-send leaves the row pending; it is sent again when the lease runs out (at least once).

A failed attempt (``TransportError``, or any error of the transport) is retried after
``BACKOFF[attempts - 1]``; after ``MAX_ATTEMPTS`` attempts, or on a permanent error, the row is
marked failed.
"""

import logging
from collections import Counter
from datetime import timedelta

from django.db.models import F
from django.utils import timezone

from civicgrid.notify.models import Outbox
from civicgrid.notify.transports import TransportError, get_transport

logger = logging.getLogger(__name__)

# Longer than any transport may take (webhooks time out after 5 s).
LEASE = timedelta(minutes=5)
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = 6
MAX_ERROR = 1000


def due(now=None, limit: int = 100) -> list[tuple[int, object]]:
    """``(id, next_attempt_at)`` of up to ``limit`` pending rows due at ``now``, oldest first."""
    now = now or timezone.now()
    qs = Outbox.objects.filter(status=Outbox.Status.PENDING, next_attempt_at__lte=now)
    return list(qs.order_by("next_attempt_at", "id").values_list("id", "next_attempt_at")[:limit])


def claim(row_id: int, seen_next_attempt_at, now=None) -> Outbox | None:
    """Take row ``row_id`` for one attempt; None when another worker took it first."""
    now = now or timezone.now()
    taken = Outbox.objects.filter(id=row_id, status=Outbox.Status.PENDING, next_attempt_at=seen_next_attempt_at).update(
        next_attempt_at=now + LEASE
    )
    if not taken:
        return None
    return Outbox.objects.get(id=row_id)


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failed attempt."""
    return BACKOFF[min(attempts, len(BACKOFF)) - 1]


def attempt(row: Outbox) -> str:
    """Send a claimed row and record the outcome: "sent", "retry" or "failed"."""
    try:
        get_transport(row.channel).send(row)
    except TransportError as e:
        return _failed(row, str(e), permanent=e.permanent)
    except Exception as e:
        logger.exception("notification %s: unexpected error in the %s transport", row.pk, row.channel)
        return _failed(row, f"{type(e).__name__}: {e}", permanent=False)
    now = timezone.now()
    Outbox.objects.filter(id=row.pk).update(
        status=Outbox.Status.SENT, sent_at=now, attempts=F("attempts") + 1, last_error=""
    )
    return "sent"


def _failed(row: Outbox, error: str, *, permanent: bool) -> str:
    attempts = row.attempts + 1
    now = timezone.now()
    changes = {"attempts": attempts, "last_error": error[:MAX_ERROR]}
    if permanent or attempts >= MAX_ATTEMPTS:
        outcome = "failed"
        changes.update(status=Outbox.Status.FAILED, next_attempt_at=now)
        logger.warning("notification %s failed after %s attempts: %s", row.pk, attempts, error)
    else:
        outcome = "retry"
        changes.update(next_attempt_at=now + backoff(attempts))
    Outbox.objects.filter(id=row.pk).update(**changes)
    return outcome


def send_due(limit: int = 100, now=None) -> Counter:
    """Claim and send up to ``limit`` due rows; returns a count per outcome."""
    outcomes: Counter = Counter()
    for row_id, seen in due(now, limit):
        row = claim(row_id, seen)
        if row is None:
            outcomes["skipped"] += 1
            continue
        outcomes[attempt(row)] += 1
    return outcomes
