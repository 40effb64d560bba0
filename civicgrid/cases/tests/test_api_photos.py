"""Photos in the JSON API: the reporter adds theirs through the tracking link, staff add evidence
and verification photos; every photo is stored re-encoded without metadata, all of a request or
none, and served only to those who may see the case."""

import io
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import ExifTags, Image

from civicgrid.cases import actions as A
from civicgrid.cases.models import Attachment, Case

A1 = {"lat": 39.105, "lon": 117.205, "crs": "gcj02"}
GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (39.0, 6.0, 18.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (117.0, 12.0, 18.0),
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def stored_files(media) -> list:
    return [p for p in media.rglob("*") if p.is_file()]


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def phone_jpeg(name="IMG_0001.jpg") -> SimpleUploadedFile:
    """A JPEG as a phone writes it, with the camera and the GPS position in its EXIF."""
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "PhoneCo"
    exif[ExifTags.IFD.GPSInfo] = GPS
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 30, 30)).save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png(name="screen.png") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGBA", (32, 32), (0, 128, 0, 255)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/png")


def text_as_jpg() -> SimpleUploadedFile:
    return SimpleUploadedFile("photo.jpg", b"The lamp at the corner is out.", content_type="image/jpeg")


@pytest.fixture
def reported(client, category):
    """(case, token): reported anonymously in grid A1 through the API."""
    body = {"category": "T0101", "description": "Broken lamp", **A1}
    r = client.post("/api/v1/cases", body, content_type="application/json")
    assert r.status_code == 201
    return Case.objects.get(number=r.json()["number"]), r.json()["tracking_token"]


@pytest.fixture
def dispatched(reported, personas):
    """The reported case, accepted and dispatched to Org A (Carl's unit)."""
    case, _token = reported
    A.do_accept_case(case, acting_user=personas.dan)
    A.do_dispatch_case(case, acting_user=personas.dan, unit=personas.org_a)
    return case


def add(client, case, *files, purpose="evidence"):
    return client.post(f"/api/v1/cases/{case.pk}/photos", {"purpose": purpose, "files": list(files)})


def add_by_link(client, token, *files):
    return client.post(f"/api/v1/track/{token}/photos", {"files": list(files)})


