"""Against a running server: a third-party GeoReport v2 client (``georeport``, read-only) reads
what a POST sent over plain HTTP (``urllib``) created."""

import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest
import requests
from georeport import GeoReport

from civicgrid.cases.models import Case
from civicgrid.categories.models import Category
from civicgrid.open311.tests.support import A1, OUTSIDE

pytestmark = pytest.mark.urls("civicgrid.open311.test_urls")


@pytest.fixture
def root(live_server, city, category):
    Category.objects.create(
        code="E0105",
        parent=category.parent,
        kind="event",
        name_zh="路灯",
        name_en="Street light",
        unit_type="urban_management",
        deadlines={},
        public=True,
    )
    return f"{live_server.url}/open311/v2"


def post(url, fields, headers=None):
    """POST form-encoded ``fields``; (status, body) whatever the status."""
    # The URL is the live test server's own http address.
    request = urllib.request.Request(url, data=urllib.parse.urlencode(fields).encode(), headers=headers or {})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status, response.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def test_a_posted_request_reads_back_through_the_client(root, api_key):
    fields = {
        "api_key": api_key.key,
        "service_code": "E0102",
        "lat": A1[0],
        "long": A1[1],
        "description": "Rubbish piled by the school gate",
        "address_string": "5 Gate Road",
        "email": "ming@example.org",
    }
    status, body = post(f"{root}/requests.xml", fields, {"Idempotency-Key": "live-1"})
    assert status == 201
    created = ET.fromstring(body)  # noqa: S314 - the document our own server wrote
    number = created.findtext("request/service_request_id")
    assert number == Case.objects.get().number

    # The same key again: the same request, nothing new.
    status, again = post(f"{root}/requests.json", fields, {"Idempotency-Key": "live-1"})
    assert status == 200
    assert json.loads(again)[0]["service_request_id"] == number
    assert Case.objects.count() == 1

    for fmt in ("json", "xml"):
        client = GeoReport(root, output_format=fmt)
        request = client.get_service_request(number)
        assert request["service_request_id"] == number
        assert request["status"] == "open"
        assert request["service_code"] == "E0102"
        assert request["description"] == "Rubbish piled by the school gate"
        assert float(request["lat"]) == pytest.approx(A1[0], abs=1e-6)
        assert float(request["long"]) == pytest.approx(A1[1], abs=1e-6)
        assert "ming@example.org" not in str(request)

    listed = GeoReport(root).get_service_requests(service_request_id=number, status="closed")
    assert [r["service_request_id"] for r in listed] == [number]
    assert [r["service_request_id"] for r in GeoReport(root).get_service_requests(status="open")] == [number]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_client_reads_services_and_definitions(root, fmt):
    client = GeoReport(root, output_format=fmt)
    services = client.get_service_list()
    assert [s["service_code"] for s in services] == ["E0102", "E0105"]
    definition = client.get_service_definition("E0105")
    assert definition["service_code"] == "E0105"
    with pytest.raises(requests.HTTPError) as raised:
        client.get_service_definition("X9999")
    assert raised.value.response.status_code == 404


def test_refused_posts_answer_with_open311_errors_and_write_nothing(root, api_key):
    fields = {"api_key": api_key.key, "service_code": "E0102", "description": "Rubbish"}
    status, body = post(f"{root}/requests.xml?locale=en", {**fields, "api_key": "wrong"})
    assert status == 403
    assert ET.fromstring(body).findtext("error/code") == "403"  # noqa: S314 - our own server's document
    status, body = post(f"{root}/requests.json?locale=en", {**fields, "lat": OUTSIDE[0], "long": OUTSIDE[1]})
    assert status == 400
    assert json.loads(body) == [
        {"code": 400, "description": "The point is outside the service area: no grid covers it."}
    ]
    status, body = post(f"{root}/requests.json?locale=en", {**fields, "address_string": "5 Gate Road"})
    assert status == 400
    assert "lat and long" in json.loads(body)[0]["description"]
    assert Case.objects.count() == 0
