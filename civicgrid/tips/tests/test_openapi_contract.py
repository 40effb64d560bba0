"""The OpenAPI contract of the tip-line operations: fed generated input, each answers without a
server error, with a documented status and a body matching its declared schema. Called as a
tip handler of district A, with a tip there to find."""

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

from civicgrid.org.apikeys import create_api_key
from civicgrid.tips import actions
from civicgrid.tips.tests.conftest import SECRET_CONTACT, submit
from civicgrid.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application).include(path_regex="^/api/v1/tips")

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def keep_connection():
    """Calls go straight to the WSGI application: keep the test's connection (and transaction)."""
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.fixture
def api_key(desk, keep_connection):
    tip, _code = submit(contact=SECRET_CONTACT)
    actions.do_screen_tip(tip, acting_user=desk.tom)
    _record, key = create_api_key("Tip contract test", user=desk.tina)
    return key


@schema.parametrize()
@settings(
    max_examples=15,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_it_keeps_the_contract(case, api_key):
    case.call_and_validate(headers={"X-Api-Key": api_key}, checks=CHECKS)
