"""Synthetic history: problem cases that went through the closed loop, written in bulk.

``simulate`` fills the city with cases reported over ``[end - days, end)`` so that every page,
ranking and benchmark has real-sized data to show. The cases are made by the **same rules** as
live ones, only faster:

- every step is a transition of ``workflow/problem.py``, checked with ``PROBLEM.check`` against
  the roles the actor holds on the case (``cases/access.py::roles_on_case`` for a real account);
- every case column is changed exactly as the ``do_*`` action of that step changes it (the
  ``changes`` below are theirs, step by step), deadlines come from the category on the working
  calendar (``deadlines``), the unit from the routing rule (``routing.responsible_unit``, here
  answered from units read once) and every event is built as ``actions._event`` builds
  it, so ``seq`` runs 1..n, ``version`` is n and ``last_event_hash`` closes the hash chain;
- the deadline sweeper is replayed: a step still running when its deadline passes escalates at
  the next sweep (every ``SWEEP_EVERY``), once per deadline, as ``sweep.py`` does.

What differs from the live path: cases and events are built in memory and written in bulk, one
INSERT per table and batch, one transaction per ``BATCH_DAYS`` days; nobody is notified (history
is not news); actors are the accounts that would hold the role on the case (the demo accounts where
their scope reaches), otherwise the event records the role with no account, as the sweeper's
system events do. Reports carry no personal data: residents are anonymous, contacts empty.

Simulated cases are marked by their idempotency key, ``"sim:" + number``. Live keys are always
namespaced by the caller (``web:``, ``key<id>:``, ``open311:<id>:``), so the two never meet and
``delete_simulated`` removes only simulated cases.

Volume and rates (processes.md): Dongcheng's 1,652 grids handled about 3,000 city-management
cases a month (§1.2), about 60 a grid a year; at that density 16,000 grids see some 2,600 a
day, and Beijing's 12345 takes tens of thousands (§4.3). The default of ``DEFAULT_PER_DAY`` is
lower, to keep ``make setup`` fast; ``--per-day`` raises it. Outcomes are tuned to the published
figures: on-time closure about 90 %, closure about 96 % (§1.5: 连云港 96.16 % / 89.62 %),
rework and extension a few per cent or less (§1.5, Fuzhou), satisfaction 90-97 % and response
close to 100 % (§4.2), a few parked (缓办) cases per thousand.
"""

from __future__ import annotations

import math
import operator
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist

import numpy as np
import shapely
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from civicgrid.cases import actions, chain, deadlines, routing
from civicgrid.cases.access import roles_on_case
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.cases.workflow import problem
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, SYSTEM
from civicgrid.categories.models import Category
from civicgrid.geo.demo_city import CENTRAL_DISTRICTS
from civicgrid.geo.locator import Location, get_locator
from civicgrid.lib.workcalendar import HOURS, MINUTES, WORKING_HOURS, default_calendar, parse_duration
from civicgrid.org import access
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role, UnitType

WORKFLOW = problem.PROBLEM
SIM_KEY_PREFIX = "sim:"


DEFAULT_DAYS = 90
# 90 days at this rate: about 71,000 cases and 450,000 events, written in about 30 s of CPU on
# SQLite (one core).
DEFAULT_PER_DAY = 800
MAX_DAYS = 3660
BATCH_DAYS = 7
SWEEP_EVERY = timedelta(minutes=10)

# --- volume and mix -------------------------------------------------------------------------

# Relative frequency of each problem category (per mille of cases, roughly). Street-level
# events dominate what cities see (exposed garbage, roads occupied, small ads, parking, dirty
# roads: processes.md §1.4 lists them first); broken components are fewer; emergencies rare
# and a road collapse rarest. A category missing from the table gets DEFAULT_WEIGHT.
CATEGORY_WEIGHTS = {
    # components
    "B0101": 5, "B0102": 6, "B0103": 6, "B0104": 4, "B0105": 1.5, "B0106": 2, "B0107": 5,
    "B0108": 30, "B0109": 3, "B0110": 2, "B0111": 1, "B0112": 6,
    "B0201": 4, "B0202": 4, "B0203": 8, "B0204": 3, "B0205": 3, "B0206": 1, "B0207": 1,
    "B0208": 0.3, "B0209": 15,
    "B0301": 20, "B0302": 5, "B0303": 5, "B0304": 3, "B0305": 3,
    "B0401": 10, "B0402": 0.5, "B0403": 8, "B0404": 5, "B0405": 0.5,
    "B0501": 0.5, "B0502": 1, "B0503": 1, "B0601": 0.3, "B0602": 1, "B0603": 2,
    # events
    "E0101": 15, "E0102": 120, "E0103": 30, "E0104": 70, "E0105": 50, "E0106": 35, "E0107": 15,
    "E0108": 4, "E0109": 10, "E0110": 10,
    "E0201": 90, "E0202": 10, "E0203": 20, "E0204": 15,
    "E0301": 8, "E0302": 8, "E0303": 8, "E0304": 8, "E0305": 3, "E0306": 4,
    "E0401": 35, "E0402": 60, "E0403": 60, "E0404": 10, "E0405": 40, "E0406": 80, "E0407": 6,
    "E0408": 4, "E0409": 10,
    "E0501": 1.5, "E0502": 6, "E0503": 0.3, "E0504": 1, "E0505": 3, "E0506": 0.1, "E0507": 2,
    "E0508": 1, "E0509": 2,
}  # fmt: skip
DEFAULT_WEIGHT = 5.0
# Month multipliers (index 0 = January) of the categories that follow the seasons: heating
# fails in the heating season (15 Nov - 15 Mar), ice in winter, waterlogging, fallen trees and
# blocked sewers with the summer rains, open-air barbecues in summer, burning leaves in autumn.
SEASONAL = {
    "E0505": (1, 1, 0.8, 0.1, 0.02, 0.02, 0.02, 0.02, 0.02, 0.05, 0.5, 1),
    "E0509": (1, 0.8, 0.2, 0, 0, 0, 0, 0, 0, 0, 0.2, 1),
    "E0507": (0.05, 0.05, 0.1, 0.2, 0.5, 2, 3, 3, 1, 0.3, 0.1, 0.05),
    "E0508": (0.3, 0.3, 0.5, 0.8, 1, 2, 2.5, 2.5, 1, 0.8, 0.6, 0.4),
    "E0502": (0.6, 0.6, 0.7, 0.8, 1, 1.5, 2, 2, 1.2, 0.9, 0.7, 0.6),
    "E0404": (0.2, 0.2, 0.4, 0.8, 1.5, 2, 2, 2, 1.5, 0.8, 0.3, 0.2),
    "E0108": (1, 0.8, 0.8, 0.6, 0.4, 0.3, 0.3, 0.3, 0.6, 1.5, 2, 1.5),
}
# Categories whose problems keep coming back to the same spot: the hotspots are drawn from them.
RECURRING = ("E0102", "E0403", "E0402", "E0406", "E0201", "E0104", "E0103", "E0405", "E0404", "B0301")
ALL_YEAR = (1,) * 12
HOTSPOTS_PER_GRID = 1 / 200  # 80 recurring (grid, category) pairs in a city of 16,000 grids
HOTSPOT_SHARE = 0.06  # at most this share of a day's cases come from hotspots
HOTSPOT_RADIUS = 0.0002  # degrees, about 20 m

