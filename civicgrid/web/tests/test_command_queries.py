"""The command centre answers in a fixed, small number of queries, however many cases there are."""

from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from civicgrid.cases import actions as A
from civicgrid.testing import POINT_A1, POINT_B1, make_category
from civicgrid.web.command import numbers

TZ = timezone.get_fixed_timezone(8 * 60)
NOW = datetime(2026, 11, 25, 15, 0, tzinfo=TZ)
# The page's budget: session and user, the user's access, the region and its breadcrumbs, the
# summary (2), the ranking (3), the trend (2), hotspots and their grid names, the overdue list and
# the units with overdue cases, the scope roots.
# The problem numbers, map and lists, plus the grievance (per reader), dispute and tip sections.
MAX_QUERIES = 30


def add_cases(personas, categories, n, start):
    """``n`` cases per category in each district, at every stage from reported to rated."""
    p = personas
    for i in range(n):
        for category in categories:
            for point in (POINT_A1, POINT_B1):
                when = start + timedelta(hours=7 * i)
                case, _ = A.do_report_case(
                    acting_user=p.rita, category=category, description="Litter", now=when, **point
                )
                if point is POINT_B1 or i % 3 == 0:
                    continue  # left unanswered: overdue
                A.do_accept_case(case, acting_user=p.dan, now=when + timedelta(minutes=20))
                A.do_dispatch_case(case, acting_user=p.dan, now=when + timedelta(minutes=40))
                A.do_sign_case(case, acting_user=p.carl, now=when + timedelta(hours=1))
                if i % 3 == 1:
                    continue  # with the unit
                A.do_handle_case(case, acting_user=p.carl, result="done", now=when + timedelta(hours=20))
                A.do_verify_case(case, acting_user=p.gwen, now=when + timedelta(hours=22))
                A.do_rate_case(case, acting_user=p.rita, rating=3, now=when + timedelta(hours=23))


def queries(client, user, **params) -> int:
    """Queries of one page view with nothing shared yet (the first viewer of the minute)."""
    client.force_login(user)
    numbers.forget()
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse("command:home"), params)
    assert response.status_code == 200
    return len(ctx.captured_queries)


@pytest.mark.django_db
class TestQueryCount:
    @pytest.mark.parametrize(
        "who, params",
        [("audrey", {}), ("sara", {}), ("sara", {"region": "120101001"}), ("sara", {"period": "90d"})],
    )
    def test_it_does_not_grow_with_the_number_of_cases(self, client, personas, time_machine, who, params):
        time_machine.move_to(NOW, tick=False)
        user = getattr(personas, who)
        few = [make_category("E0101")]
        add_cases(personas, few, 3, NOW - timedelta(days=6))  # 3: already a hotspot
        small = queries(client, user, **params)
        many = [*few, make_category("E0102"), make_category("E0103")]
        add_cases(personas, many, 9, NOW - timedelta(days=20))
        assert queries(client, user, **params) == small <= MAX_QUERIES

    def test_it_shares_the_numbers_of_a_region_for_a_minute(self, client, personas, time_machine):
        time_machine.move_to(NOW, tick=False)
        add_cases(personas, [make_category()], 3, NOW - timedelta(days=6))
        first = queries(client, personas.sara)
        client.force_login(personas.audrey)  # another user, same region and period
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("command:home"), {"region": "120101"}).status_code == 200
        assert len(ctx.captured_queries) <= first - 8  # summary, ranking, trend, hotspots, units
        time_machine.move_to(NOW + timedelta(seconds=61), tick=False)
        client.force_login(personas.sara)  # the grievance numbers depend on who reads them
        with CaptureQueriesContext(connection) as ctx:
            client.get(reverse("command:home"), {"region": "120101"})
        assert len(ctx.captured_queries) == first + 1  # fresh numbers; the region was asked for by code

    def test_it_refreshes_the_tiles_in_a_few_queries(self, client, personas, time_machine):
        time_machine.move_to(NOW, tick=False)
        add_cases(personas, [make_category()], 3, NOW - timedelta(days=6))
        client.force_login(personas.sara)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("command:tiles")).status_code == 200
        # Session, user and access, the region, the summary (2), and the shared numbers read
        # (nothing stored yet) and stored once computed.
        assert len(ctx.captured_queries) <= 11
