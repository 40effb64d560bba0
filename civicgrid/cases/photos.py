"""Photos on cases: storing cleaned photos and serving them behind an access check.

Photos arrive already cleaned (``lib/images.py::clean_photo``: re-encoded pixels, no metadata).
Storing is all or nothing: the rows roll back with the caller's transaction and the files
written so far are deleted. File names are random: a phone's file name may say who took it.
"""

import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _

from civicgrid.cases.actions import CaseError, Invalid
from civicgrid.cases.models import Attachment, Case
from civicgrid.lib import images
from civicgrid.org.roles import Role

MAX_PHOTOS_PER_REQUEST = 3
# Staff photos (evidence and verification together) per case, and the reporter's own.
MAX_STAFF_PHOTOS = 9
MAX_REPORT_PHOTOS = 3
# Who adds which staff photos: the unit's handler posts evidence of the work, the grid worker or
# the centre the photo of the check.
PHOTO_ROLES = {
    Attachment.Purpose.EVIDENCE: frozenset({Role.HANDLER}),
    Attachment.Purpose.VERIFICATION: frozenset({Role.GRID_WORKER, Role.DISPATCHER}),
}
STAFF_PURPOSES = tuple(p.value for p in PHOTO_ROLES)


class PayloadTooLarge(CaseError):
    status = 413


def clean_uploads(files) -> list[tuple[bytes, str]]:
    """The uploads re-encoded without metadata; the first bad one refuses them all."""
    cleaned = []
    for upload in files:
        try:
            cleaned.append(images.clean_photo(upload))
        except images.PhotoTooLarge as e:
            raise PayloadTooLarge(str(e)) from e
        except ValueError as e:
            raise Invalid(str(e)) from e
    return cleaned


def check_room(case, purposes, limit: int, adding: int) -> None:
    """Invalid when ``adding`` more photos of ``purposes`` would put more than ``limit`` on the case."""
    have = Attachment.objects.filter(case=case, purpose__in=purposes).count()
    if have + adding > limit:
        raise Invalid(
            _("At most %(limit)s such photos may be added to a case; it has %(have)s, and %(adding)s were sent.")
            % {"limit": limit, "have": have, "adding": adding}
        )


def store_photos(case, purpose, photos, *, event=None, counted=None, limit=None) -> list[Attachment]:
    """Save cleaned ``photos`` (``(bytes, content_type)`` pairs) on ``case``, linked to ``event``.

    With ``limit``, at most that many photos of the ``counted`` purposes may be on the case
    afterwards; the case row is locked while counting so that two uploads cannot both fit."""
    written: list[str] = []
    try:
        with transaction.atomic():
            if limit is not None:
                list(Case.objects.select_for_update().filter(pk=case.pk).only("pk"))
                check_room(case, counted or (purpose,), limit, len(photos))
            rows = []
            for data, content_type in photos:
                row = Attachment(case=case, event=event, purpose=purpose, content_type=content_type)
                row.file.save(f"{secrets.token_hex(16)}.jpg", ContentFile(data), save=False)
                written.append(row.file.name)
                row.save(force_insert=True)
                rows.append(row)
    except BaseException:
        for name in written:
            Attachment.file.field.storage.delete(name)
        raise
    return rows


def photo_response(case, photo_id, *, purposes=None) -> FileResponse:
    """Stream a photo of ``case`` (of ``purposes`` only, when given) to someone the caller has
    already allowed to see the case; 404 for anything else."""
    photos = Attachment.objects.filter(case=case, pk=photo_id)
    if purposes is not None:
        photos = photos.filter(purpose__in=purposes)
    photo = photos.first()
    if photo is None:
        raise Http404
    try:
        stream = photo.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(stream, content_type=photo.content_type, filename=f"{case.number}-{photo.pk}.jpg")
    response["X-Content-Type-Options"] = "nosniff"
    # Served behind a login or a private link: no shared cache may keep it.
    response["Cache-Control"] = "private, max-age=3600"
    return response