# Who reports (processes.md §1.3: supervisors' patrol, the public, higher-level referrals).
SOURCES = ("patrol", "app", "web", "hotline", "open311")
SOURCE_SHARES = (0.50, 0.20, 0.07, 0.18, 0.05)
RESIDENT_SOURCES = frozenset({"app", "web", "hotline", "open311"})
PATROL = SOURCES.index("patrol")
# Reports per local hour (0-23): grid workers patrol in the daytime; residents write at any hour
# with morning and evening peaks; the hotline answers day and night.
HOUR_PROFILES = {
    "patrol": (0, 0, 0, 0, 0, 0, 0, 0.2, 0.7, 1, 1, 0.9, 0.4, 0.6, 1, 1, 0.9, 0.6, 0.1, 0, 0, 0, 0, 0),
    "resident": (
        0.2, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.7, 1, 1.2, 1.2, 1.1,
        0.9, 0.9, 1, 1, 1, 1, 1.1, 1.2, 1.2, 1, 0.7, 0.4,
    ),
    "hotline": (
        0.15, 0.1, 0.05, 0.05, 0.05, 0.1, 0.3, 0.8, 1.2, 1.3, 1.3, 1.1,
        0.8, 1, 1.2, 1.2, 1.1, 1, 0.9, 0.8, 0.7, 0.5, 0.3, 0.2,
    ),
}  # fmt: skip
# Days: fewer reports on weekends and fewer still on public holidays; a little more in summer.
WEEKEND_FACTOR = 0.8
HOLIDAY_FACTOR = 0.7
SEASON_AMPLITUDE = 0.08
SEASON_PEAK_DAY = 196  # mid-July
# Grids differ in activity (lognormal spread); the six central districts are busier still.
GRID_ACTIVITY_SIGMA = 0.6
CENTRAL_FACTOR = 1.5

# --- outcomes -------------------------------------------------------------------------------

P_ON_SPOT = 0.7  # patrol reports of on-the-spot categories that the grid worker settles at once
P_REJECT = {"patrol": 0.005, "app": 0.04, "web": 0.05, "hotline": 0.03, "open311": 0.05}
P_DUPLICATE = 0.02  # cases that a second resident reports while they are open (then merged)
# Share of each step done within its deadline; the rest run late and the sweeper escalates them.
P_ON_TIME = {"accept": 0.99, "dispatch": 0.99, "sign": 0.98, "handle": 0.96, "verify": 0.97}
# Hard cases: the unit needs weeks (funds, other owners, works to schedule). They make the
# backlog, the escalations to district and city level and the cases leaders take the lead of.
P_HARD = 0.025
HARD_DAYS_LATE = (3, 60)
P_RETURN = 0.015  # a unit returns a wrongly dispatched case
P_START = 0.75  # the unit records "work started" before reporting the result
P_EXTENSION = 0.03  # asked when there is time left to ask; about 2 % of cases get one
P_EXTENSION_APPROVED = 0.8
P_PARK_ACCEPTED = 0.001  # parked (缓办) before dispatch, and while with the unit:
P_PARK_HANDLING = 0.003
P_UNPARK = 0.4
UNPARK_DAYS = (5, 60)  # how long a parked case waits before it is taken up again
P_REWORK = 0.03  # a verification fails: back to the unit
MAX_REWORK = 2
P_RATE = 0.6  # residents who rate a closed case
RATINGS_GOOD = ((3, 0.86), (2, 0.10), (1, 0.04))  # handled on time, no rework
RATINGS_POOR = ((3, 0.55), (2, 0.25), (1, 0.20))
P_REOPEN = {1: 0.25, 2: 0.02, 3: 0.003, None: 0.01}
P_URGE = 0.3  # a supervisor urges an escalated case
P_TAKE_LEAD = 0.5  # a supervisor takes the lead of a case escalated to the district
# Who verifies (grid worker on site, the reporter, the centre), by source.
VERIFIERS = {
    "patrol": ((Role.GRID_WORKER, 0.9), (Role.DISPATCHER, 0.1)),
    "resident": ((Role.GRID_WORKER, 0.6), (REPORTER, 0.25), (Role.DISPATCHER, 0.15)),
}
# How late a step is done: its time is ``f × (deadline - start)`` with f lognormal, so that a
# share P_ON_TIME[step] has f <= 1; a long tail runs late (capped at MAX_LATENESS windows).
LATENESS_SIGMA = 0.8
MAX_LATENESS = 8.0
# Places differ: each district and each street has a lasting punctuality offset (added to the
# lognormal mean; positive is later), so that rankings have something to rank. With these
# spreads districts close 80-95 % of their cases on time.
DISTRICT_SPREAD = 0.2
STREET_SPREAD = 0.12
# The least time a step takes, and the mean delay when its deadline has already passed.
MIN_DELAY = {
    "accept": timedelta(minutes=2),
    "dispatch": timedelta(minutes=1),
    "sign": timedelta(minutes=3),
    "handle": timedelta(minutes=20),
    "verify": timedelta(minutes=15),
}
LATE_MEAN = timedelta(hours=4)
# Staff act between these local hours unless the step's deadline runs on the clock (h, min).
STAFF_HOURS = (8, 20)

PLACES = (
    gettext_lazy("by the roadside"),
    gettext_lazy("at the gate of a residential compound"),
    gettext_lazy("near a bus stop"),
    gettext_lazy("in a back lane"),
    gettext_lazy("outside a row of shops"),
    gettext_lazy("near a school"),
    gettext_lazy("at a crossroads"),
    gettext_lazy("next to a small park"),
    gettext_lazy("under an overpass"),
    gettext_lazy("near a market"),
)
REASONS = {
    "reject": (
        gettext_lazy("Not a matter for city management: passed to the property management company."),
        gettext_lazy("The place is private property; the owner has been told."),
        gettext_lazy("Not enough information to find the problem; please report again with a photo."),
        gettext_lazy("Already dealt with before the report was read."),
    ),
    "return": (
        gettext_lazy("Not our responsibility: the facility belongs to another unit."),
        gettext_lazy("Wrong unit: outside the area we serve."),
    ),
    "park": (
        gettext_lazy("Needs funds in next year's budget."),
        gettext_lazy("Waiting for the planned road works."),
        gettext_lazy("Ownership of the facility is being determined."),
    ),
    "fail_verification": (
        gettext_lazy("The problem is still there."),
        gettext_lazy("Only partly fixed."),
        gettext_lazy("Fixed, but it came back the next day."),
    ),
    "urge": (
        gettext_lazy("Overdue: deal with it today."),
        gettext_lazy("Residents keep asking; report progress."),
    ),
    "request_extension": (
        gettext_lazy("Parts must be ordered."),
        gettext_lazy("Needs a contractor."),
        gettext_lazy("Bad weather stops the work."),
    ),
    "refuse_extension": (gettext_lazy("Not justified: finish within the deadline."),),
    "reopen": (
        gettext_lazy("It is not fixed."),
        gettext_lazy("The problem came back."),
    ),
    "handle": (
        gettext_lazy("Cleared on site; photos attached."),
        gettext_lazy("Repaired; photos attached."),
        gettext_lazy("Removed and the owner warned; photos attached."),
        gettext_lazy("Dealt with by the maintenance team; photos attached."),
    ),
    "resolve_on_spot": (),
}

STAFF_ROLES = (Role.GRID_WORKER, Role.DISPATCHER, Role.HANDLER, Role.SUPERVISOR)


def simulated_cases():
    """The simulated cases (their idempotency key starts with ``SIM_KEY_PREFIX``)."""
    return Case.objects.filter(idempotency_key__startswith=SIM_KEY_PREFIX)


def _profile(source: str) -> str:
    return source if source in ("patrol", "hotline") else "resident"


