"""Reads of grievances: the only way views, the API and exports get a grievance for a user.

Confidentiality (信访工作条例 Art. 30): "不得将信访人的检举、揭发材料以及有关情况透露或者转给被检举、
揭发的人员或者单位". The rules, one per line below:

- The **complained-about unit** is the grievance's ``complained_unit``; its staff, and the staff
  of every unit under it, are the *complained party*.
- The complained party never sees a grievance holding accusation or whistle-blowing material
  (``is_accusation``): not in a list, not by id, not in an export; it cannot be transferred or
  assigned to them (``rules.check_accusation_route``).
- Any other grievance about a unit may have to be decided by that unit itself (an appeal against
  its own act). Its staff then see the matter they must decide, but **never the petitioner's
  identity** (name, address, contact), on any page, document or API answer.
- Everyone else with a role on the grievance sees all of it: grievance officers and supervisors
  whose scope (region and categories) covers it; handlers of the bodies that hold or held it
  (the body with authority, the reviewing and re-reviewing bodies); the petitioner through the
  private link or their account.
- Until the unit an accusation is about is known (the petitioner or the officer at triage names
  it), only grievance officers see it: a supervisor could be the one accused.
- Every read of the content or of the identity by staff is logged first
  (``privacy/access_log.py``); a read that cannot be logged shows nothing.
- The case row beside a grievance holds nothing confidential (``models.NEUTRAL_DESCRIPTION``).

The same 404 answers "missing" and "not yours".
"""

import secrets
from dataclasses import dataclass

from django.db.models import Q
from django.http import Http404

from civicgrid.cases.models import Case
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT
from civicgrid.grievances.models import Grievance
from civicgrid.org import access
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role
from civicgrid.privacy.access_log import log_read

FULL, WITHOUT_IDENTITY = "full", "without_identity"
# Fields of the personal-data access log.
CONTENT, IDENTITY = "grievance_content", "grievance_identity"
# Roles that see grievances within their scope.
SCOPED_ROLES = frozenset({Role.GRIEVANCE_OFFICER, Role.SUPERVISOR})
# An accusation whose unit is not known yet is only for the letters-and-visits office.
UNPLACED_ACCUSATION_ROLES = frozenset({Role.GRIEVANCE_OFFICER})
# Roles that read the grievance numbers (backlog, on-time rates): those who lead or work the route.
NUMBERS_ROLES = frozenset({Role.GRIEVANCE_OFFICER, Role.SUPERVISOR})
# Units above a unit: deeper trees are not expected; the walk stops here whatever the data says.
MAX_UNIT_DEPTH = 12
_CHAIN_ATTR = "_civicgrid_grievance_chain"
RELATED = (
    "case__category",
    "case__owner_unit",
    "authority_unit",
    "complained_unit",
    "office",
    "review_unit",
    "rereview_unit",
)


def unit_chain(unit_id: int | None) -> tuple[int, ...]:
    """``unit_id`` and the ids of every unit above it, nearest first (one query per level)."""
    chain: list[int] = []
    while unit_id is not None and unit_id not in chain and len(chain) < MAX_UNIT_DEPTH:
        chain.append(unit_id)
        unit_id = Unit.objects.filter(pk=unit_id).values_list("parent_id", flat=True).first()
    return tuple(chain)


def _chain(user) -> frozenset[int]:
    """The user's unit and the units above it: a grievance about any of them is about the user's
    unit (cached on the user object for the request)."""
    cached = getattr(user, _CHAIN_ATTR, None) if user is not None else None
    if cached is None:
        staff = access.staff_of(user)
        cached = frozenset(unit_chain(staff.unit_id if staff else None))
        if user is not None:
            setattr(user, _CHAIN_ATTR, cached)
    return cached


def may_read_numbers(user) -> bool:
    return bool(access.roles_of(user) & NUMBERS_ROLES)


def _unit_id(user) -> int | None:
    staff = access.staff_of(user)
    return staff.unit_id if staff is not None else None


def is_complained_party(user, grievance: Grievance) -> bool:
    return grievance.complained_unit_id is not None and grievance.complained_unit_id in _chain(user)


def bodies(grievance: Grievance) -> set[int]:
    """The units that hold or held the matter: the owner now, the body with authority, the
    reviewing and re-reviewing bodies."""
    ids = {
        grievance.case.owner_unit_id,
        grievance.authority_unit_id,
        grievance.review_unit_id,
        grievance.rereview_unit_id,
    }
    return {i for i in ids if i is not None}


def _is_reporter(user, case: Case, has_token: bool) -> bool:
    return has_token or (user is not None and user.is_authenticated and case.reporter_id == user.id)


def _in_scope(user, case: Case) -> bool:
    return access.region_code_in_scope(user, case.grid_code) and access.category_in_scope(user, case.category_id)


def _scoped_roles(grievance: Grievance) -> frozenset[str]:
    if grievance.is_accusation and grievance.complained_unit_id is None:
        return UNPLACED_ACCUSATION_ROLES
    return SCOPED_ROLES


def roles_on_grievance(user, grievance: Grievance, *, has_token: bool = False) -> set[str]:
    """The workflow roles ``user`` may act in on ``grievance``: everyone is a ``resident``; the
    petitioner (private link or account) the ``reporter``; a handler acts for the body that holds
    the matter now; officers and supervisors within their scope; the complained party only as
    the body that must decide a matter without accusation material."""
    case = grievance.case
    roles = {RESIDENT}
    if _is_reporter(user, case, has_token):
        roles.add(REPORTER)
    staff_roles = access.roles_of(user)
    if not staff_roles:
        return roles
    complained = is_complained_party(user, grievance)
    if complained and grievance.is_accusation:
        return roles
    unit_id = _unit_id(user)
    in_scope = _in_scope(user, case)
    for role in staff_roles:
        if role == Role.HANDLER:
            if unit_id is not None and case.owner_unit_id == unit_id:
                roles.add(role)
        elif role in _scoped_roles(grievance) and in_scope and not complained:
            roles.add(role)
    return roles


