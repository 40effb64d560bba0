"""Signals other apps listen to, so that cases depend on nothing downstream."""

from django.dispatch import Signal

# Sent after the transaction that appended a case event commits; kwargs: case_id, event_id.
event_committed = Signal()
