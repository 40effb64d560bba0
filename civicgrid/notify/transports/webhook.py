"""POST a case event to a ``Webhook``: the JSON body as queued, signed with the webhook's secret.

Headers: ``X-CivicGrid-Signature: sha256=<hex HMAC-SHA256 of the body>`` and
``X-CivicGrid-Timestamp`` (Unix seconds of the attempt). Any answer but 2xx, a redirect, a
timeout (``TIMEOUT`` seconds) or a network error raises ``TransportError``.
"""

import hashlib
import hmac
import http.client
import time
import urllib.error
import urllib.request

from civicgrid.notify.transports import Transport, TransportError

TIMEOUT = 5


def signature(secret: str, body: bytes) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A redirect would turn the POST into a GET without the body: treat it as a failure.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirect)


class WebhookTransport(Transport):
    def send(self, row) -> None:
        from civicgrid.notify.models import Webhook

        hook = Webhook.objects.filter(pk=row.recipient).first() if row.recipient.isdigit() else None
        if hook is None or not hook.active:
            raise TransportError("the webhook was deleted or deactivated", permanent=True)
        if not hook.url.startswith(("http://", "https://")):
            raise TransportError("the webhook URL is not http(s)", permanent=True)
        body = row.body.encode()
        request = urllib.request.Request(  # noqa: S310 - scheme checked above
            hook.url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": "CivicGrid-Webhook/1",
                "X-CivicGrid-Signature": signature(hook.secret, body),
                "X-CivicGrid-Timestamp": str(int(time.time())),
            },
        )
        try:
            with _opener.open(request, timeout=TIMEOUT) as response:
                status = response.status
        except urllib.error.HTTPError as e:
            raise TransportError(f"HTTP {e.code} from {hook.name}") from e
        except (OSError, http.client.HTTPException, ValueError) as e:
            raise TransportError(f"{hook.name}: {getattr(e, 'reason', e)}") from e
        if not 200 <= status < 300:
            raise TransportError(f"HTTP {status} from {hook.name}")
