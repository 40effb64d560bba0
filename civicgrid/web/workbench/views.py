"""The staff workbench: queues, the case page and its actions, bulk dispatch.

Every view is thin: parse (``forms.py``) → access (``cases/access.py``) → act
(``cases/actions.py``) → respond. Which actions a user may take comes from the workflow table;
a refused action's message is shown on its form.
"""

from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from civicgrid.cases import deadlines, photos
from civicgrid.cases.access import access_case_by_id, may_see, roles_on_case
from civicgrid.cases.actions import CaseError, Conflict
from civicgrid.cases.duplicates import find_duplicates
from civicgrid.cases.models import Case
from civicgrid.cases.workflow.problem import PROBLEM
from civicgrid.geo.models import Region
from civicgrid.org import access
from civicgrid.org.roles import Role
from civicgrid.privacy.access_log import reveal_contact
from civicgrid.web.workbench import queues
from civicgrid.web.workbench.forms import ACTIONS, BulkDispatchForm, QueueFilterForm, RevealContactForm
from civicgrid.web.workbench.present import contact, role_label, step_label, timeline


def staff_required(view):
    """Signed-in staff members only: anonymous users go to the sign-in page, others get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.is_staff_member(request.user):
            return render(request, "web/workbench/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapper)


# --- queues ---------------------------------------------------------------------------------


@staff_required
@require_GET
def home(request):
    """The first queue on the user's desk."""
    return _queue(request, None)


@staff_required
@require_GET
def queue(request, slug):
    return _queue(request, slug)


def _queue(request, slug):
    user = request.user
    desk = queues.desk_of(user, timezone.now())
    mine = queues.queues_for(user)
    if slug is None:
        current = mine[0] if mine else None
    else:
        current = queues.BY_SLUG.get(slug)
        if current not in mine:
            raise Http404
    form = QueueFilterForm(request.GET, user=user)
    counts = queues.counts(user, mine, desk)
    tabs = [{"queue": q, "count": counts[q.slug], "current": q == current} for q in mine]
    context = {"tabs": tabs, "current": current, "form": form}
    if current is not None:
        context.update(_queue_page(user, current, desk, form.filters()))
        context["query"] = _query_without_page(form)
    return render(request, "web/workbench/queue.html", context)


def _queue_page(user, current, desk, options) -> dict:
    """One page of ``current`` (50 rows) with the rows' SLA colours and street names."""
    sla, sort, page_number = options.pop("sla"), options.pop("sort"), options.pop("page")
    cases = queues.apply_filters(queues.cases_in(user, current, desk), **options)
    cases = queues.sorted_cases(cases.select_related("category", "owner_unit"), sort)
    if sla:
        cases = queues.with_sla(cases, sla, desk.now)
    page = Paginator(cases, queues.PAGE_SIZE).get_page(page_number)
    rows = list(page.object_list)
    if rows and not isinstance(rows[0], Case):  # green or yellow: a page of ids, in order
        by_id = Case.objects.select_related("category", "owner_unit").in_bulk(rows)
        rows = [by_id[pk] for pk in rows if pk in by_id]
    streets = {r.code: r.name for r in Region.objects.filter(code__in={c.street_code for c in rows})}
    return {
        "page": page,
        "rows": [
            {
                "case": c,
                "sla": deadlines.sla_colour(c.category, c.step, c.step_started_at, c.step_due_at, desk.now),
                "street": streets.get(c.street_code, c.street_code),
            }
            for c in rows
        ],
    }


def _query_without_page(form) -> str:
    data = form.data.copy()
    data.pop("page", None)
    return data.urlencode()


@staff_required
@require_POST
def bulk_dispatch(request):
    """Dispatch each selected case to the unit the routing rules find, each with its own version."""
    user = request.user
    if queues.BY_SLUG["to_dispatch"] not in queues.queues_for(user):
        raise Http404
    form = BulkDispatchForm(request.POST)
    if not form.is_valid():
        for error in form.errors.get("cases", []):
            messages.error(request, error)
        return redirect("workbench:queue", slug="to_dispatch")
    wanted = dict(form.cleaned_data["cases"])
    found = queues.problem_cases(user).select_related("category", "owner_unit").in_bulk(list(wanted))
    results = []
    for case_id, version in wanted.items():
        case = found.get(case_id)
        if case is None:
            results.append({"case": None, "case_id": case_id, "ok": False, "message": _("You cannot see this case.")})
            continue
        try:
            if case.version != version:
                raise Conflict(_("Changed by someone else since the queue was loaded."))
            ACTIONS["dispatch"].function(case, acting_user=user, expected_version=version)
        except CaseError as e:
            results.append({"case": case, "ok": False, "message": e.message})
        else:
            case.refresh_from_db(fields=["owner_unit"])
            results.append({"case": case, "ok": True, "message": str(case.owner_unit)})
    done = sum(r["ok"] for r in results)
    return render(
        request,
        "web/workbench/bulk_result.html",
        {"results": results, "done": done, "failed": len(results) - done},
    )


# --- the case page -------------------------------------------------------------------------


def access_problem_case(user, case_id) -> Case:
    """A problem case the user may see (``cases/access.py``); other kinds have desks of their own,
    so they answer the same 404 here as a case out of sight."""
    case = access_case_by_id(user, case_id)
    if case.kind != Case.Kind.PROBLEM:
        raise Http404
    return case


@staff_required
@require_GET
def case_detail(request, case_id):
    case = access_problem_case(request.user, case_id)
    return _case_page(request, case)


