"""The command centre's numbers for a region and period: computed once, read by every process.

A page shows four parts (``PARTS``): the **headline** (the region's numbers behind the tiles),
the **detail** (the ranking of the regions below, the daily trend, hotspots, the units with
overdue cases), the **disputes** numbers and the tip line's **tips** rates. None of them depends
on who asks: access to the region is checked before, and names are in the view's language. So
each part is stored in the database (``SharedNumbers``) under its *view* (region, period,
language) and every server process reads it from there until it is older than ``MAX_AGE``.

Who computes them:

- ``manage.py refresh_numbers`` keeps them ahead of the requests. It recomputes, every
  ``REFRESH_AFTER`` seconds, each view somebody read in the last ``settings.NUMBERS_WATCH_MINUTES``
  minutes and the city's default view in every language. A wall of screens, or the first leader
  of the morning, reads numbers at most a minute old and never waits for the aggregates.
- A request that finds a part missing or too old computes it itself (no refresher is running, or
  nobody watched that view lately), its independent queries side by side: at city level with 90
  days of history, about 0.14 s on SQLite and 0.1 s on PostgreSQL (``bench/RESULTS.md``).

The map's open cases are not kept here: they are the state of now, not of a period
(``views.cases_geojson``).
"""

import logging
import pickle
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.conf import settings
from django.db.models import Count, Min, Q
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import get_language

from civicgrid.analytics import kpis
from civicgrid.disputes.numbers import dispute_numbers
from civicgrid.geo import boundaries
from civicgrid.geo.models import Region
from civicgrid.lib.side_by_side import side_by_side
from civicgrid.tips.numbers import four_rates
from civicgrid.web.command.forms import PeriodForm
from civicgrid.web.models import SharedNumbers

log = logging.getLogger(__name__)
_SALT = "civicgrid.web.command.numbers"
_SIGNATURE_BYTES = 32  # SHA-256

PARTS = ("headline", "detail", "disputes", "tips")
# A part older than this is computed again by the request that needs it: the page refreshes its
# tiles every minute, so a screen never shows numbers more than two minutes old.
MAX_AGE = timedelta(seconds=60)
# The refresher recomputes a view once its oldest part is this old, well before ``MAX_AGE``.
REFRESH_AFTER = timedelta(seconds=30)
# A read is written down (``read_at``) at most this often per part: not a write per page view.
READ_MARK_EVERY = timedelta(seconds=60)
# Parts nobody read for this long are deleted by the refresher.
FORGET_AFTER = timedelta(days=1)
# Part of every key: bump it when a stored class changes shape, so that rows written by an
# older version are never read (they are computed again and the old rows forgotten).
KEY_VERSION = "v2"
HOTSPOT_LIMIT = 20
HOTSPOT_MIN_COUNT = 3  # a (grid, category) pair is a hotspot from this many problems in the period


@dataclass(frozen=True)
class Headline:
    """The summary of a region and period, and when it was computed."""

    now: datetime
    summary: kpis.Kpis


@dataclass(frozen=True)
class Detail:
    """The rest of the page's numbers: the ranking, the trend, hotspots, units with overdue cases."""

    now: datetime
    ranking: list | None  # kpis.RankingRow; None below the levels rankings cover
    trend: list
    hotspots: list
    grid_names: dict
    overdue_units: list


@dataclass(frozen=True, order=True)
class View:
    """What a page shows: a region, a period ``[start, end)`` of local dates, a language."""

    region_code: str
    start: date
    end: date
    language: str

    def key(self, part: str) -> str:
        period = (self.start.isoformat(), self.end.isoformat())
        return ":".join(("command", KEY_VERSION, part, self.region_code, *period, self.language))


def current_view(region: Region, start: date, end: date) -> View:
    """The view of ``region`` and ``[start, end)`` in the language of the request."""
    return View(region.code, start, end, get_language() or settings.LANGUAGE_CODE)


# --- computing ------------------------------------------------------------------------------


