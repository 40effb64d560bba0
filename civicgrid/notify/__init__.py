"""Notifications: an outbox of messages queued when a case changes, sent by a worker.

``queue.py`` decides who is told about a case event and writes ``Outbox`` rows after the
case's transaction commits; ``delivery.py`` (run by ``manage.py send_notifications``) claims due
rows, hands them to the channel's transport (``transports/``) and retries failures with
backoff. A transport that fails never touches the case.
"""
