from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases import sweep


class Command(BaseCommand):
    help = (
        "Escalate the open cases whose current step is overdue: status on the clock (open, not "
        "parked), step deadline passed and not yet marked overdue, category set to escalate. Each "
        "case moves one level up (community → street → district → city) once per overdue deadline; "
        "it escalates again only when a later deadline (next step, extension, rework) goes overdue. "
        "Nothing else changes, so the level below keeps seeing the case. Categories that do not "
        "escalate are left alone. Safe to run from several machines at once: a case another "
        "sweeper escalated first is skipped and counted as taken."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help=_("list what would escalate; change nothing"))
        parser.add_argument(
            "--batch-size", type=int, default=sweep.BATCH_SIZE, help=_("cases read per query (default 1000)")
        )

    def handle(self, *args, dry_run, batch_size, **options):
        if batch_size < 1:
            raise CommandError(_("--batch-size must be a positive number."))
        result = sweep.sweep(now=timezone.now(), dry_run=dry_run, batch_size=batch_size)
        if dry_run:
            for due in result.due:
                self.stdout.write(
                    _("%(number)s  step %(step)s due %(due)s  %(level)s → %(next)s")
                    % {
                        "number": due.number,
                        "step": due.step,
                        "due": timezone.localtime(due.due_at).strftime("%Y-%m-%d %H:%M"),
                        "level": due.level,
                        "next": due.next_level,
                    }
                )
            self.stdout.write(
                _("Dry run: %(n)s cases would escalate (%(seconds).3f s).")
                % {"n": result.checked, "seconds": result.elapsed}
            )
            return
        self.stdout.write(
            _(
                "Checked %(checked)s, escalated %(escalated)s, skipped %(skipped)s "
                "(taken by another sweeper or changed meanwhile) in %(seconds).3f s."
            )
            % {
                "checked": result.checked,
                "escalated": result.escalated,
                "skipped": result.skipped,
                "seconds": result.elapsed,
            }
        )
