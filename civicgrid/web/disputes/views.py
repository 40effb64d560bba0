"""The mediation pages (人民调解): the resident's application and follow page, the mediators'
desk and dispute page, the printable written agreement, the communities' screening reports.

Every view is parse (``forms.py``) → access (``disputes/access.py``) → act
(``disputes/actions.py``) → respond. The dispute page shows the parties and the record only to
the mediators assigned and their supervisors, and every time it does, the read is logged
(``access.read_record``). The resident's pages show no other party, no staff name.
"""

from datetime import timedelta
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from civicgrid.cases.actions import CaseError
from civicgrid.cases.models import CaseEvent
from civicgrid.disputes import actions, numbers
from civicgrid.disputes import workflow as wf
from civicgrid.disputes.access import (
    RECORD_ROLES,
    access_dispute_by_id,
    access_dispute_by_token,
    may_read_record,
    read_record,
    roles_on_dispute,
    visible_disputes,
)
from civicgrid.disputes.api import follow_view, screening_reports_q, step_label
from civicgrid.disputes.models import Agreement, Dispute, ScreeningReport
from civicgrid.org import access
from civicgrid.org.roles import Role
from civicgrid.web.disputes import forms as f

DESK_ROLES = frozenset({Role.MEDIATOR, Role.SUPERVISOR})
REGISTER_ROLES = frozenset({Role.MEDIATOR, Role.GRID_WORKER, Role.DISPATCHER})
DESK_LIMIT = 100
SCREENING_LIMIT = 50
# Purposes written to the personal-data access log by these pages.
PAGE_PURPOSE = "mediation work: dispute page"
PRINT_PURPOSE = "mediation work: printing the agreement"
ROLE_LABELS = {
    "resident": gettext_lazy("Resident"),
    "reporter": gettext_lazy("Applicant"),
    wf.MEDIATOR: gettext_lazy("Mediator"),
    wf.ORG_MEDIATOR: gettext_lazy("Mediation organisation"),
    wf.SUPERVISOR: gettext_lazy("Supervisor"),
    wf.GRID_WORKER: gettext_lazy("Grid worker"),
    wf.DISPATCHER: gettext_lazy("Hotline"),
}


def roles_required(roles):
    """Signed-in staff holding one of ``roles``; anyone else signed in gets the 403 page."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not any(access.has_role(request.user, r) for r in roles):
                return render(request, "web/disputes/forbidden.html", status=403)
            return view(request, *args, **kwargs)

        return login_required(wrapper)

    return decorator


def deadline_colour(start, due, now) -> str | None:
    """green below 80 % of the time from ``start`` to ``due``, yellow to 100 %, red past due."""
    if due is None:
        return None
    if now > due:
        return "red"
    if start is None or due <= start:
        return "green"
    return "yellow" if (now - start) / (due - start) >= 0.8 else "green"


def _period_colour(dispute, now) -> str | None:
    """The colour of the dispute's mediation period, counted from its start (or receipt)."""
    return deadline_colour(dispute.mediation_started_at or dispute.received_at, dispute.period_ends_at, now)


# --- residents ------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def apply(request):
    form = f.ApplyForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        user = request.user if request.user.is_authenticated else None
        key = d.get("idempotency_key")
        try:
            dispute, _created = actions.do_apply_for_mediation(
                acting_user=user,
                category=d["category"],
                region_code=d["region_code"],
                cause=d["cause"],
                place=d["place"],
                applicant=actions.PartyIn(d["applicant_name"], "applicant", d["applicant_contact"]),
                others=[actions.PartyIn(name, "respondent", contact) for name, contact in form.others()],
                organisation=d["organisation"],
                idempotency_key=f"mediation:web:{key}" if key else None,
            )
        except CaseError as e:
            form.add_error(None, e.message)
        else:
            return redirect("disputes:receipt", token=dispute.case.tracking_token)
    return render(request, "web/disputes/apply.html", {"form": form}, status=400 if form.errors else 200)


def _private(response):
    response["Cache-Control"] = "no-store"
    # The link is the key: no other site may see it in a Referer header. (Not "no-referrer":
    # Chromium then sends "Origin: null" with the page's own POST forms, which CSRF refuses.)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_GET
