"""Transports: one class per channel, each with ``send(row)`` that raises ``TransportError``.

Add a channel by writing a module beside ``email.py`` and ``webhook.py`` and registering its
class in ``TRANSPORTS``.
"""


class TransportError(Exception):
    """A message could not be sent. ``permanent``: trying again cannot help (give up now)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Transport:
    """Sends one ``Outbox`` row; raises ``TransportError`` when it could not."""

    def send(self, row) -> None:
        raise NotImplementedError


def get_transport(channel: str) -> Transport:
    """A transport for ``channel``; ``TransportError`` (permanent) for an unknown channel."""
    from civicgrid.notify.transports.email import EmailTransport
    from civicgrid.notify.transports.webhook import WebhookTransport

    transports = {"email": EmailTransport, "webhook": WebhookTransport}
    try:
        return transports[channel]()
    except KeyError:
        raise TransportError(f"no transport for channel {channel!r}", permanent=True) from None
