"""GeoReport v2 documents: what a service, a service request or an error looks like, and how a
document is written as JSON or as XML.

JSON follows the spec's examples (lists of flat objects); XML has the same structure, each list
wrapped in its plural element (``<services><service>``, ``<service_requests><request>``,
``<errors><error>``, ``<attributes><attribute>``). Nothing here reveals who reported a case:
requests carry the place, the text and the official answers only.
"""

import json
import re
import xml.etree.ElementTree as ET

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.workflow import problem
from civicgrid.geo.gcj02 import gcj02_to_wgs84

JSON, XML = "json", "xml"
FORMATS = (JSON, XML)
CONTENT_TYPES = {JSON: "application/json; charset=utf-8", XML: "text/xml; charset=utf-8"}
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
# The element of one item in each list, by the list's element.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}
# Characters XML 1.0 cannot carry at all; they are dropped from text rather than breaking the document.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

CLOSED_STATES = frozenset(problem.STATES) - problem.OPEN
# Events whose text is an official answer the public may read. Other events either carry no
# text or carry staff-internal or reporter-private words, which are never published here.
ANSWER_ACTIONS = ("reject", "handle")
# Events that change what the public should read, answered with a fixed text instead.
NOTE_ACTIONS = (*ANSWER_ACTIONS, "merge", "fail_verification", "reopen")


# --- values -------------------------------------------------------------------------------------


def w3c_datetime(value) -> str | None:
    """A W3C datetime with the city's UTC offset (``2026-11-29T09:30:00+08:00``), or None."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")


def wgs84_position(case) -> tuple[float, float]:
    """(lat, long) of a case in WGS-84, rounded to 6 decimals (about 0.1 m)."""
    lat, lon = case.y, case.x
    if settings.CITY_CRS == "gcj02":
        lat, lon = gcj02_to_wgs84(lat, lon)
    return round(lat, 6), round(lon, 6)


def open311_status(case) -> str:
    return "closed" if case.status in CLOSED_STATES else "open"


def service_notice(case) -> str:
    """What happens next to a request in its current state."""
    notices = {
        problem.REPORTED: _("Received. The governance centre checks and accepts it."),
        problem.ACCEPTED: _("Accepted. It is being sent to the unit responsible."),
        problem.DISPATCHED: _("With the responsible unit, to be handled by the expected time."),
        problem.SIGNED: _("With the responsible unit, to be handled by the expected time."),
        problem.IN_PROGRESS: _("The responsible unit is working on it."),
        problem.HANDLED: _("Handled. The result is being checked on the spot."),
        problem.PARKED: _("Deferred: it cannot be solved at present and will be taken up again."),
        problem.CLOSED: _("Closed: the result was checked."),
        problem.REJECTED: _("Not accepted; the status notes give the reason."),
        problem.MERGED: _("Merged into another request about the same problem."),
    }
    return notices.get(case.status, "")


def status_notes(event) -> str | None:
    """The public explanation of the current status, from the last answer event (or None)."""
    if event is None:
        return None
    if event.action in ANSWER_ACTIONS:
        return event.reason or None
    if event.action == "merge":
        return _("Merged into request %(number)s.") % {"number": event.payload.get("into", "")}
    # fail_verification, reopen: the check found the problem not solved; the words are the checker's.
    return _("The result did not solve the problem; the case went back to the responsible unit.")


def expected_datetime(case):
    """When the request should be fulfilled: the handling deadline once it is with a unit,
    otherwise the deadline of the step it is in; none once it is closed."""
    if case.status in CLOSED_STATES:
        return None
    if case.status in problem.WITH_UNIT and case.handle_due_at is not None:
        return case.handle_due_at
    return case.step_due_at


# --- documents ----------------------------------------------------------------------------------


def service(category) -> dict:
    """One entry of the service list for a leaf category."""
    group = category.parent.name if category.parent_id else ""
    keywords = []
    for word in (category.name_zh, category.name_en, *_parent_names(category)):
        if word and word not in keywords:
            keywords.append(word)
    return {
        "service_code": category.code,
        "service_name": category.name,
        "description": f"{group} / {category.name}" if group else category.name,
        # No category defines extra questions: the description, place and contact are all a
        # request needs, so no service has a definition worth fetching.
        "metadata": False,
        "type": "realtime",
        "keywords": ", ".join(keywords),
        "group": group,
    }


def _parent_names(category):
    if category.parent_id:
        return (category.parent.name_zh, category.parent.name_en)
    return ()


def service_definition(category) -> dict:
    return {"service_code": category.code, "attributes": []}


def service_request(case, note_event=None) -> dict:
    """A case as a GeoReport service request. ``note_event`` is its last ``NOTE_ACTIONS`` event
    (see ``views.last_note_events``)."""
    lat, lon = wgs84_position(case)
    closed = case.status in CLOSED_STATES
    updated = case.closed_at if closed and case.closed_at else case.updated_at
    return {
        "service_request_id": case.number,
        "status": open311_status(case),
        "status_notes": status_notes(note_event),
        "service_name": case.category.name,
        "service_code": case.category.code,
        "description": case.description,
        "agency_responsible": case.owner_unit.name if case.owner_unit_id else None,
        "service_notice": service_notice(case),
        "requested_datetime": w3c_datetime(case.reported_at),
        "updated_datetime": w3c_datetime(updated),
        "expected_datetime": w3c_datetime(expected_datetime(case)),
        "address": case.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": None,
    }


def created_request(case) -> dict:
    """The answer to a successful POST: the new request's id (no token: requests are created at once)."""
    return {"service_request_id": case.number, "service_notice": service_notice(case), "account_id": None}


def error(code: int, description: str) -> dict:
    return {"code": code, "description": str(description)}


# --- rendering ----------------------------------------------------------------------------------


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _fill(ET.SubElement(element, key), item)
    elif isinstance(value, list | tuple):
        item_tag = ITEM_TAGS[element.tag]
        for item in value:
            _fill(ET.SubElement(element, item_tag), item)
    elif value is None:
        return
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    else:
        element.text = _NOT_XML.sub("", str(value))


def xml_bytes(root_tag: str, data) -> bytes:
    """``data`` (a dict or a list of dicts) as an XML document whose root is ``root_tag``."""
    root = ET.Element(root_tag)
    _fill(root, data)
    return XML_DECLARATION + ET.tostring(root, encoding="unicode").encode("utf-8")


def render(fmt: str, root_tag: str, data, status: int = 200) -> HttpResponse:
    """``data`` as a JSON or XML response; ``root_tag`` names the XML root element."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8") if fmt == JSON else xml_bytes(root_tag, data)
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def render_errors(fmt: str, errors: list[dict], status: int) -> HttpResponse:
    """The spec's error document: ``[{"code", "description"}]`` / ``<errors><error>…``."""
    return render(fmt if fmt in FORMATS else XML, "errors", errors, status=status)
