import time

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections
from django.utils.translation import gettext as _

from civicgrid.web.command import numbers


class Command(BaseCommand):
    help = (
        "Keep the command centre's numbers computed ahead of the requests: every pass recomputes the "
        "views (region, period, language) someone read in the last NUMBERS_WATCH_MINUTES minutes and "
        "the city's default view in every language, once their numbers are 30 s old, and deletes "
        "numbers nobody read for a day. Runs until stopped, or once with --once. One is enough; two "
        "at once only compute twice."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Run one pass, then stop.")
        parser.add_argument(
            "--interval", type=float, default=10.0, help="Seconds between the starts of two passes (default 10)."
        )

    def handle(self, *args, once=False, interval=10.0, **options):
        if interval <= 0:
            raise CommandError("--interval must be more than 0 seconds")
        try:
            while True:
                started = time.monotonic()
                done = numbers.refresh_due()
                if once or done.refreshed or done.failed or options["verbosity"] > 1:
                    self.stdout.write(
                        _("refreshed %(refreshed)s views, %(failed)s failed, %(forgotten)s unread parts forgotten")
                        % {"refreshed": done.refreshed, "failed": done.failed, "forgotten": done.forgotten}
                    )
                if once:
                    return
                time.sleep(max(0.0, interval - (time.monotonic() - started)))
                # As after a request: a connection past its CONN_MAX_AGE or broken is reopened.
                close_old_connections()
        except KeyboardInterrupt:
            return
