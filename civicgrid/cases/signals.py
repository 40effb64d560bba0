"""Signals other apps listen to, so that cases depend on nothing downstream."""

from django.dispatch import Signal

# Sent after the transaction that appended a case event commits; kwargs: case_id, event_id, and
# the event's action and the case's kind, so that a listener can skip what it does not want
# without reading the database.
event_committed = Signal()
