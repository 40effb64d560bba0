"""Uploads to the tip line stay in memory: Django's default handlers write a large upload to a
temporary file, which would put a tip's photo on disk in clear before it is encrypted.

A view that accepts tip photos installs ``memory_only(request)`` before anything reads the
body (so it must be ``csrf_exempt`` and apply ``csrf_protect`` itself, as Django's
documentation on upload handlers explains), and refuses a body over ``max_body_bytes()``.
"""

from django.conf import settings
from django.core.files.uploadhandler import MemoryFileUploadHandler

from civicgrid.lib import images

# Text fields and multipart overhead on top of the photos.
OVERHEAD = 256 * 1024


def max_body_bytes(photos: int = 3) -> int:
    return photos * images.max_photo_bytes() + OVERHEAD


class TipMemoryUploadHandler(MemoryFileUploadHandler):
    """Keeps every uploaded file of the request in memory, up to ``max_body_bytes()``."""

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The stock handler keeps files in memory only below FILE_UPLOAD_MAX_MEMORY_SIZE.
        self.activated = content_length <= max(max_body_bytes(), settings.FILE_UPLOAD_MAX_MEMORY_SIZE)


def memory_only(request) -> None:
    request.upload_handlers = [TipMemoryUploadHandler(request)]


def body_too_large(request) -> bool:
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return True
    return length > max_body_bytes()
