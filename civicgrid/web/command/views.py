"""The command centre: for one region and period, the numbers leaders read (DESIGN.md §5).

Who: supervisors, auditors and administrators (others get 403). Which region: ``?region=CODE``
inside the user's scope (else 404, the same answer as for a missing region); by default the
root of the user's scope (the city for city-level users). Every number comes from
``analytics/kpis.py``; the views here only choose the region and period, list cases (the
overdue list and the map) and format.

A staff member whose scope names categories is refused for now: the numbers module counts
every category of a region, so the tiles would show them more than their scope.

The numbers of a region and period come from ``numbers.py``: computed once (by
``manage.py refresh_numbers`` ahead of the requests, or by the first request that needs them)
and read by every server process for a minute. The map's points are shared within a process for
``POINTS_CACHE_SECONDS``; the overdue list is read live.
"""

import json
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import F, Q
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from civicgrid.analytics import kpis
from civicgrid.cases import deadlines
from civicgrid.cases.models import Case
from civicgrid.cases.workflow import problem
from civicgrid.categories.models import Category
from civicgrid.geo import boundaries, codes
from civicgrid.geo.models import Region
from civicgrid.grievances import access as grievance_access
from civicgrid.grievances import numbers as grievance_numbers
from civicgrid.org import access
from civicgrid.org.roles import Role
from civicgrid.web.command import numbers, present
from civicgrid.web.command.forms import PeriodForm

COMMAND_ROLES = frozenset({Role.SUPERVISOR, Role.AUDITOR, Role.ADMINISTRATOR})
# The map shows at most this many open cases, the most urgent first (earliest step deadline).
MAP_POINT_CAP = 5000
OVERDUE_LIST_SIZE = 50
UNITS_SHOWN = 15  # units with overdue cases listed by name; the rest are summed up in one line
# The map's points are shared within a process for as long as the page waits between refreshes.
POINTS_CACHE_SECONDS = 60
# Levels a click on the map or the ranking drills down to (city → district → street → community).
DRILL_LEVELS = frozenset({codes.DISTRICT, codes.STREET, codes.COMMUNITY})


TIP_STEP_LABELS = {
    "screen": _("Screened"),
    "verify": _("Verified"),
    "handle": _("Handled"),
    "answer": _("Answered"),
}


def workbench_case_url() -> str:
    """The workbench's case page with ``{id}`` for the case id: reversed once, formatted per case."""
    marker = 987654321
    return reverse("workbench:case", args=[marker]).replace(str(marker), "{id}")


def command_access(view):
    """Signed-in supervisors, auditors and administrators whose scope covers every category."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.roles_of(request.user) & COMMAND_ROLES:
            raise PermissionDenied
        # A category-limited scope: the region's numbers would include other categories.
        if access.category_scope_q(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def scope_roots(user) -> list[Region]:
    """The regions at the top of the user's scope: the city for city-level users."""
    prefixes = access.scope_prefixes(user)
    rows = Region.objects.filter(Q(level=Region.Level.CITY) | Q(code__in=prefixes))
    regions = list(rows.only("code", "level", "name_zh", "name_en"))
    city = next((r for r in regions if r.level == Region.Level.CITY), None)
    if city is not None and ("" in prefixes or city.subtree_prefix in prefixes):
        return [city]
    return [r for r in regions if r.level != Region.Level.CITY]


def chosen_region(request) -> tuple[Region, list[Region] | None]:
    """``?region=CODE`` if it lies in the user's scope (404 otherwise), else the scope's first
    root; and the scope's roots when they had to be read (None otherwise)."""
    code = request.GET.get("region", "").strip()
    if code:
        return access.access_region_by_code(request.user, code), None
    roots = scope_roots(request.user)
    if not roots:
        raise PermissionDenied
    return roots[0], roots


def breadcrumbs(user, region: Region, period_query: str) -> list[dict]:
    """City > district > street > … down to ``region``; links only to regions in the user's scope."""
    above = set() if region.level == Region.Level.CITY else set(codes.ancestors(region.code).values())
    rows = Region.objects.filter(Q(level=Region.Level.CITY) | Q(code__in=above)).only(
        "code", "level", "name_zh", "name_en"
    )
    crumbs = []
    for r in sorted(rows, key=lambda r: (codes.LEVELS.index(r.level), r.code)):
        current = r.code == region.code
        linked = not current and access.region_code_in_scope(user, r.code)
        crumbs.append({"name": r.name, "url": region_url(r.code, period_query) if linked else None, "current": current})
    return crumbs