class HistoryError(Exception):
    """The history cannot be written (or deleted); the message says why."""


# --- reference data, read once ---------------------------------------------------------------


class Units:
    """Every active unit, read once, answering the routing rule without a query per case.

    ``responsible`` follows ``routing.responsible_unit`` step for step: the category's unit type
    in the community, street or district (most local first), else a city unit of that type,
    else the street's and then the district's governance centre."""

    def __init__(self):
        units = (
            Unit.objects.filter(active=True)
            .select_related("region")
            .only("code", "name_zh", "unit_type", "active", "region__code", "region__level")
            .order_by("code")
        )
        self.by_type_place: dict[tuple[str, str], Unit] = {}
        self.city: dict[str, Unit] = {}
        self.by_id: dict[int, Unit] = {}
        for u in units:
            self.by_id[u.pk] = u
            # The routing query builds a dict in code order: the last unit of a kind wins.
            self.by_type_place[(u.unit_type, u.region.code)] = u
            if u.region.level == "city":
                self.city.setdefault(u.unit_type, u)
        self._cache: dict[tuple, Unit | None] = {}

    def responsible(self, unit_type: str, community: str, street: str, district: str) -> Unit | None:
        key = (unit_type, community, street, district)
        if key not in self._cache:
            self._cache[key] = self._find(*key)
        return self._cache[key]

    def _find(self, wanted, community, street, district):
        gc = UnitType.GOVERNANCE_CENTRE
        for code in (community, street, district):
            if (wanted, code) in self.by_type_place:
                return self.by_type_place[(wanted, code)]
        if wanted != gc and wanted in self.city:
            return self.city[wanted]
        for code in (street, district):
            if (gc, code) in self.by_type_place:
                return self.by_type_place[(gc, code)]
        return None

    def after_return(self, case, returned_by: int) -> Unit | None:
        """Where the centre sends a returned case: the place's governance centre (属地兜底),
        street first, then district; the same unit again when there is none."""
        for code in (case.street_code, case.district_code):
            u = self.by_type_place.get((UnitType.GOVERNANCE_CENTRE, code))
            if u is not None and u.pk != returned_by and routing.unit_may_take(u, case):
                return u
        return None

    def grid_team(self, community: str) -> Unit | None:
        return self.by_type_place.get((UnitType.GRID_TEAM, community))


class Actors:
    """The accounts that take each role on a case: the staff member holding the role whose scope
    reaches the case most locally (a handler: one of the owner unit). Administrators are left
    out: an administrator could act anywhere but does not patrol or dispatch."""

    def __init__(self):
        User = get_user_model()
        users = (
            User.objects.filter(
                is_active=True, is_superuser=False, staff__unit__active=True, staff__roles__role__in=STAFF_ROLES
            )
            .distinct()
            .order_by("pk")
        )
        self.by_role: dict[str, list] = defaultdict(list)
        self.handlers: dict[int, object] = {}
        for user in users:
            roles = access.roles_of(user)
            for role in STAFF_ROLES:
                if role not in roles:
                    continue
                if role == Role.HANDLER:
                    self.handlers.setdefault(access.staff_of(user).unit_id, user)
                else:
                    self.by_role[role].append(user)
        self._cache: dict[tuple, object] = {}

    def find(self, role: str, case):
        """The account taking ``role`` on ``case`` (its state now), or None."""
        if role == Role.HANDLER:
            return self.handlers.get(case.owner_unit_id)
        key = (role, case.grid_code)
        here = self._cache.get(key)
        if here is None:
            here = self._cache[key] = self._reaching(role, case.grid_code)
        for user in here:
            if access.category_in_scope(user, case.category_id):
                return user
        return None

    def _reaching(self, role: str, grid_code: str) -> list:
        """Holders of ``role`` whose region scope covers the grid, most local scope first."""
        reach = []
        for user in self.by_role.get(role, ()):
            longest = max((len(p) for p in access.scope_prefixes(user) if grid_code.startswith(p)), default=-1)
            if longest >= 0:
                reach.append((-longest, user.pk, user))
        return [user for _len, _pk, user in sorted(reach, key=lambda r: r[:2])]


@dataclass
class CategoryInfo:
    category: Category
    weight: float
    public: bool
    # step -> (Duration, runs on the clock)
    steps: dict = field(default_factory=dict)
    handle_unit: str = ""


def _categories() -> list[CategoryInfo]:
    """Active problem categories a report may use (as ``do_report_case`` requires)."""
    out = []
    qs = Category.objects.filter(active=True, kind__in=("component", "event"), parent__isnull=False).order_by("code")
    for c in qs:
        info = CategoryInfo(c, CATEGORY_WEIGHTS.get(c.code, DEFAULT_WEIGHT), c.public)
        for step in deadlines.DEFAULT_STEP_TIMES:
            duration = deadlines.step_duration(c, step)
            info.steps[step] = (duration, duration.unit in (HOURS, MINUTES))
        info.handle_unit = info.steps["handle"][0].unit
        out.append(info)
    return out


