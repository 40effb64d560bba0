"""The OpenAPI contract of the dispute operations: fed generated input, every one answers without
a server error, with a documented status and a body matching its declared schema."""

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

from civicgrid.disputes import actions
from civicgrid.disputes.tests.conftest import agreed, apply, assigned, mediating
from civicgrid.org.apikeys import create_api_key
from civicgrid.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(tag="disputes")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_connection():
    """Calls go straight to the WSGI application: keep the request signals from closing the
    connection, and with it the test's transaction (as the test client does)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(mediation, keep_connection):
    """A key acting as mediator Mia, over disputes in several states (ids 1 to 4)."""
    apply(mediation)
    assigned(mediation)
    d = mediating(mediation)
    actions.do_refer_to_police(d, risk="冲突", station="A派出所", acting_user=mediation.mia)
    agreed(mediation)
    _record, key = create_api_key("Dispute contract test", user=mediation.mia)
    return key


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_it_keeps_its_contract(case, api_key):
    case.call_and_validate(headers={"X-Api-Key": api_key}, checks=CHECKS)


def test_it_documents_the_resident_endpoints_as_open_to_anyone(client):
    doc = client.get("/api/v1/openapi.json").json()
    apply_op = doc["paths"]["/api/v1/mediation/applications"]["post"]
    assert {"200", "201", "400", "422"} <= set(apply_op["responses"])
    assert {} in apply_op["security"]
    assert {} in doc["paths"]["/api/v1/mediation/follow/{token}"]["get"]["security"]
    record = doc["paths"]["/api/v1/disputes/{dispute_id}/record"]["post"]
    assert {} not in record.get("security", [])
