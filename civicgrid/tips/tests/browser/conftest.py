"""The browser fixtures of the web pages' tests (Playwright driving the machine's Chromium)."""

from civicgrid.web.tests.browser.conftest import (  # noqa: F401 - fixtures used by name
    _allow_sync_db_in_async_playwright,
    browser,
    new_page,
)
