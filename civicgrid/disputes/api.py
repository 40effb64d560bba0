"""Disputes endpoints of the JSON API: a resident applies for mediation and follows it by its
private link; mediators and their supervisors read and move the disputes they hold; staff of a
community report its screening; staff read the dispute numbers of the regions in their scope.

Every endpoint is thin: parse (``disputes/schemas.py``) → access (``disputes/access.py``) → act
(``disputes/actions.py``) → respond. Refusals are ``CaseError``s (400/403/409 with the message,
the rule cited where one applies); "missing" and "not yours" are the same 404. The parties and
the record that names them come only from ``POST /disputes/{id}/record``, which logs the read.
"""

from django.db.models import Count, Prefetch, Q
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Header, Path, Query, Router, Status

from civicgrid.cases.actions import Conflict, Forbidden, Invalid
from civicgrid.cases.api import ANONYMOUS_OK, ERRORS_400, RESIDENT_AUTH, STAFF_AUTH
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.categories.models import Category
from civicgrid.disputes import access as dispute_access
from civicgrid.disputes import actions, numbers
from civicgrid.disputes import workflow as wf
from civicgrid.disputes.models import (
    Dispute,
    DisputeStatus,
    JudicialConfirmation,
    MediationSession,
    ScreeningReport,
)
from civicgrid.disputes.schemas import (
    AcceptanceIn,
    AddPartyIn,
    AgreementIn,
    ApplicationIn,
    ApplicationOut,
    ConfirmationIn,
    ConsentIn,
    CriminalIn,
    DecisionIn,
    DisputeList,
    DisputeOut,
    DraftIn,
    FeedbackIn,
    FollowOut,
    FollowUpIn,
    ListQuery,
    MediatorsIn,
    NumbersOut,
    NumbersQuery,
    PeriodIn,
    PurposeIn,
    RecordOut,
    ReferralIn,
    RegisterIn,
    ScreeningIn,
    ScreeningList,
    ScreeningOut,
    ScreeningQuery,
    SessionIn,
    SessionRecordIn,
    StartIn,
    TerminationIn,
    Versioned,
)
from civicgrid.geo.models import Region
from civicgrid.org import access
from civicgrid.org.models import Unit
from civicgrid.org.roles import UnitType

router = Router(tags=["disputes"])

DISPUTE_ID = Path(..., ge=1, le=2**63 - 1)
ITEM_ID = Path(..., ge=1, le=2**63 - 1)
TOKEN = Path(..., pattern=r"^[A-Za-z0-9_-]{1,64}$")
ACTED = {200: DisputeOut, **ERRORS_400}


def _staff(request):
    user = request.auth.user
    if user is None or not access.is_staff_member(user):
        raise Forbidden(_("Only staff members may use this."))
    return user


def _dispute(request, dispute_id) -> tuple[object, Dispute]:
    user = _staff(request)
    return user, dispute_access.access_dispute_by_id(user, dispute_id)


def _version(body: Versioned) -> dict:
    return {"expected_version": body.version} if body.version is not None else {}


def _category(code: str) -> Category:
    category = Category.objects.filter(code=code, kind=Category.Kind.DISPUTE, active=True).first()
    if category is None or category.parent_id is None:
        raise Invalid(_("Unknown dispute type %(code)s.") % {"code": code})
    return category


def _mediation_unit(code: str | None) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.select_related("region").filter(code=code, unit_type=UnitType.MEDIATION, active=True).first()
    if unit is None:
        raise Invalid(_("Unknown mediation organisation %(code)s.") % {"code": code})
    return unit


def _unit_ref(unit) -> dict:
    return {"code": unit.code, "name": unit.name}


def _cat_ref(category) -> dict:
    return {"code": category.code, "name": category.name}


# --- presenting -----------------------------------------------------------------------------


