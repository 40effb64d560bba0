import pytest

from civicgrid.categories.models import Category
from civicgrid.open311.tests.conftest import make_categories
from civicgrid.open311.tests.support import BASE, both, parse_json

pytestmark = [pytest.mark.urls("civicgrid.open311.test_urls"), pytest.mark.django_db]


@pytest.fixture
def catalogue(db):
    parent, leaf = make_categories()

    def add(code, **kw):
        fields = dict(
            code=code,
            parent=parent,
            kind="event",
            name_zh=f"类{code}",
            name_en=f"Class {code}",
            unit_type="urban_management",
            deadlines={},
        )
        fields.update(kw)
        return Category.objects.create(**fields)

    add("E0103", active=False)  # retired
    add("E0104", public=False)  # staff only
    add("E0105", kind="component", name_zh="路灯", name_en="Street light")
    dispute = Category.objects.create(
        code="D01", kind="dispute", name_zh="纠纷", name_en="Disputes", unit_type="urban_management"
    )
    add("D0101", parent=dispute, kind="dispute")
    return leaf


@pytest.mark.chinese
def test_it_lists_active_public_problem_leaves(client, catalogue):
    data, status = both(client, "services", "services")
    assert status == 200
    assert [s["service_code"] for s in data] == ["E0102", "E0105"]
    assert data[0] == {
        "service_code": "E0102",
        "service_name": "暴露垃圾",
        "description": "市容环境 / 暴露垃圾",
        "metadata": False,
        "type": "realtime",
        "keywords": "暴露垃圾, Exposed rubbish, 市容环境, City appearance",
        "group": "市容环境",
    }


def test_it_answers_in_english_with_locale(client, catalogue):
    data = parse_json(client.get(f"{BASE}/services.json", {"locale": "en"}))
    assert data[0]["service_name"] == "Exposed rubbish"
    assert data[0]["group"] == "City appearance"
    assert data[1]["service_name"] == "Street light"


def test_it_answers_in_english_with_accept_language(client, catalogue):
    data = parse_json(client.get(f"{BASE}/services.json", headers={"accept-language": "en"}))
    assert data[0]["service_name"] == "Exposed rubbish"


@pytest.mark.chinese
def test_it_ignores_an_unknown_locale(client, catalogue):
    data = parse_json(client.get(f"{BASE}/services.json", {"locale": "xx"}))
    assert data[0]["service_name"] == "暴露垃圾"


def test_it_lists_nothing_without_categories(client):
    data, status = both(client, "services", "services")
    assert (data, status) == ([], 200)
