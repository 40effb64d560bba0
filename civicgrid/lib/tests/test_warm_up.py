"""What a server worker does before its first request (``civicgrid.wsgi.warm_up``)."""

import gc

import pytest

from civicgrid.geo import locator


@pytest.fixture
def unfreeze():
    yield
    gc.unfreeze()


def test_it_builds_the_locator_and_freezes_what_is_loaded(small_city, unfreeze, django_assert_num_queries):
    from civicgrid.wsgi import warm_up

    locator.invalidate()
    gc.unfreeze()
    warm_up()
    assert gc.get_freeze_count() > 0
    with django_assert_num_queries(0):  # built already: within its check interval, no query
        assert locator.get_locator().locate(*locator.to_city_crs(39.105, 117.205, "gcj02")).grid


def test_a_database_without_regions_does_not_stop_the_worker(db, unfreeze):
    from civicgrid.wsgi import warm_up

    locator.invalidate()
    warm_up()  # logs a warning; the first report builds the index
    assert gc.get_freeze_count() > 0