def _summary(dispute: Dispute, user) -> dict:
    """A dispute without its record: what every staff member who may open it sees."""
    dispute = (
        Dispute.objects.select_related("case", "case__category", "organisation", "organisation__region")
        .prefetch_related(
            "mediators",
            Prefetch("sessions", queryset=MediationSession.objects.order_by("scheduled_for", "pk")),
            Prefetch("confirmations", queryset=JudicialConfirmation.objects.order_by("pk")),
        )
        .annotate(parties_count=Count("parties", distinct=True))
        .get(pk=dispute.pk)
    )
    case = dispute.case
    roles = dispute_access.roles_on_dispute(user, dispute)
    return {
        "id": dispute.pk,
        "number": case.number,
        "version": case.version,
        "status": case.status,
        "status_label": case.status_label,
        "category": _cat_ref(case.category),
        "source": dispute.source,
        "region_code": case.grid_code,
        "district_code": case.district_code,
        "street_code": case.street_code,
        "community_code": case.community_code,
        "organisation": _unit_ref(dispute.organisation),
        "mediators": [{"id": u.pk, "name": u.get_full_name() or u.get_username()} for u in dispute.mediators.all()],
        "referred_by": dispute.referred_by,
        "court_procedure": dispute.court_procedure,
        "received_at": dispute.received_at,
        "mediation_started_at": dispute.mediation_started_at,
        "period_days": dispute.period_days,
        "period_agreed": dispute.period_agreed,
        "period_ends_at": dispute.period_ends_at,
        "outcome": dispute.outcome,
        "parties_count": dispute.parties_count,
        "sessions": [
            {
                "id": s.pk,
                "mode": s.mode,
                "scheduled_for": s.scheduled_for,
                "venue": s.venue,
                "public": s.public,
                "held_at": s.held_at,
            }
            for s in dispute.sessions.all()
        ],
        "confirmations": [
            {
                "id": jc.pk,
                "court": jc.court,
                "applied_on": jc.applied_on,
                "apply_by": jc.apply_by,
                "accept_by": jc.accept_by,
                "accepted_on": jc.accepted_on,
                "court_number": jc.court_number,
                "decide_by": jc.decide_by,
                "extended": jc.extended,
                "decided_on": jc.decided_on,
                "result": jc.result,
            }
            for jc in dispute.confirmations.all()
        ],
        "became_criminal_at": dispute.became_criminal_at,
        "allowed_actions": wf.DISPUTE.allowed(case.status, roles),
        "record_readable": bool(roles & dispute_access.RECORD_ROLES),
    }


def follow_view(dispute: Dispute) -> dict:
    """What the holder of the follow link sees: the steps, the organisation and the sessions'
    dates; nothing about the other parties, no staff names."""
    case = dispute.case
    events = CaseEvent.objects.filter(case=case, public=True).order_by("seq")
    return {
        "number": case.number,
        "status": case.status,
        "status_label": case.status_label,
        "category": _cat_ref(case.category),
        "organisation": _unit_ref(dispute.organisation),
        "received_at": dispute.received_at,
        "period_ends_at": dispute.period_ends_at,
        "sessions": [
            {"mode": s.mode, "scheduled_for": s.scheduled_for, "venue": s.venue, "held": s.held_at is not None}
            for s in MediationSession.objects.filter(dispute=dispute).order_by("scheduled_for", "pk")
        ],
        "timeline": [
            {"at": e.at, "action": e.action, "label": step_label(e.action), "to_state": e.to_state} for e in events
        ],
    }


def step_label(action: str) -> str:
    labels = {
        "apply": _("Application received"),
        "identify": _("Dispute registered"),
        "receive_referral": _("Referral received"),
        "assign": _("Mediators assigned"),
        "ask_consent": _("Parties asked to accept mediation"),
        "decline": _("A party refused mediation"),
        "start_mediation": _("Mediation started"),
        "schedule_session": _("Session scheduled"),
        "extend_period": _("Mediation period extended"),
        "reach_agreement": _("Agreement reached"),
        "terminate": _("Mediation terminated; other routes explained"),
        "apply_confirmation": _("Judicial confirmation applied for"),
        "court_accept": _("Court accepted the application"),
        "court_decline": _("Court did not accept the application"),
        "court_extend": _("Court extended its decision time"),
        "court_confirm": _("Court confirmed the agreement"),
        "court_reject": _("Court did not confirm the agreement"),
        "remediate": _("Mediation resumed"),
        "close": _("Closed"),
    }
    return str(labels.get(action, action))