@pytest.mark.django_db
class TestStaffPhotos:
    def test_it_stores_the_handlers_evidence_without_exif(self, dispatched, personas, media):
        r = add(logged_in(personas.carl), dispatched, phone_jpeg())

        assert r.status_code == 201, r.content
        (item,) = r.json()["items"]
        photo = Attachment.objects.get()
        assert (photo.case_id, photo.purpose, photo.content_type) == (dispatched.pk, "evidence", "image/jpeg")
        assert item["url"] == f"/api/v1/cases/{dispatched.pk}/photos/{photo.pk}"
        data = photo.file.read()
        image = Image.open(io.BytesIO(data))
        assert image.format == "JPEG" and image.size == (64, 48)
        assert len(image.getexif()) == 0 and "exif" not in image.info
        assert b"PhoneCo" not in data and b"Exif" not in data
        assert "IMG_0001" not in photo.file.name  # the client's file name is not kept
        assert stored_files(media) == [media / photo.file.name]

    def test_it_lets_the_grid_worker_and_the_dispatcher_add_verification_photos(self, dispatched, personas):
        assert add(logged_in(personas.gwen), dispatched, png(), purpose="verification").status_code == 201
        assert add(logged_in(personas.dan), dispatched, png(), purpose="verification").status_code == 201

        assert list(Attachment.objects.values_list("purpose", flat=True)) == ["verification"] * 2

    @pytest.mark.parametrize(
        ("persona", "purpose"), [("dan", "evidence"), ("carl", "verification"), ("sara", "evidence")]
    )
    def test_it_refuses_a_purpose_outside_the_users_role(self, dispatched, personas, media, persona, purpose):
        r = add(logged_in(getattr(personas, persona)), dispatched, png(), purpose=purpose)

        assert r.status_code == 403 and r.json()["message"]
        assert not Attachment.objects.exists() and not stored_files(media)

    def test_it_validates_ownership(self, dispatched, personas, media):
        olga = logged_in(personas.olga)

        r = add(olga, dispatched, png())

        assert r.status_code == 404 and r.json() == {"message": "Not found."}
        assert not Attachment.objects.exists() and not stored_files(media)

    def test_it_converts_a_png_to_jpeg(self, dispatched, personas):
        r = add(logged_in(personas.carl), dispatched, png())

        assert r.status_code == 201
        photo = Attachment.objects.get()
        assert photo.content_type == "image/jpeg" and photo.file.name.endswith(".jpg")
        assert Image.open(photo.file).format == "JPEG"

    def test_it_refuses_a_text_file_named_jpg(self, dispatched, personas, media):
        r = add(logged_in(personas.carl), dispatched, text_as_jpg())

        assert r.status_code == 400
        assert "not a photo" in r.json()["message"]
        assert not Attachment.objects.exists() and not stored_files(media)

    def test_it_refuses_a_file_over_the_size_limit_with_413(self, dispatched, personas, media, settings):
        settings.MAX_PHOTO_BYTES = 200
        r = add(logged_in(personas.carl), dispatched, phone_jpeg())

        assert r.status_code == 413
        assert "too large" in r.json()["message"]
        assert not Attachment.objects.exists() and not stored_files(media)

    def test_it_refuses_more_than_3_photos_in_one_request(self, dispatched, personas, media):
        r = add(logged_in(personas.carl), dispatched, png("1.png"), png("2.png"), png("3.png"), png("4.png"))

        assert r.status_code == 400 and "at most 3" in r.json()["message"]
        assert not Attachment.objects.exists() and not stored_files(media)

    def test_it_refuses_a_request_without_photos(self, dispatched, personas):
        r = logged_in(personas.carl).post(f"/api/v1/cases/{dispatched.pk}/photos", {"purpose": "evidence"})

        assert r.status_code == 422

    def test_it_keeps_at_most_9_staff_photos_per_case(self, dispatched, personas, media):
        carl = logged_in(personas.carl)
        for _request in range(3):
            assert add(carl, dispatched, png(), png(), png()).status_code == 201

        r = add(logged_in(personas.gwen), dispatched, png(), purpose="verification")

        assert r.status_code == 400 and "At most 9" in r.json()["message"]
        assert Attachment.objects.count() == 9 and len(stored_files(media)) == 9

    def test_it_stores_nothing_when_one_photo_of_the_request_is_bad(self, dispatched, personas, media):
        r = add(logged_in(personas.carl), dispatched, png(), phone_jpeg(), text_as_jpg())

        assert r.status_code == 400
        assert not Attachment.objects.exists() and not stored_files(media)

    def test_it_removes_the_files_already_written_when_saving_fails(self, dispatched, personas, media):
        real_save = Attachment.save
        calls = []

        def failing_second_save(self, *args, **kwargs):
            calls.append(self)
            if len(calls) == 2:
                raise RuntimeError("database went away")
            return real_save(self, *args, **kwargs)

        with mock.patch.object(Attachment, "save", failing_second_save), pytest.raises(RuntimeError):
            add(logged_in(personas.carl), dispatched, png(), png())

        assert not Attachment.objects.exists() and not stored_files(media)

    def test_it_needs_a_staff_member(self, dispatched, personas):
        assert add(Client(), dispatched, png()).status_code == 401
        assert add(logged_in(personas.rita), dispatched, png()).status_code == 403
        assert not Attachment.objects.exists()


