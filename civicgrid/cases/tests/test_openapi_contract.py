"""The OpenAPI contract of /api/v1/: every operation, fed generated input, answers without a server
error, with a documented status code and a body matching the schema the document declares."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from civicgrid.cases import actions
from civicgrid.org.apikeys import create_api_key
from civicgrid.testing import make_category
from civicgrid.wsgi import application

# The cases operations; the other apps' routers are checked by their own contract tests.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_connection():
    """Calls go straight to the WSGI application, not through Django's test client, so do what
    the test client does: keep the request signals from closing the connection, and with it the
    test's transaction (PostgreSQL)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(personas, keep_connection):
    """A key acting as dispatcher Dan, over a city with a category and a few cases in it."""
    leaf = make_category("T0101", name_zh="垃圾", name_en="Litter")
    cases = [
        actions.do_report_case(
            acting_user=personas.rita, category=leaf, lat=39.105, lon=lon, crs="gcj02", description="Litter"
        )[0]
        for lon in (117.205, 117.215, 117.225)  # grids A1, A2 and B1
    ]
    actions.do_accept_case(cases[0], acting_user=personas.dan)
    _record, key = create_api_key("Contract test", user=personas.dan)
    return key


@schema.parametrize()
@settings(
    max_examples=20,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_the_api_keeps_its_contract(case, api_key):
    case.call_and_validate(headers={"X-Api-Key": api_key}, checks=CHECKS)


def test_the_document_and_its_docs_page_are_served(client):
    doc = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/cases", "/api/v1/track/{token}", "/api/v1/cases/{case_id}/actions/{action}"} <= set(doc["paths"])
    report = doc["paths"]["/api/v1/cases"]["post"]
    assert {"200", "201", "400", "401", "422"} <= set(report["responses"])
    assert {} in report["security"]  # residents may report anonymously
    assert client.get("/api/v1/docs").status_code == 200
