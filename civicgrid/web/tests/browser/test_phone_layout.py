"""On a phone (375 × 812) the grid worker's pages and the resident's pages fit the screen:
nothing scrolls sideways, in English and in Chinese."""

import pytest

from civicgrid.cases import actions as A
from civicgrid.testing import POINT_A1, make_category

from .conftest import PHONE, horizontal_overflow, sign_in, wait_for_maps

pytestmark = [pytest.mark.django_db(transaction=True)]

# Long words do not wrap: the likeliest cause of a page wider than the phone.
LONG_ADDRESS = "No. 1234 Zhongshanmenwaidajie-Xiaobailouyuanqu-Building-B-Entrance-3"


@pytest.fixture
def cases(personas):
    category = make_category(name_en="Missing manhole cover on the pavement near the school gate")
    handled, _ = A.do_report_case(
        acting_user=None,
        category=category,
        description="Cover missing " * 20,
        address=LONG_ADDRESS,
        **POINT_A1,
    )
    for step, user, kw in (
        (A.do_accept_case, personas.dan, {}),
        (A.do_dispatch_case, personas.dan, {}),
        (A.do_sign_case, personas.carl, {}),
        (A.do_handle_case, personas.carl, {"result": "New cover fitted " * 10}),
    ):
        handled.refresh_from_db()
        step(handled, acting_user=user, **kw)
    A.do_report_case(acting_user=None, category=category, description="Another one", **POINT_A1)  # open
    return handled


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_nothing_scrolls_sideways_on_a_phone(new_page, cases, lang):
    page = new_page(PHONE, lang)
    sign_in(page, "gwen", "pw-gwen")
    pages = (
        "/patrol/",
        "/patrol/report/",
        f"/patrol/cases/{cases.pk}/verify/",
        "/report/",
        f"/track/{cases.tracking_token}/",
    )
    too_wide = {}
    for path in pages:
        page.goto(page.base + path)
        wait_for_maps(page)
        if path == "/patrol/":  # the work is there: one case to verify, one open
            assert page.locator("a.card").count() == 1 and page.locator("li.card").count() == 1
        if (extra := horizontal_overflow(page)) > 0:
            too_wide[path.replace(cases.tracking_token, "<token>")] = extra
    assert not too_wide, f"pages wider than the phone (px too wide): {too_wide}"
