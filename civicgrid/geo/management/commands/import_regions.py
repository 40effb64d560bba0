import json
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.geo import codes
from civicgrid.geo.importing import DEFAULT_TOLERANCE_M2, ImportProblems, import_layer
from civicgrid.geo.models import Region


class Command(BaseCommand):
    @property
    def help(self):  # argparse needs a str, not a lazy translation
        return _(
            "Import a GeoJSON FeatureCollection of regions (properties: code, name_zh or name, optional name_en, "
            "parent, valid_from). The whole layer is checked first: on any problem every problem is listed and "
            "nothing is written. Codes already in the database are updated in place; nothing is deleted."
        )

    def add_arguments(self, parser):
        parser.add_argument("file", help=_("GeoJSON file (UTF-8)"))
        parser.add_argument(
            "--synthetic", action="store_true", help=_("mark the regions as generated, not real boundaries")
        )
        parser.add_argument(
            "--tolerance",
            type=float,
            default=DEFAULT_TOLERANCE_M2,
            help=_("overlaps, gaps and overhangs up to this many m² are accepted (default %(default)s)"),
        )
        parser.add_argument("--city-name-zh", default="", help=_("name of the city node if it is created"))
        parser.add_argument("--city-name-en", default="", help=_("English name of the city node"))

    def handle(self, *args, file, synthetic, tolerance, city_name_zh, city_name_en, **options):
        if tolerance < 0:
            raise CommandError(_("--tolerance must not be negative"))
        started = time.monotonic()
        try:
            with open(file, encoding="utf-8") as f:
                collection = json.load(f)
        except OSError as e:
            raise CommandError(_("cannot read %(file)s: %(reason)s") % {"file": file, "reason": e.strerror}) from None
        except UnicodeDecodeError:
            raise CommandError(_("%(file)s is not UTF-8 text") % {"file": file}) from None
        except json.JSONDecodeError as e:
            raise CommandError(
                _("%(file)s is not valid JSON: %(reason)s at line %(line)d, column %(column)d")
                % {"file": file, "reason": e.msg, "line": e.lineno, "column": e.colno}
            ) from None

        try:
            result = import_layer(
                collection,
                city_code=settings.CITY_CODE,
                synthetic=synthetic,
                tolerance_m2=tolerance,
                city_name_zh=city_name_zh,
                city_name_en=city_name_en,
            )
        except ImportProblems as e:
            for problem in e.problems:
                self.stderr.write(problem)
            raise CommandError(str(e)) from None

        if result.city_created:
            self.stdout.write(_("created the city node %(code)s") % {"code": settings.CITY_CODE})
        for level in codes.LEVELS[1:]:
            if level in result.created:
                self.stdout.write(
                    _("%(level)s: %(created)d created, %(updated)d updated")
                    % {
                        "level": Region.Level(level).label,
                        "created": result.created[level],
                        "updated": result.updated[level],
                    }
                )
        if result.repaired:
            self.stdout.write(
                _("repaired invalid polygons with make_valid: %(codes)s") % {"codes": ", ".join(result.repaired)}
            )
        kind = _("synthetic") if synthetic else _("real")
        self.stdout.write(
            _("imported %(n)d regions (%(kind)s) from %(file)s in %(seconds).1f s")
            % {"n": result.total, "kind": kind, "file": file, "seconds": time.monotonic() - started}
        )
