"""Helpers of the GeoReport v2 tests: points of the small city and reading both formats."""

import json
import xml.etree.ElementTree as ET

from civicgrid.geo.gcj02 import gcj02_to_wgs84

BASE = "/open311/v2"
# GCJ-02 points in the small city (civicgrid/testing.py) and their WGS-84 positions.
A1_GCJ = (39.105, 117.205)  # (lat, lon) in grid A1 of district A
B1_GCJ = (39.105, 117.225)  # in grid B1 of district B
A1 = gcj02_to_wgs84(*A1_GCJ)
B1 = gcj02_to_wgs84(*B1_GCJ)
OUTSIDE = (39.5, 117.5)  # WGS-84, well north-east of the city
PLURALS = {
    "services",
    "service_requests",
    "errors",
    "attributes",
    "values",
    "endpoints",
    "formats",
}


def xml_data(element: ET.Element):
    """An XML element as the JSON structure it mirrors, every leaf as text (None when empty)."""
    children = list(element)
    if element.tag in PLURALS:
        return [xml_data(c) for c in children]
    if not children:
        return element.text
    return {c.tag: xml_data(c) for c in children}


def as_text(value):
    """A JSON document with every leaf written as XML writes it."""
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_text(v) for v in value]
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def parse_json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    return json.loads(response.content.decode("utf-8"))


def parse_xml(response, root: str):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    element = ET.fromstring(response.content)  # noqa: S314 - the document our own server wrote
    assert element.tag == root
    return xml_data(element)


def both(client, path, root: str, **kwargs):
    """GET ``path`` in JSON and in XML; check the two say the same; return the JSON and the status."""
    rj = client.get(f"{BASE}/{path}.json", **kwargs)
    rx = client.get(f"{BASE}/{path}.xml", **kwargs)
    assert rj.status_code == rx.status_code
    data = parse_json(rj)
    assert parse_xml(rx, root) == as_text(data)
    return data, rj.status_code