def receipt(request, token):
    dispute = access_dispute_by_token(token)
    link = request.build_absolute_uri(reverse("disputes:follow", args=[token]))
    return _private(render(request, "web/disputes/receipt.html", {"dispute": dispute, "link": link, "token": token}))


@require_GET
def follow(request, token):
    dispute = access_dispute_by_token(token)
    return _private(render(request, "web/disputes/follow.html", {"dispute": dispute, "view": follow_view(dispute)}))


# --- the mediators' desk --------------------------------------------------------------------


def _rows(qs, now):
    rows = list(
        qs.select_related("case", "case__category", "organisation").order_by("period_ends_at", "pk")[:DESK_LIMIT]
    )
    for d in rows:
        d.colour = _period_colour(d, now)
    return rows


@roles_required(DESK_ROLES)
@never_cache
@require_GET
def desk(request):
    user, now = request.user, timezone.now()
    visible = visible_disputes(user).filter(case__status__in=wf.OPEN)
    staff = access.staff_of(user)
    sections = []
    if access.has_role(user, Role.MEDIATOR):
        sections.append((_("Assigned to me"), _rows(visible.filter(mediators=user), now)))
        waiting = visible.filter(organisation_id=staff.unit_id).annotate(n=Count("mediators")).filter(n=0)
        sections.append((_("Waiting for a mediator in my organisation"), _rows(waiting, now)))
    if access.has_role(user, Role.SUPERVISOR):
        sections.append((_("Open disputes I supervise"), _rows(visible.exclude(mediators=user), now)))
    return render(
        request,
        "web/disputes/desk.html",
        {"sections": sections, "limit": DESK_LIMIT, "numbers": _month_numbers(user, now)},
    )


def _month_numbers(user, now):
    """This month's numbers of the user's first scope region, for supervisors."""
    if not access.has_role(user, Role.SUPERVISOR):
        return None
    prefixes = access.scope_prefixes(user)
    if not prefixes:
        return None
    today = timezone.localdate(now)
    start = today.replace(day=1)
    return numbers.dispute_numbers(prefixes[0], start, today + timedelta(days=1))


@roles_required(REGISTER_ROLES)
@require_http_methods(["GET", "POST"])
def register(request):
    user = request.user
    form = f.RegisterForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        common = {
            "acting_user": user,
            "category": d["category"],
            "region_code": d["region_code"],
            "cause": d["cause"],
            "place": d["place"],
            "source": d["source"],
            "parties": [actions.PartyIn(n, "other", c) for n, c in form.parties()],
        }
        try:
            if form.is_referral():
                dispute = actions.do_receive_referral(
                    **common, referred_by=d["referred_by"], procedure=d["procedure"], received_at=d["received_at"]
                )
            else:
                dispute = actions.do_identify_dispute(**common)
        except CaseError as e:
            form.add_error(None, e.message)
        else:
            messages.success(
                request,
                _("Dispute %(number)s was registered for %(unit)s.")
                % {"number": dispute.case.number, "unit": dispute.organisation},
            )
            if visible_disputes(user).filter(pk=dispute.pk).exists():
                return redirect("disputes:dispute", dispute_id=dispute.pk)
            return redirect("disputes:register")
    return render(request, "web/disputes/register.html", {"form": form}, status=400 if form.errors else 200)


# --- the dispute page -----------------------------------------------------------------------


@roles_required(DESK_ROLES)
@never_cache
@require_GET
def dispute_page(request, dispute_id):
    dispute = access_dispute_by_id(request.user, dispute_id)
    return _render_dispute(request, dispute)


