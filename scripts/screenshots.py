"""Screenshots of the main pages, in Chinese and in English, for the documentation.

    .venv/bin/python scripts/screenshots.py            # run by `make screenshots`
    .venv/bin/python scripts/screenshots.py --fresh    # rebuild the cached demo city too

It never touches the database `make run` serves. It works on its own SQLite files under
``var/screenshots/``: the demo city (``build_demo_city``, built once and kept in ``city.sqlite3``)
copied to ``demo.sqlite3`` and given 30 days of history (``simulate_history --days 30``; where
that command does not exist, a few dozen cases made through the actions), plus a few cases made
through the actions so that every page has something to show (a case waiting for the grid
worker's check, a reporter's contact to mask). Then it serves that database on a free local
port, signs in as the demo accounts and writes ``docs/screenshots/<page>.<zh|en>.png`` with
Playwright driving the machine's Chromium (``/usr/bin/chromium``; nothing is downloaded).

Chinese pages need a CJK font on the machine (Debian: ``apt-get install fonts-noto-cjk``); without
one every Chinese character would be drawn as a box, so the script refuses to run.
"""

import argparse
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
WORK = ROOT / "var" / "screenshots"
CITY_DB = WORK / "city.sqlite3"
DEMO_DB = WORK / "demo.sqlite3"
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "civicgrid-demo"  # noqa: S105 - the documented demo password (README, `make run`)
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}
# Long pages are cut here: the top of a page is what a screenshot is for.
MAX_HEIGHT = 2600
LANGS = (("zh", "zh-hans", "zh-CN"), ("en", "en", "en"))  # file tag, Django code, browser locale
FLAGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-sync"]


def say(text: str) -> None:
    print(f"screenshots: {text}", flush=True)


