"""The grievance pages (信访).

The petitioner's: submit a grievance (no account needed) and get its receipt number and private
link (Art. 21); look a receipt number up (its public status line); follow the grievance on the
private page, with the statutory clocks, the written notices and decisions (printable), the
evaluation of the handling (Art. 21) and the review and re-review (Art. 35-36), each a button
with its 30 days shown.

The staff's: the desk (queues), registering a letter, call, fax or visit, the grievance page
with its clocks and steps, the printable documents, the lead official's lists, and the backlog
of long-open grievances with its export.

Every view is parse (``forms.py``) → access (``grievances/access.py``) → act
(``grievances/actions.py``) → respond. Reading a grievance's file on a staff page is logged
(``access.read_file``); no list, export or public page shows the identity or the content.
"""

import csv
import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.cases.actions import CaseError, Conflict
from civicgrid.grievances import access, numbers, present
from civicgrid.grievances import workflow as wf
from civicgrid.grievances.actions import do_record_grievance, do_submit_grievance
from civicgrid.grievances.models import Document, Evaluation, Hearing, ListItem, SameMatterLink
from civicgrid.org import access as org_access
from civicgrid.org.roles import Role
from civicgrid.web.grievances import forms as f

PAGE_SIZE = 50
STAFF_ROLES = frozenset({Role.GRIEVANCE_OFFICER, Role.HANDLER, Role.SUPERVISOR})
PAGE_PURPOSE = "grievance page"
PRINT_PURPOSE = "grievance document (print)"
NO_STORE = "no-store"


def _user(request):
    return request.user if request.user.is_authenticated else None


def _no_store(response):
    response["Cache-Control"] = NO_STORE
    return response


# --- the petitioner -------------------------------------------------------------------------


@require_GET
def home(request):
    staff = bool(org_access.roles_of(request.user) & STAFF_ROLES)
    return render(request, "web/grievances/home.html", {"lookup": f.LookupForm(), "staff": staff})


@require_http_methods(["GET", "POST"])
def submit(request):
    form = f.SubmitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        key = f"web:{form.cleaned_data['idempotency_key']}"
        try:
            result = do_submit_grievance(acting_user=_user(request), idempotency_key=key, **form.arguments())
        except CaseError as e:
            form.add_error(None, e.message)
        else:
            case = result.case
            if result.linked:
                messages.info(
                    request,
                    _(
                        "This matter is already being handled under receipt number %(number)s. Your submission was "
                        "recorded on it, not registered a second time (Regulations on Letters and Visits Work, "
                        "Art. 19). Follow it with the private link you got when you first submitted it."
                    )
                    % {"number": case.number},
                )
                return redirect(reverse("grievances:lookup") + f"?number={case.number}")
            if not result.created and case.grievance.petitioner_name != form.cleaned_data["petitioner_name"].strip():
                form.add_error(None, _("This form was already used for another grievance. Reload the page."))
            else:
                return redirect("grievances:receipt", token=case.tracking_token)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "web/grievances/submit.html", {"form": form}, status=status)


def _private_link(request, token) -> str:
    return request.build_absolute_uri(reverse("grievances:follow", args=[token]))


@never_cache
@require_GET
def receipt(request, token):
    acc = access.access_grievance_by_token(_user(request), token)
    context = {"case": acc.case, "link": _private_link(request, token), "token": token}
    return _no_store(render(request, "web/grievances/receipt.html", context))


@require_GET
def lookup(request):
    """The public status line of a receipt number: status and dates, nothing about the matter."""
    form = f.LookupForm(request.GET or None)
    found = None
    if form.is_valid():
        found = access.public_status(form.cleaned_data["number"])
        if found is None:
            form.add_error("number", _("No grievance has this receipt number. Check it and try again."))
    status = 404 if form.is_bound and found is None else 200
    return render(request, "web/grievances/lookup.html", {"form": form, "found": found}, status=status)


def _follow_forms(acc, bound=None) -> dict:
    bound = bound or {}
    allowed = wf.GRIEVANCE.allowed(acc.case.status, acc.roles)
    forms = {}
    for action, (form_class, _fn) in f.FOLLOW_FORMS.items():
        if action in allowed:
            forms[action] = bound.get(action) or form_class(initial={"expected_version": acc.case.version})
    if "evaluate" in forms and Evaluation.objects.filter(grievance=acc.grievance, stage=acc.case.status).exists():
        del forms["evaluate"]
    return forms


def _follow_page(request, acc, token, *, bound=None, error="", status=200):
    g, case = acc.grievance, acc.case
    now = timezone.now()
    context = {
        "case": case,
        "g": g,
        "token": token,
        "file": access.read_file(_user(request), acc, purpose="", as_petitioner=True),
        "clocks": present.statutory_clocks(g, now),
        "documents": present.documents(g),
        "timeline": present.timeline(case, public_only=True),
        "forms": _follow_forms(acc, bound),
        "evaluations": list(Evaluation.objects.filter(grievance=g)),
        "review_open": present.window_open(g.review_request_by, now),
        "rereview_open": present.window_open(g.rereview_request_by, now),
        "error": error,
    }
    return _no_store(render(request, "web/grievances/follow.html", context, status=status))


