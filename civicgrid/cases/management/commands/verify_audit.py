from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from tqdm import tqdm

from civicgrid.cases import audit
from civicgrid.cases.models import Case


class Command(BaseCommand):
    help = (
        "Re-walk every case's hash-chained events in seq order and report each break: a seq gap "
        "(deleted event), a prev_hash that is not the previous event's hash, an event whose stored "
        "fields no longer match its hash (edited), and a case whose last_event_hash or version "
        "does not match its last event. Read-only. Exits with an error when any break is found."
    )

    def add_arguments(self, parser):
        parser.add_argument("numbers", nargs="*", metavar="NUMBER", help=_("check only these case numbers"))
        parser.add_argument(
            "--chunk-size", type=int, default=audit.CHUNK_SIZE, help=_("rows fetched per round trip (default 5000)")
        )
        parser.add_argument("--no-progress", action="store_true", help=_("do not show a progress bar"))

    def handle(self, *args, numbers, chunk_size, no_progress, **options):
        if chunk_size < 1:
            raise CommandError(_("--chunk-size must be a positive number."))
        case_ids = None
        if numbers:
            found = dict(Case.objects.filter(number__in=numbers).values_list("number", "pk"))
            missing = sorted(set(numbers) - set(found))
            if missing:
                raise CommandError(_("No such case: %(numbers)s") % {"numbers": ", ".join(missing)})
            case_ids = sorted(found.values())
        # tqdm draws on stderr and only on a terminal (disable=None), so piped output stays clean.
        bar = tqdm(
            total=audit.count_events(case_ids),
            unit=_("events"),
            unit_scale=True,
            disable=True if no_progress else None,
        )
        with bar:
            result = audit.verify(case_ids=case_ids, chunk_size=chunk_size, progress=bar.update)
        for b in result.breaks:
            self.stdout.write(str(b))
        summary = {"events": result.events, "cases": result.cases}
        if result.breaks:
            raise CommandError(
                _("%(breaks)s breaks in %(broken)s of %(cases)s cases (%(events)s events checked).")
                % dict(summary, breaks=len(result.breaks), broken=result.broken_cases)
            )
        self.stdout.write(_("All chains intact: %(events)s events in %(cases)s cases.") % summary)
