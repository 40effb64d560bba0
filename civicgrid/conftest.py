import pytest

from civicgrid.testing import build_small_city, make_personas


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Real hashing costs about half a second per user; tests create many users.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def small_city(db):
    return build_small_city()


@pytest.fixture
def personas(small_city):
    return make_personas(small_city)
