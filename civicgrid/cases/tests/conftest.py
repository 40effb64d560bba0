import pytest

from civicgrid.categories.models import Category


@pytest.fixture
def category(small_city):
    parent = Category.objects.create(
        code="T01", kind="event", name_zh="市容", name_en="Appearance", unit_type="urban_management"
    )
    return Category.objects.create(
        code="T0101",
        parent=parent,
        kind="event",
        name_zh="垃圾",
        name_en="Litter",
        unit_type="urban_management",
        deadlines={},
        public=True,
    )
