import pytest

from civicgrid.categories.models import Category
from civicgrid.open311.tests.support import BASE, both

pytestmark = [pytest.mark.urls("civicgrid.open311.test_urls"), pytest.mark.django_db]


def test_it_defines_a_service_without_extra_attributes(client, category):
    data, status = both(client, f"services/{category.code}", "service_definition")
    assert status == 200
    assert data == {"service_code": "E0102", "attributes": []}


def test_it_answers_404_for_an_unknown_service(client, category):
    data, status = both(client, "services/X9999", "errors", query_params={"locale": "en"})
    assert status == 404
    assert data == [{"code": 404, "description": "Unknown service_code X9999."}]


@pytest.mark.parametrize("change", [{"active": False}, {"public": False}])
def test_it_answers_404_for_a_service_not_offered(client, category, change):
    Category.objects.filter(pk=category.pk).update(**change)
    _, status = both(client, f"services/{category.code}", "errors")
    assert status == 404


def test_it_answers_404_for_a_class(client, category):
    _, status = both(client, "services/E01", "errors")
    assert status == 404


def test_it_reads_the_format_case_insensitively(client, category):
    assert client.get(f"{BASE}/services/E0102.JSON").json() == {"service_code": "E0102", "attributes": []}
