"""Email through Django's configured ``EMAIL_BACKEND``."""

import smtplib

from django.conf import settings
from django.core.mail import send_mail

from civicgrid.notify.transports import Transport, TransportError


class EmailTransport(Transport):
    def send(self, row) -> None:
        try:
            sent = send_mail(row.subject, row.body, settings.DEFAULT_FROM_EMAIL, [row.recipient], fail_silently=False)
        except smtplib.SMTPRecipientsRefused as e:
            raise TransportError(f"recipient refused: {e}", permanent=True) from e
        except (smtplib.SMTPException, OSError) as e:
            raise TransportError(f"{type(e).__name__}: {e}") from e
        if sent != 1:
            raise TransportError("the mail backend sent nothing")
