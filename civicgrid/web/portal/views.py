"""The resident portal: public pages, no account needed.

A resident reports a problem (shown first the open reports of the same kind nearby, to say "me
too" instead), follows it by its number (the public status line only) or by its private link
(timeline, photos and the reporter's actions), and looks at the map of reported problems.

Views are thin: parse (``forms.py``) → access (``cases/access.py``) → act (``cases/actions.py``)
→ respond. No page here shows a reporter's or supporter's contact, who reported, or a staff
member's name: the timeline names roles ("Governance centre", "Handling unit").
"""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.analytics import kpis
from civicgrid.cases import actions, photos
from civicgrid.cases.access import access_case_by_token, access_public_case_by_number
from civicgrid.cases.actions import CaseError, Conflict
from civicgrid.cases.duplicates import find_duplicates
from civicgrid.cases.models import Attachment, Case, CaseEvent
from civicgrid.cases.workflow import problem
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT, SYSTEM
from civicgrid.geo.locator import get_locator
from civicgrid.geo.models import Region
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role
from civicgrid.web.portal import forms as f

HOME_PERIOD_DAYS = 30
HOME_CACHE_SECONDS = 600
NEARBY_LIMIT = 5
MAP_PAGE_SIZE = 50
# The map draws at most this many points, the most recent first: enough to see where problems
# are, few enough for a phone. The list below the map pages through all of them.
MAP_POINTS_CAP = 2000
# The public map leaves out reports that were turned down and duplicates merged into another.
MAP_HIDDEN_STATUSES = (problem.REJECTED, problem.MERGED)
# Colours of the map points (names known to map.js) and the legend, by status.
STATUS_COLOUR = {
    problem.REPORTED: "red",
    problem.ACCEPTED: "yellow",
    problem.DISPATCHED: "yellow",
    problem.SIGNED: "yellow",
    problem.IN_PROGRESS: "yellow",
    problem.HANDLED: "blue",
    problem.CLOSED: "green",
    problem.PARKED: "grey",
    problem.REJECTED: "grey",
    problem.MERGED: "grey",
}
LEGEND = (
    ("red", gettext_lazy("New, not yet accepted")),
    ("yellow", gettext_lazy("Being handled")),
    ("blue", gettext_lazy("Handled, being checked")),
    ("green", gettext_lazy("Closed")),
    ("grey", gettext_lazy("On hold")),
)
PHOTO_PURPOSES = (Attachment.Purpose.REPORT, Attachment.Purpose.EVIDENCE)
PHOTO_TYPE = "image/jpeg"  # what clean_photo writes


def _user(request):
    """The signed-in user, or None for an anonymous resident."""
    return request.user if request.user.is_authenticated else None


def _region_names(codes) -> dict[str, str]:
    codes = {c for c in codes if c}
    if not codes:
        return {}
    return {r.code: r.name for r in Region.objects.filter(code__in=codes).only("code", "name_zh", "name_en")}


def _tracked_case(token: str) -> Case:
    """The problem case whose private link is ``token``; 404 otherwise."""
    case = access_case_by_token(token)
    if case.kind != Case.Kind.PROBLEM:
        raise Http404
    return case


# --- home -----------------------------------------------------------------------------------


def _city_numbers() -> dict:
    """Resolution and satisfaction over the last 30 whole days, city-wide; cached briefly (the
    numbers change slowly and the aggregate reads many rows)."""
    today = timezone.localdate()
    key = f"portal:home-numbers:{today.isoformat()}"
    numbers = cache.get(key)
    if numbers is None:
        k = kpis.summary("", today - timedelta(days=HOME_PERIOD_DAYS), today)
        numbers = {
            "solved": k.resolution.numerator,
            "resolution": k.resolution.percent,
            "resolution_of": k.resolution.denominator,
            "satisfaction": k.satisfaction.percent,
            "rated": k.satisfaction.denominator,
            "days": HOME_PERIOD_DAYS,
        }
        cache.set(key, numbers, HOME_CACHE_SECONDS)
    return numbers


@require_GET
def home(request):
    return render(request, "web/portal/home.html", {"numbers": _city_numbers()})


