"""The header's language selector: Chinese by default, English on request, and back.

The Chinese texts are whatever the project's catalogue (``locale/zh_Hans``) says: the expected
strings are asked of Django's ``gettext`` in Chinese, so the test holds before the catalogue is
compiled (the page is then in English with ``<html lang="zh-hans">``) and, once it is, checks
that the page really shows the translations.
"""

from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from playwright.sync_api import expect

pytestmark = [pytest.mark.django_db(transaction=True)]

# Texts of the header and the home page, in the source language.
TEXTS = {
    "nav_report": "Report a problem",
    "nav_track": "Track",
    "nav_map": "Problems near you",
    "sign_in": "Staff sign-in",
    "hero": "Something wrong in your street? Tell the city.",
}
CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo"


def in_chinese() -> dict[str, str]:
    with translation.override("zh-hans"):
        return {key: translation.gettext(text) for key, text in TEXTS.items()}


def shown(page) -> dict[str, str]:
    nav = page.locator("header.top nav")
    return {
        "nav_report": nav.get_by_role("link").nth(0).inner_text().strip(),
        "nav_track": nav.get_by_role("link").nth(1).inner_text().strip(),
        "nav_map": nav.get_by_role("link").nth(2).inner_text().strip(),
        "sign_in": page.locator("header.top .tools a").inner_text().strip(),
        "hero": page.locator("h1").inner_text().strip(),
    }


def choose_language(page, code):
    with page.expect_navigation():
        page.select_option("#lang-select", code)  # the selector submits itself on change


def test_chinese_by_default_then_english_then_chinese_again(new_page, db):
    page = new_page(lang="zh-CN")  # a browser set to Chinese (Accept-Language: zh-CN)
    page.goto(page.base + "/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("#lang-select option:checked")).to_have_text("简体中文")
    chinese = in_chinese()
    assert shown(page) == chinese
    if CATALOGUE.exists():  # once the catalogue is compiled the page must really be in Chinese
        untranslated = [TEXTS[k] for k in TEXTS if chinese[k] == TEXTS[k]]
        assert not untranslated, f"not translated in {CATALOGUE}: {untranslated}"

    choose_language(page, "en")
    assert page.url.rstrip("/") == page.base  # back on the page it was chosen on
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#lang-select option:checked")).to_have_text("English")
    assert shown(page) == TEXTS

    # The choice sticks on the next page although the browser still asks for Chinese...
    page.goto(page.base + "/report/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Report a problem")

    # ... until Chinese is chosen again.
    choose_language(page, "zh-hans")
    assert page.url == page.base + "/report/"
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page.locator("h1")).to_have_text(chinese["nav_report"])
