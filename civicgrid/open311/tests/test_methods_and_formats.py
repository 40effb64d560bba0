import pytest

from civicgrid.open311.tests.support import BASE, parse_json, parse_xml

pytestmark = [pytest.mark.urls("civicgrid.open311.test_urls"), pytest.mark.django_db]

READ_ONLY = ["discovery", "services", "services/E0102", "requests/2611290000ZZZZ", "tokens/1"]


@pytest.mark.parametrize("path", READ_ONLY)
@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_it_answers_405_to_writes_on_read_only_resources(client, category, path, method):
    r = getattr(client, method)(f"{BASE}/{path}.json?locale=en")
    assert r.status_code == 405
    assert r["Allow"] == "GET, HEAD"
    assert parse_json(r) == [{"code": 405, "description": f"Method {method.upper()} is not allowed here."}]


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_it_answers_405_in_xml_too(client, city, method):
    r = getattr(client, method)(f"{BASE}/requests.xml")
    assert r.status_code == 405
    assert r["Allow"] == "GET, HEAD, POST"
    assert [e["code"] for e in parse_xml(r, "errors")] == ["405"]


def test_it_answers_head_like_get(client, category):
    r = client.head(f"{BASE}/services.xml")
    assert r.status_code == 200
    assert r["Content-Type"] == "text/xml; charset=utf-8"


@pytest.mark.parametrize("path", ["services.html", "requests.csv", "services/E0102.rss", "discovery.yaml"])
def test_it_answers_404_in_xml_for_an_unknown_format(client, category, path):
    r = client.get(f"{BASE}/{path}?locale=en")
    assert r.status_code == 404
    [e] = parse_xml(r, "errors")
    assert e["code"] == "404"
    assert e["description"].endswith("use json or xml.")


def test_it_needs_no_csrf_token_for_a_post(category, api_key):
    from django.test import Client

    r = Client(enforce_csrf_checks=True).post(f"{BASE}/requests.json", {"api_key": api_key.key})
    assert r.status_code == 400  # past the CSRF check and the key, stopped by the missing fields