# --- reporting ------------------------------------------------------------------------------


def _place(location) -> list[str]:
    """District and street names of a located point, from the locator's memory (no query)."""
    described = get_locator().describe(location)
    english = (get_language() or "").startswith("en")
    names = []
    for level in ("district", "street"):
        d = described[level]
        name = (d["name_en"] if english else "") or d["name_zh"]
        if name:
            names.append(name)
    return names


def _nearby_open(category, where, *, ignore_key=None) -> list:
    """Open reports of ``category`` near the located point ``where`` (one query)."""
    x, y, _loc = where
    found = find_duplicates(category, x, y, limit=NEARBY_LIMIT)
    # A resent form must not be shown the report its first sending filed.
    return [d for d in found if ignore_key is None or d.case.idempotency_key != ignore_key]


def _same_report(case, data, user) -> bool:
    return (
        case.reporter_id == getattr(user, "pk", None)
        and case.category_id == data["category"].pk
        and case.description == data["description"].strip()
    )


def _file_report(user, data, key) -> Case:
    """File the report and store its cleaned photos; a resent form gets its first case back."""
    with transaction.atomic():
        case, created = actions.do_report_case(
            acting_user=user,
            category=data["category"],
            lat=data["lat"],
            lon=data["lon"],
            crs=data["crs"],
            description=data["description"],
            source=Case.Source.WEB,
            address=data["address"],
            contact=data["contact"],
            contact_shared=data["contact_shared"],
            idempotency_key=key,
        )
        if not created and not _same_report(case, data, user):
            raise Conflict(_("This form was already used to file another report. Reload the page to file a new one."))
        if created and data["photos"]:
            photos.store_photos(case, Attachment.Purpose.REPORT, [(jpeg, PHOTO_TYPE) for jpeg in data["photos"]])
    return case


@require_http_methods(["GET", "POST"])
def report(request):
    duplicates, place = None, []
    if request.method == "POST":
        form = f.ReportForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            key = f"portal:{data['idempotency_key']}"
            if not data["duplicates_checked"]:
                # Without the page's script the resident has not seen them yet: show them once.
                duplicates = _nearby_open(data["category"], data["where"], ignore_key=key)
            if duplicates:
                place = _place(data["where"][2])
                # Sent again as it is, the form files the report.
                form.data = _with(request.POST, duplicates_checked="True")
            else:
                try:
                    case = _file_report(_user(request), data, key)
                except CaseError as e:
                    form.add_error(None, e.message)
                else:
                    return redirect("portal:receipt", token=case.tracking_token)
    else:
        form = f.ReportForm()
    return render(
        request,
        "web/portal/report.html",
        {
            "form": form,
            "duplicates": duplicates,
            "place": place,
            "photos_dropped": bool(request.FILES),
            "city_crs": settings.CITY_CRS,
        },
    )


def _with(querydict, **values):
    data = querydict.copy()
    for k, v in values.items():
        data[k] = v
    return data


@require_GET
def nearby(request):
    """The "Is it one of these?" panel of the report form (an HTML fragment)."""
    form = f.NearbyForm(request.GET)
    context: dict[str, Any] = {"form": form, "duplicates": [], "place": [], "error": ""}
    if form.is_valid():
        data = form.cleaned_data
        context["duplicates"] = _nearby_open(data["category"], data["where"])
        context["place"] = _place(data["where"][2])
    elif "lat" in form.errors and form.data.get("lat") and form.data.get("lon"):
        context["error"] = form.errors["lat"][0]  # e.g. outside the service area: say so early
    return render(request, "web/portal/_nearby.html", context)


@require_POST
def support(request, number):
    """ "Me too — support this one" instead of filing the same problem again."""
    number = f.clean_number(number)
    case = access_public_case_by_number(number)
    form = f.SupportForm(request.POST)
    contact = form.cleaned_data["contact"] if form.is_valid() else ""
    try:
        actions.do_support_case(case, acting_user=_user(request), contact=contact)
    except CaseError as e:
        messages.error(request, e.message)
    else:
        text = _("Thank you: your support was added to report %(number)s.") % {"number": case.number}
        if contact:
            text += " " + _("You will be told of its progress.")
        messages.success(request, text)
    return redirect(reverse("portal:track_lookup") + "?" + urlencode({"number": case.number}))


