"""Scope in the browser: a handler of district B never sees district A's case, whether she
looks through her queues, searches for its number or types its address."""

import pytest
from playwright.sync_api import expect

from civicgrid.cases import actions as A
from civicgrid.org.roles import Role
from civicgrid.testing import POINT_A1, POINT_B1, make_category, make_staff

from .conftest import sign_in

pytestmark = [pytest.mark.django_db(transaction=True)]


def dispatched(category, where, dispatcher, unit, text):
    case, _ = A.do_report_case(acting_user=None, category=category, description=text, **where)
    A.do_accept_case(case, acting_user=dispatcher)
    case.refresh_from_db()
    A.do_dispatch_case(case, acting_user=dispatcher, unit=unit)
    case.refresh_from_db()
    return case


def test_an_outsider_never_sees_the_other_districts_case(new_page, personas, small_city):
    category = make_category(name_en="Missing manhole cover")
    case_a = dispatched(category, POINT_A1, personas.dan, personas.org_a, "Cover missing in district A")
    # A's centre has no say in B: B's case is filed by a city-level dispatcher.
    city_dispatcher = make_staff("cid", personas.audrey.staff.unit, [Role.DISPATCHER])
    case_b = dispatched(category, POINT_B1, city_dispatcher, personas.org_b, "Cover missing in district B")

    page = new_page()
    sign_in(page, "olga", "pw-olga")
    # Every queue on her desk: B's case is there, A's is not.
    tabs = page.locator("nav.wb-queues a")
    queue_urls = [tabs.nth(i).get_attribute("href") for i in range(tabs.count())]
    assert queue_urls, "olga has no queue"
    seen = ""
    for url in queue_urls:
        page.goto(page.base + url)
        seen += page.locator("main").inner_text()
    assert case_b.number in seen
    assert case_a.number not in seen and "district A" not in seen

    # Searching "All in my scope" for A's number finds nothing; B's number is found the same way.
    search = page.base + "/workbench/queues/all/"
    assert "/workbench/queues/all/" in queue_urls
    page.goto(f"{search}?number={case_a.number}")
    expect(page.locator(".wb-total")).to_have_text("0 cases")
    assert case_a.number not in page.locator("main").inner_text()
    page.goto(f"{search}?number={case_b.number}")
    expect(page.locator(".wb-total")).to_have_text("1 case")
    expect(page.locator("table.wb-table")).to_contain_text(case_b.number)
    # District A is not even a choice of the place filter, and asking for it by hand shows nothing.
    expect(page.locator("#id_region option[value='120101']")).to_have_count(0)
    expect(page.locator("#id_region option[value='120102']")).to_have_count(1)
    page.goto(f"{search}?region=120101")
    assert case_a.number not in page.locator("table.wb-table").inner_text()

    # Typing the address of A's case gives the same 404 as a case that does not exist.
    response = page.goto(f"{page.base}/workbench/cases/{case_a.pk}/")
    assert response.status == 404
    assert case_a.number not in page.content() and "district A" not in page.content()
    for path in (f"/workbench/cases/{case_a.pk}/map.geojson", f"/workbench/cases/{case_a.pk}/photos/1/"):
        assert page.request.get(page.base + path).status == 404
    assert page.goto(f"{page.base}/workbench/cases/{case_b.pk}/").status == 200
