"""The tip line in a browser: a phone sends a tip and checks it with the receipt code (in both
languages), a wrong passphrase learns nothing, and a tip handler screens it."""

import re

import pytest
from playwright.sync_api import expect

from civicgrid.privacy.models import PersonalDataAccess
from civicgrid.tips.models import Tip
from civicgrid.web.tests.browser.conftest import PHONE, horizontal_overflow, jpeg_file, sign_in

pytestmark = [pytest.mark.django_db(transaction=True)]

TEXT = "Gas cylinders stored in the basement of block 12."
PASSPHRASE = "blue heron at dawn"


def send_tip(page):
    page.goto(page.base + "/tips/")
    page.locator("#id_text").fill(TEXT)
    page.locator("#id_district").select_option("120101")
    page.locator("#id_photos").set_input_files(jpeg_file())
    page.locator("#id_passphrase").fill(PASSPHRASE)
    page.locator("#id_passphrase_again").fill(PASSPHRASE)
    page.locator("button[type=submit].primary").click()
    code = page.locator("[data-receipt-code]")
    expect(code).to_have_text(re.compile(r"^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$"))
    return code.inner_text()


def open_tip(page, code, passphrase=PASSPHRASE):
    page.goto(page.base + "/tips/check/")
    page.locator("#id_receipt_code").fill(code)
    page.locator("#id_passphrase").fill(passphrase)
    page.locator("button[type=submit].primary").click()


@pytest.mark.parametrize("lang", ["en", "zh-hans"])
def test_a_phone_sends_a_tip_and_reads_it_back_with_the_code(new_page, small_city, lang):
    page = new_page(PHONE, lang)
    code = send_tip(page)
    assert horizontal_overflow(page) == 0
    assert page.locator("html").get_attribute("lang") == lang
    tip = Tip.objects.get()
    assert TEXT.encode() not in bytes(tip.content)

    open_tip(page, code)
    expect(page.locator(".tips")).to_contain_text(TEXT)
    assert horizontal_overflow(page) == 0
    page.locator("#id_text").fill("They are moved at night.")
    page.locator("form[action$='/tips/check/add/'] button[type=submit]").click()
    expect(page.locator(".tips")).to_contain_text("They are moved at night.")
    assert tip.messages.count() == 1


def test_a_wrong_passphrase_learns_nothing(new_page, small_city):
    page = new_page(PHONE)
    code = send_tip(page)
    open_tip(page, code, "not my passphrase")
    expect(page.locator("[role=alert]")).to_contain_text("The receipt code or the passphrase is not right.")
    assert TEXT not in page.content()
    open_tip(page, "7KQ2-M9XD-4RTB-H0WS")
    expect(page.locator("[role=alert]")).to_contain_text("The receipt code or the passphrase is not right.")


def test_a_tip_handler_reads_and_screens_the_tip(new_page, desk):
    send_tip(new_page(PHONE))
    tip = Tip.objects.select_related("case").get()
    page = new_page()
    sign_in(page, "tina", "pw-tina")
    page.goto(page.base + "/tips/staff/")
    page.get_by_role("link", name=tip.case.number).click()
    expect(page.locator("[data-tip-content]")).to_contain_text(TEXT)
    assert PersonalDataAccess.objects.filter(user=desk.tina, field="tip_content").exists()
    page.locator("form[action$='/act/screen/'] button[type=submit]").click()
    expect(page.locator(".wb-status")).to_have_text("Screened")
    tip.case.refresh_from_db()
    assert tip.case.status == "screened"