def region_url(code: str, period_query: str) -> str:
    return f"{reverse('command:home')}?{urlencode({'region': code})}&{period_query}"


def overdue_cases(prefix: str, now) -> list[Case]:
    """The open problems past their step deadline (as ``Kpis.overdue`` counts them), most overdue first."""
    return list(
        Case.objects.filter(kpis.region_q(prefix), kpis.overdue_q(now), kind=Case.Kind.PROBLEM)
        .select_related("category", "owner_unit")
        .only(
            "number",
            "step_due_at",
            "reported_at",
            "category__name_zh",
            "category__name_en",
            "owner_unit__name_zh",
            "owner_unit__name_en",
        )
        .order_by(F("step_due_at").asc(nulls_last=True), "reported_at", "pk")[:OVERDUE_LIST_SIZE]
    )


def ranking_rows(ranking, child_level: str, period_query: str) -> list[dict]:
    drill = child_level in DRILL_LEVELS
    rows = []
    for r in ranking:
        k = r.kpis
        rows.append(
            {
                "rank": r.rank,
                "code": r.code,
                "name": r.name,
                "url": region_url(r.code, period_query) if drill else None,
                "score": present.score_text(r.score),
                "cells": [present.rate_cell(k.rates()[key]) for key in kpis.RANKABLE],
                "overdue": k.overdue,
                "reported": k.reported,
            }
        )
    return rows


def _numbers_context(request, *, with_detail: bool = False):
    """What the page and its refreshed tiles share: region, period and the summary (and for the
    page, ``parts``: every part of its numbers, ``numbers.PARTS``)."""
    form = PeriodForm(request.GET)
    region, roots = chosen_region(request)
    start, end = form.bounds()
    period_query = urlencode(form.period_params())
    parts = numbers.read(region, start, end, numbers.PARTS if with_detail else ("headline",))
    head = parts["headline"]
    return {
        "form": form,
        "region": region,
        "roots": roots,
        "start": start,
        "last_day": end - timedelta(days=1),
        "end": end,
        "now": head.now,
        "period_query": period_query,
        "query": f"{urlencode({'region': region.code})}&{period_query}",
        "summary": head.summary,
        "tiles": present.tiles(head.summary),
        "context_tiles": present.context_tiles(head.summary),
        "parts": parts,
    }


@require_GET
@command_access
def home(request):
    ctx = _numbers_context(request, with_detail=True)
    region = ctx["region"]
    parts = ctx.pop("parts")
    more = parts["detail"]
    child_level = boundaries.CHILD_LEVEL.get(region.level)
    case_url = workbench_case_url()
    now = timezone.now()
    ranking = None if more.ranking is None else ranking_rows(more.ranking, child_level, ctx["period_query"])
    ctx.update(
        {
            "crumbs": breadcrumbs(request.user, region, ctx["period_query"]),
            "roots": ctx["roots"] if ctx["roots"] is not None else scope_roots(request.user),
            "child_level": child_level,
            "child_level_label": Region.Level(child_level).label if child_level else "",
            "drill": child_level in DRILL_LEVELS,
            "ranking": ranking,
            "rank_labels": [kpis.METRIC_BY_KEY[key].label for key in kpis.RANKABLE],
            "weights": present.weights_text(kpis.ranking_weights()),
            "chart": present.trend_chart(more.trend),
            "hotspots": [
                {"hotspot": h, "grid_name": more.grid_names.get(h.grid_code, h.grid_code)} for h in more.hotspots
            ],
            # The overdue list is read live (one indexed query): every case in it is still overdue.
            "list_now": now,
            "overdue_cases": [
                {"case": c, "url": case_url.format(id=c.pk)} for c in overdue_cases(region.subtree_prefix, now)
            ],
            "overdue_units": more.overdue_units[:UNITS_SHOWN],
            "units_more": max(0, len(more.overdue_units) - UNITS_SHOWN),
            "units_more_cases": sum(u.count for u in more.overdue_units[UNITS_SHOWN:]),
            "backlog": present.backlog_rows(ctx["summary"]),
            "backlog_days": kpis.DEFAULT_BACKLOG_DAYS,
            "map_cap": MAP_POINT_CAP,
            "overdue_list_size": OVERDUE_LIST_SIZE,
            "hotspot_min_count": numbers.HOTSPOT_MIN_COUNT,
            # Counts only, never a case or a person: disputes found, mediated, agreed; the tip
            # line's "four 100%" (screened, verified, handled, answered).
            "disputes": parts["disputes"],
            "tip_rates": [(TIP_STEP_LABELS[step.step], step.rate) for step in parts["tips"].steps],
            # Only the grievances the reader may see are counted (Art. 30 of the 信访工作条例).
            "grievances": grievance_numbers.summary(
                grievance_access.visible_grievances(request.user).filter(
                    case__grid_code__startswith=region.subtree_prefix
                ),
                ctx["start"],
                ctx["end"],
                now=now,
            ),
        }
    )
    return render(request, "web/command/home.html", ctx)


