from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.cases import actions
from civicgrid.cases.models import Case
from civicgrid.categories.models import Category
from civicgrid.geo import locator
from civicgrid.open311.tests.support import A1
from civicgrid.org.apikeys import create_api_key


@pytest.fixture
def city(small_city, settings):
    settings.CITY_CRS = "gcj02"
    locator.invalidate()
    return small_city


def make_categories():
    parent = Category.objects.create(
        code="E01",
        kind="event",
        name_zh="市容环境",
        name_en="City appearance",
        unit_type="urban_management",
        deadlines={},
        public=True,
    )
    leaf = Category.objects.create(
        code="E0102",
        parent=parent,
        kind="event",
        name_zh="暴露垃圾",
        name_en="Exposed rubbish",
        unit_type="urban_management",
        deadlines={},
        public=True,
    )
    return parent, leaf


@pytest.fixture
def category(db):
    return make_categories()[1]


@pytest.fixture
def api_key(db):
    """An unbound key: its requests come from anonymous residents."""
    record, key = create_api_key("311 app")
    record.key = key
    return record


def report(category, point=A1, *, description="Rubbish piled by the gate", days_ago=0, **kwargs):
    """A case reported through the real action, ``days_ago`` days back."""
    now = timezone.now() - timedelta(days=days_ago)
    case, _ = actions.do_report_case(
        acting_user=None,
        category=category,
        lat=point[0],
        lon=point[1],
        description=description,
        source=Case.Source.OPEN311,
        now=now,
        **kwargs,
    )
    return case
