import pytest
from django.utils import translation

from civicgrid.lib import side_by_side
from civicgrid.lib.refreshing import forget_all
from civicgrid.testing import build_small_city, make_personas


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs about half a second per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Values a process keeps for a few seconds (``lib/refreshing.py``) are read again: each
    test has its own database."""
    forget_all()


@pytest.fixture(autouse=True)
def _side_by_side_connections_closed():
    """Connections that ``lib/side_by_side.py``'s threads opened (outside a test transaction) are
    closed after each test: the test database cannot be dropped while one is open."""
    yield
    side_by_side.close_connections()


@pytest.fixture
def small_city(db):
    return build_small_city()


@pytest.fixture
def personas(small_city):
    return make_personas(small_city)


@pytest.fixture(autouse=True)
def _english(request, settings):
    """Tests read the English source strings; tests marked ``chinese`` (and the translation
    tests) see the product's default language, zh-Hans."""
    if request.node.get_closest_marker("chinese"):
        yield
        return
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
