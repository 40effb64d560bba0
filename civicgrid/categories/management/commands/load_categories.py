from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.categories.loading import DEFAULT_FILE, CategoryFileError, load_categories_file
from civicgrid.categories.models import Category


class Command(BaseCommand):
    help = (
        "Load the category taxonomy from a TOML file (default: civicgrid/categories/data/categories.toml). "
        "Categories are matched by code: new ones are created, changed ones updated, and ones missing from "
        "the file marked inactive, never deleted. The whole file is checked first; if anything is wrong, "
        "every problem is listed and nothing is written. Running it again with the same file changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", default=str(DEFAULT_FILE), help="Path of the TOML file.")

    def handle(self, *args, file, **options):
        try:
            created, updated = load_categories_file(file)
        except CategoryFileError as exc:
            for error in exc.errors:
                self.stderr.write(f"  {error}")
            raise CommandError(exc.summary) from None
        active = Category.objects.filter(active=True).count()
        inactive = Category.objects.filter(active=False).count()
        self.stdout.write(
            _("Categories: %(created)d created, %(updated)d updated; %(active)d active, %(inactive)d inactive.")
            % {"created": created, "updated": updated, "active": active, "inactive": inactive}
        )
