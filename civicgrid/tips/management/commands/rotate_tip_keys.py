"""Re-encrypt every stored tip-line value with the first key of TIP_ENCRYPTION_KEYS."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from civicgrid.tips import crypto
from civicgrid.tips.models import Tip, TipAttachment, TipMessage, TipReward

# Every encrypted column, by model.
COLUMNS = (
    (Tip, ("content", "contact")),
    (TipMessage, ("body",)),
    (TipAttachment, ("data",)),
    (TipReward, ("basis", "decision_note")),
)
BATCH = 200


class Command(BaseCommand):
    help = (
        "Key rotation of the tip line. Put a new key first in TIP_ENCRYPTION_KEYS and keep the old ones "
        "after it, run this command (it re-encrypts every stored tip text, photo, message, contact and reward "
        "reason with the first key), then remove the old keys. --new-key prints a fresh key and changes nothing. "
        "A value no configured key opens stops the command before anything is written for its batch."
    )

    def add_arguments(self, parser):
        parser.add_argument("--new-key", action="store_true", help="print a new key and exit")

    def handle(self, *args, new_key=False, **options):
        if new_key:
            self.stdout.write(crypto.generate_key())
            return
        total = 0
        for model, fields in COLUMNS:
            ids = list(model.objects.order_by("pk").values_list("pk", flat=True))
            for start in range(0, len(ids), BATCH):
                total += self._rotate(model, fields, ids[start : start + BATCH])
        self.stdout.write(self.style.SUCCESS(f"{total} values re-encrypted with the first key."))

    def _rotate(self, model, fields, ids) -> int:
        done = 0
        with transaction.atomic():
            for row in model.objects.select_for_update().filter(pk__in=ids).only("pk", *fields):
                changes = {}
                for name in fields:
                    value = getattr(row, name)
                    if value is None:
                        continue
                    try:
                        changes[name] = crypto.rotate(value)
                    except crypto.DecryptionError as e:
                        raise CommandError(f"{model.__name__} {row.pk}: {name}: {e}") from e
                if changes:
                    model.objects.filter(pk=row.pk).update(**changes)
                    done += len(changes)
        return done