def _private_link(request, token) -> str:
    path = reverse("portal:track", args=[token])
    base = getattr(settings, "PUBLIC_BASE_URL", "")
    return base + path if base else request.build_absolute_uri(path)


@never_cache
@require_GET
def receipt(request, token):
    case = _tracked_case(token)
    return render(
        request,
        "web/portal/receipt.html",
        {"case": case, "link": _private_link(request, token), "token": token},
    )


# --- following a report ---------------------------------------------------------------------


@require_GET
def track_lookup(request):
    """The public status line of a number: status, category, district and dates, nothing
    private; acting on a report needs its private link."""
    form = f.LookupForm(request.GET or None)
    found = None
    if form.is_valid():
        found = (
            Case.objects.filter(number=form.cleaned_data["number"], kind=Case.Kind.PROBLEM)
            .select_related("category")
            .only(
                "number",
                "status",
                "category__name_zh",
                "category__name_en",
                "district_code",
                "reported_at",
                "closed_at",
            )
            .first()
        )
        if found is None:
            form.add_error("number", _("No report has this number. Check it and try again."))
    district = _region_names([found.district_code]).get(found.district_code, "") if found else ""
    return render(request, "web/portal/track_lookup.html", {"form": form, "found": found, "district": district})


ACTOR_LABELS = {
    Role.DISPATCHER: gettext_lazy("Governance centre"),
    Role.SUPERVISOR: gettext_lazy("Governance centre"),
    Role.HANDLER: gettext_lazy("Handling unit"),
    Role.GRID_WORKER: gettext_lazy("Grid worker"),
    REPORTER: gettext_lazy("Reporter"),
    RESIDENT: gettext_lazy("Resident"),
    SYSTEM: gettext_lazy("CivicGrid"),
}
EVENT_TITLES = {
    "report": gettext_lazy("Reported"),
    "resolve_on_spot": gettext_lazy("Resolved on the spot"),
    "accept": gettext_lazy("Accepted for handling"),
    "reject": gettext_lazy("Not accepted"),
    "merge": gettext_lazy("Merged into report %(into)s about the same problem"),
    "absorb": gettext_lazy("A report of the same problem was merged into this one"),
    "dispatch": gettext_lazy("Sent to %(unit)s"),
    "handle": gettext_lazy("Handled"),
    "verify": gettext_lazy("Fix confirmed: closed"),
    "fail_verification": gettext_lazy("Not fixed: back to the unit"),
    "reopen": gettext_lazy("Reopened"),
    "rate": gettext_lazy("Rated: %(rating)s"),
    "support": gettext_lazy("Another resident said “me too”"),
}


@dataclass(frozen=True)
class Step:
    """One line of the public timeline."""

    at: Any
    title: str
    actor: str
    reason: str
    link: str = ""


def _timeline(case) -> list[Step]:
    events = list(
        CaseEvent.objects.filter(case=case, public=True)
        .only("at", "action", "actor_role", "reason", "payload")
        .order_by("seq")
    )
    unit_codes = {e.payload.get("unit") for e in events if e.action == "dispatch"} - {None}
    units = {u.code: u.name for u in Unit.objects.filter(code__in=unit_codes)} if unit_codes else {}
    steps = []
    for e in events:
        link = ""
        values = {}
        if e.action == "dispatch":
            code = e.payload.get("unit")
            values["unit"] = units.get(code) or e.payload.get("unit_name") or _("the responsible unit")
        elif e.action == "merge":
            values["into"] = e.payload.get("into", "")
            link = reverse("portal:track_lookup") + "?" + urlencode({"number": values["into"]})
        elif e.action == "rate":
            values["rating"] = f.RATING_LABELS.get(e.payload.get("rating"), "")
        title = EVENT_TITLES.get(e.action, e.action)
        steps.append(
            Step(
                at=e.at,
                title=str(title) % values if values else str(title),
                actor=str(ACTOR_LABELS.get(e.actor_role, _("Staff"))),
                reason=e.reason,
                link=link,
            )
        )
    return steps


