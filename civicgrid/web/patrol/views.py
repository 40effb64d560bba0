"""The grid worker's phone pages ("small matters stay in the grid", DESIGN.md §2 and §4).

``home``: the worker's grids on a small map, the open cases there and the handled cases waiting
for a check; ``report``: a patrol report, for handling or resolved on the spot; ``verify``: the
check of a handled case. Every view is parse → access → act → respond: the rules are in
``cases/actions.py`` and the workflow table, scopes in ``org/access.py`` and ``cases/access.py``.
"""

import json
from functools import wraps

import shapely
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import F
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from civicgrid.cases import deadlines, photos
from civicgrid.cases.access import access_case_by_id, roles_on_case, visible_cases
from civicgrid.cases.actions import (
    CaseError,
    Forbidden,
    do_fail_verification,
    do_report_case,
    do_resolve_case_on_spot,
    do_verify_case,
    locate_report,
)
from civicgrid.cases.models import Attachment, Case, CaseEvent
from civicgrid.cases.workflow import problem
from civicgrid.geo.locator import get_locator
from civicgrid.geo.models import Region
from civicgrid.org import access
from civicgrid.org.roles import Role
from civicgrid.web.patrol.forms import FAIL, ON_SPOT, VERIFY, LocateForm, ReportForm, VerifyForm

# Lists on a phone stay short: the most urgent first, and a note when there are more.
MAX_CASES = 50
# A grid worker patrols one grid or a few; a wider scope (a superuser) shows the first ones.
MAX_GRIDS = 50
# Photos shown on the verify page.
MAX_PHOTOS = 12
# The running deadline step of a case, as the worker reads it ("due for: handling").
STEP_LABELS = {
    "accept": gettext_lazy("acceptance"),
    "dispatch": gettext_lazy("dispatch"),
    "sign": gettext_lazy("signing for"),
    "handle": gettext_lazy("handling"),
    "verify": gettext_lazy("verification"),
}


def grid_worker_required(view):
    """Signed-in grid workers only; anyone else signed in gets the 403 page."""

    @wraps(view)
    @login_required
    def wrapper(request, *args, **kwargs):
        if not access.has_role(request.user, Role.GRID_WORKER):
            return render(request, "web/patrol/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return wrapper


def my_grids(user):
    """The current grids in the worker's scope, in code order."""
    return Region.objects.filter(level=Region.Level.GRID, valid_to__isnull=True).filter(
        access.region_scope_q(user, "code")
    )


def cases_in_my_grids(user):
    """The cases the worker may see that lie in their grids and categories (where they act)."""
    return visible_cases(user).filter(access.region_scope_q(user, "grid_code") & access.category_scope_q(user))


def _open_cases(user):
    return (
        cases_in_my_grids(user)
        .filter(status__in=problem.OPEN - {problem.HANDLED})
        .select_related("category")
        .order_by(F("step_due_at").asc(nulls_last=True), "reported_at", "pk")
    )


def _to_verify(user):
    return (
        cases_in_my_grids(user)
        .filter(status=problem.HANDLED)
        .select_related("category", "owner_unit")
        .order_by(F("step_due_at").asc(nulls_last=True), "handled_at", "pk")
    )


def _bounded(qs, limit):
    """The first ``limit`` rows and whether there are more (one query)."""
    rows = list(qs[: limit + 1])
    return rows[:limit], len(rows) > limit


def _with_sla(cases, now):
    for case in cases:
        case.sla = deadlines.sla_colour(case.category, case.step, case.step_started_at, case.step_due_at, now)
        case.step_label = STEP_LABELS.get(case.step, "")
    return cases


@grid_worker_required
@require_GET
def home(request):
    user, now = request.user, timezone.now()
    grids, more_grids = _bounded(my_grids(user).only("code", "name_zh", "name_en", "synthetic"), MAX_GRIDS)
    open_cases, more_open = _bounded(_open_cases(user), MAX_CASES)
    to_verify, more_to_verify = _bounded(_to_verify(user), MAX_CASES)
    return render(
        request,
        "web/patrol/home.html",
        {
            "grids": grids,
            "more_grids": more_grids,
            "open_cases": _with_sla(open_cases, now),
            "more_open": more_open,
            "to_verify": _with_sla(to_verify, now),
            "more_to_verify": more_to_verify,
            "max_cases": MAX_CASES,
        },
    )


@grid_worker_required
@require_GET
def grids_geojson(request):
    """The worker's grids as GeoJSON in the city's coordinates, for the small maps."""
    rows = my_grids(request.user).values_list("code", "name_zh", "name_en", "synthetic", "geometry")[:MAX_GRIDS]
    features = []
    for code, name_zh, name_en, synthetic, wkb in rows:
        if wkb is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(shapely.from_wkb(bytes(wkb)))),
                "properties": {
                    "code": code,
                    "name_zh": name_zh,
                    "name_en": name_en,
                    "level": Region.Level.GRID,
                    "synthetic": synthetic,
                },
            }
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


@grid_worker_required
@require_GET
def cases_geojson(request):
    """The open and to-verify cases of the home page as points coloured by their deadline."""
    now = timezone.now()
    open_cases, _more = _bounded(_open_cases(request.user), MAX_CASES)
    to_verify, _more = _bounded(_to_verify(request.user), MAX_CASES)
    features = []
    for case in _with_sla(open_cases, now) + _with_sla(to_verify, now):
        waiting = case.status == problem.HANDLED
        features.append(
            _point(
                case,
                f"{case.number} · {case.category.name} · {case.get_status_display()}",
                "blue" if waiting else (case.sla or "grey"),
                reverse("patrol:verify", args=[case.pk]) if waiting else "",
            )
        )
    return JsonResponse({"type": "FeatureCollection", "features": features})


