"""The OpenAPI contract of the grievance operations: fed generated input, every one answers
without a server error, with a documented status and a body matching its declared schema."""

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

from civicgrid.grievances.tests.conftest import accusation, assign, submit, to_decided
from civicgrid.org.apikeys import create_api_key
from civicgrid.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(tag="grievances")

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
def api_key(world, keep_connection):
    """A key acting as grievance officer Gina, over grievances in several states."""
    submit(world)
    assign(world, accusation(world, complained_unit=world.housing_a))
    to_decided(world)
    _record, key = create_api_key("Grievance contract test", user=world.gina)
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
