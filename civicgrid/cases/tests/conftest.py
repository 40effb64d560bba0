import pytest

from civicgrid.testing import make_category


@pytest.fixture
def category(small_city):
    return make_category("T0101", name_zh="垃圾", name_en="Litter", deadlines={})
