"""Bulk dispatch from the "to dispatch" queue: each case to its routed unit, each with its version."""

import pytest
from django.test import Client

from civicgrid.cases import actions as A
from civicgrid.cases.models import Case
from civicgrid.testing import POINT_A1, POINT_B1, make_category

URL = "/workbench/queues/to_dispatch/dispatch/"


@pytest.fixture
def category(small_city):
    return make_category()


def accepted(category, personas, where=POINT_A1) -> Case:
    case, _created = A.do_report_case(acting_user=None, category=category, description="Lamp out", **where)
    if where is POINT_A1:
        A.do_accept_case(case, acting_user=personas.dan)
    return case


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def picked(*cases) -> list[str]:
    return [f"{c.pk}:{Case.objects.get(pk=c.pk).version}" for c in cases]


@pytest.mark.django_db
class TestBulkDispatch:
    def test_it_offers_checkboxes_on_the_to_dispatch_queue_only(self, category, personas):
        case = accepted(category, personas)
        dan = logged_in(personas.dan)
        body = dan.get("/workbench/queues/to_dispatch/").content.decode()
        assert f'value="{case.pk}:{case.version}"' in body and URL in body
        assert URL not in dan.get("/workbench/queues/all/").content.decode()

    def test_it_dispatches_each_case_to_its_routed_unit(self, category, personas):
        one, two = accepted(category, personas), accepted(category, personas)
        r = logged_in(personas.dan).post(URL, {"cases": picked(one, two)})
        assert r.status_code == 200
        assert r.context["done"] == 2 and r.context["failed"] == 0
        for case in (one, two):
            case.refresh_from_db()
            assert (case.status, case.owner_unit_id) == ("dispatched", personas.org_a.pk)
            assert case.events.filter(action="dispatch", actor=personas.dan).count() == 1
        assert personas.org_a.name_zh in r.content.decode()

    def test_it_reports_each_failure_and_dispatches_the_rest(self, category, personas):
        ok, stale, gone = (accepted(category, personas) for _ in range(3))
        selection = picked(ok, stale, gone)
        A.do_park_case(stale, acting_user=personas.sara, reason="Road works")  # changed meanwhile
        outside = accepted(category, personas, POINT_B1)  # not dan's: reported in district B
        r = logged_in(personas.dan).post(URL, {"cases": [*selection[:2], f"{outside.pk}:1", selection[2]]})
        assert r.status_code == 200
        results = {(res["case"].number if res["case"] else res["case_id"]): res for res in r.context["results"]}
        assert results[ok.number]["ok"] and results[gone.number]["ok"]
        assert not results[stale.number]["ok"]
        assert "Changed by someone else" in results[stale.number]["message"]
        assert not results[outside.pk]["ok"]
        assert (r.context["done"], r.context["failed"]) == (2, 2)
        assert Case.objects.get(pk=stale.pk).status == "parked"
        assert Case.objects.get(pk=outside.pk).status == "reported"

    def test_it_needs_a_selection(self, category, personas):
        r = logged_in(personas.dan).post(URL, {})
        assert r.status_code == 302 and r["Location"] == "/workbench/queues/to_dispatch/"
        r = logged_in(personas.dan).post(URL, {"cases": ["not-a-pair"]}, follow=True)
        assert "The selection is not valid" in r.content.decode()

    def test_it_is_for_dispatchers_only(self, category, personas):
        case = accepted(category, personas)
        assert logged_in(personas.carl).post(URL, {"cases": picked(case)}).status_code == 404
        r = logged_in(personas.sara).post(URL, {"cases": picked(case)})
        assert r.status_code == 404
        assert Case.objects.get(pk=case.pk).status == "accepted"

    def test_it_refuses_get(self, personas):
        assert logged_in(personas.dan).get(URL).status_code == 405