class Grids:
    """The grids, their weights and points inside them, from the locator's polygons."""

    def __init__(self, rng: np.random.Generator):
        self.locator = get_locator()
        n = len(self.locator)
        if n == 0:
            raise HistoryError(_("The city has no grids: build or import the regions first."))
        self.bounds = shapely.bounds(self.locator.geometries)
        activity = rng.lognormal(0.0, GRID_ACTIVITY_SIGMA, n)
        central = np.array([loc.district in CENTRAL_DISTRICTS for loc in self.locator.locations])
        weights = activity * np.where(central, CENTRAL_FACTOR, 1.0)
        self.p = weights / weights.sum()

    def __len__(self):
        return len(self.locator)

    def points(self, rng: np.random.Generator, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """A random point inside each grid of ``idx``: drawn in the grid's bounds and kept when
        the locator puts it in that grid; a grid that keeps refusing gets its representative
        point (inside the polygon by construction, and checked all the same)."""
        xs = np.empty(len(idx))
        ys = np.empty(len(idx))
        todo = np.arange(len(idx))
        for _round in range(40):
            if len(todo) == 0:
                break
            b = self.bounds[idx[todo]]
            px = rng.uniform(b[:, 0], b[:, 2])
            py = rng.uniform(b[:, 1], b[:, 3])
            ok = self.locator.locate_many(px, py) == idx[todo]
            xs[todo[ok]], ys[todo[ok]] = px[ok], py[ok]
            todo = todo[~ok]
        for i in todo:
            p = shapely.point_on_surface(self.locator.geometries[idx[i]])
            if self.locator.locate_index(p.x, p.y) != idx[i]:
                raise HistoryError(
                    _("No point of grid %(code)s is located in it.") % {"code": self.locator.codes[idx[i]]}
                )
            xs[i], ys[i] = p.x, p.y
        return xs, ys

    def around(self, rng, i: int, x: float, y: float, radius: float, n: int) -> list[tuple[float, float]]:
        """Up to ``n`` points within ``radius`` (degrees) of (x, y) that lie in grid ``i``, and (x, y)."""
        px = x + rng.uniform(-radius, radius, n)
        py = y + rng.uniform(-radius, radius, n)
        keep = self.locator.locate_many(px, py) == i
        return [(x, y), *zip(px[keep].tolist(), py[keep].tolist(), strict=True)]


# --- one case --------------------------------------------------------------------------------


class Who:
    """The actor of one event: an account (or None) and the roles it holds on the case."""

    __slots__ = ("roles", "user")

    def __init__(self, user, roles):
        self.user = user
        self.roles = roles


class SimCase:
    """A case being simulated: the columns of ``Case`` and the events that made them.

    ``act`` mirrors ``actions.apply_transition``: table check, the role picked as the action picks it,
    the default step change, the case columns, the event. Attribute names are ``Case``'s, so
    that ``roles_on_case`` reads a SimCase as it reads a case."""

    def __init__(self, info: CategoryInfo, **columns):
        self.info = info
        self.category_id = info.category.pk
        self.kind = Case.Kind.PROBLEM
        self.status = problem.REPORTED
        self.version = 0
        self.priority = "normal"
        self.owner_unit_id = None
        self.lead_official_id = None
        self.urge_count = 0
        self.escalation_level = Case.Level.COMMUNITY
        self.parent = None  # the SimCase this one was merged into
        self.reporter_id = None
        self.contact = ""
        self.contact_shared = False
        self.step = ""
        self.step_started_at = None
        self.step_due_at = None
        self.overdue_marked = False
        self.pending_extension = ""
        self.accept_due_at = None
        self.accepted_at = None
        self.dispatched_at = None
        self.handle_due_at = None
        self.handled_at = None
        self.handled_on_time = None
        self.closed_at = None
        self.closed_on_spot = False
        self.rework_count = 0
        self.extension_count = 0
        self.reopen_count = 0
        self.return_count = 0
        self.ever_escalated = False
        self.ever_parked = False
        self.rating = None
        self.rated_at = None
        self.updated_at = None
        self.address = ""
        self.id = None
        self.parent_id = None
        self.last_event_hash = ""
        self.events: list[tuple] = []  # (at, user, role, action, from, to, reason, payload)
        self.first_closed_at = None
        self.__dict__.update(columns)

    def due(self, step: str, start: datetime) -> datetime:
        """``deadlines.due_at(category, step, start)``, with the category's durations read once."""
        return default_calendar().add(start, self.info.steps[step][0])

    def clock(self, step: str) -> bool:
        return self.info.steps[step][1]

    @property
    def last_at(self) -> datetime:
        return self.events[-1][0]

    def act(self, action: str, at: datetime, who: Who, *, reason="", payload=None, changes=None):
        creating = action in WORKFLOW.creating_actions
        t = WORKFLOW.check(None if creating else self.status, action, who.roles)
        role = actions.pick_role(who.roles, t.roles)
        if t.needs_reason and not reason:
            raise ValueError(f"{action} needs a reason")
        if self.events and at < self.last_at:
            raise ValueError(f"{action} at {at} before the previous event at {self.last_at}")
        changes = dict(changes or {})
        from_state = "" if creating else self.status
        to_state = t.leads_to(self.status)
        if t.starts_step and "step" not in changes:
            changes.update(
                step=t.starts_step, step_started_at=at, step_due_at=self.due(t.starts_step, at), overdue_marked=False
            )
        self.events.append((at, who.user, role, action, from_state, to_state, reason, payload or {}))
        for name, value in changes.items():
            setattr(self, name, value)
        self.status = to_state
        self.version += 1
        self.updated_at = at
        if to_state in (problem.CLOSED, problem.REJECTED, problem.MERGED) and self.first_closed_at is None:
            self.first_closed_at = at

    def insert_absorb(self, at: datetime, who: Who, duplicate_number: str):
        """The parent's side of a merge: an ``absorb`` event slotted in at ``at`` (it changes no
        column but the version, so the later events are only renumbered)."""
        i = len(self.events)
        while i > 0 and self.events[i - 1][0] > at:
            i -= 1
        state = self.events[i - 1][5]
        t = WORKFLOW.check(state, "absorb", who.roles)
        role = actions.pick_role(who.roles, t.roles)
        self.events.insert(
            i, (at, who.user, role, "absorb", state, t.leads_to(state), "", {"duplicate": duplicate_number})
        )
        self.version += 1
        self.updated_at = self.last_at


# --- the simulator ---------------------------------------------------------------------------


@dataclass
class Result:
    days: int = 0
    cases: int = 0
    events: int = 0
    statuses: Counter = field(default_factory=Counter)
    elapsed: float = 0.0


def _mu(p: float) -> float:
    """The lognormal mean whose share at or below 1 is ``p``."""
    return -LATENESS_SIGMA * NormalDist().inv_cdf(p)


class Simulator:
    def __init__(self, *, seed: int, per_day: int, start: datetime, end: datetime):
        self.seed = seed
        self.per_day = per_day
        self.start = start
        self.end = end
        self.calendar = default_calendar()
        self.tz = self.calendar.tz
        self.np = np.random.default_rng([seed, 0])
        self.grids = Grids(self.np)
        self.infos = _categories()
        if not self.infos:
            raise HistoryError(_("There are no active problem categories: load the categories first."))
        self.units = Units()
        self.actors = Actors()
        self.mu = {step: _mu(p) for step, p in P_ON_TIME.items()}
        self.reasons = {k: [str(r) for r in v] for k, v in REASONS.items()}
        text = _("%(category)s, %(place)s.")
        self.descriptions = {
            i.category.pk: [text % {"category": i.category.name, "place": str(p)} for p in PLACES] for i in self.infos
        }
        self.numbers: set[str] = set()
        self.hotspots = self._hotspots()
        self.sweep_s = SWEEP_EVERY.total_seconds()
        self._slowness: dict[str, float] = {}
        self.r = random.Random(seed)

    # --- what happens on a day -----------------------------------------------------------------

    def days(self) -> list[date]:
        first = timezone.localtime(self.start, self.tz).date()
        last = timezone.localtime(self.end - timedelta(microseconds=1), self.tz).date()
        return [first + timedelta(days=i) for i in range((last - first).days + 1)]

    def day_factor(self, day: date) -> float:
        if self.calendar.is_working_day(day):
            f = 1.0
        elif day.weekday() >= 5:
            f = WEEKEND_FACTOR
        else:
            f = HOLIDAY_FACTOR  # a public holiday on a weekday
        season = 1 + SEASON_AMPLITUDE * math.cos(2 * math.pi * (day.timetuple().tm_yday - SEASON_PEAK_DAY) / 365)
        return f * season

    def _hotspots(self) -> list[tuple[int, CategoryInfo, list, float]]:
        """(grid, category, points, cases a day) of the places where a problem keeps recurring:
        the points lie within about 20 m of one spot."""
        rng = np.random.default_rng([self.seed, 1])
        recurring = [i for i in self.infos if i.category.code in RECURRING] or self.infos
        n = max(1, round(len(self.grids) * HOTSPOTS_PER_GRID))
        grid_idx = rng.choice(len(self.grids), size=n, p=self.grids.p)
        weights = np.array([i.weight for i in recurring])
        cat_idx = rng.choice(len(recurring), size=n, p=weights / weights.sum())
        xs, ys = self.grids.points(rng, grid_idx)
        rates = rng.uniform(0.2, 0.8, n)
        cap = self.per_day * HOTSPOT_SHARE
        if rates.sum() > cap:
            rates *= cap / rates.sum()
        return [
            (int(g), recurring[c], self.grids.around(rng, int(g), float(x), float(y), HOTSPOT_RADIUS, 16), float(r))
            for g, c, x, y, r in zip(grid_idx, cat_idx, xs, ys, rates, strict=True)
        ]

    def _category_p(self, month: int, public_only: bool) -> tuple[list[CategoryInfo], np.ndarray]:
        infos = [i for i in self.infos if i.public or not public_only] or self.infos
        w = np.array([i.weight * SEASONAL.get(i.category.code, ALL_YEAR)[month - 1] for i in infos])
        if w.sum() <= 0:
            w = np.ones(len(infos))
        return infos, w / w.sum()

    def _times(self, rng, day: date, sources: np.ndarray) -> list[datetime]:
        """A report time on ``day`` for each source index, by the source's hourly profile."""
        midnight = datetime(day.year, day.month, day.day, tzinfo=self.tz)
        seconds = rng.uniform(0, 3600, len(sources))
        for name, profile in HOUR_PROFILES.items():
            which = np.flatnonzero(np.isin(sources, [i for i, s in enumerate(SOURCES) if _profile(s) == name]))
            p = np.array(profile) / sum(profile)
            seconds[which] += 3600 * rng.choice(24, size=len(which), p=p)
        return [midnight + timedelta(seconds=float(s)) for s in seconds]

    def simulate_day(self, day: date) -> list[SimCase]:
        """The cases reported on ``day`` (within the history window), each run to the end."""
        rng = np.random.default_rng([self.seed, 2, day.toordinal()])
        self.r = random.Random(f"{self.seed}:{day.toordinal()}")
        factor = self.day_factor(day)
        n = int(rng.poisson(self.per_day * factor))
        sources = rng.choice(len(SOURCES), size=n, p=SOURCE_SHARES)
        all_infos, all_p = self._category_p(day.month, public_only=False)
        pub_infos, pub_p = self._category_p(day.month, public_only=True)
        cats_all = rng.choice(len(all_infos), size=n, p=all_p)
        cats_pub = rng.choice(len(pub_infos), size=n, p=pub_p)
        grid_idx = rng.choice(len(self.grids), size=n, p=self.grids.p)
        xs, ys = self.grids.points(rng, grid_idx)
        plan = []
        for k in range(n):
            info = all_infos[cats_all[k]] if sources[k] == PATROL else pub_infos[cats_pub[k]]
            plan.append((info, int(grid_idx[k]), float(xs[k]), float(ys[k])))
        for g, info, points, rate in self.hotspots:
            for _k in range(int(rng.poisson(rate * factor))):
                plan.append((info, g, *points[int(rng.integers(len(points)))]))
        sources = np.concatenate([sources, rng.choice(len(SOURCES), size=len(plan) - n, p=SOURCE_SHARES)])
        times = self._times(rng, day, sources)
        order = sorted(range(len(plan)), key=lambda k: times[k])
        out = []
        for k in order:
            at = times[k]
            if not (self.start <= at < self.end):
                continue
            info, g, x, y = plan[k]
            # Residents choose among the public categories; grid workers report any.
            source = SOURCES[sources[k]] if info.public else "patrol"
            case = self.report(source, info, g, x, y, at)
            out.append(case)
            dup = self.duplicate_of(case)
            if dup is not None:
                out.append(dup)
        return out

    # --- the steps ------------------------------------------------------------------------------

    def new_number(self, at: datetime) -> str:
        prefix = at.astimezone(self.tz).strftime("%y%m%d")
        while True:
            number = prefix + "".join(self.r.choices(actions.NUMBER_ALPHABET, k=8))
            if number not in self.numbers:
                self.numbers.add(number)
                return number

    def who(self, role: str, case: SimCase) -> Who:
        """The actor taking ``role``: the account that holds it on the case (its roles as
        ``roles_on_case`` gives them), else no account, with the role recorded."""
        if role in (REPORTER, SYSTEM, RESIDENT):
            return Who(None, {RESIDENT, REPORTER} if role == REPORTER else {role})
        user = self.actors.find(role, case)
        if user is None:
            return Who(None, {role})
        roles = roles_on_case(user, case)
        if role not in roles:  # pragma: no cover - find() only returns accounts that hold it
            raise AssertionError(f"{user} does not hold {role} on the case")
        return Who(user, roles)

    def _new_case(self, source, info, loc, x, y, at) -> SimCase:
        number = self.new_number(at)
        return SimCase(
            info,
            number=number,
            idempotency_key=SIM_KEY_PREFIX + number,
            tracking_token=Case.new_token(),
            source=source,
            description=self.r.choice(self.descriptions[info.category.pk]),
            x=x,
            y=y,
            grid_code=loc.grid,
            community_code=loc.community,
            street_code=loc.street,
            district_code=loc.district,
            reported_at=at,
        )

    def report(self, source, info, g, x, y, at) -> SimCase:
        """A new case reported at ``at``, run through its life up to the end of the history."""
        case = self._new_case(source, info, self.grids.locator.locations[g], x, y, at)
        if source == "patrol":
            worker = self.actors.find(Role.GRID_WORKER, case)
            if info.category.on_spot and self.r.random() < P_ON_SPOT:
                self.resolve_on_spot(case, worker, at)
                return case
            who = self._reporter(worker, case, Role.GRID_WORKER)
        elif source == "hotline":
            who = self._reporter(self.actors.find(Role.DISPATCHER, case), case, Role.DISPATCHER)
        else:
            who = Who(None, {RESIDENT})
        case.reporter_id = getattr(who.user, "pk", None)
        case.act("report", at, who, payload={"source": source})
        case.accept_due_at = case.step_due_at
        self.answer(case)
        return case

    def _reporter(self, user, case, role) -> Who:
        # do_report_case: the actor's roles are "resident" and their staff roles.
        if user is None:
            return Who(None, {role})
        return Who(user, {RESIDENT, *access.roles_of(user)})

    def resolve_on_spot(self, case: SimCase, worker, at: datetime):
        if worker is not None:
            unit_id = access.staff_of(worker).unit_id
            case.reporter_id = worker.pk
        else:
            team = self.units.grid_team(case.community_code)
            unit_id = team.pk if team else None
        case.act(
            "resolve_on_spot",
            at,
            Who(worker, {Role.GRID_WORKER}),
            changes=dict(
                owner_unit_id=unit_id,
                accepted_at=at,
                dispatched_at=at,
                handled_at=at,
                handle_due_at=at,
                handled_on_time=True,
                closed_at=at,
                closed_on_spot=True,
                **actions.NO_STEP,
            ),
        )

    def duplicate_of(self, parent: SimCase) -> SimCase | None:
        """Sometimes a resident reports the same problem again while it is open: the centre merges
        the new report into the first (both at the merge time, as ``do_merge_case`` does).

        The second reporter is an anonymous resident (app or web), so the merge adds no supporter
        to the first case (``do_merge_case`` adds one only for a reporter with an account or a
        contact)."""
        if parent.closed_on_spot or self.r.random() >= P_DUPLICATE:
            return None
        open_until = min(parent.first_closed_at or self.end, self.end)
        at = parent.reported_at + timedelta(minutes=self.r.uniform(10, 48 * 60))
        if at >= open_until:
            return None
        source = self.r.choice(("app", "web"))
        # The same place: the parent's point, grid and regions.
        loc = Location(parent.grid_code, parent.community_code, parent.street_code, parent.district_code)
        dup = self._new_case(source, parent.info, loc, parent.x, parent.y, at)
        dup.act("report", at, Who(None, {RESIDENT}), payload={"source": source})
        dup.accept_due_at = dup.step_due_at
        when = self.when(dup, "accept", at, dup.step_due_at)
        if when >= open_until:
            # The first report was closed before the centre read this one: an ordinary case.
            if when < self.end:
                self.answer(dup)
            else:
                self.advance(dup, self.end)
            return dup
        if not self.advance(dup, when):
            return dup
        merger = self.who(Role.DISPATCHER, dup)
        dup.act("merge", when, merger, payload={"into": parent.number}, changes={**actions.NO_STEP})
        dup.parent = parent
        parent_who = Who(merger.user, roles_on_case(merger.user, parent) if merger.user else merger.roles)
        parent.insert_absorb(when, parent_who, dup.number)
        return dup

    # --- time --------------------------------------------------------------------------------

    def when(self, case: SimCase, step: str, start: datetime, due: datetime | None) -> datetime:
        """When the action ending ``step`` happens: mostly before ``due``, a tail after it."""
        minimum = MIN_DELAY[step].total_seconds()
        window = (due - start).total_seconds() if due is not None else 0.0
        if window <= minimum:
            seconds = minimum + self.r.expovariate(1 / LATE_MEAN.total_seconds())
        else:
            f = min(self.r.lognormvariate(self.mu[step] + self.slowness(case), LATENESS_SIGMA), MAX_LATENESS)
            seconds = max(minimum, f * window)
        at = start + timedelta(seconds=seconds)
        return at if case.clock(step) else self.staff_hours(at)

    def slowness(self, case: SimCase) -> float:
        """The lasting punctuality offset of the case's street and district (drawn once each)."""
        value = self._slowness.get(case.street_code)
        if value is None:
            district = np.random.default_rng([self.seed, 3, int(case.district_code)]).normal(0, DISTRICT_SPREAD)
            street = np.random.default_rng([self.seed, 4, int(case.street_code)]).normal(0, STREET_SPREAD)
            value = self._slowness[case.street_code] = float(district + street)
        return value

    def later(self, at: datetime, mean: timedelta, minimum=timedelta(minutes=5)) -> datetime:
        return self.staff_hours(at + minimum + timedelta(seconds=self.r.expovariate(1 / mean.total_seconds())))

    def staff_hours(self, at: datetime) -> datetime:
        local = at.astimezone(self.tz)
        start, end = STAFF_HOURS
        if start <= local.hour < end:
            return at
        day = local.date() if local.hour < start else local.date() + timedelta(days=1)
        return datetime(day.year, day.month, day.day, start, tzinfo=self.tz) + timedelta(
            seconds=self.r.uniform(0, 5400)
        )

    def next_sweep(self, after: datetime) -> datetime:
        ticks = math.floor(after.timestamp() / self.sweep_s) + 1
        return datetime.fromtimestamp(ticks * self.sweep_s, tz=self.tz)

    def advance(self, case: SimCase, until: datetime) -> bool:
        """Let the clock run to ``until``: the sweeper escalates an overdue step (and a
        supervisor may urge the case or take the lead). False when ``until`` is past the end."""
        limit = min(until, self.end)
        if (
            case.status in problem.ON_THE_CLOCK
            and case.step_due_at is not None
            and not case.overdue_marked
            and case.info.category.escalates
        ):
            tick = self.next_sweep(max(case.step_due_at, case.last_at))
            if tick < limit:
                level = actions.NEXT_LEVEL[case.escalation_level]
                case.act(
                    "escalate",
                    tick,
                    Who(None, {SYSTEM}),
                    payload={
                        "step": case.step,
                        # The sweeper reads the case from the database: the due time comes back in UTC.
                        "due": case.step_due_at.astimezone(UTC).isoformat(),
                        "level": level,
                    },
                    changes={"escalation_level": level, "ever_escalated": True, "overdue_marked": True},
                )
                self.supervise(case, tick, limit)
        return until < self.end

    def supervise(self, case: SimCase, since: datetime, limit: datetime):
        at = since
        if self.r.random() < P_URGE:
            at = at + timedelta(minutes=self.r.uniform(30, 24 * 60))
            if at < limit:
                who = self.who(Role.SUPERVISOR, case)
                case.act(
                    "urge",
                    at,
                    who,
                    reason=self.r.choice(self.reasons["urge"]),
                    changes={"urge_count": case.urge_count + 1},
                )
        if (
            case.escalation_level in ("district", "city")
            and case.lead_official_id is None
            and self.r.random() < P_TAKE_LEAD
        ):
            at = max(at, case.last_at) + timedelta(minutes=self.r.uniform(60, 48 * 60))
            who = self.who(Role.SUPERVISOR, case)
            if at < limit and who.user is not None:  # a lead official is a person
                case.act("take_lead", at, who, changes={"lead_official_id": who.user.pk})

    # --- the loop ------------------------------------------------------------------------------

    def answer(self, case: SimCase):
        at = self.when(case, "accept", case.reported_at, case.step_due_at)
        if not self.advance(case, at):
            return
        who = self.who(Role.DISPATCHER, case)
        if self.r.random() < P_REJECT[case.source]:
            case.act("reject", at, who, reason=self.r.choice(self.reasons["reject"]), changes={**actions.NO_STEP})
            return
        case.act("accept", at, who, changes={"accepted_at": at})
        if self.r.random() < P_PARK_ACCEPTED:
            self.park(case, self.later(at, timedelta(hours=6)))
            return
        self.dispatch(case, at)

    def dispatch(self, case: SimCase, since: datetime, unit: Unit | None = None):
        at = self.when(case, "dispatch", since, case.step_due_at)
        if unit is None:
            unit = self.units.responsible(
                case.info.category.unit_type, case.community_code, case.street_code, case.district_code
            )
        if unit is None:  # nobody serves the place: the case waits at the centre
            self.advance(case, self.end)
            return
        if not self.advance(case, at):
            return
        case.act(
            "dispatch",
            at,
            self.who(Role.DISPATCHER, case),
            payload={"unit": unit.code, "unit_name": unit.name_zh},
            changes={"owner_unit_id": unit.pk, "dispatched_at": at, "handle_due_at": case.due("handle", at)},
        )
        self.unit_work(case, at)

    def unit_work(self, case: SimCase, since: datetime):
        """Dispatched: the unit signs for the case (or returns it), handles it, asks for time."""
        # A unit that must finish within 4 working hours signs well before its 1-day sign limit.
        at = self.when(case, "sign", since, min(case.step_due_at, case.handle_due_at))
        if not self.advance(case, at):
            return
        if case.return_count == 0 and case.reopen_count == 0 and self.r.random() < P_RETURN:
            returned_by = case.owner_unit_id
            case.act(
                "return",
                at,
                self.who(Role.HANDLER, case),
                reason=self.r.choice(self.reasons["return"]),
                payload={"unit": self.units.by_id[returned_by].code},
                changes={"owner_unit_id": None, "return_count": case.return_count + 1, "handle_due_at": None},
            )
            self.dispatch(case, at, self.units.after_return(case, returned_by) or self.units.by_id[returned_by])
            return
        case.act(
            "sign",
            at,
            self.who(Role.HANDLER, case),
            changes={
                "step": "handle",
                "step_started_at": case.dispatched_at or at,
                "step_due_at": case.handle_due_at,
                "overdue_marked": False,
            },
        )
        self.handle(case, at)

    def handle(self, case: SimCase, since: datetime):
        """Signed or back from rework: work, maybe an extension, maybe parked, then the result."""
        at = self.when(case, "handle", since, case.handle_due_at)
        if case.rework_count == 0 and case.reopen_count == 0 and self.r.random() < P_HARD:
            late = timedelta(days=self.r.uniform(*HARD_DAYS_LATE))
            at = self.staff_hours(max(at, case.handle_due_at) + late)
        if case.status == problem.SIGNED and self.r.random() < P_START:
            started = since + (at - since) * self.r.uniform(0.05, 0.5)
            if not self.advance(case, started):
                return
            case.act("start", started, self.who(Role.HANDLER, case))
        if (
            case.extension_count == 0
            and case.handle_due_at is not None
            and case.handle_due_at - case.last_at > timedelta(hours=2)
            and self.r.random() < P_EXTENSION
        ):
            at = self.extension(case)
            if at is None:
                return
        if case.rework_count == 0 and self.r.random() < P_PARK_HANDLING:
            self.park(case, since + (at - since) * self.r.uniform(0.2, 0.9))
            return
        if not self.advance(case, at):
            return
        result = self.r.choice(self.reasons["handle"])
        case.act(
            "handle",
            at,
            self.who(Role.HANDLER, case),
            reason=result,
            changes={"handled_at": at, "handled_on_time": at <= case.handle_due_at, "pending_extension": ""},
        )
        self.verify(case, at)

    def extension(self, case: SimCase) -> datetime | None:
        """The unit asks for more time; the centre grants or refuses it. Returns when the work
        is then done (None: the history ended first)."""
        since = case.last_at
        asked = since + (case.handle_due_at - since) * self.r.uniform(0.3, 0.8)
        if not self.advance(case, asked):
            return None
        unit = case.info.handle_unit
        if unit in (HOURS, MINUTES):
            text = "24h"
        elif unit == WORKING_HOURS:
            text = "1wd"
        else:
            text = self.r.choice(("3wd", "5wd", "10wd"))
        duration = str(parse_duration(text))
        case.act(
            "request_extension",
            asked,
            self.who(Role.HANDLER, case),
            reason=self.r.choice(self.reasons["request_extension"]),
            payload={"duration": duration},
            changes={"pending_extension": duration},
        )
        decided = self.later(asked, timedelta(hours=3), timedelta(minutes=10))
        if not self.advance(case, decided):
            return None
        who = self.who(Role.DISPATCHER, case)
        if self.r.random() < P_EXTENSION_APPROVED:
            new_due = deadlines.add(case.handle_due_at, case.pending_extension)
            changes = {"pending_extension": "", "handle_due_at": new_due, "extension_count": case.extension_count + 1}
            if case.step == "handle":
                changes.update(step_due_at=new_due, overdue_marked=False)
            case.act(
                "approve_extension",
                decided,
                who,
                payload={"duration": case.pending_extension, "due": new_due.isoformat()},
                changes=changes,
            )
        else:
            case.act(
                "refuse_extension",
                decided,
                who,
                reason=self.r.choice(self.reasons["refuse_extension"]),
                payload={"duration": case.pending_extension},
                changes={"pending_extension": ""},
            )
        return self.when(case, "handle", decided, case.handle_due_at)

    def park(self, case: SimCase, at: datetime):
        at = max(at, case.last_at)
        if not self.advance(case, at):
            return
        case.act(
            "park",
            at,
            self.who(Role.SUPERVISOR, case),
            reason=self.r.choice(self.reasons["park"]),
            changes={"ever_parked": True, "pending_extension": "", **actions.NO_STEP},
        )
        if self.r.random() < P_UNPARK:
            resumed = self.staff_hours(at + timedelta(days=self.r.uniform(*UNPARK_DAYS)))
            if resumed < self.end:
                case.act(
                    "unpark",
                    resumed,
                    self.who(Role.SUPERVISOR, case),
                    changes={"owner_unit_id": None, "handle_due_at": None},
                )
                self.dispatch(case, resumed)

    def verify(self, case: SimCase, since: datetime):
        at = self.when(case, "verify", since, case.step_due_at)
        if not self.advance(case, at):
            return
        choices = VERIFIERS["patrol" if case.source == "patrol" else "resident"]
        role = self._pick(choices)
        who = self.who(role, case)
        if case.rework_count < MAX_REWORK and self.r.random() < P_REWORK:
            case.act(
                "fail_verification",
                at,
                who,
                reason=self.r.choice(self.reasons["fail_verification"]),
                changes={
                    "rework_count": case.rework_count + 1,
                    "step": "handle",
                    "step_started_at": at,
                    "step_due_at": case.handle_due_at,
                    "overdue_marked": False,
                },
            )
            self.handle(case, at)
            return
        case.act("verify", at, who, changes={"closed_at": at, **actions.NO_STEP})
        self.after_close(case, at)

    def _pick(self, choices):
        x = self.r.random()
        for value, p in choices:
            x -= p
            if x < 0:
                return value
        return choices[-1][0]

    def after_close(self, case: SimCase, closed: datetime):
        """The resident who reported it may rate the result and, within the window, reopen it."""
        if case.source not in RESIDENT_SOURCES:
            return
        at = closed
        rating = None
        if self.r.random() < P_RATE:
            good = case.handled_on_time and case.rework_count == 0
            rating = self._pick(RATINGS_GOOD if good else RATINGS_POOR)
            at = closed + timedelta(minutes=5) + timedelta(seconds=self.r.expovariate(1 / (12 * 3600)))
            if at >= self.end:
                return
            case.act(
                "rate",
                at,
                self.who(REPORTER, case),
                payload={"rating": rating},
                changes={"rating": rating, "rated_at": at},
            )
        if case.reopen_count == 0 and self.r.random() < P_REOPEN[rating]:
            reopened = at + timedelta(hours=self.r.uniform(1, 72))
            if reopened >= self.end or reopened > case.closed_at + timedelta(days=problem.REOPEN_WINDOW_DAYS):
                return
            case.act(
                "reopen",
                reopened,
                self.who(REPORTER, case),
                reason=self.r.choice(self.reasons["reopen"]),
                changes={
                    "reopen_count": case.reopen_count + 1,
                    "closed_at": None,
                    "rating": None,
                    "rated_at": None,
                    "dispatched_at": reopened,
                    "handle_due_at": case.due("handle", reopened),
                },
            )
            self.unit_work(case, reopened)


# --- writing -----------------------------------------------------------------------------------


# Column types the database drivers take as Python gives them; other columns (date-times, JSON)
# go through the backend's adapter, as Django's own inserts do.
_PASS_THROUGH = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BooleanField",
        "CharField",
        "FloatField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)
INSERT_CHUNK = 5000


def _adapter(field, conn):
    kind = field.get_internal_type()
    if kind in _PASS_THROUGH:
        return None
    if kind == "DateTimeField":
        if conn.vendor == "sqlite" and settings.USE_TZ:
            # What the SQLite backend's adapt_datetimefield_value does to an aware value
            # (naive in the connection's zone, as text), without its checks on every call.
            tz = conn.timezone
            return lambda value: None if value is None else str(value.astimezone(tz).replace(tzinfo=None))
        return conn.ops.adapt_datetimefield_value
    return lambda value: field.get_db_prep_save(value, conn)


def _insert(model, columns: tuple[str, ...], rows: list[tuple], using: str) -> None:
    """Insert ``rows`` (values of the fields named by ``columns``, in order) into ``model``'s table.

    ``bulk_create`` compiles each value through the field (about 7 µs each), which made the
    default history several times slower than the budget of ``make setup``; the rows here are
    complete, so they go to the database's own bulk path: COPY on PostgreSQL, one prepared
    INSERT run over all rows (``executemany``) elsewhere."""
    conn = connections[using]
    fields = [model._meta.get_field(name) for name in columns]
    adapters = [(i, a) for i, f in enumerate(fields) if (a := _adapter(f, conn)) is not None]

    def prepared(chunk):
        for row in chunk:
            row = list(row)
            for i, adapt in adapters:
                row[i] = adapt(row[i])
            yield row

    qn = conn.ops.quote_name
    table, names = qn(model._meta.db_table), ", ".join(qn(f.column) for f in fields)
    with conn.cursor() as cursor:
        driver_cursor = cursor.cursor
        if conn.vendor == "postgresql" and hasattr(driver_cursor, "copy"):  # psycopg 3
            with driver_cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in prepared(rows):
                    copy.write_row(row)
            return
        # Identifiers come from the model's metadata, quoted by the backend; values are parameters.
        sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(fields))})"  # noqa: S608
        for start in range(0, len(rows), INSERT_CHUNK):
            cursor.executemany(sql, list(prepared(rows[start : start + INSERT_CHUNK])))


