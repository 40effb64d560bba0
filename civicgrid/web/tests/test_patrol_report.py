"""The patrol report: for handling or resolved on the spot, from the device's position or a pin."""

import io
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image

from civicgrid.cases.models import Attachment, Case
from civicgrid.geo import gcj02
from civicgrid.org import access
from civicgrid.org.models import Staff
from civicgrid.testing import POINT_A1, POINT_B1, make_category

POINT_A2 = {"lat": 39.105, "lon": 117.215, "crs": "gcj02"}


@pytest.fixture(autouse=True)
def _english(client):
    # The pages are checked in their English source text (the default language is Chinese).
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def photo(name="bin.jpg"):
    """A small JPEG carrying a GPS position, as a phone writes it."""
    exif = Image.Exif()
    exif[ExifTags.IFD.GPSInfo] = {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (39.0, 6.0, 18.0)}
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 30, 30)).save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def litter(small_city):
    return make_category("E0102", name_en="Litter", on_spot=True)


@pytest.fixture
def manhole(small_city):
    return make_category("E0101", name_en="Manhole cover")


def form_data(category, point=POINT_A1, **kw):
    return {
        **point,
        "category": category.pk,
        "description": "Rubbish dumped next to the bins",
        "mode": "report",
        "idempotency_key": str(uuid.uuid4()),
        **kw,
    }


