"""In a real browser (the machine's Chromium, ``web/tests/browser/conftest.py``): a resident
submits a grievance on a phone and follows it by its private link; a grievance officer triages
it on a desktop; the pages fit a phone's width in both languages."""

import re

import pytest

from civicgrid.grievances.models import Grievance
from civicgrid.web.tests.browser.conftest import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_it_lets_a_resident_submit_and_follow_a_grievance_on_a_phone(world, new_page):
    page = new_page(PHONE)
    page.goto(page.base + "/grievances/")
    assert fits(page)
    page.click("text=Submit a grievance >> nth=-1")
    page.select_option("#id_category", label="Appeal or request for a decision")
    page.select_option("#id_region", value=world.city.district_a.code)
    page.fill("#id_request", "请求撤销违建认定")
    page.fill("#id_facts_and_reasons", "测量有误")
    page.fill("#id_petitioner_name", "王五")
    page.fill("#id_petitioner_contact", "13800000000")
    assert fits(page)
    page.click("button[type=submit].primary")
    page.wait_for_url(re.compile(r"/grievances/receipt/"))
    number = page.text_content(".gv-number").strip()
    assert fits(page)
    page.click("text=Open your grievance")
    page.wait_for_url(re.compile(r"/grievances/follow/"))
    assert page.is_visible(f"h1:has-text('{number}')")
    assert page.is_visible("text=Registered")
    assert page.is_visible("text=Triage by the letters-and-visits office")
    assert fits(page)
    g = Grievance.objects.get(case__number=number)
    assert g.petitioner_name == "王五" and g.channel == "online"


def test_it_lets_an_officer_triage_on_a_desktop(world, new_page):
    from civicgrid.grievances.tests.conftest import submit

    case = submit(world)
    page = new_page(DESKTOP)
    sign_in(page, "gina", "pw-gina")
    page.goto(page.base + "/grievances/staff/")
    page.click(f"text={case.number}")
    page.wait_for_url(re.compile(rf"/grievances/staff/{case.pk}/$"))
    assert page.is_visible("text=Your reading of this file is recorded")
    form = page.locator("form[aria-labelledby=act-assign]")
    form.locator("select[name=unit]").select_option(value=str(world.urban_a.pk))
    form.locator("input[name=mode][value=transfer]").check()
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(rf"/grievances/staff/{case.pk}/$"))
    assert page.is_visible("text=With the body with authority")
    assert page.is_visible("text=Written notice by the body")


def test_it_lets_the_petitioner_ask_for_a_review_and_evaluate_from_the_private_page(world, new_page):
    from civicgrid.grievances.tests.conftest import to_decided

    case = to_decided(world)
    page = new_page(PHONE)
    page.goto(page.base + f"/grievances/follow/{case.tracking_token}/")
    assert page.is_visible("text=Disagree with the decision? Ask for a review")
    page.check("input[name=rating][value='2']")
    page.click("text=Send my evaluation")
    page.wait_for_selector("text=your evaluation was recorded")
    page.fill("textarea[name=grounds]", "测量仍然有误")
    page.click("button:has-text('Ask for a review')")
    page.wait_for_selector("text=Your request for a review was sent")
    assert page.is_visible("text=In review")
    assert Grievance.objects.get(pk=case.pk).review_grounds == "测量仍然有误"


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_it_fits_a_phone_in_both_languages(world, new_page, lang):
    page = new_page(PHONE, lang)
    for path in ("/grievances/", "/grievances/submit/", "/grievances/lookup/"):
        page.goto(page.base + path)
        assert page.get_attribute("html", "lang") == lang
        assert fits(page), path
