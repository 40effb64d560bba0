"""Registering a dispute: a party's application, screening and the hotline, referrals."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from civicgrid.cases.actions import (
    Actor,
    Forbidden,
    Invalid,
    create_case,
)
from civicgrid.cases.models import Case
from civicgrid.cases.workflow.engine import RESIDENT
from civicgrid.disputes import rules
from civicgrid.disputes import workflow as wf
from civicgrid.disputes.access import creation_roles
from civicgrid.disputes.actions._base import (
    PartyIn,
    _cause_and_place,
    _clean_parties,
    _dispute_category,
    _location,
    _neutral_description,
    _organisation,
    _refused,
    _region,
    _text,
    serves,
)
from civicgrid.disputes.models import (
    Dispute,
    Party,
)
from civicgrid.org import access
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role, UnitType

# --- registering a dispute ------------------------------------------------------------------


def _create(
    *,
    action,
    actor,
    category,
    region,
    cause,
    place,
    organisation,
    source,
    case_source,
    parties,
    now,
    received_at=None,
    referred_by="",
    procedure="",
    idempotency_key=None,
) -> tuple[Dispute, bool]:
    location = _location(region)
    fields = dict(
        kind=Case.Kind.DISPUTE,
        source=case_source,
        category=category,
        description=_neutral_description(category),
        reporter=actor.user if action == "apply" else None,
        **location,
    )
    received_at = received_at or now
    period = {}
    if source in rules.COURT_SOURCES:
        days = rules.period_days(source, procedure=procedure)
        period = {"period_days": days, "period_ends_at": rules.mediation_period_end(received_at, days)}
    payload = {"source": source, "organisation": organisation.code}
    with transaction.atomic():
        case, created = create_case(
            action,
            actor,
            fields,
            now=now,
            payload=payload,
            changes={"owner_unit_id": organisation.pk},
            idempotency_key=idempotency_key,
        )
        if not created:
            return Dispute.objects.select_related("case").get(case=case), False
        dispute = Dispute.objects.create(
            case=case,
            source=source,
            cause=cause,
            place=place,
            organisation=organisation,
            referred_by=referred_by,
            court_procedure=procedure,
            received_at=received_at,
            **period,
        )
        Party.objects.bulk_create(
            [Party(dispute=dispute, name=p.name, contact=p.contact, role=p.role, kind=p.kind) for p in parties]
        )
    return dispute, True


def do_apply_for_mediation(
    *,
    acting_user,
    category,
    region_code,
    cause,
    applicant: PartyIn,
    others,
    place="",
    organisation: Unit | None = None,
    case_source=Case.Source.WEB,
    idempotency_key=None,
    now=None,
) -> tuple[Dispute, bool]:
    """A party applies for mediation (人民调解法 Art. 17); no account needed. Returns
    ``(dispute, created)``; a retried submission with the same ``idempotency_key`` gets the
    dispute the first one created. The applicant follows it with the case's private link."""
    category = _dispute_category(category)
    region = _region(region_code)
    cause, place = _cause_and_place(cause, place)
    parties = _clean_parties([PartyIn(applicant.name, Party.Role.APPLICANT, applicant.contact, applicant.kind)])
    parties += _clean_parties(others)
    try:
        rules.check_parties(len(parties))
    except rules.RuleBroken as e:
        raise _refused(e) from e
    organisation = _organisation(organisation, _location(region))
    user = acting_user if acting_user is not None and acting_user.is_authenticated else None
    return _create(
        action="apply",
        actor=Actor(user, {RESIDENT}),
        category=category,
        region=region,
        cause=cause,
        place=place,
        organisation=organisation,
        source=rules.APPLICATION,
        case_source=case_source,
        parties=parties,
        now=now or timezone.now(),
        idempotency_key=idempotency_key,
    )


IDENTIFY_ROLES = {
    rules.SCREENING: frozenset({wf.GRID_WORKER, wf.ORG_MEDIATOR}),
    rules.HOTLINE: frozenset({wf.DISPATCHER, wf.ORG_MEDIATOR}),
}
CASE_SOURCE = {rules.SCREENING: Case.Source.PATROL, rules.HOTLINE: Case.Source.HOTLINE}


def do_identify_dispute(
    *, acting_user, category, region_code, cause, source, place="", parties=(), organisation=None, now=None
) -> Dispute:
    """A dispute found by screening (a grid worker, the community, or the committee on its own
    initiative, 人民调解法 Art. 17) or taken by the hotline. A mediator registers it for their own
    organisation; others for the organisation they choose or the area's."""
    if source not in IDENTIFY_ROLES:
        raise Invalid(_("A dispute is identified by screening or taken by the hotline."))
    region = _region(region_code)
    staff = access.staff_of(acting_user)
    if organisation is None and staff is not None and access.has_role(acting_user, Role.MEDIATOR):
        organisation = staff.unit if staff.unit.unit_type == UnitType.MEDIATION else None
    organisation = _organisation(organisation, _location(region))
    roles = creation_roles(acting_user, region.code, organisation) & IDENTIFY_ROLES[source]
    if not roles:
        raise Forbidden(_("Only a grid worker or dispatcher of this place, or a mediator, may register it here."))
    category = _dispute_category(category)
    cause, place = _cause_and_place(cause, place)
    dispute, _created = _create(
        action="identify",
        actor=Actor(acting_user, roles),
        category=category,
        region=region,
        cause=cause,
        place=place,
        organisation=organisation,
        source=source,
        case_source=CASE_SOURCE[source],
        parties=_clean_parties(parties),
        now=now or timezone.now(),
    )
    return dispute


REFERRAL_SOURCES = frozenset({rules.COURT_DELEGATED, rules.COURT_ENTRUSTED, rules.POLICE})


def do_receive_referral(
    *,
    acting_user,
    category,
    region_code,
    cause,
    source,
    referred_by,
    place="",
    procedure="",
    received_at=None,
    parties=(),
    now=None,
) -> Dispute:
    """A court (委派 before filing, 委托 after) or a police station refers a dispute to the
    mediator's organisation (人民调解法 Art. 18; SPC 特邀调解 rules 2016). A court's mediation
    period runs from ``received_at``."""
    if source not in REFERRAL_SOURCES:
        raise Invalid(_("A referral comes from a court or a police station."))
    region = _region(region_code)
    staff = access.staff_of(acting_user)
    organisation = staff.unit if staff is not None and staff.unit.unit_type == UnitType.MEDIATION else None
    roles = creation_roles(acting_user, region.code, organisation) & {wf.ORG_MEDIATOR}
    if organisation is None or not roles or not serves(organisation, region.code):
        raise Forbidden(_("Only a mediator of an organisation serving this place may register a referral."))
    category = _dispute_category(category)
    now = now or timezone.now()
    cause, place = _cause_and_place(cause, place)
    referred_by = _text(referred_by, limit=200, required_message=_("Name the court or police station."))
    received_at = received_at or now
    if received_at > now:
        raise Invalid(_("The referral cannot be received in the future."))
    procedure = procedure if source == rules.COURT_ENTRUSTED else ""
    try:
        rules.period_days(source, procedure=procedure)
    except rules.RuleBroken as e:
        raise _refused(e) from e
    dispute, _created = _create(
        action="receive_referral",
        actor=Actor(acting_user, roles),
        category=category,
        region=region,
        cause=cause,
        place=place,
        organisation=organisation,
        source=source,
        case_source=Case.Source.IMPORT,
        parties=_clean_parties(parties),
        now=now,
        received_at=received_at,
        referred_by=referred_by,
        procedure=procedure,
    )
    return dispute
