"""Access to disputes: the only way views, the API and commands get a ``Dispute``, and the only
way anyone reads the parties and the record that names them.

Who sees what (DESIGN.md §1: "dispute parties are visible only to the mediators and supervisors
of that dispute; every read of personal data is logged"):

- the **mediators assigned** to a dispute (still mediators of its organisation) see it all;
- a **supervisor over them** — a supervisor of the organisation or of a unit above it
  (``Unit.parent``), whose region scope holds the dispute's place — sees it all;
- the organisation's **other mediators** see the dispute without its record (type, region,
  status, source, period, session dates, court deadlines), so that it can be assigned;
- the **holder of the private link** (the applicant) sees the follow page: status, steps,
  organisation and session dates, nothing about the other parties.

The record (the cause and place as told, parties, consents, session participants and minutes,
agreement texts, follow-ups, police referrals) is read only by ``read_record``, which logs the read before returning it
(``privacy.access_log.log_read``). Everyone else gets the same 404 for "missing" and "not yours".
"""

import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext as _

from civicgrid.cases.actions import Forbidden
from civicgrid.cases.models import Case
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT
from civicgrid.disputes import workflow as wf
from civicgrid.disputes.models import (
    Agreement,
    Consent,
    Dispute,
    FollowUp,
    JudicialConfirmation,
    MediationSession,
    Party,
    PoliceReferral,
)
from civicgrid.org import access
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role, UnitType
from civicgrid.privacy.access_log import log_read

# The personal-data field named in the access log for a read of a dispute's record.
RECORD_FIELD = "dispute_record"
RECORD_ROLES = frozenset({wf.MEDIATOR, wf.SUPERVISOR})
_BELOW_ATTR = "_civicgrid_units_below"


def units_below(user) -> frozenset[int]:
    """The ids of the user's unit and every unit under it (``Unit.parent``); cached on the user."""
    cached = getattr(user, _BELOW_ATTR, None)
    if cached is not None:
        return cached
    staff = access.staff_of(user)
    ids: set[int] = set()
    if staff is not None:
        ids = {staff.unit_id}
        frontier = ids
        while frontier:
            frontier = set(Unit.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)) - ids
            ids |= frontier
    result = frozenset(ids)
    setattr(user, _BELOW_ATTR, result)
    return result


def disputes_q(user) -> Q:
    """Filter (on ``Dispute``) for the disputes a staff member may open."""
    staff = access.staff_of(user)
    if staff is None:
        return Q(pk__in=[])
    q = Q(pk__in=[])
    if access.has_role(user, Role.MEDIATOR):
        assigned = Dispute.mediators.through.objects.filter(user_id=user.pk).values("dispute_id")
        q |= Q(organisation_id=staff.unit_id) & (Q(pk__in=assigned) | access.region_scope_q(user, "case__grid_code"))
    if access.has_role(user, Role.SUPERVISOR):
        q |= Q(organisation_id__in=units_below(user)) & access.region_scope_q(user, "case__grid_code")
    return q


def visible_disputes(user):
    return Dispute.objects.filter(disputes_q(user))


def _with_case():
    return Dispute.objects.select_related("case", "case__category", "organisation", "organisation__region")


def access_dispute_by_id(user, dispute_id) -> Dispute:
    """The dispute with ``dispute_id`` if ``user`` may open it; 404 otherwise (also when missing)."""
    try:
        dispute_id = int(dispute_id)
    except (TypeError, ValueError):
        raise Http404 from None
    if not access.is_staff_member(user):
        raise Http404
    dispute = _with_case().filter(disputes_q(user)).filter(pk=dispute_id).first()
    if dispute is None:
        raise Http404
    return dispute


def access_dispute_by_token(token: str) -> Dispute:
    """The dispute whose private follow link is ``token`` (the applicant's); 404 otherwise."""
    if not token or len(token) > 64:
        raise Http404
    dispute = _with_case().filter(case__tracking_token=token, case__kind=Case.Kind.DISPUTE).first()
    if dispute is None or not secrets.compare_digest(dispute.case.tracking_token, token):
        raise Http404
    return dispute