@grid_worker_required
@require_GET
def case_geojson(request, case_id):
    """The place of one case, for the map of the verify page."""
    case = access_case_by_id(request.user, case_id)
    return JsonResponse({"type": "FeatureCollection", "features": [_point(case, case.number)]})


def _point(case, label, colour="blue", url=""):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [case.x, case.y]},
        "properties": {"label": label, "colour": colour, "url": url},
    }


@grid_worker_required
@require_GET
def locate(request):
    """Which grid holds a point, whether it is one of the worker's, and the point in the city's
    coordinates (to put the device's position on the map). Nothing is stored."""
    form = LocateForm(request.GET)
    if not form.is_valid():
        return JsonResponse({"message": _("Give a latitude and a longitude.")}, status=400)
    try:
        x, y, loc = locate_report(form.cleaned_data["lat"], form.cleaned_data["lon"], form.cleaned_data["crs"])
    except CaseError as e:
        return JsonResponse({"message": e.message}, status=404)
    grid = get_locator().describe(loc)["grid"]
    return JsonResponse(
        {
            "x": x,
            "y": y,
            "grid": {"code": grid["code"], "name_zh": grid["name_zh"], "name_en": grid["name_en"]},
            "mine": access.region_code_in_scope(request.user, loc.grid),
        }
    )


@grid_worker_required
@require_http_methods(["GET", "POST"])
def report(request):
    posted = request.method == "POST"
    form = ReportForm(request.user, request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            case, created = _file_report(request.user, form.cleaned_data)
        except CaseError as e:
            form.add_error(None, e.message)
            if isinstance(e, Forbidden):
                form.add_error("lat", _("This point is outside your grid. Check the location."))
        else:
            if not created:
                messages.info(request, _("Case %(number)s was already filed.") % {"number": case.number})
            elif case.status == problem.CLOSED:
                messages.success(
                    request, _("Case %(number)s was recorded as resolved on the spot.") % {"number": case.number}
                )
            else:
                messages.success(request, _("Case %(number)s was reported for handling.") % {"number": case.number})
            return redirect("patrol:home")
    return render(
        request,
        "web/patrol/report.html",
        {"form": form, "city_crs": settings.CITY_CRS},
    )


def _file_report(user, data) -> tuple[Case, bool]:
    """File the patrol report through the action the worker chose, with its photo."""
    where = {"lat": data["lat"], "lon": data["lon"], "crs": data["crs"]}
    with transaction.atomic():
        if data["mode"] == ON_SPOT:
            case = do_resolve_case_on_spot(
                acting_user=user, category=data["category"], description=data["description"], **where
            )
            created = True
        else:
            key = data.get("idempotency_key")
            case, created = do_report_case(
                acting_user=user,
                category=data["category"],
                description=data["description"],
                source=Case.Source.PATROL,
                idempotency_key=f"patrol{user.pk}:{key}" if key else None,
                **where,
            )
        if created and data.get("photo"):
            _attach(case, None, Attachment.Purpose.REPORT, data["photo"])
    return case, created


@grid_worker_required
@require_http_methods(["GET", "POST"])
def verify(request, case_id):
    case = access_case_by_id(request.user, case_id)
    posted = request.method == "POST"
    form = VerifyForm(request.POST if posted else None, request.FILES if posted else None)
    if posted and form.is_valid():
        try:
            _check_case(case, request.user, form.cleaned_data)
        except CaseError as e:
            case = access_case_by_id(request.user, case_id)  # show the case as it is now
            form.add_error(None, e.message)
        else:
            if form.cleaned_data["decision"] == VERIFY:
                done = _("Case %(number)s is verified and closed.")
            else:
                done = _("Case %(number)s was sent back to the unit for rework.")
            messages.success(request, done % {"number": case.number})
            return redirect("patrol:home")
    handled = CaseEvent.objects.filter(case=case, action="handle").order_by("-seq").first() if case.handled_at else None
    photos = Attachment.objects.filter(
        case=case, purpose__in=(Attachment.Purpose.REPORT, Attachment.Purpose.EVIDENCE)
    ).order_by("created_at", "pk")[:MAX_PHOTOS]
    return render(
        request,
        "web/patrol/verify.html",
        {
            "case": _with_sla([case], timezone.now())[0],
            "form": form,
            "posted": form["decision"].value() if form.is_bound else "",
            # The table says whether this worker may check the case in its state.
            "can_verify": "verify" in problem.PROBLEM.allowed(case.status, roles_on_case(request.user, case)),
            "handled": handled,
            "photos": list(photos),
            "VERIFY": VERIFY,
            "FAIL": FAIL,
        },
    )


def _check_case(case, user, data) -> CaseEvent:
    """Close the case as verified, or send it back as rework, with the worker's photo."""
    with transaction.atomic():
        if data["decision"] == VERIFY:
            event = do_verify_case(case, acting_user=user, expected_version=data["expected_version"])
        else:
            event = do_fail_verification(
                case, acting_user=user, reason=data["reason"], expected_version=data["expected_version"]
            )
        if data.get("photo"):
            _attach(case, event, Attachment.Purpose.VERIFICATION, data["photo"])
    return event


@grid_worker_required
@require_GET
def photo(request, case_id, photo_id):
    """A photo of a case the worker may see (photos are not public files)."""
    case = access_case_by_id(request.user, case_id)
    return photos.photo_response(case, photo_id)


def _attach(case, event, purpose, photo) -> Attachment:
    """Store a cleaned photo (``forms.Photo``) on ``case``."""
    return photos.store_photos(case, purpose, [(photo.data, photo.content_type)], event=event)[0]
