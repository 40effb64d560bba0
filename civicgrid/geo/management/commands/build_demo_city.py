import functools
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from tqdm import tqdm

from civicgrid.geo import codes
from civicgrid.geo.demo_city import build_demo_regions
from civicgrid.geo.importing import ImportProblems
from civicgrid.geo.models import Region


class Command(BaseCommand):
    @property
    def help(self):  # argparse needs a str, not a lazy translation
        return _(
            "Build the demo city: the 16 real districts of Tianjin, synthetic streets, communities and grids "
            "generated inside them from a seed, the default categories and the demo units and accounts. "
            "Everything is written in one transaction."
        )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seed", type=int, default=None, help=_("seed of the generated regions (default: DEMO_SEED)")
        )
        parser.add_argument(
            "--if-missing", action="store_true", help=_("do nothing when the database already has grids")
        )

    def handle(self, *args, seed, if_missing, **options):
        if if_missing and Region.objects.filter(level=codes.GRID).exists():
            self.stdout.write(_("The demo city exists already; nothing to do."))
            return
        seed = settings.DEMO_SEED if seed is None else seed
        started = time.monotonic()
        progress = functools.partial(tqdm, file=sys.stderr, leave=False, disable=None, unit="")
        from civicgrid.categories.loading import load_default_categories
        from civicgrid.org.demo import build_demo_org

        try:
            with transaction.atomic():
                counts = build_demo_regions(seed, progress=progress)
                self.stdout.write(
                    _("Regions (seed %(seed)d): real district boundaries; SYNTHETIC streets, communities and grids.")
                    % {"seed": seed}
                )
                for level in codes.LEVELS:
                    self.stdout.write(f"  {Region.Level(level).label}: {counts[level]:,}")
                load_default_categories()
                self.stdout.write(_("Default categories loaded."))
                build_demo_org(stdout=self.stdout)
        except ImportProblems as e:
            for problem in e.problems:
                self.stderr.write(problem)
            raise CommandError(str(e)) from None
        self.stdout.write(_("Demo city built in %(seconds).1f s.") % {"seconds": time.monotonic() - started})
