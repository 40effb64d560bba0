import sys
from datetime import date, datetime, time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from tqdm import tqdm

from civicgrid.cases import history
from civicgrid.cases.models import Case


def parse_end(value: str) -> datetime:
    """``--end``: a date (its local midnight) or an ISO date and time (local when naive)."""
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time.min, tzinfo=timezone.get_current_timezone())
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(_("--end must be a date (2026-03-01) or a date and time (2026-03-01T18:00).")) from None
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


class Command(BaseCommand):
    help = gettext_lazy(
        "Fill the city with synthetic problem cases reported over the DAYS days before --end (default: now), "
        "about --per-day a day (default %(per_day)s), with weekday, weekend, holiday and seasonal variation, a "
        "category mix like cities see, points inside the grids and a few places where a problem keeps coming back. "
        "Each case follows the problem workflow with the same rules as live cases: the transition table, the "
        "category's deadlines on the working calendar, the routing rule, the deadline sweeper's escalations and "
        "the hash-chained events; the most recent ones are still open at every step. Nobody is notified and no "
        "personal data is written. Simulated cases carry the idempotency key 'sim:<number>'. Refuses to run when "
        "simulated history exists, unless --replace (which deletes only simulated cases and their events). "
        "Deterministic for a --seed and --end."
    ) % {"per_day": history.DEFAULT_PER_DAY}

    def add_arguments(self, parser):
        parser.add_argument(
            "--days",
            type=int,
            default=history.DEFAULT_DAYS,
            help=gettext_lazy("days of history (default %(n)s)") % {"n": history.DEFAULT_DAYS},
        )
        parser.add_argument(
            "--per-day",
            type=int,
            default=history.DEFAULT_PER_DAY,
            help=gettext_lazy("average new cases a day (default %(n)s)") % {"n": history.DEFAULT_PER_DAY},
        )
        parser.add_argument("--seed", type=int, default=None, help=gettext_lazy("random seed (default: DEMO_SEED)"))
        parser.add_argument(
            "--end", default=None, help=gettext_lazy("end of the history, a date or date and time (default: now)")
        )
        parser.add_argument(
            "--replace", action="store_true", help=gettext_lazy("delete the simulated history first, then simulate")
        )
        parser.add_argument(
            "--if-empty", action="store_true", help=gettext_lazy("do nothing when the database has any case")
        )

    def handle(self, *args, days, per_day, seed, end, replace, if_empty, **options):
        if if_empty and Case.objects.exists():
            self.stdout.write(_("There are cases already; no history simulated."))
            return
        end_at = parse_end(end) if end else timezone.now()
        seed = settings.DEMO_SEED if seed is None else seed
        try:
            history.check_options(days=days, per_day=per_day, end=end_at)
            if history.simulated_cases().exists():
                if not replace:
                    raise CommandError(_("Simulated history exists already: use --replace to simulate it again."))
                cases, events = history.delete_simulated()
                self.stdout.write(
                    _("Deleted %(cases)s simulated cases and %(events)s events.") % {"cases": cases, "events": events}
                )
        except history.HistoryError as e:
            raise CommandError(str(e)) from None
        # tqdm draws on stderr and only on a terminal (disable=None), so piped output stays clean.
        bar = tqdm(total=None, unit=_("days"), file=sys.stderr, leave=False, disable=None)

        def progress(done, total):
            bar.total = total
            bar.update(1)

        try:
            with bar:
                result = history.simulate(days=days, per_day=per_day, seed=seed, end=end_at, progress=progress)
        except history.HistoryError as e:
            raise CommandError(str(e)) from None
        self.stdout.write(
            _("Simulated %(days)s days (seed %(seed)s): %(cases)s cases, %(events)s events.")
            % {"days": days, "seed": seed, "cases": f"{result.cases:,}", "events": f"{result.events:,}"}
        )
        for status, label in Case.Status.choices:
            if result.statuses[status]:
                self.stdout.write(f"  {label}: {result.statuses[status]:,}")
        self.stdout.write(_("Done in %(seconds).1f s.") % {"seconds": result.elapsed})