def _render_dispute(request, dispute, bound=None, status=200):
    user, now = request.user, timezone.now()
    roles = roles_on_dispute(user, dispute)
    record = read_record(user, dispute, purpose=PAGE_PURPOSE, request=request) if roles & RECORD_ROLES else None
    _attach_consents(dispute, record)
    shown, action_forms = set(), []
    for action in wf.DISPUTE.allowed(dispute.case.status, roles):
        name = f.ALIASES.get(action, action)
        if name in shown or name not in f.FORMS:
            continue
        shown.add(name)
        form = bound if bound is not None and bound.action == name else f.FORMS[name](dispute=dispute, record=record)
        if form.is_bound or form.available():
            action_forms.append(form)
    if bound is not None and bound not in action_forms:
        action_forms.insert(0, bound)  # refused: show why, where it was sent from
    events = CaseEvent.objects.filter(case=dispute.case).order_by("seq")
    timeline = [
        {
            "event": e,
            "label": step_label(e.action) if e.public else _action_label(e.action),
            "role": ROLE_LABELS.get(e.actor_role, e.actor_role),
        }
        for e in events
    ]
    context = {
        "dispute": dispute,
        "case": dispute.case,
        "record": record,
        "routes": [str(Dispute.Route(r).label) for r in dispute.routes_explained if r in Dispute.Route.values],
        "roles": sorted(str(ROLE_LABELS.get(r, r)) for r in roles if r in ROLE_LABELS and r not in ("resident",)),
        "mediators": list(dispute.mediators.all()),
        "sessions": record.sessions if record else list(dispute.sessions.order_by("scheduled_for", "pk")),
        "confirmations": list(dispute.confirmations.order_by("pk")),
        "period_colour": _period_colour(dispute, now),
        "forms": action_forms,
        "timeline": timeline,
        "now": now,
    }
    return render(request, "web/disputes/dispute.html", context, status=status)


def _attach_consents(dispute, record) -> None:
    """Each party's answer in the current consent round, as ``party.consent``."""
    if record is None:
        return
    answers = {c.party_id: c for c in record.consents if c.round == dispute.consent_round}
    for p in record.parties:
        p.consent = answers.get(p.pk)


def _action_label(action: str) -> str:
    labels = {
        "add_party": _("Party recorded"),
        "record_consent": _("A party accepted mediation"),
        "record_session": _("Session recorded"),
        "draft_agreement": _("Agreement drafted"),
        "follow_up": _("Performance followed up"),
        "refer_police": _("Referred to the police"),
        "police_feedback": _("Police feedback recorded"),
        "record_criminal_case": _("Recorded as having become a criminal case"),
    }
    return str(labels.get(action, action))


def _handle(form, dispute, user):
    """Run the action ``form`` collects."""
    d = form.cleaned_data
    v = {"expected_version": d["expected_version"], "acting_user": user}
    a = form.action
    if a == "assign":
        actions.do_assign_mediators(dispute, mediators=d["mediators"], chosen_by_parties=d["chosen_by_parties"], **v)
    elif a == "add_party":
        party = actions.PartyIn(d["name"], d["role"], d["contact"], d["kind"])
        actions.do_add_party(dispute, party=party, **v)
    elif a == "ask_consent":
        actions.do_ask_consent(dispute, **v)
    elif a == "record_consent":
        actions.do_record_consent(
            dispute, party=d["party"], accepted=d["answer"] == "yes", channel=d["channel"], note=d["note"], **v
        )
    elif a == "start_mediation":
        actions.do_start_mediation(dispute, agreed_days=d["agreed_days"], **v)
    elif a == "extend_period":
        actions.do_extend_period(dispute, days=d["days"], **v)
    elif a == "schedule_session":
        actions.do_schedule_session(
            dispute, mode=d["mode"], scheduled_for=d["scheduled_for"], venue=d["venue"], public=d["public"], **v
        )
    elif a == "record_session":
        actions.do_record_session(
            dispute,
            session=d["session"],
            held_at=d["held_at"],
            participants=d["participants"],
            minutes=d["minutes"],
            **v,
        )
    elif a == "draft_agreement":
        actions.do_draft_agreement(
            dispute, facts=d["facts"], terms=d["terms"], performance=d["performance"], perform_by=d["perform_by"], **v
        )
    elif a == "reach_agreement":
        actions.do_reach_agreement(
            dispute,
            form=d["kind"],
            effective_on=d["effective_on"],
            signed_by_all=d["signed_by_all"],
            sealed=d["sealed"],
            terms=d["terms"],
            **v,
        )
    elif a == "terminate":
        actions.do_terminate_mediation(dispute, ground=d["ground"], routes=d["routes"], note=d["note"], **v)
    elif a == "apply_confirmation":
        actions.do_apply_for_confirmation(dispute, court=d["court"], applied_on=d["applied_on"], joint=d["joint"], **v)
    elif a == "court_accept":
        actions.do_record_court_acceptance(
            dispute, accepted=d["answer"] == "yes", on=d["on"], court_number=d["court_number"], note=d["note"], **v
        )
    elif a == "court_extend":
        actions.do_record_court_extension(dispute, **v)
    elif a == "court_confirm":
        actions.do_record_court_decision(dispute, confirmed=d["answer"] == "yes", on=d["on"], note=d["note"], **v)
    elif a == "remediate":
        actions.do_remediate(dispute, **v)
    elif a == "follow_up":
        actions.do_follow_up(dispute, on=d["on"], method=d["method"], performance=d["performance"], note=d["note"], **v)
    elif a == "close":
        actions.do_close_dispute(dispute, **v)
    elif a == "refer_police":
        actions.do_refer_to_police(dispute, risk=d["risk"], police_unit=d["police_unit"], station=d["station"], **v)
    elif a == "police_feedback":
        actions.do_record_police_feedback(dispute, referral=d["referral"], feedback=d["feedback"], **v)
    elif a == "record_criminal_case":
        actions.do_record_criminal_case(dispute, on=d["on"], note=d["note"], **v)
    else:  # pragma: no cover - FORMS and this list name the same actions
        raise Http404