@pytest.mark.django_db
class TestReporterPhotos:
    def test_it_stores_the_reporters_photos_through_the_link(self, client, reported, media):
        case, token = reported

        r = add_by_link(client, token, phone_jpeg(), png())

        assert r.status_code == 201, r.content
        photos = list(Attachment.objects.order_by("pk"))
        assert [(p.case_id, p.purpose) for p in photos] == [(case.pk, "report")] * 2
        assert [i["url"] for i in r.json()["items"]] == [f"/api/v1/track/{token}/photos/{p.pk}" for p in photos]
        assert all(b"PhoneCo" not in p.file.read() for p in photos)

    def test_it_keeps_at_most_3_report_photos(self, client, reported, media):
        _case, token = reported
        assert add_by_link(client, token, png(), png()).status_code == 201

        r = add_by_link(client, token, png(), png())

        assert r.status_code == 400 and "At most 3" in r.json()["message"]
        assert Attachment.objects.count() == 2 and len(stored_files(media)) == 2

    def test_it_refuses_more_than_3_photos_in_one_request(self, client, reported, media):
        _case, token = reported

        r = add_by_link(client, token, png(), png(), png(), png())

        assert r.status_code == 400 and "at most 3 photos at a time" in r.json()["message"]
        assert not Attachment.objects.exists() and not stored_files(media)

    def test_it_refuses_a_text_file_and_writes_nothing(self, client, reported, media):
        _case, token = reported

        r = add_by_link(client, token, text_as_jpg())

        assert r.status_code == 400 and r.json()["message"]
        assert not Attachment.objects.exists() and not stored_files(media)

    def test_it_answers_404_for_an_unknown_link(self, client, reported, media):
        r = add_by_link(client, "not-the-token", png())

        assert r.status_code == 404
        assert not Attachment.objects.exists() and not stored_files(media)


@pytest.mark.django_db
class TestServingPhotos:
    @pytest.fixture
    def photo(self, client, reported) -> Attachment:
        _case, token = reported
        assert add_by_link(client, token, phone_jpeg()).status_code == 201
        return Attachment.objects.get()

    def test_it_serves_the_photo_to_staff_who_see_the_case(self, reported, photo, personas):
        case, _token = reported

        r = logged_in(personas.sara).get(f"/api/v1/cases/{case.pk}/photos/{photo.pk}")

        assert r.status_code == 200
        assert r["Content-Type"] == "image/jpeg" and r["X-Content-Type-Options"] == "nosniff"
        assert r["Cache-Control"].startswith("private")
        assert r["Content-Disposition"] == f'inline; filename="{case.number}-{photo.pk}.jpg"'
        photo.file.seek(0)
        assert b"".join(r.streaming_content) == photo.file.read()

    def test_it_serves_the_photo_through_the_link(self, client, reported, photo):
        _case, token = reported

        r = client.get(f"/api/v1/track/{token}/photos/{photo.pk}")

        assert r.status_code == 200 and r["Content-Type"] == "image/jpeg"
        assert Image.open(io.BytesIO(b"".join(r.streaming_content))).format == "JPEG"

    def test_it_answers_404_to_those_who_may_not_see_the_case(self, client, reported, photo, personas, category):
        case, _token = reported
        url = f"/api/v1/cases/{case.pk}/photos/{photo.pk}"
        assert logged_in(personas.olga).get(url).json() == {"message": "Not found."}
        assert logged_in(personas.olga).get(url).status_code == 404
        assert client.get(f"/api/v1/track/wrong-token/photos/{photo.pk}").status_code == 404
        # The photo of one case is not served under another's id or link.
        other = client.post(
            "/api/v1/cases", {"category": "T0101", "description": "Other", **A1}, content_type="application/json"
        ).json()
        other_case = Case.objects.get(number=other["number"])
        assert logged_in(personas.dan).get(f"/api/v1/cases/{other_case.pk}/photos/{photo.pk}").status_code == 404
        assert client.get(f"/api/v1/track/{other['tracking_token']}/photos/{photo.pk}").status_code == 404

    def test_it_lists_the_photos_with_the_case(self, client, reported, photo, personas):
        case, token = reported

        staff = logged_in(personas.dan).get(f"/api/v1/cases/{case.pk}").json()["photos"]
        resident = client.get(f"/api/v1/track/{token}").json()["photos"]

        assert [(p["id"], p["purpose"], p["url"]) for p in staff] == [
            (photo.pk, "report", f"/api/v1/cases/{case.pk}/photos/{photo.pk}")
        ]
        assert [p["url"] for p in resident] == [f"/api/v1/track/{token}/photos/{photo.pk}"]