def _reserve_ids(model, n: int, using: str) -> list[int]:
    """``n`` primary keys for new rows of ``model``, taken from its sequence (PostgreSQL) or
    after the highest ever used (SQLite, which has one writer at a time; a writer that slipped
    in between makes the insert fail and the batch roll back, never overwrite)."""
    conn = connections[using]
    table = model._meta.db_table
    with conn.cursor() as cursor:
        if conn.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table, model._meta.pk.column, n],
            )
            return sorted(row[0] for row in cursor.fetchall())
        if conn.vendor == "sqlite":
            top = model._base_manager.using(using).aggregate(top=Max("pk"))["top"] or 0
            cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
            row = cursor.fetchone()
            top = max(top, row[0] if row else 0)
            return list(range(top + 1, top + 1 + n))
    raise HistoryError(_("Simulated history can be written to SQLite and PostgreSQL only."))


CASE_COLUMNS = tuple(f.attname for f in Case._meta.concrete_fields)
EVENT_COLUMNS = (
    "case_id",
    "seq",
    "at",
    "actor_id",
    "actor_role",
    "action",
    "from_state",
    "to_state",
    "reason",
    "payload",
    "public",
    "prev_hash",
    "hash",
)


_case_row = operator.attrgetter(*CASE_COLUMNS)