@dataclass(frozen=True)
class TrackAction:
    form: type
    run: Any  # (case, user, cleaned_data) -> the event
    done: Any  # the message once it is done


TRACK_ACTIONS = {
    "verify": TrackAction(
        f.VerifyForm,
        lambda case, user, d: actions.do_verify_case(
            case, acting_user=user, has_token=True, expected_version=d["version"]
        ),
        gettext_lazy("Thank you: the fix is confirmed and the report is closed. You can now rate how it was handled."),
    ),
    "fail_verification": TrackAction(
        f.FailVerificationForm,
        lambda case, user, d: actions.do_fail_verification(
            case, acting_user=user, reason=d["reason"], has_token=True, expected_version=d["version"]
        ),
        gettext_lazy("The report went back to the unit to finish the work."),
    ),
    "reopen": TrackAction(
        f.ReopenForm,
        lambda case, user, d: actions.do_reopen_case(
            case, acting_user=user, reason=d["reason"], has_token=True, expected_version=d["version"]
        ),
        gettext_lazy("The report is reopened and back with the unit that handled it."),
    ),
    "rate": TrackAction(
        f.RateForm,
        lambda case, user, d: actions.do_rate_case(
            case,
            acting_user=user,
            rating=d["rating"],
            comment=d["comment"],
            has_token=True,
            expected_version=d["version"],
        ),
        gettext_lazy("Thank you for your rating."),
    ),
}
STALE = gettext_lazy(
    "This report changed while you were looking at it. The page now shows its current state: "
    "check it, and try again if it is still needed."
)


def _reopen_until(case):
    if case.status != problem.CLOSED or case.closed_at is None:
        return None
    return case.closed_at + timedelta(days=problem.REOPEN_WINDOW_DAYS)


def _offered_actions(case, now) -> list[str]:
    """The reporter's actions the page offers now: what the workflow table allows the holder
    of the link, less a rating already given and a reopening past its window."""
    allowed = problem.PROBLEM.allowed(case.status, {RESIDENT, REPORTER})
    offered = [a for a in TRACK_ACTIONS if a in allowed]
    if case.rating is not None and "rate" in offered:
        offered.remove("rate")
    until = _reopen_until(case)
    if "reopen" in offered and (until is None or now > until):
        offered.remove("reopen")
    return offered


def _render_track(request, case, token, *, bound=None, error="", status=200):
    now = timezone.now()
    offered = _offered_actions(case, now)
    action_forms = {}
    for name in offered:
        if bound is not None and bound[0] == name:
            action_forms[name] = bound[1]
        else:
            action_forms[name] = TRACK_ACTIONS[name].form(initial={"version": case.version}, prefix=name)
    photos = list(Attachment.objects.filter(case=case, purpose__in=PHOTO_PURPOSES).only("pk", "purpose").order_by("pk"))
    names = _region_names([case.district_code, case.street_code])
    context = {
        "case": case,
        "token": token,
        "timeline": _timeline(case),
        "report_photos": [p for p in photos if p.purpose == Attachment.Purpose.REPORT],
        "evidence_photos": [p for p in photos if p.purpose == Attachment.Purpose.EVIDENCE],
        "supporters": case.supporters.count(),
        "district": names.get(case.district_code, ""),
        "street": names.get(case.street_code, ""),
        "forms": action_forms,
        "reopen_until": _reopen_until(case) if "reopen" in offered else None,
        "rating_label": f.RATING_LABELS.get(case.rating, ""),
        "error": error,
        "on_map": case.status not in MAP_HIDDEN_STATUSES,
        "points_url": reverse("portal:map_points") + "?" + urlencode({"number": case.number}),
    }
    return render(request, "web/portal/track.html", context, status=status)


@never_cache
@require_GET
def track(request, token):
    """The report behind a private link: public timeline, photos and the reporter's actions."""
    return _render_track(request, _tracked_case(token), token)