def environment() -> dict[str, str]:
    """The settings of every process of this script: the dedicated SQLite file, its own media."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "civicgrid.settings",
            "DATABASE_URL": "",  # always the dedicated SQLite file, whatever the shell says
            "SQLITE_PATH": str(DEMO_DB),
            "MEDIA_ROOT": str(WORK / "media"),
            "DEBUG": "True",  # the development server then serves the static files itself
            "LOG_LEVEL": "ERROR",
        }
    )
    return env


def manage(*args: str, db: Path = DEMO_DB) -> None:
    env = environment() | {"SQLITE_PATH": str(db)}
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True)  # noqa: S603 - our manage.py


def has_command(name: str) -> bool:
    return any((ROOT / "civicgrid").glob(f"*/management/commands/{name}.py"))


def check_machine() -> None:
    if not os.path.exists(CHROMIUM):
        sys.exit(f"screenshots: no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    fc_list = shutil.which("fc-list") or "fc-list"
    fonts = subprocess.run([fc_list, ":lang=zh", "family"], capture_output=True, text=True, check=False).stdout  # noqa: S603
    if not fonts.strip():
        sys.exit("screenshots: no Chinese font on this machine (Debian: apt-get install fonts-noto-cjk)")
    if not (ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.mo").exists():
        say("warning: locale/zh_Hans is not compiled: the Chinese pages will show English texts")


# --- the database -----------------------------------------------------------------------------


def copy_sqlite(src: Path, dst: Path) -> None:
    """A consistent copy of a WAL-mode database (the backup API, not a file copy)."""
    for suffix in ("", "-wal", "-shm"):
        Path(f"{dst}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(src) as a, sqlite3.connect(dst) as b:
        a.backup(b)


def prepare_database(fresh: bool, days: int, history: bool) -> None:
    WORK.mkdir(parents=True, exist_ok=True)
    if fresh or not CITY_DB.exists():
        say("building the demo city (once; kept in var/screenshots/city.sqlite3)")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{CITY_DB}{suffix}").unlink(missing_ok=True)
        manage("migrate", "--noinput", "-v0", db=CITY_DB)
        manage("build_demo_city", db=CITY_DB)
    copy_sqlite(CITY_DB, DEMO_DB)
    shutil.rmtree(WORK / "media", ignore_errors=True)
    manage("migrate", "--noinput", "-v0")  # the cached city may predate a migration
    if history:
        say(f"simulating {days} days of history")
        manage("simulate_history", "--days", str(days), "-v0")
    else:
        say("no simulate_history command: making a few dozen cases through the actions")


def seed(with_history: bool) -> dict:
    """Cases made through the actions (as the pages would make them), and what the shots open.

    Runs in this process on the dedicated database (Django is set up here for it)."""
    os.environ.update(environment())
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    import random

    from django.contrib.auth import get_user_model

    from civicgrid.cases import actions as A
    from civicgrid.cases.models import Case
    from civicgrid.categories.models import Category
    from civicgrid.geo.models import Region
    from civicgrid.org import access
    from civicgrid.org.models import Staff
    from civicgrid.org.roles import Role

    users = get_user_model().objects
    dispatcher = users.get(username="district.dispatcher")
    gridworker = users.get(username="gridworker")
    grid = (
        Region.objects.filter(level=Region.Level.GRID, valid_to__isnull=True)
        .filter(access.region_scope_q(gridworker, "code"))
        .order_by("code")
        .first()
    )
    district = grid.code[:6]
    categories = list(
        Category.objects.filter(active=True, public=True, parent__isnull=False, unit_type="urban_management")
        .filter(kind__in=("component", "event"))
        .order_by("code")
    )
    rng = random.Random(20261129)

    def point_in(region):
        shape = region.shape
        minx, miny, maxx, maxy = shape.bounds
        from shapely.geometry import Point

        while True:
            p = Point(rng.uniform(minx, maxx), rng.uniform(miny, maxy))
            if shape.contains(p):
                return {"lat": p.y, "lon": p.x, "crs": "gcj02"}

    def handler_of(case):
        staff = Staff.objects.filter(unit=case.owner_unit, roles__role=Role.HANDLER).select_related("user").first()
        return staff.user if staff else None

    def advance(case, until):
        """Take ``case`` through the loop up to ``until`` (a status), as the staff would."""
        steps = [
            ("accepted", lambda c: A.do_accept_case(c, acting_user=dispatcher)),
            ("dispatched", lambda c: A.do_dispatch_case(c, acting_user=dispatcher)),
            ("signed", lambda c: A.do_sign_case(c, acting_user=handler_of(c))),
            ("handled", lambda c: A.do_handle_case(c, acting_user=handler_of(c), result=HANDLED_TEXT)),
            ("closed", lambda c: A.do_verify_case(c, acting_user=dispatcher)),
        ]
        for status, step in steps:
            case.refresh_from_db()
            if status in ("signed", "handled") and handler_of(case) is None:
                return case
            step(case)
            if status == until:
                break
        case.refresh_from_db()
        return case

    def report(category, where, text, **kw):
        case, _ = A.do_report_case(acting_user=None, category=category, description=text, **where, **kw)
        return case

    if not with_history:  # a small history of the first district, through the actions
        grids = list(Region.objects.filter(level=Region.Level.GRID, code__startswith=district).order_by("?")[:40])
        for i, g in enumerate(grids):
            case = report(categories[i % len(categories)], point_in(g), describe(categories[i % len(categories)]))
            advance(case, rng.choice(["reported", "accepted", "dispatched", "handled", "closed", "closed"]))

    # The grid worker's grid: one case waiting for the check (with a contact to mask), one new report.
    category = categories[0]
    waiting = report(
        category,
        point_in(grid),
        describe(category),
        address="学府路3号，学校门口 (Lane 3, by the school gate)",
        contact="13812345678",
        contact_shared=True,
    )
    waiting = advance(waiting, "handled")
    other = categories[1 % len(categories)]
    fresh = report(other, point_in(grid), describe(other))

    tracked = (
        Case.objects.filter(district_code=district, status="closed", rating__isnull=False, kind="problem")
        .order_by("-version", "-closed_at")
        .first()
    ) or advance(report(category, point_in(grid), describe(category)), "closed")
    return {
        "case_id": waiting.pk,
        "report_text": {"zh": f"{other.name_zh}，就在路口。", "en": f"{other.name_en}, right at the crossing."},
        "track_token": tracked.tracking_token,
        "report_category": fresh.category_id,
        "report_point": (fresh.y, fresh.x),
        "district": district,
    }


HANDLED_TEXT = "已更换新井盖并清理现场。A new cover was fitted and the site cleaned."


def describe(category) -> str:
    """A report's text in both languages (the demo is shown in both)."""
    return f"{category.name_zh}有问题，请尽快处理。{category.name_en}: a problem here, please deal with it."


# --- the server -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen(  # noqa: S603 - our own manage.py
        [PYTHON, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            sys.exit("screenshots: the server did not start")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=2):
                return server
        except OSError:
            time.sleep(0.3)
    stop_server(server)
    sys.exit("screenshots: the server did not answer within 60 s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)  # the process group this script started
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)


# --- the shots --------------------------------------------------------------------------------


