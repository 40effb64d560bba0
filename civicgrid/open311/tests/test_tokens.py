import pytest

from civicgrid.open311.tests.conftest import report
from civicgrid.open311.tests.support import both

pytestmark = [pytest.mark.urls("civicgrid.open311.test_urls"), pytest.mark.django_db]


def test_it_maps_a_request_id_used_as_token_to_itself(client, city, category):
    case = report(category)
    data, status = both(client, f"tokens/{case.number}", "service_requests")
    assert status == 200
    assert data == [{"service_request_id": case.number, "token": case.number}]


def test_it_answers_404_for_an_unknown_token(client, city):
    data, status = both(client, "tokens/12345", "errors", query_params={"locale": "en"})
    assert status == 404
    assert data == [{"code": 404, "description": "Unknown token 12345."}]


def test_it_never_accepts_the_private_tracking_token(client, city, category):
    case = report(category)
    _, status = both(client, f"tokens/{case.tracking_token}", "errors")
    assert status == 404
