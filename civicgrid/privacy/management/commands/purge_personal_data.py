from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.privacy import retention


class Command(BaseCommand):
    help = (
        "Blank and delete personal data past its retention period; run it daily. A case ends when "
        "it is closed, rejected or merged. PERSONAL_DATA_RETENTION_DAYS (default 180) after that, "
        "the reporter's contact on the case is blanked and its sharing consent cleared, its "
        "supporters' contacts are blanked, and notification messages sent or failed that long "
        "ago are deleted. Rows of the personal-data access log outlive the data they protect: one "
        "is deleted when it is older than ACCESS_LOG_RETENTION_DAYS (default 730) and its case's "
        "data is already gone. Everything happens in one transaction. Audit events are never "
        "touched: they are hash-chained, and the case actions write no contact into them "
        "(contacts live only on the case and its supporters). Events do keep the acting user "
        "(a registered resident too) and the reasons and comments residents typed."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help=_("print what would go (with -v 2 the numbers of the cases); change nothing"),
        )

    def handle(self, *args, dry_run, verbosity, **options):
        try:
            limits = retention.periods()
        except ValueError as e:
            raise CommandError(str(e)) from e
        now = timezone.now()
        if dry_run:
            todo = retention.plan(now, limits)
            counts = todo.counts()
            if verbosity >= 2:
                for number in todo.cases.order_by("number").values_list("number", flat=True).iterator():
                    self.stdout.write(_("contact of case %(number)s") % {"number": number})
        else:
            counts = retention.purge(now, limits)
        labels = {
            "cases": _("reporters' contacts blanked"),
            "supporters": _("supporters' contacts blanked"),
            "outbox": _("sent or failed messages deleted"),
            "access_log": _("access log rows deleted"),
        }
        if dry_run:
            self.stdout.write(_("Dry run: nothing was changed. A purge now would give:"))
        for key, label in labels.items():
            self.stdout.write(f"{label}: {counts[key]}")
        self.stdout.write(
            _("Retention: %(data)s days after a case ends; access log %(log)s days.")
            % {"data": limits.data_days, "log": limits.access_log_days}
        )