def compute(region: Region, start: date, end: date, parts=PARTS) -> dict:
    """The ``parts`` of ``region`` and ``[start, end)``, computed now in the current language.

    When the headline and the detail are both wanted and the region's children are ranked, the
    headline is the sum of the ranking's rows (``kpis.ranking_and_summary``): the region's cases
    are read once. The queries do not depend on one another and run side by side
    (``lib/side_by_side.py``), the largest in the calling thread."""
    now = timezone.now()
    prefix = region.subtree_prefix
    child_level = boundaries.CHILD_LEVEL.get(region.level)
    ranked = "detail" in parts and child_level in kpis.RANKING_LEVELS
    calls = {}
    if ranked:
        calls["ranking"] = lambda: kpis.ranking_and_summary(child_level, prefix, start, end, now=now)
    elif "headline" in parts:
        calls["summary"] = lambda: kpis.summary(prefix, start, end, now=now)
    if "detail" in parts:
        calls["trend"] = lambda: kpis.daily_trend(prefix, start, end)
        calls["hotspots"] = lambda: hotspots(prefix, start, end)
        calls["overdue_units"] = lambda: kpis.overdue_units(prefix, now=now)
    if "disputes" in parts:
        calls["disputes"] = lambda: dispute_numbers(prefix, start, end)
    if "tips" in parts:
        calls["tips"] = lambda: four_rates(prefix, start, end, now=now)
    results = dict(zip(calls, side_by_side(*calls.values()), strict=True))

    out = {}
    ranking, total = results.get("ranking", (None, None))
    if "headline" in parts:
        out["headline"] = Headline(now, total if ranked else results["summary"])
    if "detail" in parts:
        hot, grid_names = results["hotspots"]
        out["detail"] = Detail(
            now=now,
            ranking=ranking,
            trend=results["trend"],
            hotspots=hot,
            grid_names=grid_names,
            overdue_units=results["overdue_units"],
        )
    for part in ("disputes", "tips"):
        if part in parts:
            out[part] = results[part]
    return out


def hotspots(prefix: str, start: date, end: date) -> tuple[list, dict]:
    """The region's hotspots (``kpis.hotspots``) and the names of their grids by code."""
    hot = kpis.hotspots(prefix, start, end, HOTSPOT_MIN_COUNT, limit=HOTSPOT_LIMIT)
    grids = Region.objects.filter(code__in={h.grid_code for h in hot}).only("code", "name_zh", "name_en")
    return hot, {r.code: r.name for r in grids}


# --- reading and storing --------------------------------------------------------------------


def read(region: Region, start: date, end: date, parts=PARTS) -> dict:
    """The ``parts`` of ``region`` and ``[start, end)`` in the current language: those stored
    and younger than ``MAX_AGE``, the others computed now and stored for everyone."""
    view = current_view(region, start, end)
    now = timezone.now()
    keys = {view.key(part): part for part in parts}
    rows = SharedNumbers.objects.filter(key__in=keys, computed_at__gt=now - MAX_AGE).values_list(
        "key", "value", "read_at"
    )
    found, unmarked = {}, []
    for key, value, read_at in rows:
        try:
            found[keys[key]] = unsealed(key, bytes(value))
        except (pickle.UnpicklingError, AttributeError, ImportError, EOFError, TypeError, ValueError):
            log.warning("stored numbers %s could not be read; computing them again", key, exc_info=True)
            continue
        if read_at is None or read_at <= now - READ_MARK_EVERY:
            unmarked.append(key)
    if unmarked:
        SharedNumbers.objects.filter(key__in=unmarked).update(read_at=now)
    missing = [part for part in parts if part not in found]
    if missing:
        computed = compute(region, start, end, missing)
        store(view, computed, now, read=True)
        found.update(computed)
    return found


def _signature(key: str, data: bytes) -> bytes:
    return salted_hmac(_SALT, key.encode() + b"\0" + data, algorithm="sha256").digest()


def sealed(key: str, value) -> bytes:
    """``value`` pickled, after an HMAC (keyed with ``SECRET_KEY``) of the pickle and ``key``."""
    data = pickle.dumps(value, pickle.HIGHEST_PROTOCOL)
    return _signature(key, data) + data