def record_view(dispute: Dispute, record) -> dict:
    return {
        "number": dispute.case.number,
        "cause": dispute.cause,
        "place": dispute.place,
        "parties": [
            {"id": p.pk, "name": p.name, "contact": p.contact, "role": p.role, "kind": p.kind} for p in record.parties
        ],
        "consents": [
            {
                "party_id": c.party_id,
                "round": c.round,
                "accepted": c.accepted,
                "channel": c.channel,
                "note": c.note,
                "recorded_at": c.recorded_at,
            }
            for c in record.consents
        ],
        "sessions": [
            {
                "id": s.pk,
                "mode": s.mode,
                "scheduled_for": s.scheduled_for,
                "venue": s.venue,
                "public": s.public,
                "held_at": s.held_at,
                "participants": s.participants,
                "minutes": s.minutes,
            }
            for s in record.sessions
        ],
        "agreements": [
            {
                "id": a.pk,
                "form": a.form,
                "facts": a.facts,
                "terms": a.terms,
                "performance": a.performance,
                "perform_by": a.perform_by,
                "effective_on": a.effective_on,
            }
            for a in record.agreements
        ],
        "follow_ups": [
            {"id": f.pk, "on": f.on, "method": f.method, "performance": f.performance, "note": f.note}
            for f in record.follow_ups
        ],
        "police_referrals": [
            {
                "id": r.pk,
                "police_unit": r.police_unit.code if r.police_unit else "",
                "station": r.station,
                "risk": r.risk,
                "referred_at": r.referred_at,
                "feedback": r.feedback,
                "feedback_at": r.feedback_at,
            }
            for r in record.police_referrals
        ],
    }


# --- residents ------------------------------------------------------------------------------


@router.post(
    "/mediation/applications",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: ApplicationOut, 201: ApplicationOut, **ERRORS_400},
    summary="Apply for mediation",
    description=(
        "A party applies for people's mediation (People's Mediation Law Art. 17); no account needed. "
        "Answers 201 with the receipt number and the private follow link. The parties' names and "
        "contacts are seen only by the mediators assigned and their supervisors. With an "
        "`Idempotency-Key` header a retried submission answers 200 and creates nothing."
    ),
)
def apply_for_mediation(
    request, body: ApplicationIn, idempotency_key: str | None = Header(None, alias="Idempotency-Key", max_length=80)
):
    caller = request.auth
    key = f"mediation:{caller.client}:{idempotency_key}" if idempotency_key else None
    dispute, created = actions.do_apply_for_mediation(
        acting_user=caller.user,
        category=_category(body.category),
        region_code=body.region_code,
        cause=body.cause,
        place=body.place,
        applicant=actions.PartyIn(body.applicant.name, "applicant", body.applicant.contact, body.applicant.kind),
        others=[actions.PartyIn(p.name, "respondent", p.contact, p.kind) for p in body.others],
        organisation=_mediation_unit(body.organisation),
        case_source=Case.Source.APP if caller.key is not None else Case.Source.WEB,
        idempotency_key=key,
    )
    if not created and dispute.case.reporter_id != getattr(caller.user, "pk", None):
        raise Conflict(_("This Idempotency-Key was already used for another application."))
    token = dispute.case.tracking_token
    out = {
        "number": dispute.case.number,
        "status": dispute.case.status,
        "organisation": _unit_ref(dispute.organisation),
        "follow_token": token,
        "follow_url": f"/mediation/follow/{token}/",
    }
    return Status(201 if created else 200, out)