def _write(batch: list[SimCase], using: str = DEFAULT_DB_ALIAS) -> int:
    """Write the cases and their events; returns the number of events.

    Ids are reserved first because an event's hash covers its case id: each event is then
    built as ``actions._event`` builds it (``chain.canonical`` + ``chain.link`` over the
    previous hash, ``public`` from the workflow's public actions) and the case gets the last
    hash. No per-row query: one INSERT per table, run over all the rows."""
    for c, pk in zip(batch, _reserve_ids(Case, len(batch), using), strict=True):
        c.id = pk
    event_rows = []
    for c in batch:
        c.parent_id = c.parent.id if c.parent is not None else None
        prev = ""
        for seq, (at, user, role, action, from_state, to_state, reason, payload) in enumerate(c.events, start=1):
            actor_id = user.pk if user is not None else None
            content = chain.canonical(c.id, seq, at, actor_id, role, action, from_state, to_state, reason, payload)
            digest = chain.link(prev, content)
            public = action in WORKFLOW.public_actions
            event_rows.append(
                (c.id, seq, at, actor_id, role, action, from_state, to_state, reason, payload, public, prev, digest)
            )
            prev = digest
        c.last_event_hash = prev
        if c.version != len(c.events):  # pragma: no cover - act() keeps them together
            raise AssertionError(f"{c.number}: version {c.version} for {len(c.events)} events")
    # Parents come before the duplicates merged into them (a duplicate follows its parent).
    _insert(Case, CASE_COLUMNS, [_case_row(c) for c in batch], using)
    _insert(CaseEvent, EVENT_COLUMNS, event_rows, using)
    return len(event_rows)