def read_level(user, grievance: Grievance, *, has_token: bool = False) -> str | None:
    """What ``user`` may read of ``grievance``: ``FULL``, ``WITHOUT_IDENTITY`` or None (nothing)."""
    case = grievance.case
    if _is_reporter(user, case, has_token):
        return FULL
    staff_roles = access.roles_of(user)
    if not staff_roles:
        return None
    complained = is_complained_party(user, grievance)
    if complained and grievance.is_accusation:
        return None
    unit_id = _unit_id(user)
    body = Role.HANDLER in staff_roles and unit_id is not None and unit_id in bodies(grievance)
    if complained:
        return WITHOUT_IDENTITY if body else None
    if body:
        return FULL
    if staff_roles & _scoped_roles(grievance) and _in_scope(user, case):
        return FULL
    return None


def visible_grievances(user):
    """The grievances ``user`` may see (the same rules as ``read_level``, as one filter)."""
    roles = access.roles_of(user)
    q = Q(pk__in=[])
    scope = access.region_scope_q(user, "case__grid_code") & access.category_scope_q(user, "case__category")
    if roles & UNPLACED_ACCUSATION_ROLES:
        q |= scope
    elif roles & SCOPED_ROLES:
        q |= scope & ~Q(is_accusation=True, complained_unit__isnull=True)
    unit_id = _unit_id(user)
    as_body = Q(pk__in=[])
    if Role.HANDLER in roles and unit_id is not None:
        as_body = (
            Q(case__owner_unit_id=unit_id)
            | Q(authority_unit_id=unit_id)
            | Q(review_unit_id=unit_id)
            | Q(rereview_unit_id=unit_id)
        )
        q |= as_body
    chain = _chain(user)
    if chain:
        about_me = Q(complained_unit_id__in=sorted(chain))
        q &= ~about_me | (Q(is_accusation=False) & as_body)
    return Grievance.objects.filter(q)


@dataclass
class GrievanceAccess:
    """A grievance as one user may see it: ``level`` says whether the identity is shown."""

    grievance: Grievance
    level: str
    roles: set

    @property
    def case(self) -> Case:
        return self.grievance.case

    @property
    def identity_visible(self) -> bool:
        return self.level == FULL


def access_grievance_by_id(user, case_id) -> GrievanceAccess:
    """The grievance of case ``case_id`` if ``user`` may see it; else 404 (also when missing)."""
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    grievance = Grievance.objects.select_related(*RELATED).filter(pk=case_id).first()
    if grievance is None:
        raise Http404
    level = read_level(user, grievance)
    if level is None:
        raise Http404
    return GrievanceAccess(grievance, level, roles_on_grievance(user, grievance))


def access_grievance_by_token(user, token: str) -> GrievanceAccess:
    """The grievance whose private link is ``token`` (the petitioner's); else 404."""
    if not token or len(token) > 64:
        raise Http404
    grievance = Grievance.objects.select_related(*RELATED).filter(case__tracking_token=token).first()
    if grievance is None or not secrets.compare_digest(grievance.case.tracking_token, token):
        raise Http404
    return GrievanceAccess(grievance, FULL, roles_on_grievance(user, grievance, has_token=True))


def public_status(number: str) -> Case | None:
    """The public status line of a receipt number: status and dates only, nothing about the
    matter or the petitioner (not even its type: an accusation's existence is itself protected)."""
    return (
        Case.objects.filter(number=number, kind=Case.Kind.GRIEVANCE)
        .only("number", "kind", "status", "reported_at", "closed_at", "step", "step_due_at")
        .first()
    )


@dataclass(frozen=True)
class GrievanceFile:
    """The confidential part of a grievance as one reader may see it. ``name``, ``address`` and
    ``contact`` are None when the identity is withheld (``identity_withheld``)."""

    name: str | None
    address: str | None
    contact: str | None
    identity_withheld: bool
    request: str
    facts_and_reasons: str
    complained_about: str
    complained_unit: Unit | None
    is_accusation: bool


def read_file(user, acc: GrievanceAccess, *, purpose: str, request=None, as_petitioner: bool = False) -> GrievanceFile:
    """The identity and the content of ``acc``'s grievance for ``user``.

    Staff reads are logged first (content, and the identity when shown); when the log cannot be
    written (``log_read`` raises), nothing is returned. ``as_petitioner``: the petitioner reads
    their own grievance (through the private link: there may be no account to log)."""
    g = acc.grievance
    if not as_petitioner:
        log_read(user, acc.case, CONTENT, purpose, request)
        if acc.identity_visible:
            log_read(user, acc.case, IDENTITY, purpose, request)
    shown = as_petitioner or acc.identity_visible
    return GrievanceFile(
        name=g.petitioner_name if shown else None,
        address=g.petitioner_address if shown else None,
        contact=g.petitioner_contact if shown else None,
        identity_withheld=not shown,
        request=g.request,
        facts_and_reasons=g.facts_and_reasons,
        complained_about=g.complained_about,
        complained_unit=g.complained_unit,
        is_accusation=g.is_accusation,
    )


def unit_under(unit: Unit, target_id: int | None) -> bool:
    """Whether ``unit`` is the unit ``target_id`` or lies under it (an accusation about the target
    may not be sent there, Art. 30)."""
    return target_id is not None and target_id in unit_chain(unit.pk)