def unsealed(key: str, stored: bytes):
    """The value ``sealed(key, …)`` stored; ValueError when the signature does not match.

    Unpickling runs code named in the data, so only bytes this code wrote under this key are
    unpickled: write access to the table alone does not let anyone run code in the server."""
    signature, data = stored[:_SIGNATURE_BYTES], stored[_SIGNATURE_BYTES:]
    if not constant_time_compare(signature, _signature(key, data)):
        raise ValueError(f"the signature of {key} does not match")
    return pickle.loads(data)  # noqa: S301 (signed above)


def store(view: View, values: dict, now: datetime, *, read: bool) -> None:
    """Store each part of ``values`` for ``view``, replacing what was there (one statement).

    ``read``: a page is reading them now (marks them watched); the refresher passes False."""
    rows = [
        SharedNumbers(
            key=view.key(part),
            part=part,
            region_code=view.region_code,
            start=view.start,
            end=view.end,
            language=view.language,
            value=sealed(view.key(part), value),
            computed_at=now,
            read_at=now if read else None,
        )
        for part, value in values.items()
    ]
    update = ["value", "computed_at", *(["read_at"] if read else [])]
    SharedNumbers.objects.bulk_create(rows, update_conflicts=True, unique_fields=["key"], update_fields=update)


def forget() -> int:
    """Delete every stored part: the next reader computes them again. How many were deleted."""
    return SharedNumbers.objects.all().delete()[0]


# --- keeping them ahead of the requests -----------------------------------------------------


def default_views(today: date | None = None) -> set[View]:
    """The city's default period in every language: kept even before anyone opens it."""
    city = Region.objects.filter(level=Region.Level.CITY).only("code").first()
    if city is None:
        return set()
    start, end = PeriodForm({}).bounds(today)
    return {View(city.code, start, end, code) for code, _name in settings.LANGUAGES}


def due_views(now: datetime) -> list[View]:
    """The views the refresher should compute now: those read in the last
    ``settings.NUMBERS_WATCH_MINUTES`` minutes and the default ones (``default_views``), unless
    each of their parts was computed less than ``REFRESH_AFTER`` ago."""
    fields = ("region_code", "start", "end", "language")
    watched = SharedNumbers.objects.filter(read_at__gt=now - timedelta(minutes=settings.NUMBERS_WATCH_MINUTES))
    views = {View(*row) for row in watched.values_list(*fields).distinct()}
    views |= default_views(timezone.localdate(now))
    fresh = {
        View(*row[:4])
        for row in SharedNumbers.objects.filter(key__startswith=f"command:{KEY_VERSION}:")
        .values_list(*fields)
        .annotate(parts=Count("pk"), oldest=Min("computed_at"))
        .filter(parts=len(PARTS), oldest__gt=now - REFRESH_AFTER)
    }
    return sorted(views - fresh)


def refresh(view: View, now: datetime | None = None) -> bool:
    """Compute every part of ``view`` and store it (not marked as read). False when its region no
    longer exists (its parts are deleted)."""
    region = Region.objects.filter(code=view.region_code).only("code", "level", "name_zh", "name_en").first()
    if region is None:
        SharedNumbers.objects.filter(region_code=view.region_code).delete()
        return False
    with translation.override(view.language):
        values = compute(region, view.start, view.end)
    store(view, values, now or timezone.now(), read=False)
    return True


def forget_unread(now: datetime) -> int:
    """Delete parts nobody read for ``FORGET_AFTER`` (or that an older version wrote)."""
    old = now - FORGET_AFTER
    unread = Q(read_at__lt=old) | Q(read_at__isnull=True, computed_at__lt=old)
    stale = SharedNumbers.objects.filter(unread | ~Q(key__startswith=f"command:{KEY_VERSION}:"))
    return stale.delete()[0]


@dataclass(frozen=True)
class Pass:
    """What one pass of the refresher did."""

    refreshed: int
    failed: int
    forgotten: int


def refresh_due(now: datetime | None = None) -> Pass:
    """One pass of the refresher: compute the views due (``due_views``), then forget the parts
    nobody reads. A view that fails is logged and left to the next pass; the others go on."""
    now = now or timezone.now()
    refreshed = failed = 0
    for view in due_views(now):
        try:
            refreshed += refresh(view)
        except Exception:
            log.exception("the numbers of %s could not be computed", view)
            failed += 1
    return Pass(refreshed, failed, forget_unread(now))