def check_options(*, days: int, per_day: int, end: datetime) -> None:
    """HistoryError when the options cannot make a history."""
    if days < 1 or days > MAX_DAYS:
        raise HistoryError(_("--days must be between 1 and %(max)s.") % {"max": MAX_DAYS})
    if per_day < 1:
        raise HistoryError(_("--per-day must be a positive number."))
    if end > timezone.now() + timedelta(minutes=1):
        raise HistoryError(_("History cannot end in the future."))


def simulate(
    *,
    days: int = DEFAULT_DAYS,
    per_day: int = DEFAULT_PER_DAY,
    seed: int = 0,
    end: datetime | None = None,
    batch_days: int = BATCH_DAYS,
    progress: Callable[[int, int], None] | None = None,
) -> Result:
    """Write ``days`` days of history ending at ``end`` (default now), ``per_day`` cases a day
    on average. Deterministic for a seed and an end (but for the private tracking tokens, which
    are random as they must be). ``progress(done, total)`` is called after each (local) day. One
    transaction per ``batch_days`` days: an interrupted run leaves whole batches, which
    ``delete_simulated`` removes."""
    started = time.perf_counter()
    end = end or timezone.now()
    check_options(days=days, per_day=per_day, end=end)
    sim = Simulator(seed=seed, per_day=per_day, start=end - timedelta(days=days), end=end)
    result = Result()
    all_days = sim.days()
    using = DEFAULT_DB_ALIAS
    for i in range(0, len(all_days), batch_days):
        batch: list[SimCase] = []
        for day in all_days[i : i + batch_days]:
            batch.extend(sim.simulate_day(day))
            result.days += 1
            if progress is not None:
                progress(result.days, len(all_days))
        if not batch:
            continue
        with transaction.atomic(using=using):
            result.events += _write(batch, using)
        result.cases += len(batch)
        result.statuses.update(c.status for c in batch)
    result.elapsed = time.perf_counter() - started
    return result


