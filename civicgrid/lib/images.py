"""Cleaning an uploaded photo before it is stored: ``clean_photo(uploaded_file)``.

A photo from a resident's phone carries more than the picture: the GPS position where it was
taken (often the reporter's home), the device, the time, an owner name or a comment. CivicGrid
keeps the picture only. The upload is recognised by its content, never by its file name or
declared type: Pillow must open it as JPEG, PNG or WebP and decode it fully. It is then turned
upright (EXIF orientation), converted to sRGB, scaled so that its longer side is at most
``MAX_SIDE`` pixels and encoded afresh as a JPEG from the pixels alone, so that no EXIF (GPS
included), XMP, ICC profile or comment of the upload survives.

Limits: ``settings.MAX_PHOTO_BYTES`` (8 MB by default) on the upload, and ``MAX_PIXELS`` on the
picture's dimensions, checked from the header before anything is decoded (a small file can
declare a huge picture: a decompression bomb).
"""

import io

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageCms, ImageOps

DEFAULT_MAX_BYTES = 8 * 1024 * 1024
# 50 megapixels: what current phone cameras take at full resolution.
MAX_PIXELS = 50_000_000
MAX_SIDE = 1600
JPEG_QUALITY = 85
CONTENT_TYPE = "image/jpeg"
# The decoders tried on an upload, and the formats they may report: the JPEG decoder reports MPO
# for the multi-picture JPEGs some phones write (their first picture is a plain JPEG).
FORMATS = ("JPEG", "PNG", "WEBP")
ACCEPTED = frozenset({*FORMATS, "MPO"})
WHITE = (255, 255, 255)


class InvalidPhoto(ValueError):
    """The upload is not a photo we accept; the message says why, for the person who sent it."""


class PhotoTooLarge(InvalidPhoto):
    """The upload is over the size limit (HTTP 413)."""


def max_photo_bytes() -> int:
    return getattr(settings, "MAX_PHOTO_BYTES", DEFAULT_MAX_BYTES)


def clean_photo(uploaded_file) -> tuple[bytes, str]:
    """``(jpeg_bytes, "image/jpeg")``: the picture of ``uploaded_file`` without any metadata.

    ``uploaded_file`` is a Django ``UploadedFile`` or any binary file object. Raises
    ``PhotoTooLarge`` or ``InvalidPhoto`` (both ``ValueError``) with a translated message; it
    reads the upload and nothing else."""
    data = _read(uploaded_file, max_photo_bytes())
    image = _decode(data)
    image = _upright(image)
    image = _to_srgb(image)
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    # A new image holds the pixels and nothing else: no EXIF, XMP, ICC profile or comment can
    # travel along (Pillow's JPEG writer would otherwise copy a comment from the source).
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    out = io.BytesIO()
    clean.save(out, format="JPEG", quality=JPEG_QUALITY, optimize=True)
    return out.getvalue(), CONTENT_TYPE


def _read(uploaded_file, limit: int) -> bytes:
    too_large = _("The photo is too large (at most %(size)s).") % {"size": filesizeformat(limit)}
    size = getattr(uploaded_file, "size", None)
    if size is not None and size > limit:
        raise PhotoTooLarge(too_large)
    if hasattr(uploaded_file, "seek"):
        uploaded_file.seek(0)
    data = uploaded_file.read(limit + 1)
    if len(data) > limit:
        raise PhotoTooLarge(too_large)
    if not data:
        raise InvalidPhoto(_("The photo is empty."))
    return data


def _decode(data: bytes) -> Image.Image:
    """The first picture of ``data``, fully decoded; InvalidPhoto unless it is a sound JPEG, PNG
    or WebP of at most MAX_PIXELS."""
    not_a_photo = _("This file is not a photo in JPEG, PNG or WebP format, or it is damaged.")
    too_many_pixels = _("The photo has too many pixels (at most %(n)s megapixels).") % {"n": MAX_PIXELS // 1_000_000}
    try:
        # Opening reads the header only; Pillow itself refuses a picture of over twice its own
        # bomb limit here.
        with Image.open(io.BytesIO(data), formats=FORMATS) as probe:
            if probe.format not in ACCEPTED:
                raise InvalidPhoto(not_a_photo)
            width, height = probe.size
            if width < 1 or height < 1:
                raise InvalidPhoto(not_a_photo)
            if width * height > MAX_PIXELS:
                raise InvalidPhoto(too_many_pixels)
            probe.verify()  # checksums where the format has them (PNG)
        # verify() leaves the image unusable: open again and decode every pixel, which is what
        # finds a truncated or corrupt JPEG or WebP.
        image = Image.open(io.BytesIO(data), formats=FORMATS)
        if image.format in ("JPEG", "MPO"):
            # Let the JPEG decoder scale down by 1/2, 1/4 or 1/8 while decoding when the
            # picture is much larger than what is kept: less memory, same result.
            image.draft("RGB", (MAX_SIDE, MAX_SIDE))
        image.load()
    except InvalidPhoto:
        raise
    except Image.DecompressionBombError as e:
        raise InvalidPhoto(too_many_pixels) from e
    except Exception as e:
        # Pillow reports damaged or hostile input with many kinds of errors (OSError,
        # SyntaxError, ValueError, struct.error, EOFError...): all mean "not a photo we can use".
        raise InvalidPhoto(not_a_photo) from e
    return image


def _upright(image: Image.Image) -> Image.Image:
    """The picture turned as its EXIF orientation says (phones store it sideways)."""
    try:
        return ImageOps.exif_transpose(image)
    except Exception:
        # Unreadable EXIF costs only the orientation: the metadata is dropped anyway.
        return image


def _to_srgb(image: Image.Image) -> Image.Image:
    """An RGB picture in sRGB: colours converted from an embedded ICC profile (which is then
    dropped), transparency flattened onto white, 16-bit grey scaled to 8 bits."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("RGB", "CMYK"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, source, ImageCms.createProfile("sRGB"), outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # a broken profile: plain conversion below
    if image.mode.startswith("I;16") or image.mode == "I":
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, WHITE)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")
