"""Browser tests: Playwright driving the machine's Chromium (Debian's ``chromium`` package)
against a live server. No browser is ever downloaded. Without Chromium the tests are skipped,
unless ``REQUIRE_BROWSER=1`` (set by CI), which turns a missing browser into a failure."""

import os
import shutil

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
# Flags for a closed network: no background connections, no updates, no first-run work.
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a fresh browser context (its own cookies) and page; ``new_page(viewport, lang)``."""
    contexts = []

    def make(viewport=DESKTOP, lang="en"):
        ctx = browser.new_context(viewport=viewport, locale=lang, extra_http_headers={"Accept-Language": lang})
        ctx.set_default_timeout(15_000)
        contexts.append(ctx)
        page = ctx.new_page()
        page.base = live_server.url
        return page

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture(autouse=True)
def _allow_sync_db_in_async_playwright(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django's ORM refuses to run while
    # one is running unless told the code is not actually async.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def sign_in(page, username, password):
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