@pytest.mark.django_db
class TestPatrolReport:
    def test_it_reports_for_handling(self, client, personas, manhole):
        client.force_login(personas.gwen)
        response = client.post(reverse("patrol:report"), form_data(manhole, photo=photo()))
        assert response.status_code == 302 and response["Location"] == reverse("patrol:home")
        case = Case.objects.get()
        assert (case.source, case.status, case.grid_code, case.reporter) == (
            "patrol",
            "reported",
            "120101001001001",
            personas.gwen,
        )
        attachment = Attachment.objects.get(case=case)
        assert attachment.purpose == "report" and attachment.content_type == "image/jpeg"
        with attachment.file.open("rb") as f, Image.open(f) as stored:
            assert not stored.getexif()  # the GPS position of the upload is gone
        page = client.get(response["Location"]).content.decode()
        assert f"Case {case.number} was reported for handling." in page

    def test_it_reports_without_a_photo(self, client, personas, manhole):
        client.force_login(personas.gwen)
        assert client.post(reverse("patrol:report"), form_data(manhole)).status_code == 302
        assert Case.objects.get().attachments.count() == 0

    def test_it_takes_the_devices_position_in_wgs84(self, client, personas, manhole):
        lat, lon = gcj02.gcj02_to_wgs84(POINT_A1["lat"], POINT_A1["lon"])
        client.force_login(personas.gwen)
        response = client.post(reverse("patrol:report"), form_data(manhole, {"lat": lat, "lon": lon, "crs": "wgs84"}))
        assert response.status_code == 302
        case = Case.objects.get()
        assert case.grid_code == "120101001001001"
        assert case.x == pytest.approx(POINT_A1["lon"], abs=1e-5) and case.y == pytest.approx(POINT_A1["lat"], abs=1e-5)

    def test_it_resolves_on_the_spot(self, client, personas, litter):
        client.force_login(personas.gwen)
        data = form_data(litter, mode="on_spot", description="Litter picked up", photo=photo())
        response = client.post(reverse("patrol:report"), data)
        assert response.status_code == 302
        case = Case.objects.get()
        assert case.status == "closed" and case.closed_on_spot and case.source == "patrol"
        assert case.attachments.get().purpose == "report"
        assert "resolved on the spot" in client.get(response["Location"]).content.decode()

    def test_it_requires_a_photo_on_the_spot(self, client, personas, litter):
        client.force_login(personas.gwen)
        response = client.post(reverse("patrol:report"), form_data(litter, mode="on_spot"))
        assert response.status_code == 200 and "photo" in response.context["form"].errors
        assert Case.objects.count() == 0

    def test_it_refuses_on_the_spot_for_a_category_without_it(self, client, personas, manhole):
        client.force_login(personas.gwen)
        response = client.post(reverse("patrol:report"), form_data(manhole, mode="on_spot", photo=photo()))
        assert response.status_code == 200
        assert "cannot be resolved on the spot" in str(response.context["form"].non_field_errors())
        assert Case.objects.count() == 0 and Attachment.objects.count() == 0

    @pytest.mark.parametrize("point", [POINT_A2, POINT_B1], ids=["grid A2", "district B"])
    @pytest.mark.parametrize("mode", ["report", "on_spot"])
    def test_it_refuses_a_point_outside_my_grid(self, client, personas, litter, point, mode):
        client.force_login(personas.gwen)
        response = client.post(reverse("patrol:report"), form_data(litter, point, mode=mode, photo=photo()))
        assert response.status_code == 200
        form = response.context["form"]
        assert form.errors["lat"] == ["This point is outside your grid. Check the location."]
        assert 'role="alert"' in response.content.decode()
        assert Case.objects.count() == 0 and Attachment.objects.count() == 0

    def test_it_refuses_a_point_outside_the_city(self, client, personas, manhole):
        client.force_login(personas.gwen)
        response = client.post(
            reverse("patrol:report"), form_data(manhole, {"lat": 30.0, "lon": 120.0, "crs": "wgs84"})
        )
        assert "outside the service area" in str(response.context["form"].non_field_errors())
        assert Case.objects.count() == 0

    def test_it_refuses_a_file_that_is_not_a_photo(self, client, personas, manhole):
        client.force_login(personas.gwen)
        fake = SimpleUploadedFile("bin.jpg", b"not a picture", content_type="image/jpeg")
        response = client.post(reverse("patrol:report"), form_data(manhole, photo=fake))
        assert "photo" in response.context["form"].errors and Case.objects.count() == 0

    def test_it_files_one_case_when_the_form_is_sent_twice(self, client, personas, manhole):
        client.force_login(personas.gwen)
        data = form_data(manhole)
        client.post(reverse("patrol:report"), data)
        response = client.post(reverse("patrol:report"), data)
        assert response.status_code == 302 and Case.objects.count() == 1
        assert "was already filed" in client.get(response["Location"]).content.decode()

    def test_it_offers_the_categories_of_my_scope_and_marks_on_the_spot_ones(self, client, personas, litter, manhole):
        client.force_login(personas.gwen)
        page = client.get(reverse("patrol:report")).content.decode()
        assert f'value="{litter.pk}" data-on-spot="1"' in page and "Litter (on the spot)" in page
        assert f'value="{manhole.pk}">' in page
        Staff.objects.get(user=personas.gwen).scope_categories.set([litter])
        access.forget(personas.gwen)
        client.force_login(personas.gwen)
        form = client.get(reverse("patrol:report")).context["form"]
        assert list(form.categories) == [litter.pk]
        response = client.post(reverse("patrol:report"), form_data(manhole))
        assert "category" in response.context["form"].errors and Case.objects.count() == 0

    def test_it_says_which_grid_holds_a_point(self, client, personas):
        client.force_login(personas.gwen)
        mine = client.get(reverse("patrol:locate"), POINT_A1).json()
        assert mine["grid"]["code"] == "120101001001001" and mine["mine"] is True
        assert (mine["x"], mine["y"]) == (POINT_A1["lon"], POINT_A1["lat"])
        assert client.get(reverse("patrol:locate"), POINT_A2).json()["mine"] is False
        assert client.get(reverse("patrol:locate"), {"lat": 30, "lon": 120}).status_code == 404
        assert client.get(reverse("patrol:locate"), {"lat": "x"}).status_code == 400

    def test_it_reads_the_form_in_a_bounded_number_of_queries(
        self, client, personas, litter, manhole, django_assert_max_num_queries
    ):
        for code in ("E0103", "E0104", "E0105"):
            make_category(code)
        client.force_login(personas.gwen)
        # The signed-in user (2), the worker's access (4) and the categories in one query.
        with django_assert_max_num_queries(7):
            assert client.get(reverse("patrol:report")).status_code == 200