@roles_required(DESK_ROLES)
@require_POST
def act(request, dispute_id, action):
    if action not in f.FORMS:
        raise Http404
    user = request.user
    dispute = access_dispute_by_id(user, dispute_id)
    needs_record = action in f.NEEDS_RECORD and may_read_record(user, dispute)
    record = read_record(user, dispute, purpose=PAGE_PURPOSE, request=request) if needs_record else None
    form = f.FORMS[action](request.POST, dispute=dispute, record=record)
    if form.is_valid():
        try:
            _handle(form, dispute, user)
        except CaseError as e:
            form.add_error(None, e.message)
        else:
            messages.success(request, _("Done: %(what)s.") % {"what": form.title})
            return redirect("disputes:dispute", dispute_id=dispute.pk)
    dispute = access_dispute_by_id(user, dispute_id)  # as it is now
    return _render_dispute(request, dispute, bound=form, status=400)


@roles_required(DESK_ROLES)
@never_cache
@require_GET
def agreement_print(request, dispute_id, agreement_id):
    """The agreement as a printable document (人民调解法 Art. 29): its contents, and lines for
    every party's signature and for the mediator's with the committee's seal. Logged."""
    user = request.user
    dispute = access_dispute_by_id(user, dispute_id)
    if not Agreement.objects.filter(dispute=dispute, pk=agreement_id).exists():
        raise Http404
    try:
        record = read_record(user, dispute, purpose=PRINT_PURPOSE, request=request)
    except CaseError:
        raise Http404 from None
    agreement = next(a for a in record.agreements if a.pk == int(agreement_id))
    return render(
        request,
        "web/disputes/agreement_print.html",
        {
            "dispute": dispute,
            "case": dispute.case,
            "agreement": agreement,
            "parties": record.parties,
            "mediators": list(dispute.mediators.all()),
            "today": timezone.localdate(),
        },
    )


# --- screening ------------------------------------------------------------------------------


@roles_required(actions.SCREENING_ROLES)
@require_http_methods(["GET", "POST"])
def screening(request):
    user = request.user
    form = f.ScreeningForm(request.POST if request.method == "POST" else None, user=user)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            report = actions.do_submit_screening_report(
                acting_user=user,
                community=d["community"],
                period_start=d["period_start"],
                period_end=d["period_end"],
                note=d["note"],
            )
        except CaseError as e:
            form.add_error(None, e.message)
        else:
            messages.success(
                request,
                _("The screening report was submitted: %(n)s disputes listed.") % {"n": report.disputes.count()},
            )
            return redirect("disputes:screening")
    reports = list(
        ScreeningReport.objects.filter(screening_reports_q(user))
        .select_related("community")
        .prefetch_related("disputes__case__category")
        .order_by("-period_end", "community__code", "pk")[:SCREENING_LIMIT]
    )
    return render(
        request,
        "web/disputes/screening.html",
        {"form": form, "reports": reports, "limit": SCREENING_LIMIT},
        status=400 if form.errors else 200,
    )
