import time

from django.core.management.base import BaseCommand, CommandError

from civicgrid.notify import delivery


class Command(BaseCommand):
    help = (
        "Send the queued notifications (emails, webhooks). Each due row is claimed with a conditional "
        "update, so several workers may run side by side without sending a row twice. A failed attempt "
        "is retried after 1 min, 5 min, 30 min, 2 h and 12 h; after 6 attempts the row is marked failed. "
        "Runs until stopped, or once with --once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Send what is due now, then stop.")
        parser.add_argument("--limit", type=int, default=100, help="Rows per batch (default 100).")
        parser.add_argument(
            "--interval", type=float, default=10.0, help="Seconds to wait when nothing is due (default 10)."
        )

    def handle(self, *args, once=False, limit=100, interval=10.0, **options):
        if limit < 1:
            raise CommandError("--limit must be at least 1")
        try:
            while True:
                outcomes = delivery.send_due(limit=limit)
                if outcomes or once:
                    self.stdout.write(
                        "sent {sent}, to retry {retry}, failed {failed}, taken by another worker {skipped}".format(
                            sent=outcomes["sent"],
                            retry=outcomes["retry"],
                            failed=outcomes["failed"],
                            skipped=outcomes["skipped"],
                        )
                    )
                if once:
                    return
                if sum(outcomes.values()) < limit:
                    time.sleep(interval)
        except KeyboardInterrupt:
            return