@never_cache
@require_GET
def follow(request, token):
    acc = access.access_grievance_by_token(_user(request), token)
    return _follow_page(request, acc, token)


@require_POST
def follow_action(request, token, action):
    acc = access.access_grievance_by_token(_user(request), token)
    if action not in f.FOLLOW_FORMS:
        raise Http404
    form_class, function = f.FOLLOW_FORMS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        return _follow_page(request, acc, token, bound={action: form}, status=400)
    try:
        function(
            acc.case,
            acting_user=_user(request),
            has_token=True,
            expected_version=form.cleaned_data["expected_version"],
            **form.arguments(),
        )
    except Conflict as e:
        acc = access.access_grievance_by_token(_user(request), token)
        return _follow_page(request, acc, token, error=e.message, status=409)
    except CaseError as e:
        # Said at the top of the page: a refused review may come when its window has closed.
        return _follow_page(request, acc, token, error=e.message, status=e.status)
    done = {
        "request_review": _("Your request for a review was sent to the next level up."),
        "request_rereview": _("Your request for a re-review was sent to the next level up."),
        "evaluate": _("Thank you: your evaluation was recorded."),
    }
    messages.success(request, done[action])
    return redirect("grievances:follow", token=token)


def _document_context(acc, doc, file, *, back_url) -> dict:
    g = acc.grievance
    next_body = None
    if doc.kind == Document.Kind.DECISION:
        next_body = g.review_unit or (doc.unit.parent if doc.unit and doc.unit.parent_id else None)
    elif doc.kind == Document.Kind.REVIEW:
        next_body = g.rereview_unit or (doc.unit.parent if doc.unit and doc.unit.parent_id else None)
    return {
        "case": acc.case,
        "g": g,
        "doc": doc,
        "file": file,
        "outcome": present.outcome_label(doc),
        "next_body": next_body,
        "back_url": back_url,
    }


def _document(acc, doc_id) -> Document:
    doc = Document.objects.select_related("unit__parent").filter(grievance=acc.grievance, pk=doc_id).first()
    if doc is None:
        raise Http404
    return doc


@never_cache
@require_GET
def follow_document(request, token, doc_id):
    acc = access.access_grievance_by_token(_user(request), token)
    doc = _document(acc, doc_id)
    file = access.read_file(_user(request), acc, purpose="", as_petitioner=True)
    context = _document_context(acc, doc, file, back_url=reverse("grievances:follow", args=[token]))
    return _no_store(render(request, "web/grievances/document.html", context))


# --- staff ----------------------------------------------------------------------------------


