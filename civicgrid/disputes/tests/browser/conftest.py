"""The browser fixtures of the web issue (Playwright on the machine's Chromium), reused here."""

from civicgrid.web.tests.browser.conftest import (  # noqa: F401 - fixtures
    _allow_sync_db_in_async_playwright,
    _fresh_cache,
    browser,
    new_page,
)
