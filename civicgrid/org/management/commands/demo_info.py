from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from civicgrid.geo.models import Region
from civicgrid.org.demo import DEMO_PASSWORD, demo_accounts, first_codes


class Command(BaseCommand):
    help = "Print the URL the product is served on and the demo accounts (with their shared password)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args, port, **options):
        self.stdout.write(_("CivicGrid is starting on http://127.0.0.1:%(port)s/") % {"port": port})
        self.stdout.write(_("  admin: http://127.0.0.1:%(port)s/admin/") % {"port": port})
        self.stdout.write(
            _("  locate API: http://127.0.0.1:%(port)s/api/v1/locate?lat=39.1256&lon=117.1950") % {"port": port}
        )
        if not Region.objects.filter(level="grid").exists():
            self.stdout.write(_("No demo city is loaded (run: python manage.py build_demo_city)."))
            return
        self.stdout.write(
            _("Demo accounts (password: %(pw)s); the city below district level is synthetic:") % {"pw": DEMO_PASSWORD}
        )
        for acct in demo_accounts(**first_codes()):
            self.stdout.write(f"  {acct.username:<22} {acct.label}")
