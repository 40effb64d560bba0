from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from civicgrid.org.apikeys import create_api_key
from civicgrid.org.models import ApiKey


class Command(BaseCommand):
    help = (
        "Create an API key and print it (shown once). Without --user the key submits as an anonymous "
        "member of the public (an Open311 app); with --user it acts as that staff user."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--user", help="username the key acts as")

    def handle(self, *args, name, user=None, **options):
        name = name.strip()
        if not name or len(name) > 100:
            raise CommandError(_("Give the key a name of 1 to 100 characters."))
        if ApiKey.objects.filter(name=name).exists():
            raise CommandError(_("An API key named %(name)r exists already.") % {"name": name})
        owner = None
        if user:
            owner = get_user_model().objects.filter(username=user).first()
            if owner is None:
                raise CommandError(_("No user %(user)r.") % {"user": user})
        _record, key = create_api_key(name, owner)
        self.stdout.write(key)
