import math

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.geo import locator


class Command(BaseCommand):
    @property
    def help(self) -> str:
        return _(
            "Print the grid, community, street and district that hold a point given as LAT LON "
            "(WGS-84 unless --crs gcj02). A point on a border shared by several grids gets the grid "
            "with the lowest code. Exits with an error for a point outside the service area."
        )

    def add_arguments(self, parser):
        parser.add_argument("lat", help=_("latitude in degrees"))
        parser.add_argument("lon", help=_("longitude in degrees"))
        parser.add_argument("--crs", default="wgs84", help=_("coordinate system of LAT/LON: wgs84 (default) or gcj02"))

    def handle(self, *args, lat, lon, crs, **options):
        lat_value = self._number(lat, _("latitude"))
        lon_value = self._number(lon, _("longitude"))
        try:
            found = locator.locate_point(lat_value, lon_value, crs)
        except locator.OutsideServiceArea as exc:
            raise CommandError(str(exc)) from exc
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        labels = {
            "grid": _("grid"),
            "community": _("community"),
            "street": _("street"),
            "district": _("district"),
        }
        width = max(len(label) for label in labels.values())
        for level, label in labels.items():
            region = found[level]
            names = " / ".join(n for n in (region["name_zh"], region["name_en"]) if n)
            self.stdout.write(f"{label.ljust(width)}  {region['code']}  {names}".rstrip())

    @staticmethod
    def _number(text: str, what: str) -> float:
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise CommandError(_("The %(what)s %(text)r is not a finite number.") % {"what": what, "text": text})
        return value