def is_assigned(user, dispute) -> bool:
    if user is None or not user.is_authenticated:
        return False
    return dispute.mediators.filter(pk=user.pk).exists()


def roles_on_dispute(user, dispute, *, has_token: bool = False) -> set[str]:
    """The workflow roles ``user`` holds on ``dispute`` (see the module docstring)."""
    roles = {RESIDENT}
    if has_token:
        roles.add(REPORTER)
    staff = access.staff_of(user)
    if staff is None:
        return roles
    in_scope = access.region_code_in_scope(user, dispute.case.grid_code)
    if access.has_role(user, Role.MEDIATOR) and staff.unit_id == dispute.organisation_id:
        if is_assigned(user, dispute):
            roles.add(wf.MEDIATOR)
        elif in_scope:
            roles.add(wf.ORG_MEDIATOR)
    if access.has_role(user, Role.SUPERVISOR) and in_scope and dispute.organisation_id in units_below(user):
        roles.add(wf.SUPERVISOR)
    return roles


def creation_roles(user, region_code: str, organisation: Unit | None) -> set[str]:
    """The roles under which ``user`` may register a dispute at ``region_code`` for
    ``organisation``: grid workers and dispatchers of the place, mediators of the organisation."""
    roles = {RESIDENT}
    for role in (Role.GRID_WORKER, Role.DISPATCHER):
        if access.can_act(user, role, region_code):
            roles.add(str(role))
    staff = access.staff_of(user)
    if (
        organisation is not None
        and staff is not None
        and staff.unit_id == organisation.pk
        and access.can_act(user, Role.MEDIATOR, region_code)
    ):
        roles.add(wf.ORG_MEDIATOR)
    return roles


def may_read_record(user, dispute) -> bool:
    return bool(roles_on_dispute(user, dispute) & RECORD_ROLES)


# --- the record -----------------------------------------------------------------------------


@dataclass
class DisputeRecord:
    """Everything about a dispute that names or concerns its parties."""

    parties: list
    consents: list
    sessions: list
    agreements: list
    confirmations: list
    follow_ups: list
    police_referrals: list

    def party(self, party_id):
        return next((p for p in self.parties if p.pk == party_id), None)


def read_record(user, dispute, *, purpose: str, request=None) -> DisputeRecord:
    """The dispute's record for an assigned mediator or a supervisor over them, logged first.

    Forbidden for anyone else (the dispute itself came from ``access_dispute_by_id``, so the
    caller may see that it exists). The log row is written before anything is read."""
    if not may_read_record(user, dispute):
        raise Forbidden(_("Only the mediators of this dispute and their supervisors may read its parties and record."))
    log_read(user, dispute.case, RECORD_FIELD, purpose, request)
    return DisputeRecord(
        parties=list(Party.objects.filter(dispute=dispute).order_by("pk")),
        consents=list(Consent.objects.filter(dispute=dispute).select_related("party").order_by("round", "pk")),
        sessions=list(MediationSession.objects.filter(dispute=dispute).order_by("scheduled_for", "pk")),
        agreements=list(Agreement.objects.filter(dispute=dispute).order_by("pk")),
        confirmations=list(JudicialConfirmation.objects.filter(dispute=dispute).order_by("pk")),
        follow_ups=list(FollowUp.objects.filter(dispute=dispute).order_by("on", "pk")),
        police_referrals=list(
            PoliceReferral.objects.filter(dispute=dispute).select_related("police_unit").order_by("pk")
        ),
    )


def mediators_of(organisation) -> list:
    """The users who may be assigned to mediate for ``organisation``: its active staff with the
    mediator role."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            staff__unit=organisation,
            staff__roles__role=Role.MEDIATOR,
        )
        .order_by("username")
        .distinct()
    )


def mediation_units():
    return Unit.objects.filter(active=True, unit_type=UnitType.MEDIATION)
