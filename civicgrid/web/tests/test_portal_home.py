"""The portal's home page: the two entries and the city's numbers of the last 30 days."""

from datetime import timedelta

import pytest
import time_machine
from django.core.cache import cache
from django.utils import timezone

from civicgrid.cases import actions as A
from civicgrid.testing import POINT_A1, make_category


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    cache.clear()
    yield
    cache.clear()


def solved(category, p, rating):
    """A report dispatched, handled, verified and rated through the actions."""
    case, _ = A.do_report_case(acting_user=p.rita, category=category, description="Bin overflowing", **POINT_A1)
    A.do_accept_case(case, acting_user=p.dan)
    A.do_dispatch_case(case, acting_user=p.dan, unit=p.org_a)
    A.do_sign_case(case, acting_user=p.carl)
    A.do_handle_case(case, acting_user=p.carl, result="Emptied")
    A.do_verify_case(case, acting_user=p.gwen)
    A.do_rate_case(case, acting_user=p.rita, rating=rating)
    return case


@pytest.mark.django_db
class TestHome:
    def test_it_offers_reporting_and_tracking(self, client):
        r = client.get("/")
        html = r.content.decode()
        assert r.status_code == 200
        assert 'href="/report/"' in html and "Report a problem" in html
        assert 'action="/track/"' in html and 'name="number"' in html
        assert 'href="/map/"' in html

    def test_it_shows_the_numbers_of_the_last_30_days(self, client, personas):
        category = make_category()
        now = timezone.now()
        with time_machine.travel(now - timedelta(days=40), tick=False):
            solved(category, personas, 1)  # before the period
        with time_machine.travel(now - timedelta(days=10), tick=False):
            solved(category, personas, 3)
            solved(category, personas, 1)
        html = client.get("/").content.decode()
        assert "Across the city in the last 30 days" in html
        assert '<div class="value">2</div>' in html
        assert "100.0&nbsp;%" in html and "of 2 problems due or closed" in html
        assert "50.0&nbsp;%" in html and "of 2 ratings by residents" in html

    def test_it_shows_no_rate_without_cases(self, client, db):
        html = client.get("/").content.decode()
        assert '<div class="value">0</div>' in html and "—" in html

    def test_it_is_cheap(self, client, personas, django_assert_max_num_queries):
        with django_assert_max_num_queries(2):
            client.get("/")
        with django_assert_max_num_queries(0):
            client.get("/")  # the numbers are cached for a while
