"""Access to cases: the only way views, the API and commands get a ``Case`` for a user.

A staff member sees the cases located in their scope (region subtree, and categories when their
scope names some) plus every case owned by their unit. A resident sees a case through its
private tracking token or as its reporter. The same 404 answers "missing" and "not yours".
"""

import functools
import operator
import secrets

from django.db.models import Q
from django.http import Http404

from civicgrid.cases.models import Case, region_q
from civicgrid.cases.workflow.engine import REPORTER, RESIDENT
from civicgrid.org import access
from civicgrid.org.roles import Role


def staff_cases_q(user) -> Q:
    """Filter for the cases a staff member may see."""
    if not access.is_staff_member(user):
        return Q(pk__in=[])
    prefixes = access.scope_prefixes(user)
    if "" in prefixes:  # the whole city: true of every case (an empty Q would vanish from an OR)
        places = Q(pk__isnull=False)
    elif prefixes:
        places = functools.reduce(operator.or_, map(region_q, prefixes))
    else:
        places = Q(pk__in=[])
    q = places & access.category_scope_q(user, "category")
    staff = access.staff_of(user)
    if staff is not None:
        q |= Q(owner_unit_id=staff.unit_id)
    # Tips are read only through the tip line's own access module (tip handlers, logged).
    return q & ~Q(kind=Case.Kind.TIP)


def visible_cases(user):
    return Case.objects.filter(staff_cases_q(user))


def access_case_by_id(user, case_id, *, for_update=False) -> Case:
    """The case with ``case_id`` if ``user`` may see it (staff scope, owner unit or reporter); else 404."""
    try:
        case_id = int(case_id)
    except (TypeError, ValueError):
        raise Http404 from None
    qs = Case.objects.select_related("category", "owner_unit")
    if for_update:
        qs = qs.select_for_update()
    case = qs.filter(pk=case_id).first()
    if case is None:
        raise Http404
    if not may_see(user, case):
        raise Http404
    return case


def access_case_by_token(token: str) -> Case:
    """The case whose private tracking token is ``token`` (a resident's link); else 404."""
    if not token or len(token) > 64:
        raise Http404
    case = Case.objects.select_related("category", "owner_unit").filter(tracking_token=token).first()
    if case is None or not secrets.compare_digest(case.tracking_token, token):
        raise Http404
    return case


def access_public_case_by_number(number: str) -> Case:
    """The problem case numbered ``number``, for what anyone may see or do with the number alone
    (its public status line, "me too"); else 404."""
    if not number or len(number) > 20:
        raise Http404
    case = Case.objects.select_related("category").filter(number=number, kind=Case.Kind.PROBLEM).first()
    if case is None:
        raise Http404
    return case


def may_see(user, case) -> bool:
    if case.kind == Case.Kind.TIP:
        return False  # only through civicgrid/tips/access.py
    if user is not None and user.is_authenticated and case.reporter_id == user.id:
        return True
    if not access.is_staff_member(user):
        return False
    staff = access.staff_of(user)
    if staff is not None and case.owner_unit_id == staff.unit_id:
        return True
    return access.region_code_in_scope(user, case.grid_code) and access.category_in_scope(user, case.category_id)


def roles_on_case(user, case, *, has_token: bool = False) -> set[str]:
    """The workflow roles ``user`` holds on ``case``.

    Everyone is a ``resident``. The reporter (or whoever holds the private tracking link) is the
    ``reporter``. A handler acts only on cases owned by their unit; the other staff roles act on
    cases within their scope.
    """
    roles = {RESIDENT}
    if has_token or (user is not None and user.is_authenticated and case.reporter_id == user.id):
        roles.add(REPORTER)
    staff = access.staff_of(user)
    in_scope = access.region_code_in_scope(user, case.grid_code) and access.category_in_scope(user, case.category_id)
    for role in access.roles_of(user):
        if role == Role.HANDLER:
            if staff is not None and case.owner_unit_id == staff.unit_id:
                roles.add(role)
        elif in_scope:
            roles.add(role)
    return roles