def delete_simulated() -> tuple[int, int]:
    """Delete the simulated cases and their events; returns (cases, events).

    What refers to them is dealt with as each foreign key says (``_release``). Refuses
    (HistoryError) when a record protects a simulated case, e.g. a live case merged into one
    (deleting the parent would cut the live case's link) or a personal-data access record."""
    sim = simulated_cases()
    live_children = Case.objects.filter(parent__in=sim).exclude(idempotency_key__startswith=SIM_KEY_PREFIX)
    if live_children.exists():
        raise HistoryError(
            _("%(n)s live cases are merged into simulated ones; the simulated history cannot be replaced.")
            % {"n": live_children.count()}
        )
    with transaction.atomic():
        events = CaseEvent._base_manager.filter(case__in=sim)
        n_events = events.count()
        sim.exclude(parent=None).update(parent=None)
        n_cases = sim.count()
        for rows in (events, sim):
            _release(rows)
            # Every reference is dealt with: one DELETE, as Django's own collector issues when
            # nothing refers to the rows it deletes.
            rows._raw_delete(rows.db)
    return n_cases, n_events


def _referenced(kinds) -> HistoryError:
    return HistoryError(
        _("Simulated cases are referenced by %(what)s; the simulated history cannot be replaced.")
        % {"what": ", ".join(sorted(str(k) for k in kinds))}
    )


def _release(rows) -> None:
    """Apply each foreign key's ``on_delete`` to the rows referring to ``rows``, set-wise (the
    collector would load every row first): SET_NULL clears, CASCADE deletes, anything else
    (PROTECT, RESTRICT) refuses when a referring row exists."""
    # The reverse foreign keys, hidden ones (related_name "+") included, as the collector sees them.
    for rel in rows.model._meta.get_fields(include_hidden=True):
        if not (rel.auto_created and not rel.concrete and (rel.one_to_many or rel.one_to_one)):
            continue
        referring = rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": rows})
        if rel.on_delete is models.SET_NULL:
            referring.update(**{rel.field.name: None})
        elif rel.on_delete is models.CASCADE:
            referring.delete()
        elif rel.on_delete is not models.DO_NOTHING and referring.exists():
            raise _referenced({rel.related_model._meta.verbose_name_plural})
