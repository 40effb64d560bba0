"""Who may see and do what: the one place that interprets roles and scopes.

Every staff member belongs to a unit, holds roles and acts within a scope: a set of regions
(each meaning its whole subtree; empty means the unit's own region) and optionally a set of
categories (each meaning itself and its children; empty means all). Region codes are
hierarchical (``geo/codes.py``), so a region subtree is a code prefix and a scope becomes a
filter of one condition per scope region.

Views, the API, exports and commands ask this module; they never read ``Staff`` scopes
themselves. Functions that fetch an object return the same 404 for "missing" and
"not yours", so that a probe learns nothing.
"""

import contextlib

from django.db.models import Q
from django.http import Http404

from civicgrid.categories.models import Category
from civicgrid.geo import codes
from civicgrid.geo.models import Region
from civicgrid.org.models import Staff
from civicgrid.org.roles import Role

_CACHE_ATTR = "_civicgrid_access"


class _Access:
    """What one user may do, read once per request (cached on the user object)."""

    def __init__(self, user):
        self.staff = None
        self.roles: frozenset[str] = frozenset()
        self.prefixes: tuple[str, ...] = ()
        self.category_ids: frozenset[int] | None = None  # None: every category
        if user is None or not user.is_authenticated or not user.is_active:
            return
        if user.is_superuser:
            self.roles = frozenset(Role.values)
            self.prefixes = ("",)
            return
        staff = (
            Staff.objects.select_related("unit__region")
            .prefetch_related("roles", "scope_regions", "scope_categories")
            .filter(user=user)
            .first()
        )
        if staff is None or not staff.unit.active:
            return
        self.staff = staff
        self.roles = frozenset(grant.role for grant in staff.roles.all())
        regions = list(staff.scope_regions.all()) or [staff.unit.region]
        self.prefixes = _minimal_prefixes(r.subtree_prefix for r in regions)
        categories = list(staff.scope_categories.all())
        if categories:
            self.category_ids = _with_descendants(categories)


def _minimal_prefixes(prefixes) -> tuple[str, ...]:
    """Drop prefixes already covered by a shorter one (a district makes its streets redundant)."""
    kept: list[str] = []
    for p in sorted(set(prefixes), key=len):
        if not any(p.startswith(k) for k in kept):
            kept.append(p)
    return tuple(sorted(kept))


def _with_descendants(categories) -> frozenset[int]:
    q = Q()
    for c in categories:
        q |= Q(code__startswith=c.code)
    return frozenset(Category.objects.filter(q).values_list("id", flat=True))


def _access(user) -> _Access:
    cached = getattr(user, _CACHE_ATTR, None) if user is not None else None
    if cached is None:
        cached = _Access(user)
        if user is not None:
            setattr(user, _CACHE_ATTR, cached)
    return cached


def forget(user) -> None:
    """Drop the cached access of ``user`` (after its roles or scope change)."""
    if hasattr(user, _CACHE_ATTR):
        delattr(user, _CACHE_ATTR)


def staff_of(user) -> Staff | None:
    return _access(user).staff


def is_staff_member(user) -> bool:
    return bool(_access(user).roles)


def roles_of(user) -> frozenset[str]:
    return _access(user).roles


def has_role(user, role: str) -> bool:
    return role in _access(user).roles


def scope_prefixes(user) -> tuple[str, ...]:
    """Code prefixes of the regions the user acts in ("" means the whole city)."""
    return _access(user).prefixes


def region_code_in_scope(user, code: str) -> bool:
    return any(code.startswith(p) for p in _access(user).prefixes)


def category_in_scope(user, category_id: int | None) -> bool:
    allowed = _access(user).category_ids
    return allowed is None or category_id in allowed


def region_scope_q(user, field: str = "code") -> Q:
    """A filter keeping rows whose region code ``field`` lies in the user's scope."""
    prefixes = _access(user).prefixes
    if not prefixes:
        return Q(pk__in=[])
    q = Q()
    for p in prefixes:
        q |= Q(**{f"{field}__startswith": p})
    return q


def category_scope_q(user, field: str = "category") -> Q:
    """A filter keeping rows whose category ``field`` (a foreign key) is in the user's scope."""
    allowed = _access(user).category_ids
    if allowed is None:
        return Q()
    return Q(**{f"{field}__in": allowed})


def can_act(user, role: str, region_code: str, category_id: int | None = None) -> bool:
    """May ``user`` act as ``role`` on something in ``region_code`` of ``category_id``?"""
    return (
        has_role(user, role)
        and region_code_in_scope(user, region_code)
        and (category_id is None or category_in_scope(user, category_id))
    )


def access_region_by_code(user, code: str) -> Region:
    """The region with ``code`` if it lies in the user's scope; 404 otherwise (also when missing)."""
    try:
        codes.level_of(code)
    except codes.CodeError:
        raise Http404 from None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise Http404
    if not region_code_in_scope(user, region.code):
        raise Http404
    return region


def visible_regions(user):
    """The regions the user may see: the scope subtrees and every ancestor on the way down."""
    prefixes = _access(user).prefixes
    if prefixes == ("",):
        return Region.objects.all()
    ancestor_codes = set()
    for p in prefixes:
        # A city prefix ("12") is not a region code: it has no ancestors below the city.
        with contextlib.suppress(codes.CodeError):
            ancestor_codes.update(codes.ancestors(p).values())
    return Region.objects.filter(region_scope_q(user) | Q(code__in=ancestor_codes) | Q(level=Region.Level.CITY))
