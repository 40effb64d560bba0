"""Browser tests: Playwright driving the machine's Chromium (Debian's ``chromium`` package)
against a live server. No browser is ever downloaded. Without Chromium the tests are skipped,
unless ``REQUIRE_BROWSER=1`` (set by CI), which turns a missing browser into a failure."""

import functools
import io
import os
import shutil

import pytest
from django.core.cache import cache

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


# Tables whose rows a flush may keep: written once by migrate, the same for every test.
STATIC_TABLES = frozenset({"django_migrations", "django_content_type", "auth_permission"})


def _delete_flush(original, style, tables, *, reset_sequences=False, allow_cascade=False):
    """PostgreSQL's flush between live-server tests, as DELETEs instead of one TRUNCATE of every
    table: the same empty tables (foreign keys are deferred to the commit) in about 0.05 s
    instead of about 2 s. Sequences are not reset either way unless asked."""
    if reset_sequences:
        return original(style, tables, reset_sequences=reset_sequences, allow_cascade=allow_cascade)
    from django.db import connection

    quote = connection.ops.quote_name
    # Table names come from the models (``django_table_names``), quoted: no input reaches them.
    deletes = [f"DELETE FROM {quote(t)}" for t in tables if t not in STATIC_TABLES]  # noqa: S608
    return ["SET CONSTRAINTS ALL DEFERRED", *deletes]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item):
    """Around the teardown of the tests of this folder only (where the database is flushed)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return (yield)
    ops = connection.ops
    ops.sql_flush = functools.partial(_delete_flush, ops.sql_flush)
    try:
        return (yield)
    finally:
        ops.__dict__.pop("sql_flush", None)


class _Chromium:
    """One Playwright and one Chromium for the whole test process, however many packages import
    the ``browser`` fixture into their conftest (each import is a session fixture of its own, and
    a second ``sync_playwright()`` inside the first one's event loop is refused)."""

    users = 0
    playwright = None
    browser = None
    saved_env = None

    @classmethod
    def acquire(cls):
        if cls.users == 0:
            from playwright.sync_api import sync_playwright

            # Playwright's sync API runs an event loop in this thread from now on; Django's ORM
            # refuses to run while one is running unless told the code is not actually async.
            cls.saved_env = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
            cls.playwright = sync_playwright().start()
            try:
                cls.browser = cls.playwright.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
            except Exception:
                cls._stop()
                raise
        cls.users += 1
        return cls.browser

    @classmethod
    def release(cls):
        cls.users -= 1
        if cls.users == 0:
            cls.browser.close()
            cls._stop()

    @classmethod
    def _stop(cls):
        cls.playwright.stop()
        cls.playwright = cls.browser = None
        if cls.saved_env is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = cls.saved_env


@pytest.fixture(scope="session")
def browser(django_db_setup):
    # The test database is set up first: creating it inside Playwright's event loop is refused.
    if not os.path.exists(CHROMIUM):
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(f"REQUIRE_BROWSER=1 but no Chromium at {CHROMIUM}")
        pytest.skip("no Chromium on this machine (apt-get install chromium)")
    yield _Chromium.acquire()
    _Chromium.release()


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


@pytest.fixture(autouse=True)
def _fresh_cache():
    # The live server runs in this process and shares its in-memory cache: the home page's
    # numbers and the command centre's map points must not leak from one test into the next.
    cache.clear()
    yield
    cache.clear()


def sign_in(page, username, password):
    """Sign in through the sign-in page; the page is then on the user's landing page."""
    page.goto(page.base + "/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"


def wait_for_maps(page):
    """Wait until every map on the page has drawn its layers (map.js sets data-map-ready)."""
    page.wait_for_function(
        "Array.from(document.querySelectorAll('[data-map]')).every(el => el.hasAttribute('data-map-ready'))"
    )


def click_map_at(page, selector, lat, lon):
    """Click the Leaflet map ``selector`` where the point (lat, lon) in map (city) coordinates
    is drawn, as a person clicking the map would."""
    map_el = page.locator(selector)
    map_el.scroll_into_view_if_needed()
    x, y = map_el.evaluate(
        "(el, p) => { const c = el.civicgridMap.latLngToContainerPoint(p); return [c.x, c.y]; }", [lat, lon]
    )
    box = map_el.bounding_box()
    assert 0 < x < box["width"] and 0 < y < box["height"], "the point is not in the map's view"
    page.mouse.click(box["x"] + x, box["y"] + y)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than the viewport (0 when nothing scrolls sideways)."""
    return page.evaluate("document.documentElement.scrollWidth - window.innerWidth")


def jpeg_file(name="photo.jpg", colour=(40, 120, 200)) -> dict:
    """A small real JPEG for a file input (``set_input_files``)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return {"name": name, "mimeType": "image/jpeg", "buffer": out.getvalue()}
