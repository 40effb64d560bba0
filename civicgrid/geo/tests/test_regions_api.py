import pytest


@pytest.mark.django_db
class TestRegionsApi:
    def test_it_returns_the_districts_of_the_city_by_default(self, client, small_city):
        data = client.get("/api/v1/regions").json()
        assert data["type"] == "FeatureCollection"
        assert [f["properties"]["code"] for f in data["features"]] == ["120101", "120102"]
        first = data["features"][0]
        assert first["geometry"]["type"] == "Polygon" and first["properties"]["name_en"] == "District A"

    def test_it_returns_the_children_of_a_region(self, client, small_city):
        data = client.get("/api/v1/regions?parent=120101001001").json()
        assert [f["properties"]["code"] for f in data["features"]] == ["120101001001001", "120101001001002"]

    def test_it_has_no_children_below_grids(self, client, small_city):
        assert client.get("/api/v1/regions?parent=120101001001001").json()["features"] == []

    @pytest.mark.parametrize("parent", ["999999", "abc", "1201019"])
    def test_it_answers_404_for_an_unknown_region(self, client, small_city, parent):
        response = client.get(f"/api/v1/regions?parent={parent}")
        assert response.status_code == 404 and response.json()["message"]

    def test_it_sees_a_changed_region_tree(self, client, small_city):
        assert len(client.get("/api/v1/regions?parent=120101001").json()["features"]) == 1
        moved = small_city.community_b  # an edit in place: same count, same ids
        moved.parent, moved.code = small_city.street_a, "120101001002"
        moved.save()
        assert len(client.get("/api/v1/regions?parent=120101001").json()["features"]) == 2
