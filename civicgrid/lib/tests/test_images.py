"""Cleaning uploaded photos: recognised by content, limited in size and pixels, turned upright,
scaled down and re-encoded as JPEG without any metadata."""

import io
import struct
import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image, ImageCms

from civicgrid.lib import images
from civicgrid.lib.images import InvalidPhoto, PhotoTooLarge, clean_photo

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (39.0, 7.0, 32.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (117.0, 12.0, 3.0),
}


def encode(image: Image.Image, fmt: str, **params) -> bytes:
    out = io.BytesIO()
    image.save(out, format=fmt, **params)
    return out.getvalue()


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def two_colours(size=(40, 20)) -> Image.Image:
    """Left half red, right half blue."""
    image = Image.new("RGB", size, (255, 0, 0))
    image.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return image


def phone_jpeg(orientation=1, size=(40, 20)) -> bytes:
    """A JPEG as a phone writes it: EXIF with the device, the orientation and the GPS position,
    XMP, a comment and an ICC profile."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = GPS
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        two_colours(size),
        "JPEG",
        exif=exif,
        comment=b"Flat 3-201, Rita",
        xmp=b"<x:xmpmeta>Rita Resident</x:xmpmeta>",
        icc_profile=icc,
    )


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def close_to(pixel, colour, tolerance=40) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(pixel, colour, strict=True))


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares ``width`` x ``height`` pixels and holds almost nothing."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00")) + chunk(b"IEND", b"")


class TestWhatIsKept:
    def test_it_drops_exif_gps_xmp_comment_and_icc(self):
        source = phone_jpeg()
        assert opened(source).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test photo does carry GPS

        data, content_type = clean_photo(upload(source))

        assert content_type == "image/jpeg"
        image = opened(data)
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert not {"exif", "xmp", "comment", "icc_profile"} & set(image.info)
        for trace in (b"Exif", b"PhoneCo", b"Rita", b"Flat 3-201", b"xmpmeta", b"ICC_PROFILE"):
            assert trace not in data

    def test_it_turns_the_picture_upright(self):
        # Orientation 6: the camera held sideways; the picture must turn 90° clockwise.
        data, _type = clean_photo(upload(phone_jpeg(orientation=6)))

        image = opened(data)
        assert image.size == (20, 40)
        assert close_to(image.getpixel((10, 5)), (255, 0, 0))  # the left half is now on top
        assert close_to(image.getpixel((10, 35)), (0, 0, 255))

    def test_it_scales_the_longer_side_down_to_1600(self):
        data, _type = clean_photo(upload(encode(two_colours((3200, 1000)), "JPEG")))

        assert opened(data).size == (1600, 500)

    def test_it_keeps_a_small_picture_at_its_size(self):
        data, _type = clean_photo(upload(encode(two_colours((640, 480)), "PNG"), name="x.png"))

        assert opened(data).size == (640, 480)

    def test_it_converts_a_png_with_transparency_onto_white(self):
        image = Image.new("RGBA", (30, 30), (0, 0, 0, 0))
        image.paste((0, 128, 0, 255), (0, 0, 15, 30))
        data, content_type = clean_photo(upload(encode(image, "PNG"), name="x.png", content_type="image/png"))

        result = opened(data)
        assert (result.format, result.mode, content_type) == ("JPEG", "RGB", "image/jpeg")
        assert close_to(result.getpixel((5, 15)), (0, 128, 0))
        assert close_to(result.getpixel((25, 15)), (255, 255, 255))

    @pytest.mark.parametrize(
        ("mode", "fmt"),
        [("RGB", "WEBP"), ("P", "PNG"), ("L", "JPEG"), ("CMYK", "JPEG"), ("I;16", "PNG"), ("LA", "PNG")],
    )
    def test_it_accepts_every_kind_of_picture_it_promises(self, mode, fmt):
        data, _type = clean_photo(upload(encode(Image.new(mode, (24, 16)), fmt)))

        result = opened(data)
        assert (result.format, result.mode, result.size) == ("JPEG", "RGB", (24, 16))

    def test_it_keeps_the_first_picture_of_a_multi_picture_jpeg(self):
        mpo = encode(Image.new("RGB", (30, 20), (255, 0, 0)), "MPO", save_all=True, append_images=[two_colours()])
        assert opened(mpo).format == "MPO"

        data, _type = clean_photo(upload(mpo))

        result = opened(data)
        assert result.size == (30, 20) and close_to(result.getpixel((25, 10)), (255, 0, 0))

    def test_it_reads_the_content_whatever_the_name_and_declared_type(self):
        png = encode(two_colours(), "PNG")

        data, _type = clean_photo(upload(png, name="notes.txt", content_type="text/plain"))

        assert opened(data).format == "JPEG"

    def test_it_accepts_a_plain_file_object(self):
        data, _type = clean_photo(io.BytesIO(phone_jpeg()))

        assert opened(data).size == (40, 20)


class TestWhatIsRefused:
    def test_it_refuses_a_text_file_named_jpg(self):
        with pytest.raises(InvalidPhoto, match="not a photo"):
            clean_photo(upload(b"Dear sir, the street light is broken.", name="photo.jpg"))

    @pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF"])
    def test_it_refuses_other_image_formats(self, fmt):
        with pytest.raises(InvalidPhoto, match="JPEG, PNG or WebP"):
            clean_photo(upload(encode(two_colours(), fmt)))

    def test_it_refuses_a_truncated_jpeg(self):
        data = encode(Image.effect_noise((200, 200), 50).convert("RGB"), "JPEG")

        with pytest.raises(InvalidPhoto, match="damaged"):
            clean_photo(upload(data[: len(data) // 2]))

    def test_it_refuses_a_png_with_a_bad_checksum(self):
        data = bytearray(encode(two_colours(), "PNG"))
        data[-20] ^= 0xFF  # inside the image data, before IEND

        with pytest.raises(InvalidPhoto):
            clean_photo(upload(bytes(data)))

    def test_it_refuses_an_empty_file(self):
        with pytest.raises(InvalidPhoto, match="empty"):
            clean_photo(upload(b""))

    def test_it_refuses_a_file_over_the_size_limit(self, settings):
        settings.MAX_PHOTO_BYTES = 1024
        data = encode(Image.effect_noise((300, 300), 80).convert("RGB"), "JPEG")
        assert len(data) > 1024

        with pytest.raises(PhotoTooLarge, match=r"too large \(at most 1\.0\xa0KB\)"):
            clean_photo(upload(data))
        # Also when the size is not known beforehand: reading stops past the limit.
        with pytest.raises(PhotoTooLarge, match="too large"):
            clean_photo(io.BytesIO(data))

    def test_it_defaults_to_8_megabytes(self, settings):
        del settings.MAX_PHOTO_BYTES
        assert images.max_photo_bytes() == 8 * 1024 * 1024

    def test_it_refuses_a_decompression_bomb_from_its_header(self):
        # 100,000 x 100,000 pixels declared in a file of a few dozen bytes.
        bomb = png_header_only(100_000, 100_000)
        assert len(bomb) < 100

        with pytest.raises(InvalidPhoto, match="too many pixels"):
            clean_photo(upload(bomb))

    def test_it_refuses_a_picture_over_the_pixel_limit(self, monkeypatch):
        monkeypatch.setattr(images, "MAX_PIXELS", 1_000_000)

        with pytest.raises(InvalidPhoto, match="too many pixels"):
            clean_photo(upload(encode(Image.new("RGB", (1001, 1000)), "PNG")))

    def test_every_refusal_is_a_value_error(self):
        assert issubclass(InvalidPhoto, ValueError) and issubclass(PhotoTooLarge, ValueError)