@router.get(
    "/mediation/follow/{token}",
    auth=RESIDENT_AUTH,
    openapi_extra=ANONYMOUS_OK,
    response={200: FollowOut, **ERRORS_400},
    summary="Follow a mediation by its private link",
)
def follow_mediation(request, response: HttpResponse, token: str = TOKEN):
    response["Cache-Control"] = "no-store"
    return follow_view(dispute_access.access_dispute_by_token(token))


# --- staff: reading -------------------------------------------------------------------------


@router.get("/disputes", auth=STAFF_AUTH, response={200: DisputeList, **ERRORS_400}, summary="Disputes I may open")
def list_disputes(request, q: Query[ListQuery]):
    user = _staff(request)
    qs = dispute_access.visible_disputes(user)
    if q.status:
        qs = qs.filter(case__status=q.status)
    if q.mine:
        qs = qs.filter(mediators=user)
    total = qs.count()
    page = list(
        qs.select_related("case", "case__category", "organisation").order_by("-received_at", "-pk")[
            q.offset : q.offset + q.limit
        ]
    )
    mine = set(
        Dispute.mediators.through.objects.filter(user_id=user.pk, dispute_id__in=[d.pk for d in page]).values_list(
            "dispute_id", flat=True
        )
    )
    items = [
        {
            "id": d.pk,
            "number": d.case.number,
            "status": d.case.status,
            "status_label": d.case.status_label,
            "category": _cat_ref(d.case.category),
            "organisation": _unit_ref(d.organisation),
            "region_code": d.case.grid_code,
            "received_at": d.received_at,
            "period_ends_at": d.period_ends_at,
            "assigned_to_me": d.pk in mine,
        }
        for d in page
    ]
    return {"total": total, "limit": q.limit, "offset": q.offset, "items": items}


@router.get(
    "/disputes/numbers",
    auth=STAFF_AUTH,
    response={200: NumbersOut, **ERRORS_400},
    summary="Dispute numbers of a region",
    description="Found, screened, mediated, agreed, resolution rate (agreed / mediated), criminal outcomes and "
    "screening coverage for a region in your scope and the period [start, end).",
)
def dispute_numbers(request, q: Query[NumbersQuery]):
    user = _staff(request)
    prefix = _scope_prefix(user, q.region)
    if q.start >= q.end:
        raise Invalid(_("The period must end after it starts."))
    n = numbers.dispute_numbers(prefix, q.start, q.end)

    def rate(r):
        return {
            "numerator": r.numerator,
            "denominator": r.denominator,
            "percent": str(r.percent) if r.percent else None,
        }

    return {
        "region": q.region,
        "start": q.start,
        "end": q.end,
        "found": n.found,
        "screened": n.screened,
        "mediated": n.mediated,
        "agreed": n.agreed,
        "refused": n.refused,
        "terminated": n.terminated,
        "criminal": n.criminal,
        "resolution": rate(n.resolution),
        "mediation": rate(n.mediation),
        "coverage": rate(n.coverage),
    }


def _scope_prefix(user, code: str) -> str:
    """The subtree prefix of region ``code`` if it lies in the user's scope; 404 otherwise."""
    region = access.access_region_by_code(user, code)
    return region.subtree_prefix


