"""Two actors act on the same version of one case at the same moment: exactly one wins."""

import threading

import pytest
from django.db import connection, connections

from civicgrid.cases import actions as A
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.testing import POINT_A1, make_category


@pytest.mark.django_db(transaction=True)
def test_it_lets_exactly_one_of_two_concurrent_actions_win(small_city, personas):
    if connection.vendor != "postgresql":
        pytest.skip("needs a server database: SQLite's test database is in memory and private to one connection")
    case, _ = A.do_report_case(acting_user=None, category=make_category(), description="x", **POINT_A1)
    barrier = threading.Barrier(2)
    outcomes = {}

    def act(name, fn):
        try:
            stale = Case.objects.select_related("category").get(pk=case.pk)
            barrier.wait()
            fn(stale)
            outcomes[name] = "won"
        except A.Conflict:
            outcomes[name] = "conflict"
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("accept", lambda c: A.do_accept_case(c, acting_user=personas.dan))),
        threading.Thread(
            target=act, args=("reject", lambda c: A.do_reject_case(c, acting_user=personas.dan, reason="dup"))
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes.values()) == ["conflict", "won"]
    case.refresh_from_db()
    assert case.version == 2 and CaseEvent.objects.filter(case=case).count() == 2
    winner = next(k for k, v in outcomes.items() if v == "won")
    assert case.status == {"accept": "accepted", "reject": "rejected"}[winner]