@never_cache
@require_POST
def track_action(request, token, action):
    spec = TRACK_ACTIONS.get(action)
    if spec is None:
        raise Http404
    case = _tracked_case(token)
    form = spec.form(request.POST, prefix=action)
    if not form.is_valid():
        return _render_track(request, case, token, bound=(action, form), status=400)
    try:
        spec.run(case, _user(request), form.cleaned_data)
    except Conflict:
        # The form was made on an older version, or someone acted first: show the case as it is.
        return _render_track(request, _tracked_case(token), token, error=STALE, status=409)
    except CaseError as e:
        return _render_track(request, _tracked_case(token), token, error=e.message, status=e.status)
    messages.success(request, str(spec.done))
    return redirect("portal:track", token=token)


@require_GET
def track_photo(request, token, photo_id):
    """A photo of the report behind the link (photos are not public files)."""
    return photos.photo_response(_tracked_case(token), photo_id, purposes=PHOTO_PURPOSES)


# --- the public map -------------------------------------------------------------------------


def _map_cases(form):
    """The problems the public map shows for the form's valid filters, most recent first."""
    filters = form.filters()
    qs = Case.objects.filter(kind=Case.Kind.PROBLEM, category__public=True, x__isnull=False).exclude(
        status__in=MAP_HIDDEN_STATUSES
    )
    if filters.get("street"):
        qs = qs.filter(street_code=filters["street"])
    elif filters.get("district"):
        qs = qs.filter(district_code=filters["district"])
    if filters.get("category"):
        qs = qs.filter(category__parent_id=form.classes[filters["category"]].pk)
    if filters.get("status") == f.OPEN:
        qs = qs.filter(status__in=sorted(problem.OPEN))
    elif filters.get("status") == f.CLOSED:
        qs = qs.filter(status=problem.CLOSED)
    if filters.get("number"):
        qs = qs.filter(number=filters["number"])
    return qs.order_by("-reported_at", "-pk"), filters


@require_GET
def map_page(request):
    form = f.MapFilterForm(request.GET)
    cases, filters = _map_cases(form)
    page = Paginator(cases.select_related("category"), MAP_PAGE_SIZE).get_page(request.GET.get("page"))
    streets = _region_names({c.street_code for c in page}) if page.object_list else {}
    query = {k: v for k, v in filters.items() if k != "number"}
    district = filters.get("district", "")
    if district:
        drill = {**query, "street": "{code}"}
    else:
        drill = {k: v for k, v in query.items() if k != "street"} | {"district": "{code}"}
    return render(
        request,
        "web/portal/map.html",
        {
            "form": form,
            "page": page,
            "rows": [
                {
                    "case": c,
                    "district": form.districts.get(c.district_code, c.district_code),
                    "street": streets.get(c.street_code, ""),
                    "colour": STATUS_COLOUR[c.status],
                }
                for c in page
            ],
            "query": urlencode(query),
            "points_url": reverse("portal:map_points") + "?" + urlencode(query),
            "regions_url": reverse("api-v1:regions") + "?" + urlencode({"parent": district}),
            # The region code goes in where map.js finds "{code}": keep the braces unescaped.
            "drill_url": reverse("portal:map") + "?" + urlencode(drill).replace("%7Bcode%7D", "{code}"),
            "cap": MAP_POINTS_CAP,
            "capped": page.paginator.count > MAP_POINTS_CAP,
            "legend": LEGEND,
        },
    )


@require_GET
def map_points(request):
    """The map's points as GeoJSON (city coordinates): number, kind and status of each problem,
    the most recent ``MAP_POINTS_CAP`` matching the filters. Nothing about who reported."""
    form = f.MapFilterForm(request.GET)
    cases, _filters = _map_cases(form)
    name_field = "category__name_en" if (get_language() or "").startswith("en") else "category__name_zh"
    rows = cases.values_list("number", "x", "y", "status", name_field, "category__name_zh")[:MAP_POINTS_CAP]
    labels = dict(Case.Status.choices)
    lookup = reverse("portal:track_lookup") + "?number="
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [round(x, 6), round(y, 6)]},
            "properties": {
                "label": f"{number} · {name or name_zh} · {labels[status]}",
                "status": status,
                "colour": STATUS_COLOUR[status],
                "url": lookup + number,
            },
        }
        for number, x, y, status, name, name_zh in rows
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "capped": len(features) == MAP_POINTS_CAP},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )
