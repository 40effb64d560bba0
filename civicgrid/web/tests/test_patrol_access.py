"""Who may open the patrol pages: grid workers only, and each only for their own grid."""

import pytest
from django.urls import reverse

from civicgrid.cases import actions as A
from civicgrid.cases.models import Case
from civicgrid.testing import make_category

# A point inside grid A2 (gwen patrols A1 only).
POINT_A2 = {"lat": 39.105, "lon": 117.215, "crs": "gcj02"}


@pytest.fixture(autouse=True)
def _english(client):
    # The pages are checked in their English source text (the default language is Chinese).
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def handled_in_a2(personas):
    category = make_category()
    case, _ = A.do_report_case(acting_user=None, category=category, description="Broken bench", **POINT_A2)
    A.do_accept_case(case, acting_user=personas.dan)
    A.do_dispatch_case(case, acting_user=personas.dan)
    A.do_sign_case(case, acting_user=personas.carl)
    A.do_handle_case(case, acting_user=personas.carl, result="Bench repaired")
    return case


PAGES = ["patrol:home", "patrol:report", "patrol:grids_geojson", "patrol:cases_geojson"]


@pytest.mark.django_db
class TestPatrolAccess:
    @pytest.mark.parametrize("name", PAGES)
    def test_it_opens_for_a_grid_worker(self, client, personas, name):
        client.force_login(personas.gwen)
        assert client.get(reverse(name)).status_code == 200

    @pytest.mark.parametrize("name", PAGES)
    def test_it_refuses_other_staff_with_the_403_page(self, client, personas, name):
        client.force_login(personas.carl)
        response = client.get(reverse(name))
        assert response.status_code == 403
        assert "web/patrol/forbidden.html" in [t.name for t in response.templates]

    def test_it_refuses_a_resident(self, client, personas):
        client.force_login(personas.rita)
        assert client.get(reverse("patrol:home")).status_code == 403

    def test_it_sends_an_anonymous_visitor_to_sign_in(self, client, small_city):
        response = client.get(reverse("patrol:home"))
        assert response.status_code == 302 and response["Location"].startswith(reverse("login"))

    def test_it_refuses_other_staff_on_the_verify_page(self, client, personas, handled_in_a2):
        client.force_login(personas.carl)
        assert client.get(reverse("patrol:verify", args=[handled_in_a2.pk])).status_code == 403

    def test_it_validates_ownership_of_the_case_to_verify(self, client, personas, handled_in_a2):
        client.force_login(personas.gwen)
        url = reverse("patrol:verify", args=[handled_in_a2.pk])
        assert client.get(url).status_code == 404
        response = client.post(url, {"decision": "fail", "expected_version": handled_in_a2.version, "reason": "No"})
        assert response.status_code == 404
        assert Case.objects.get(pk=handled_in_a2.pk).status == "handled"

    def test_it_answers_a_missing_case_like_a_forbidden_one(self, client, personas):
        client.force_login(personas.gwen)
        assert client.get(reverse("patrol:verify", args=[999999])).status_code == 404

    def test_it_validates_ownership_of_photos_and_places(self, client, personas, handled_in_a2):
        client.force_login(personas.gwen)
        assert client.get(reverse("patrol:photo", args=[handled_in_a2.pk, 1])).status_code == 404
        assert client.get(reverse("patrol:case_geojson", args=[handled_in_a2.pk])).status_code == 404

    def test_it_shows_the_patrol_link_to_grid_workers_only(self, client, personas):
        client.force_login(personas.gwen)
        assert reverse("patrol:home") in client.get(reverse("patrol:home")).content.decode()
        client.force_login(personas.carl)
        assert f'href="{reverse("patrol:home")}"' not in client.get(reverse("patrol:home")).content.decode()
