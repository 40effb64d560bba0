"""Who may open the command centre, and which regions they may choose."""

import pytest
from django.urls import reverse

from civicgrid.org.roles import Role
from civicgrid.testing import make_category, make_staff, make_unit

URLS = ("command:home", "command:tiles", "command:cases_geojson")


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def supervisor_b(personas, small_city):
    """A supervisor in district B's governance centre: district B is their whole scope."""
    centre_b = make_unit("120102-centre", "B区社会治理中心", "centre", "governance_centre", small_city.district_b)
    return make_staff("sam", centre_b, [Role.SUPERVISOR])


@pytest.mark.django_db
class TestWhoMayOpen:
    @pytest.mark.parametrize("name", URLS)
    def test_it_sends_anonymous_visitors_to_sign_in(self, client, small_city, name):
        response = client.get(reverse(name))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))

    @pytest.mark.parametrize("name", URLS)
    def test_it_refuses_a_handler(self, client_for, personas, name):
        assert client_for(personas.carl).get(reverse(name)).status_code == 403

    @pytest.mark.parametrize("name", URLS)
    def test_it_refuses_olga_for_district_a(self, client_for, personas, name):
        assert client_for(personas.olga).get(reverse(name), {"region": "120101"}).status_code == 403

    @pytest.mark.parametrize("username", ["rita", "dan", "gwen"])
    def test_it_refuses_residents_dispatchers_and_grid_workers(self, client_for, personas, username):
        assert client_for(getattr(personas, username)).get(reverse("command:home")).status_code == 403

    def test_it_refuses_a_supervisor_whose_scope_names_categories(self, client_for, personas, small_city):
        category = make_category()
        user = make_staff("cora", personas.centre_a, [Role.SUPERVISOR], categories=[category])
        assert client_for(user).get(reverse("command:home")).status_code == 403

    def test_it_opens_for_an_administrator(self, client_for, small_city, django_user_model):
        admin = django_user_model.objects.create_superuser("root", password="pw-root")
        response = client_for(admin).get(reverse("command:home"))
        assert response.status_code == 200
        assert response.context["region"].code == "120000"


@pytest.mark.django_db
class TestRegionInScope:
    def test_it_shows_sara_her_district_by_default(self, client_for, personas):
        response = client_for(personas.sara).get(reverse("command:home"))
        assert response.status_code == 200
        assert response.context["region"].code == "120101"
        assert response.context["summary"] is not None

    def test_it_shows_city_level_users_the_city(self, client_for, personas):
        response = client_for(personas.audrey).get(reverse("command:home"))
        assert response.context["region"].code == "120000"

    def test_it_lets_sara_open_a_street_of_her_district(self, client_for, personas):
        response = client_for(personas.sara).get(reverse("command:home"), {"region": "120101001"})
        assert response.status_code == 200
        assert response.context["region"].code == "120101001"

    @pytest.mark.parametrize("name", URLS)
    @pytest.mark.parametrize("code", ["120102", "120102001", "120000"])
    def test_it_hides_regions_outside_the_scope(self, client_for, personas, name, code):
        assert client_for(personas.sara).get(reverse(name), {"region": code}).status_code == 404

    @pytest.mark.parametrize("name", URLS)
    def test_it_keeps_another_districts_supervisor_out_of_district_a(self, client_for, supervisor_b, name):
        client = client_for(supervisor_b)
        assert client.get(reverse(name)).status_code == 200
        assert client.get(reverse(name), {"region": "120101"}).status_code == 404

    @pytest.mark.parametrize("code", ["999999", "12010", "abc", "120101001001001001"])
    def test_it_answers_404_for_bad_or_missing_codes(self, client_for, personas, code):
        assert client_for(personas.audrey).get(reverse("command:home"), {"region": code}).status_code == 404

    @pytest.mark.chinese
    def test_it_links_only_breadcrumbs_in_the_scope(self, client_for, personas):
        response = client_for(personas.sara).get(reverse("command:home"), {"region": "120101001"})
        crumbs = response.context["crumbs"]
        assert [c["name"] for c in crumbs] == ["测试市", "A区", "A街道"]
        assert crumbs[0]["url"] is None  # the city is above sara's scope
        assert crumbs[1]["url"].startswith(reverse("command:home") + "?region=120101&")
        assert crumbs[2]["current"] and crumbs[2]["url"] is None

    def test_it_shows_the_same_404_for_missing_and_forbidden(self, client_for, personas):
        client = client_for(personas.sara)
        missing = client.get(reverse("command:home"), {"region": "120109"})
        forbidden = client.get(reverse("command:home"), {"region": "120102"})
        assert missing.status_code == forbidden.status_code == 404