@router.get(
    "/disputes/{dispute_id}",
    auth=STAFF_AUTH,
    response={200: DisputeOut, **ERRORS_400},
    summary="A dispute, without its parties and record",
    description="Type, place, status, organisation, mediators, period, session dates and court deadlines. The cause "
    "as told, the parties and everything that names them come only from the logged `record` endpoint.",
)
def dispute_detail(request, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/record",
    auth=STAFF_AUTH,
    response={200: RecordOut, **ERRORS_400},
    summary="Read the parties and the mediation record (logged)",
    description="For the mediators assigned and their supervisors only (403 otherwise). Each read is written to "
    "the personal-data access log with its purpose before anything is returned.",
)
def dispute_record(request, response: HttpResponse, body: PurposeIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    record = dispute_access.read_record(user, dispute, purpose=body.purpose, request=request)
    response["Cache-Control"] = "no-store"
    return record_view(dispute, record)


# --- staff: registering ---------------------------------------------------------------------


@router.post(
    "/disputes",
    auth=STAFF_AUTH,
    response={201: DisputeOut, **ERRORS_400},
    summary="Register a dispute found or referred",
    description="`identify`: found by screening (grid worker, community, mediator) or taken by the hotline "
    "(dispatcher); `referral`: referred by a court (委派/委托) or a police station, registered by a mediator of "
    "the organisation receiving it.",
)
def register_dispute(request, body: RegisterIn):
    user = _staff(request)
    category = _category(body.category)
    parties = [actions.PartyIn(p.name, "other", p.contact, p.kind) for p in body.parties]
    if body.kind == "identify":
        dispute = actions.do_identify_dispute(
            acting_user=user,
            category=category,
            region_code=body.region_code,
            cause=body.cause,
            place=body.place,
            source=body.source,
            parties=parties,
            organisation=_mediation_unit(body.organisation),
        )
    else:
        dispute = actions.do_receive_referral(
            acting_user=user,
            category=category,
            region_code=body.region_code,
            cause=body.cause,
            place=body.place,
            source=body.source,
            referred_by=body.referred_by,
            procedure=body.procedure,
            received_at=body.received_at,
            parties=parties,
        )
    if dispute_access.visible_disputes(user).filter(pk=dispute.pk).exists():
        return Status(201, _summary(dispute, user))
    # A grid worker or dispatcher registers a dispute they will not open: they get its number
    # and status.
    return Status(201, _summary(dispute, None))


# --- staff: acting --------------------------------------------------------------------------


@router.post("/disputes/{dispute_id}/mediators", auth=STAFF_AUTH, response=ACTED, summary="Assign mediators")
def assign_mediators(request, body: MediatorsIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.permitted(dispute, "assign", user, **_version(body))
    eligible = {u.pk: u for u in dispute_access.mediators_of(dispute.organisation)}
    unknown = [i for i in body.mediator_ids if i not in eligible]
    if unknown:
        raise Invalid(_("Only mediators of %(unit)s can be assigned.") % {"unit": dispute.organisation})
    actions.do_assign_mediators(
        dispute,
        mediators=[eligible[i] for i in body.mediator_ids],
        chosen_by_parties=body.chosen_by_parties,
        acting_user=user,
        **_version(body),
    )
    return _summary(dispute, user)


@router.post("/disputes/{dispute_id}/parties", auth=STAFF_AUTH, response=ACTED, summary="Add a party")
def add_party(request, body: AddPartyIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    party = actions.PartyIn(body.name, body.role, body.contact, body.kind)
    actions.do_add_party(dispute, party=party, acting_user=user, **_version(body))
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/consent-request", auth=STAFF_AUTH, response=ACTED, summary="Ask the parties' consent"
)
def ask_consent(request, body: Versioned, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_ask_consent(dispute, acting_user=user, **_version(body))
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/consents",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Record a party's answer",
    description="`accepted: false` ends the mediation before it starts, with the refusal recorded (Art. 17).",
)
def record_consent(request, body: ConsentIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.permitted(dispute, "record_consent" if body.accepted else "decline", user, **_version(body))
    party = dispute.parties.filter(pk=body.party_id).first()
    actions.do_record_consent(
        dispute,
        party=party,
        accepted=body.accepted,
        channel=body.channel,
        note=body.note,
        acting_user=user,
        **_version(body),
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/mediation",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Start mediation",
    description="Only when every party accepted (400 citing Art. 17 otherwise).",
)
def start_mediation(request, body: StartIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_start_mediation(dispute, agreed_days=body.agreed_days, acting_user=user, **_version(body))
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/period", auth=STAFF_AUTH, response=ACTED, summary="The parties agree on a longer period"
)
def extend_period(request, body: PeriodIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_extend_period(dispute, days=body.days, acting_user=user, **_version(body))
    return _summary(dispute, user)


@router.post("/disputes/{dispute_id}/sessions", auth=STAFF_AUTH, response=ACTED, summary="Schedule a session")
def schedule_session(request, body: SessionIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_schedule_session(
        dispute,
        mode=body.mode,
        scheduled_for=body.scheduled_for,
        venue=body.venue,
        public=body.public,
        acting_user=user,
        **_version(body),
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/sessions/{session_id}/record",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Record a session",
)
def record_session(request, body: SessionRecordIn, dispute_id: int = DISPUTE_ID, session_id: int = ITEM_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.permitted(dispute, "record_session", user, **_version(body))
    session = MediationSession.objects.filter(dispute=dispute, pk=session_id).first()
    if session is None:
        raise Http404
    actions.do_record_session(
        dispute,
        session=session,
        held_at=body.held_at,
        participants=body.participants,
        minutes=body.minutes,
        acting_user=user,
        **_version(body),
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/agreement/draft", auth=STAFF_AUTH, response=ACTED, summary="Draft the written agreement"
)
def draft_agreement(request, body: DraftIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_draft_agreement(
        dispute,
        facts=body.facts,
        terms=body.terms,
        performance=body.performance,
        perform_by=body.perform_by,
        acting_user=user,
        **_version(body),
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/agreement",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Record the agreement",
    description="Written: the drafted agreement, signed by every party and the mediator with the seal (Art. 29). "
    "Oral: its content recorded (Art. 30).",
)
def reach_agreement(request, body: AgreementIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_reach_agreement(
        dispute,
        form=body.form,
        effective_on=body.effective_on,
        signed_by_all=body.signed_by_all,
        sealed=body.sealed,
        terms=body.terms,
        facts=body.facts,
        performance=body.performance,
        perform_by=body.perform_by,
        acting_user=user,
        **_version(body),
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/termination",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Terminate the mediation",
    description="With the other routes the parties were told of (Art. 26).",
)
def terminate(request, body: TerminationIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_terminate_mediation(
        dispute, ground=body.ground, routes=body.routes, note=body.note, acting_user=user, **_version(body)
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/confirmation",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Record the joint application for judicial confirmation",
    description="Within 30 days of the agreement taking effect (Art. 33): later is refused with the rule cited.",
)
def apply_confirmation(request, body: ConfirmationIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_apply_for_confirmation(
        dispute, court=body.court, applied_on=body.applied_on, joint=body.joint, acting_user=user, **_version(body)
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/confirmation/acceptance",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Record the court's acceptance",
)
def court_acceptance(request, body: AcceptanceIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_record_court_acceptance(
        dispute,
        accepted=body.accepted,
        on=body.on,
        court_number=body.court_number,
        note=body.note,
        acting_user=user,
        **_version(body),
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/confirmation/extension",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Record the court's 10-day extension",
)
def court_extension(request, body: Versioned, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_record_court_extension(dispute, acting_user=user, **_version(body))
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/confirmation/decision",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Record the court's decision",
)
def court_decision(request, body: DecisionIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_record_court_decision(
        dispute, confirmed=body.confirmed, on=body.on, note=body.note, acting_user=user, **_version(body)
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/remediation", auth=STAFF_AUTH, response=ACTED, summary="Mediate again after the court"
)
def remediate(request, body: Versioned, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_remediate(dispute, acting_user=user, **_version(body))
    return _summary(dispute, user)


@router.post("/disputes/{dispute_id}/follow-ups", auth=STAFF_AUTH, response=ACTED, summary="Follow up the performance")
def follow_up(request, body: FollowUpIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_follow_up(
        dispute,
        on=body.on,
        method=body.method,
        performance=body.performance,
        note=body.note,
        acting_user=user,
        **_version(body),
    )
    return _summary(dispute, user)


@router.post("/disputes/{dispute_id}/closing", auth=STAFF_AUTH, response=ACTED, summary="Close the dispute")
def close(request, body: Versioned, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_close_dispute(dispute, acting_user=user, **_version(body))
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/police-referrals",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Refer the dispute to the police",
    description="Art. 25: a referral of the dispute, never a file on a person.",
)
def refer_police(request, body: ReferralIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.permitted(dispute, "refer_police", user, **_version(body))
    unit = None
    if body.police_unit:
        unit = Unit.objects.filter(code=body.police_unit, unit_type=UnitType.PUBLIC_SECURITY, active=True).first()
        if unit is None:
            raise Invalid(_("Unknown public security unit %(code)s.") % {"code": body.police_unit})
    actions.do_refer_to_police(
        dispute, risk=body.risk, police_unit=unit, station=body.station, acting_user=user, **_version(body)
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/police-referrals/{referral_id}/feedback",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Record the police's feedback",
)
def police_feedback(request, body: FeedbackIn, dispute_id: int = DISPUTE_ID, referral_id: int = ITEM_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.permitted(dispute, "police_feedback", user, **_version(body))
    referral = dispute.police_referrals.filter(pk=referral_id).first()
    if referral is None:
        raise Http404
    actions.do_record_police_feedback(
        dispute, referral=referral, feedback=body.feedback, acting_user=user, **_version(body)
    )
    return _summary(dispute, user)


@router.post(
    "/disputes/{dispute_id}/criminal-case",
    auth=STAFF_AUTH,
    response=ACTED,
    summary="Record that the dispute became a criminal case",
)
def criminal_case(request, body: CriminalIn, dispute_id: int = DISPUTE_ID):
    user, dispute = _dispute(request, dispute_id)
    actions.do_record_criminal_case(dispute, on=body.on, note=body.note, acting_user=user, **_version(body))
    return _summary(dispute, user)


# --- screening reports ----------------------------------------------------------------------


def screening_view(report) -> dict:
    return {
        "id": report.pk,
        "community": report.community.code,
        "period_start": report.period_start,
        "period_end": report.period_end,
        "submitted_at": report.submitted_at,
        "note": report.note,
        "disputes": [
            {
                "number": d.case.number,
                "category": _cat_ref(d.case.category),
                "status": d.case.status,
                "status_label": str(DisputeStatus(d.case.status).label),
            }
            for d in report.disputes.all()
        ],
    }


@router.post(
    "/screening-reports",
    auth=STAFF_AUTH,
    response={201: ScreeningOut, **ERRORS_400},
    summary="Submit a community's screening report",
    description="Lists the disputes registered in the community in the period (none: a nil return).",
)
def submit_screening(request, body: ScreeningIn):
    user = _staff(request)
    community = Region.objects.filter(code=body.community, level=Region.Level.COMMUNITY).first()
    if community is None:
        raise Http404
    report = actions.do_submit_screening_report(
        acting_user=user,
        community=community,
        period_start=body.period_start,
        period_end=body.period_end,
        note=body.note,
    )
    report = _screening_reports().get(pk=report.pk)
    return Status(201, screening_view(report))


def _screening_reports():
    return ScreeningReport.objects.select_related("community").prefetch_related(
        Prefetch("disputes", queryset=Dispute.objects.select_related("case", "case__category").order_by("pk"))
    )


def screening_reports_q(user) -> Q:
    """Reports of the communities in the user's scope, or holding it (a grid worker's grid)."""
    prefixes = access.scope_prefixes(user)
    q = Q(pk__in=[])
    for p in prefixes:
        q |= Q(community__code__startswith=p)
    inside = [p[:12] for p in prefixes if len(p) > 12]
    if inside:
        q |= Q(community__code__in=inside)
    return q


@router.get(
    "/screening-reports",
    auth=STAFF_AUTH,
    response={200: ScreeningList, **ERRORS_400},
    summary="Screening reports of the communities in my scope",
)
def list_screening(request, q: Query[ScreeningQuery]):
    user = _staff(request)
    qs = _screening_reports().filter(screening_reports_q(user))
    if q.community:
        qs = qs.filter(community__code=q.community)
    total = qs.count()
    rows = qs.order_by("-period_end", "community__code", "pk")[q.offset : q.offset + q.limit]
    return {"total": total, "limit": q.limit, "offset": q.offset, "items": [screening_view(r) for r in rows]}
