"""Fixtures of the notify tests: a category, a helper that runs case actions with their
on-commit callbacks, and a real HTTP server on 127.0.0.1 standing in for a webhook receiver."""

import http.server
import threading

import pytest

from civicgrid.cases import actions
from civicgrid.categories.models import Category
from civicgrid.geo import locator

# A point inside grid A1 of the small city (GCJ-02, used as-is).
LAT, LON = 39.105, 117.205


@pytest.fixture
def category(small_city):
    locator.invalidate()
    parent = Category.objects.create(
        code="01", kind="event", name_zh="市容环境", name_en="City appearance", unit_type="urban_management"
    )
    return Category.objects.create(
        code="0101",
        parent=parent,
        kind="event",
        name_zh="乱堆物料",
        name_en="Dumped materials",
        unit_type="urban_management",
        deadlines={},
    )


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a case action and then its on-commit callbacks (the queueing), as a real commit would."""

    def _run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return _run


@pytest.fixture
def report(run, category):
    """Report a problem in grid A1; returns the case."""

    def _report(acting_user=None, contact="", **kwargs):
        case, _created = run(
            actions.do_report_case,
            acting_user=acting_user,
            category=category,
            lat=LAT,
            lon=LON,
            crs="gcj02",
            description="Building materials dumped on the pavement",
            contact=contact,
            **kwargs,
        )
        return case

    return _report


class Receiver:
    """What the local webhook receiver got, and the status it answers with."""

    def __init__(self):
        self.status = 200
        self.requests: list[dict] = []
        self.url = ""


@pytest.fixture
def receiver():
    got = Receiver()

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", 0))
            got.requests.append({"path": self.path, "headers": self.headers, "body": self.rfile.read(length)})
            self.send_response(got.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    got.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    yield got
    server.shutdown()
    server.server_close()
    thread.join(5)