def staff_required(view):
    """Signed-in staff working grievances (officers, handlers, supervisors); others get 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not org_access.roles_of(request.user) & STAFF_ROLES:
            return render(request, "web/grievances/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return login_required(wrapper)


QUEUES = (
    ("triage", gettext_lazy("To triage"), {Role.GRIEVANCE_OFFICER}),
    ("to_route", gettext_lazy("Reviews to route"), {Role.GRIEVANCE_OFFICER}),
    ("mine", gettext_lazy("With my unit"), {Role.HANDLER}),
    ("overdue", gettext_lazy("Overdue"), {Role.GRIEVANCE_OFFICER, Role.SUPERVISOR, Role.HANDLER}),
    ("lead", gettext_lazy("I am lead official"), {Role.SUPERVISOR}),
    ("long_open", gettext_lazy("Long open"), {Role.GRIEVANCE_OFFICER, Role.SUPERVISOR}),
    ("all", gettext_lazy("All I may see"), set(STAFF_ROLES)),
)


def _queue_q(slug, user, now) -> Q:
    staff = org_access.staff_of(user)
    open_ = Q(case__status__in=sorted(wf.OPEN))
    return {
        "triage": Q(case__status=wf.REGISTERED),
        "to_route": Q(case__status__in=[wf.IN_REVIEW, wf.IN_REREVIEW], case__owner_unit__isnull=True),
        "mine": Q(case__owner_unit_id=staff.unit_id if staff else None, case__status__in=sorted(wf.WITH_BODY)),
        "overdue": open_ & Q(case__step_due_at__lt=now),
        "lead": open_ & Q(case__lead_official_id=user.pk),
        "long_open": open_ & Q(received_at__lte=now - dt.timedelta(days=numbers.LONG_OPEN_DAYS)),
        "all": Q(),
    }[slug]


@staff_required
@require_GET
def desk(request):
    user, now = request.user, timezone.now()
    roles = org_access.roles_of(user)
    queues = [(slug, label) for slug, label, who in QUEUES if who & roles]
    visible = access.visible_grievances(user)
    counts = visible.aggregate(**{slug: Count("pk", filter=_queue_q(slug, user, now)) for slug, _l in queues})
    current = request.GET.get("queue") or (queues[0][0] if queues else "all")
    if current not in dict(queues):
        raise Http404
    rows = (
        visible.filter(_queue_q(current, user, now))
        .select_related("case__category", "case__owner_unit", "case__lead_official")
        .order_by("case__step_due_at", "received_at", "pk")
    )
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    for g in page:
        g.colour = present.clock_colour(g.case, now)
        g.step_label = present.STEP_LABELS.get(g.case.step, "")
    context = {
        "queues": [(slug, label, counts[slug]) for slug, label in queues],
        "current": current,
        "page": page,
        "may_record": Role.GRIEVANCE_OFFICER in roles,
        "may_read_numbers": access.may_read_numbers(user),
    }
    return render(request, "web/grievances/desk.html", context)


@staff_required
@require_http_methods(["GET", "POST"])
def record(request):
    user = request.user
    if not org_access.has_role(user, Role.GRIEVANCE_OFFICER):
        return render(request, "web/grievances/forbidden.html", status=403)
    form = f.RecordForm(request.POST or None, user=user)
    if request.method == "POST" and form.is_valid():
        key = f"web:{form.cleaned_data['idempotency_key']}"
        try:
            result = do_record_grievance(acting_user=user, idempotency_key=key, **form.arguments())
        except CaseError as e:
            form.add_error(None, e.message)
        else:
            if result.linked:
                messages.info(
                    request,
                    _("Already being handled as %(number)s: recorded there as raised again (Art. 19).")
                    % {"number": result.case.number},
                )
            else:
                messages.success(request, _("Registered as %(number)s.") % {"number": result.case.number})
            return redirect("grievances:detail", case_id=result.case.pk)
    status = 400 if form.is_bound and form.errors else 200
    return render(request, "web/grievances/record.html", {"form": form}, status=status)


def _staff_forms(acc, user, bound) -> list[dict]:
    allowed = [a for a in wf.GRIEVANCE.allowed(acc.case.status, acc.roles) if a in f.ACTIONS]
    g = acc.grievance
    if g.hearing_open_since is not None:
        allowed = [a for a in allowed if a != "start_hearing"]
    else:
        allowed = [a for a in allowed if a != "end_hearing"]
    if acc.case.lead_official_id is None:
        allowed = [a for a in allowed if a != "add_list_item"]
    offered = sorted(allowed, key=lambda a: not f.ACTIONS[a].primary)
    forms = []
    for a in offered:
        spec = f.ACTIONS[a]
        form = bound.get(a) or spec.form(initial={"expected_version": acc.case.version}, user=user, grievance=g)
        forms.append(
            {
                "name": a,
                "label": spec.label,
                "help": _(wf.GRIEVANCE.transition(a).doc),
                "primary": spec.primary,
                "form": form,
                "url": reverse("grievances:action", args=[acc.case.pk, a]),
            }
        )
    return forms


def _detail_page(request, acc, *, bound=None, status=200):
    user, g, case = request.user, acc.grievance, acc.case
    now = timezone.now()
    file = access.read_file(user, acc, purpose=PAGE_PURPOSE, request=request)
    bound = bound or {}
    lead = get_user_model().objects.filter(pk=case.lead_official_id).first() if case.lead_official_id else None
    items = list(ListItem.objects.filter(grievance=g).select_related("responsible_user"))
    context = {
        "case": case,
        "g": g,
        "file": file,
        "roles": sorted(str(Role(r).label) for r in acc.roles if r in Role.values),
        "colour": present.clock_colour(case, now),
        "step_label": present.STEP_LABELS.get(case.step, ""),
        "clocks": present.statutory_clocks(g, now),
        "documents": present.documents(g),
        "timeline": present.timeline(case, public_only=False, with_names=True),
        "actions": _staff_forms(acc, user, bound),
        "refused": [
            {"label": f.ACTIONS[a].label, "errors": form.non_field_errors()}
            for a, form in bound.items()
            if a in f.ACTIONS and a not in {x for x in wf.GRIEVANCE.allowed(case.status, acc.roles)}
        ],
        "lead": lead,
        "items": items,
        "may_complete": "complete_list_item" in wf.GRIEVANCE.allowed(case.status, acc.roles),
        "complete_form": bound.get("complete_list_item"),
        "hearings": list(Hearing.objects.filter(grievance=g)),
        "raised_again": list(SameMatterLink.objects.filter(grievance=g).select_related("unit")),
        "evaluations": list(Evaluation.objects.filter(grievance=g)),
        "earlier": g.earlier.case if g.earlier_id else None,
    }
    return _no_store(render(request, "web/grievances/detail.html", context, status=status))


@staff_required
@never_cache
@require_GET
def detail(request, case_id):
    return _detail_page(request, access.access_grievance_by_id(request.user, case_id))


@staff_required
@require_POST
def action(request, case_id, action):
    user = request.user
    acc = access.access_grievance_by_id(user, case_id)
    spec = f.COMPLETE_ITEM if action == "complete_list_item" else f.ACTIONS.get(action)
    if spec is None:
        raise Http404
    form = spec.form(request.POST, user=user, grievance=acc.grievance)
    if not form.is_valid():
        return _detail_page(request, acc, bound={action: form}, status=400)
    try:
        spec.function(
            acc.case, acting_user=user, expected_version=form.cleaned_data["expected_version"], **form.arguments()
        )
    except Conflict:
        messages.warning(request, _("This grievance was changed by someone else — reloaded. Check it and try again."))
        return _detail_page(request, access.access_grievance_by_id(user, case_id), status=409)
    except CaseError as e:
        form.add_error(None, e.message)
        return _detail_page(request, acc, bound={action: form}, status=e.status)
    messages.success(request, _("%(action)s: done.") % {"action": spec.label})
    if not access.visible_grievances(user).filter(pk=acc.case.pk).exists():
        return redirect("grievances:desk")  # an objection hands the matter back to the office
    return redirect("grievances:detail", case_id=acc.case.pk)


@staff_required
@never_cache
@require_GET
def document(request, case_id, doc_id):
    acc = access.access_grievance_by_id(request.user, case_id)
    doc = _document(acc, doc_id)
    file = access.read_file(request.user, acc, purpose=PRINT_PURPOSE, request=request)
    context = _document_context(acc, doc, file, back_url=reverse("grievances:detail", args=[case_id]))
    return _no_store(render(request, "web/grievances/document.html", context))


# --- the backlog (清仓见底) -------------------------------------------------------------------


def _month(value: str | None, today: dt.date) -> dt.date:
    """The first day of the month ``YYYY-MM`` (default: last month)."""
    try:
        year, month = (int(p) for p in (value or "").split("-"))
        return dt.date(year, month, 1)
    except (ValueError, TypeError):
        first = today.replace(day=1)
        return (first - dt.timedelta(days=1)).replace(day=1)


def _numbers_required(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not access.may_read_numbers(request.user):
            return render(request, "web/grievances/forbidden.html", status=403)
        return view(request, *args, **kwargs)

    return staff_required(wrapper)


@_numbers_required
@require_GET
def backlog(request):
    user, now = request.user, timezone.now()
    visible = access.visible_grievances(user)
    month = _month(request.GET.get("month"), timezone.localdate())
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(month, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine((month + dt.timedelta(days=32)).replace(day=1), dt.time(0), tzinfo=tz)
    rows = numbers.backlog(visible, now=now)
    long_open = list(numbers.long_open(visible, now=now)[:PAGE_SIZE])
    for g in long_open:
        g.age = (now - g.received_at).days
        g.colour = present.clock_colour(g.case, now)
    context = {
        "rows": rows,
        "buckets": rows[0].buckets if rows else [],
        "total": sum(r.total for r in rows),
        "long_open": long_open,
        "long_open_days": numbers.LONG_OPEN_DAYS,
        "month": month,
        "steps": numbers.on_time(visible, start, end, now=now),
        "satisfaction": numbers.satisfaction(visible, start, end),
    }
    return render(request, "web/grievances/backlog.html", context)


CSV_COLUMNS = (
    "number",
    "type",
    "status",
    "unit_code",
    "unit",
    "received",
    "age_days",
    "step",
    "step_due",
    "lead_official",
)


@_numbers_required
@require_GET
def backlog_csv(request):
    """The long-open grievances the reader may see, one row each: no identity, no content."""
    now = timezone.now()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="grievance-backlog-{timezone.localdate():%Y%m%d}.csv"'
    response["Cache-Control"] = NO_STORE
    response.write("\ufeff")  # Excel opens UTF-8 with a byte-order mark
    writer = csv.writer(response)
    writer.writerow(CSV_COLUMNS)
    for g in numbers.long_open(access.visible_grievances(request.user), now=now).iterator(chunk_size=500):
        case, unit, lead = g.case, g.case.owner_unit, g.case.lead_official
        writer.writerow(
            [
                case.number,
                case.category.code,
                case.status,
                unit.code if unit else "",
                unit.name if unit else "",
                timezone.localtime(g.received_at).date().isoformat(),
                (now - g.received_at).days,
                case.step,
                timezone.localtime(case.step_due_at).isoformat() if case.step_due_at else "",
                (lead.get_full_name() or lead.get_username()) if lead else "",
            ]
        )
    return response