@staff_required
@require_POST
def case_action(request, case_id, action):
    """Take ``action`` on the case: its form, then the action function; errors go on the form."""
    user = request.user
    case = access_problem_case(user, case_id)
    spec = ACTIONS.get(action)
    if spec is None:
        raise Http404
    form = spec.form(request.POST, request.FILES, case=case, user=user, action=action)
    if not form.is_valid():
        return _case_page(request, case, bound={action: form}, status=400)
    try:
        if form.cleaned_data["expected_version"] != case.version:
            raise Conflict(_("This case was changed by someone else."))
        with transaction.atomic():  # the photos the form brings stand or fall with the action
            event = spec.function(case, acting_user=user, expected_version=case.version, **form.arguments())
            form.attach(case, event)
    except Conflict:
        messages.warning(request, _("This case was changed by someone else — reloaded. Check it and try again."))
        return _case_page(request, access_problem_case(user, case_id), status=409)
    except CaseError as e:
        form.add_error(None, e.message)
        return _case_page(request, case, bound={action: form}, status=e.status)
    messages.success(request, _("%(action)s: done.") % {"action": spec.label})
    if not queues.problem_cases(user).filter(pk=case.pk).exists():
        # A returned case leaves the handler's unit: they may no longer see it.
        return redirect("workbench:home")
    return redirect("workbench:case", case_id=case.pk)


@staff_required
@require_POST
@never_cache
def reveal(request, case_id):
    """The reporter's full contact, read through the privacy app (which logs the read)."""
    user = request.user
    case = access_problem_case(user, case_id)
    form = RevealContactForm(request.POST)
    revealed, error, status = None, None, 400
    if form.is_valid():
        try:
            revealed = reveal_contact(user, case, purpose=form.cleaned_data["purpose"], request=request)
            status = 200
        except CaseError as e:
            error, status = e.message, e.status
    if request.htmx:
        # The fragment replaces the contact box, refusal included: htmx swaps only 2xx answers.
        context = {"case": case, "reveal_form": form, "contact": contact(case, revealed), "reveal_error": error}
        return render(request, "web/workbench/_contact.html", context)
    if error:
        form.add_error(None, error)
    return _case_page(request, case, reveal_form=form, revealed=revealed, status=status)


@staff_required
@require_GET
def case_map(request, case_id):
    """GeoJSON of the case point and the duplicates nearby that the user may see."""
    user = request.user
    case = access_problem_case(user, case_id)
    now = timezone.now()
    colour = deadlines.sla_colour(case.category, case.step, case.step_started_at, case.step_due_at, now)
    features = [
        _point(dup.case, dup.case.number, "grey", reverse("workbench:case", args=[dup.case.pk]))
        for dup in _duplicates(user, case)
    ]
    features.append(_point(case, case.number, colour or "blue", None))  # last: drawn on top
    return JsonResponse({"type": "FeatureCollection", "features": features})


def _point(case, label, colour, url):
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [case.x, case.y]},
        "properties": {"label": label, "colour": colour, "url": url},
    }


@staff_required
@require_GET
def photo(request, case_id, photo_id):
    """A photo of a case, to those who may see the case."""
    return photos.photo_response(access_problem_case(request.user, case_id), photo_id)


def _duplicates(user, case):
    """Open cases of the same category nearby, among those the user may see."""
    return [d for d in find_duplicates(case.category, case.x, case.y, exclude_id=case.pk) if may_see(user, d.case)]


def _case_page(request, case, *, bound=None, reveal_form=None, revealed=None, status=200):
    user = request.user
    now = timezone.now()
    roles = roles_on_case(user, case)
    allowed = [a for a in PROBLEM.allowed(case.status, roles) if a in ACTIONS]
    # The next step of the loop first, then the side paths, each group in table order.
    offered = sorted(allowed, key=lambda a: not ACTIONS[a].primary)
    bound = bound or {}
    forms = [
        {
            "name": a,
            "label": ACTIONS[a].label,
            "help": _(PROBLEM.transition(a).doc),
            "primary": ACTIONS[a].primary,
            "form": bound.get(a) or ACTIONS[a].form(case=case, user=user, action=a),
            "url": reverse("workbench:case_action", args=[case.pk, a]),
        }
        for a in offered
    ]
    # A refused action no longer on offer (the case moved on) still shows why it was refused.
    refused = [
        {"label": ACTIONS[a].label, "errors": f.non_field_errors()} for a, f in bound.items() if a not in allowed
    ]
    lead = get_user_model().objects.filter(pk=case.lead_official_id).first() if case.lead_official_id else None
    parent = queues.problem_cases(user).filter(pk=case.parent_id).first() if case.parent_id else None
    context = {
        "case": case,
        "roles": sorted(role_label(r) for r in roles & set(Role.values)),
        "actions": forms,
        "refused": refused,
        "merge_allowed": "merge" in allowed,
        "timeline": timeline(case),
        "photos": list(case.attachments.order_by("created_at", "pk")),
        "supporters": case.supporters.count(),
        "duplicates": _duplicates(user, case),
        "merged_children": list(queues.problem_cases(user).filter(parent=case).only("pk", "number", "status")),
        "parent": parent,
        "lead": (lead.get_full_name() or lead.get_username()) if lead else "",
        "sla": deadlines.sla_colour(case.category, case.step, case.step_started_at, case.step_due_at, now),
        "step_label": step_label(case.step),
        "contact": contact(case, revealed),
        "reveal_form": reveal_form or RevealContactForm(),
        "urges": case.urge_count,
    }
    response = render(request, "web/workbench/case.html", context, status=status)
    if revealed:
        response["Cache-Control"] = "no-store"
    return response
