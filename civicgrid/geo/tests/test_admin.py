import pytest


@pytest.mark.django_db
class TestRegionAdmin:
    def test_it_shows_the_region_with_its_map(self, client, small_city, django_user_model):
        admin = django_user_model.objects.create_superuser("root", password="pw-root")
        client.force_login(admin)
        page = client.get(f"/admin/geo/region/{small_city.street_a.pk}/change/")
        assert page.status_code == 200
        body = page.content.decode()
        assert "<svg" in body and body.count("<path") >= 2  # the street and its community
        assert client.get("/admin/geo/region/?level=grid").status_code == 200

    def test_it_refuses_deleting_regions(self, client, small_city, django_user_model):
        client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
        assert client.get(f"/admin/geo/region/{small_city.grid_a1.pk}/delete/").status_code == 403

    def test_it_keeps_anonymous_users_out(self, client, small_city):
        assert client.get("/admin/geo/region/").status_code == 302