def settle(page) -> None:
    """Wait until the maps are drawn, live points loaded and fonts ready."""
    page.wait_for_load_state("networkidle")
    page.wait_for_function(
        "Array.from(document.querySelectorAll('[data-map]')).every(el => el.hasAttribute('data-map-ready'))",
        timeout=30_000,
    )
    page.wait_for_function(
        "Array.from(document.querySelectorAll('[data-live-points]')).every(el =>"
        " el.hasAttribute('data-points-ready') || el.hasAttribute('data-map-error'))",
        timeout=30_000,
    )
    page.evaluate("document.fonts.ready.then(() => true)")
    page.wait_for_timeout(600)  # Leaflet's fit animation and the canvas


def shoot(page, name: str, tag: str) -> Path:
    settle(page)
    path = OUT / f"{name}.{tag}.png"
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.viewport_size["width"]
    page.screenshot(
        path=str(path), full_page=True, clip={"x": 0, "y": 0, "width": width, "height": min(height, MAX_HEIGHT)}
    )
    errors = page.evaluate("Array.from(document.querySelectorAll('[data-map-error]')).length")
    say(f"wrote {path.relative_to(ROOT)}" + (f" (warning: {errors} map(s) failed to load)" if errors else ""))
    return path


def take_all(base: str, data: dict) -> list[Path]:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    written = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        for tag, code, locale in LANGS:

            def context(viewport=DESKTOP, user=None, code=code, locale=locale):
                ctx = browser.new_context(
                    viewport=viewport, locale=locale, extra_http_headers={"Accept-Language": locale}
                )
                ctx.add_cookies([{"name": "django_language", "value": code, "url": base}])
                ctx.set_default_timeout(30_000)
                page = ctx.new_page()
                if user:
                    page.goto(f"{base}/accounts/login/")
                    page.fill("#id_username", user)
                    page.fill("#id_password", PASSWORD)
                    with page.expect_navigation():
                        page.click("button[type=submit]")
                    if "/accounts/login/" in page.url:
                        sys.exit(f"screenshots: {user} could not sign in")
                return page

            resident = context()
            resident.goto(f"{base}/")
            written.append(shoot(resident, "portal-home", tag))

            resident.goto(f"{base}/report/")
            settle(resident)
            resident.select_option("#id_category", str(data["report_category"]))
            resident.click("details.portal-coordinates summary")
            lat, lon = data["report_point"]
            resident.fill("#id_lat", f"{lat:.6f}")
            resident.fill("#id_lon", f"{lon + 0.0003:.6f}")
            resident.press("#id_lon", "Tab")  # the page moves the pin and looks for reports nearby
            resident.wait_for_selector("[data-nearby-checked]")
            resident.fill("#id_description", data["report_text"][tag])
            written.append(shoot(resident, "report", tag))

            resident.goto(f"{base}/track/{data['track_token']}/")
            written.append(shoot(resident, "track", tag))

            resident.goto(f"{base}/map/")
            written.append(shoot(resident, "map", tag))
            resident.context.close()

            dispatcher = context(user="district.dispatcher")
            dispatcher.goto(f"{base}/workbench/")
            written.append(shoot(dispatcher, "workbench-queue", tag))
            dispatcher.goto(f"{base}/workbench/cases/{data['case_id']}/")
            written.append(shoot(dispatcher, "workbench-case", tag))
            dispatcher.context.close()

            worker = context(PHONE, user="gridworker")
            worker.goto(f"{base}/patrol/")
            written.append(shoot(worker, "patrol-home", tag))
            worker.context.close()

            leader = context(user="leader")
            leader.goto(f"{base}/command/")
            written.append(shoot(leader, "command-city", tag))
            leader.context.close()

            supervisor = context(user="district.supervisor")
            supervisor.goto(f"{base}/command/?region={data['district']}")
            written.append(shoot(supervisor, "command-district", tag))
            supervisor.context.close()
        browser.close()
    return written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fresh", action="store_true", help="rebuild the cached demo city first")
    parser.add_argument("--days", type=int, default=30, help="days of simulated history (default 30)")
    parser.add_argument(
        "--no-history", action="store_true", help="make a few dozen cases through the actions instead of a history"
    )
    args = parser.parse_args()
    check_machine()
    started = time.monotonic()
    history = has_command("simulate_history") and not args.no_history
    prepare_database(args.fresh, args.days, history)
    data = seed(with_history=history)
    port = free_port()
    server = start_server(port)
    try:
        written = take_all(f"http://127.0.0.1:{port}", data)
    finally:
        stop_server(server)
    say(f"{len(written)} screenshots in {OUT.relative_to(ROOT)}/ in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