@require_GET
@command_access
def tiles(request):
    """The tiles alone, for the page's refresh every 60 s (htmx)."""
    return render(request, "web/command/_tiles.html", _numbers_context(request))


SLA_LABELS = {
    deadlines.GREEN: _("on time"),
    deadlines.YELLOW: _("near its deadline"),
    deadlines.RED: _("overdue"),
    "grey": _("clock stopped"),
}


def sla_state(category, status, step, started, due, marked, now) -> str:
    """Grey when the clock is stopped (parked, or no step running); red when the case counts as
    overdue in ``Kpis.overdue`` (past the step's deadline, or marked by the sweeper); otherwise
    green or yellow by the share of the step's working time used (``deadlines.sla_colour``)."""
    if status not in problem.ON_THE_CLOCK:
        return "grey"
    if marked:
        return deadlines.RED
    return deadlines.sla_colour(category, step, started, due, now) or "grey"


def open_case_points(region: Region) -> dict:
    """Open problems of ``region`` as a GeoJSON FeatureCollection, the most urgent first (earliest
    step deadline), at most ``MAP_POINT_CAP``; ``truncated`` says when more are open. Labels carry
    the case number, category and state, never personal data."""
    now = timezone.now()
    rows = list(
        Case.objects.filter(kpis.region_q(region.subtree_prefix), status__in=problem.OPEN, kind=Case.Kind.PROBLEM)
        .filter(x__isnull=False, y__isnull=False)
        .order_by(F("step_due_at").asc(nulls_last=True), "pk")
        .values_list(
            "pk",
            "number",
            "x",
            "y",
            "category_id",
            "status",
            "step",
            "step_started_at",
            "step_due_at",
            "overdue_marked",
        )[: MAP_POINT_CAP + 1]
    )
    truncated = len(rows) > MAP_POINT_CAP
    rows = rows[:MAP_POINT_CAP]
    used = Category.objects.filter(pk__in={r[4] for r in rows}).only("id", "deadlines", "name_zh", "name_en")
    categories = {c.pk: (c, c.name) for c in used}
    labels = {colour: str(label) for colour, label in SLA_LABELS.items()}
    case_url = workbench_case_url()
    features = []
    for pk, number, x, y, category_id, status, step, started, due, marked in rows:
        category, category_name = categories[category_id]
        colour = sla_state(category, status, step, started, due, marked, now)
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
                "properties": {
                    "id": pk,
                    "colour": colour,
                    "label": f"{number} · {category_name} · {labels[colour]}",
                    "url": case_url.format(id=pk),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features, "truncated": truncated, "cap": MAP_POINT_CAP}


@require_GET
@command_access
def cases_geojson(request):
    """The map's points (``open_case_points``), shared within the process for
    ``POINTS_CACHE_SECONDS``: the map refreshes at the same pace. They are the open cases of now,
    for every period alike, and too many to store a copy per region every minute."""
    region, _roots = chosen_region(request)
    key = f"command:points:{region.code}:{get_language()}"
    body = cache.get(key)
    if body is None:
        body = json.dumps(open_case_points(region), ensure_ascii=False)
        cache.set(key, body, POINTS_CACHE_SECONDS)
    return HttpResponse(body, content_type="application/json")
