import pytest

from civicgrid.open311.tests.support import BASE, both

pytestmark = [pytest.mark.urls("civicgrid.open311.test_urls"), pytest.mark.django_db]


def test_it_describes_the_endpoint_in_both_formats(client):
    data, status = both(client, "discovery", "discovery")
    assert status == 200
    assert set(data) == {"changeset", "contact", "key_service", "endpoints"}
    assert data["contact"] and data["key_service"]
    [endpoint] = data["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == f"http://testserver{BASE}"
    assert endpoint["formats"] == ["text/xml", "application/json"]
    assert endpoint["type"] in ("production", "test")
    assert endpoint["changeset"] == data["changeset"]


def test_it_says_test_or_production_from_debug(client, settings):
    settings.DEBUG = False
    assert client.get(f"{BASE}/discovery.json").json()["endpoints"][0]["type"] == "production"
    settings.DEBUG = True
    assert client.get(f"{BASE}/discovery.json").json()["endpoints"][0]["type"] == "test"
