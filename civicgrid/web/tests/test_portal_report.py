"""The resident's report form: what it offers, what it refuses, and filing exactly once."""

import io
import re
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from civicgrid.cases.models import Attachment, Case
from civicgrid.categories.models import Category
from civicgrid.geo import gcj02
from civicgrid.testing import POINT_A1, make_category

URL = "/report/"


@pytest.fixture(autouse=True)
def _english(client, settings, tmp_path):
    # Pages are checked in their English source text (the default language is Chinese).
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def category(small_city):
    return make_category("E0101", name_en="Litter")


def form(kind, **changes):
    data = {
        "category": kind.pk,
        "lat": POINT_A1["lat"],
        "lon": POINT_A1["lon"],
        "crs": "gcj02",
        "description": "Rubbish bags left by the bus stop",
        "address": "",
        "contact": "",
        "idempotency_key": str(uuid.uuid4()),
        "duplicates_checked": "True",
    }
    data.update(changes)
    return data


def jpeg_with_gps() -> bytes:
    """A JPEG whose EXIF says where it was taken (GPS IFD) and who took it."""
    image = Image.new("RGB", (40, 30), (200, 40, 40))
    exif = Image.Exif()
    exif[0x013B] = "Rita Resident"  # Artist
    exif[0x8825] = {1: "N", 2: (39.0, 6.0, 18.0), 3: "E", 4: (117.0, 12.0, 18.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def errors(response) -> str:
    """The text of the form's error summary."""
    html = response.content.decode()
    match = re.search(r'<div class="portal-alert error" role="alert">(.*?)</div>', html, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)) if match else ""


@pytest.mark.django_db
class TestForm:
    def test_it_offers_public_problem_categories_grouped_by_class(self, client, category):
        make_category("E0102", name_en="Graffiti")
        Category.objects.create(
            code="E0103", parent=category.parent, kind="event", name_zh="内部", name_en="Staff only", public=False
        )
        Category.objects.create(
            code="E0104", parent=category.parent, kind="event", name_zh="停用", name_en="Retired", active=False
        )
        dispute = Category.objects.create(code="D01", kind="dispute", name_zh="纠纷", name_en="Disputes")
        Category.objects.create(code="D0101", parent=dispute, kind="dispute", name_zh="邻里", name_en="Neighbours")
        r = client.get(URL)
        assert r.status_code == 200
        html = r.content.decode()
        assert '<optgroup label="City appearance">' in html
        assert f'<option value="{category.pk}">Litter</option>' in html
        assert ">Graffiti</option>" in html
        for hidden in ("Staff only", "Retired", "Neighbours", "Disputes"):
            assert hidden not in html
        # The shared map picks the pin into the coordinate inputs; the form carries its own key.
        assert 'data-pick="id_lat,id_lon"' in html
        assert re.search(r'name="idempotency_key" value="[0-9a-f-]{36}"', html)
        assert "shown publicly on the map" in html
        assert "Let the handling unit see my contact" in html

    def test_it_gives_each_page_its_own_key(self, client, category):
        keys = {re.search(r'name="idempotency_key" value="([^"]+)"', client.get(URL).content.decode())[1] for _ in "ab"}
        assert len(keys) == 2


@pytest.mark.django_db
class TestRefusals:
    def test_it_needs_a_category(self, client, category):
        r = client.post(URL, form(category, category=""))
        assert r.status_code == 200 and "Choose what is wrong." in errors(r)
        assert not Case.objects.exists()

    def test_it_refuses_an_unknown_or_non_public_category(self, client, category):
        staff_only = Category.objects.create(
            code="E0109", parent=category.parent, kind="event", name_zh="内部", name_en="Staff only", public=False
        )
        for value in (staff_only.pk, 999999, "x"):
            r = client.post(URL, form(category, category=value))
            assert "Kind of problem" in errors(r)
        assert not Case.objects.exists()

    def test_it_needs_a_point(self, client, category):
        for missing in ({"lat": "", "lon": ""}, {"lat": ""}, {"lon": ""}):
            r = client.post(URL, form(category, **missing))
            assert "Put a pin on the map" in errors(r)
        assert not Case.objects.exists()

    def test_it_refuses_a_point_outside_the_city(self, client, category):
        r = client.post(URL, form(category, lat=31.23, lon=121.47))
        assert "outside the service area" in errors(r)
        assert not Case.objects.exists()

    def test_it_refuses_bad_coordinates(self, client, category):
        for bad in ({"lat": "north"}, {"lat": "91"}, {"lon": "-181"}, {"crs": "bd09"}):
            r = client.post(URL, form(category, **bad))
            assert errors(r), bad
        assert not Case.objects.exists()

    def test_it_refuses_too_long_text(self, client, category):
        too_long = {"description": "x" * 2001, "address": "x" * 301, "contact": "1" * 121}
        for field, value in too_long.items():
            r = client.post(URL, form(category, **{field: value}))
            assert "Ensure this value has at most" in errors(r), field
        r = client.post(URL, form(category, description="   "))
        assert "Describe the problem." in errors(r)
        assert not Case.objects.exists()

    def test_it_refuses_a_form_without_its_key(self, client, category):
        r = client.post(URL, form(category, idempotency_key=""))
        assert r.status_code == 200 and errors(r)
        assert not Case.objects.exists()

    def test_it_keeps_what_was_typed(self, client, category):
        r = client.post(URL, form(category, lat="", description="Broken bench", contact="rita@example.org"))
        html = r.content.decode()
        assert "Broken bench</textarea>" in html and 'value="rita@example.org"' in html


@pytest.mark.django_db
class TestFiling:
    def test_it_files_the_report_and_shows_the_receipt(self, client, category):
        data = form(category, address="Bus stop, Nanjing Road", contact="13812345678", contact_shared="on")
        r = client.post(URL, data)
        case = Case.objects.get()
        assert r.status_code == 302 and r["Location"] == f"/report/receipt/{case.tracking_token}/"
        assert (case.source, case.status, case.category) == ("web", "reported", category)
        assert case.grid_code == "120101001001001"
        assert (case.x, case.y) == (POINT_A1["lon"], POINT_A1["lat"])
        assert (case.description, case.address) == ("Rubbish bags left by the bus stop", "Bus stop, Nanjing Road")
        assert (case.contact, case.contact_shared, case.reporter) == ("13812345678", True, None)
        assert case.idempotency_key == f"portal:{data['idempotency_key']}"
        receipt = client.get(r["Location"])
        html = receipt.content.decode()
        assert receipt.status_code == 200
        assert case.number in html and f"http://testserver/track/{case.tracking_token}/" in html
        assert "Keep this link" in html
        assert "13812345678" not in html

    def test_it_files_once_when_the_form_is_sent_twice(self, client, category):
        data = form(category)
        first = client.post(URL, data)
        again = client.post(URL, data)
        assert Case.objects.count() == 1
        assert first.status_code == again.status_code == 302 and first["Location"] == again["Location"]
        assert Case.objects.get().events.count() == 1

    def test_it_refuses_a_sent_form_reused_for_another_report(self, client, category):
        data = form(category)
        client.post(URL, data)
        r = client.post(URL, {**data, "description": "Something else entirely"})
        assert r.status_code == 200 and "already used to file another report" in errors(r)
        assert Case.objects.count() == 1

    def test_it_converts_a_device_position(self, client, category):
        lat, lon = gcj02.gcj02_to_wgs84(POINT_A1["lat"], POINT_A1["lon"])
        r = client.post(URL, form(category, lat=f"{lat:.8f}", lon=f"{lon:.8f}", crs="wgs84"))
        assert r.status_code == 302
        case = Case.objects.get()
        assert case.grid_code == "120101001001001"
        assert case.x == pytest.approx(POINT_A1["lon"], abs=1e-7) and case.y == pytest.approx(POINT_A1["lat"], abs=1e-7)

    def test_it_files_anonymously_without_consent(self, client, category):
        client.post(URL, form(category, contact_shared="on"))
        case = Case.objects.get()
        assert (case.contact, case.contact_shared, case.reporter) == ("", False, None)

    def test_it_records_a_signed_in_resident_as_the_reporter(self, client, category, personas):
        client.force_login(personas.rita)
        client.post(URL, form(category))
        assert Case.objects.get().reporter == personas.rita

    def test_it_stores_photos_without_their_metadata(self, client, category):
        photos = [SimpleUploadedFile(f"IMG_{i}.jpg", jpeg_with_gps(), content_type="image/jpeg") for i in range(3)]
        r = client.post(URL, {**form(category), "photos": photos})
        assert r.status_code == 302, errors(r)
        case = Case.objects.get()
        stored = list(Attachment.objects.filter(case=case).order_by("pk"))
        assert [(a.purpose, a.content_type) for a in stored] == [("report", "image/jpeg")] * 3
        for a in stored:
            assert "IMG_" not in a.file.name
            with a.file.open("rb") as fh, Image.open(fh) as picture:
                assert picture.format == "JPEG" and picture.size == (40, 30)
                assert not picture.getexif()
        # A resent form does not store them twice.
        again = [SimpleUploadedFile("IMG_9.jpg", jpeg_with_gps(), content_type="image/jpeg")]
        client.post(URL, {**form(category, idempotency_key=case.idempotency_key.split(":")[1]), "photos": again})
        assert Attachment.objects.count() == 3

    def test_it_refuses_more_than_three_photos_or_a_non_photo(self, client, category):
        four = [SimpleUploadedFile(f"{i}.jpg", jpeg_with_gps(), content_type="image/jpeg") for i in range(4)]
        r = client.post(URL, {**form(category), "photos": four})
        assert "Add at most 3 photos." in errors(r)
        fake = SimpleUploadedFile("notes.jpg", b"not a picture at all", content_type="image/jpeg")
        r = client.post(URL, {**form(category), "photos": [fake]})
        assert "notes.jpg: This file is not a photo" in errors(r)
        assert "choose them again" in r.content.decode()
        assert not Case.objects.exists() and not Attachment.objects.exists()


@pytest.mark.django_db
class TestNearbyBeforeFiling:
    """Without the page's script the open reports nearby are shown once, when the form is sent."""

    def test_it_shows_open_reports_nearby_before_filing(self, client, category):
        client.post(URL, form(category, description="Overflowing bin"))
        data = form(category, duplicates_checked="")
        r = client.post(URL, data)
        html = r.content.decode()
        assert r.status_code == 200 and Case.objects.count() == 1
        assert "Is it one of these?" in html and "Overflowing bin" in html
        assert f'formaction="/report/support/{Case.objects.get().number}/"' in html
        assert 'name="duplicates_checked" value="True"' in html
        r = client.post(URL, {**data, "duplicates_checked": "True"})
        assert r.status_code == 302 and Case.objects.count() == 2

    def test_it_files_at_once_when_nothing_is_near(self, client, category):
        r = client.post(URL, form(category, duplicates_checked=""))
        assert r.status_code == 302 and Case.objects.count() == 1

    def test_a_resent_form_is_not_shown_its_own_report(self, client, category):
        data = form(category, duplicates_checked="")
        first = client.post(URL, data)
        again = client.post(URL, data)
        assert again.status_code == 302 and again["Location"] == first["Location"]
        assert Case.objects.count() == 1


@pytest.mark.django_db
def test_it_answers_only_get_and_post(client, category):
    assert client.put(URL).status_code == 405
