"""Shared test fixtures: a tiny city and the personas every test module can use.

The city (code 120000) has two districts side by side, A (120101) and B (120102), each with
one street, one community and two grids; every polygon is a square in GCJ-02 degrees near
Tianjin. The personas follow the project's convention:

- rita: a resident with an account and no staff role;
- carl: handler in district A's urban-management bureau (Org A);
- sara: supervisor in district A's governance centre (Org A);
- dan: dispatcher in district A's governance centre;
- gwen: grid worker whose scope is grid A1 only;
- olga: handler in district B's urban-management bureau (Org B): no access to A's things;
- audrey: auditor at the city level.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from shapely.geometry import box

from civicgrid.geo.models import Region
from civicgrid.org.models import RoleGrant, Staff, Unit
from civicgrid.org.roles import Role, UnitType

# Lower-left corner of the tiny city and the size of one grid square, in degrees.
X0, Y0, STEP = 117.20, 39.10, 0.01


def _region(code, level, parent, name_zh, name_en, geom):
    r = Region(code=code, level=level, parent=parent, name_zh=name_zh, name_en=name_en)
    r.set_shape(geom, area_m2=geom.area * 9.6e9)
    r.save()
    return r


@dataclass
class SmallCity:
    city: Region
    district_a: Region
    district_b: Region
    street_a: Region
    street_b: Region
    community_a: Region
    community_b: Region
    grid_a1: Region
    grid_a2: Region
    grid_b1: Region
    grid_b2: Region


def build_small_city() -> SmallCity:
    """Two districts of one street, one community and two grids each (grids 0.01° squares)."""
    L = Region.Level
    whole = box(X0, Y0, X0 + 4 * STEP, Y0 + STEP)
    city = _region("120000", L.CITY, None, "测试市", "Test City", whole)
    out = {"city": city}
    for i, (letter, dcode) in enumerate((("a", "120101"), ("b", "120102"))):
        x = X0 + 2 * i * STEP
        area = box(x, Y0, x + 2 * STEP, Y0 + STEP)
        district = _region(dcode, L.DISTRICT, city, f"{letter.upper()}区", f"District {letter.upper()}", area)
        street = _region(dcode + "001", L.STREET, district, f"{letter.upper()}街道", f"Street {letter.upper()}", area)
        community = _region(
            dcode + "001001", L.COMMUNITY, street, f"{letter.upper()}社区", f"Community {letter.upper()}", area
        )
        for n in (1, 2):
            g = box(x + (n - 1) * STEP, Y0, x + n * STEP, Y0 + STEP)
            out[f"grid_{letter}{n}"] = _region(
                f"{dcode}001001{n:03d}", L.GRID, community, f"{letter.upper()}{n}网格", f"Grid {letter.upper()}{n}", g
            )
        out[f"district_{letter}"], out[f"street_{letter}"], out[f"community_{letter}"] = district, street, community
    return SmallCity(**out)


def make_unit(code, name, kind, unit_type, region, parent=None) -> Unit:
    return Unit.objects.create(
        code=code, name_zh=name, name_en=name, kind=kind, unit_type=unit_type, region=region, parent=parent
    )


def make_staff(username, unit, roles, *, regions=(), categories=()):
    user = get_user_model().objects.create_user(username, password="pw-" + username, first_name=username.title())
    staff = Staff.objects.create(user=user, unit=unit)
    RoleGrant.objects.bulk_create([RoleGrant(staff=staff, role=r) for r in roles])
    if regions:
        staff.scope_regions.set(regions)
    if categories:
        staff.scope_categories.set(categories)
    return user


@dataclass
class Personas:
    rita: object
    carl: object
    sara: object
    dan: object
    gwen: object
    olga: object
    audrey: object
    org_a: Unit
    org_b: Unit
    centre_a: Unit


def make_personas(c: SmallCity) -> Personas:
    K, T = Unit.Kind, UnitType
    centre_a = make_unit("120101-centre", "A区社会治理中心", K.CENTRE, T.GOVERNANCE_CENTRE, c.district_a)
    org_a = make_unit("120101-urban", "A区城市管理委员会", K.DEPARTMENT, T.URBAN_MANAGEMENT, c.district_a)
    org_b = make_unit("120102-urban", "B区城市管理委员会", K.DEPARTMENT, T.URBAN_MANAGEMENT, c.district_b)
    team_a = make_unit("120101001001-grid", "A社区网格站", K.GRID_TEAM, T.GRID_TEAM, c.community_a)
    city_centre = make_unit("120000-centre", "市社会治理中心", K.CENTRE, T.GOVERNANCE_CENTRE, c.city)
    return Personas(
        rita=get_user_model().objects.create_user("rita", password="pw-rita"),
        carl=make_staff("carl", org_a, [Role.HANDLER]),
        sara=make_staff("sara", centre_a, [Role.SUPERVISOR]),
        dan=make_staff("dan", centre_a, [Role.DISPATCHER]),
        gwen=make_staff("gwen", team_a, [Role.GRID_WORKER], regions=[c.grid_a1]),
        olga=make_staff("olga", org_b, [Role.HANDLER]),
        audrey=make_staff("audrey", city_centre, [Role.AUDITOR]),
        org_a=org_a,
        org_b=org_b,
        centre_a=centre_a,
    )


def make_category(code="E0101", *, name_zh="", name_en="", on_spot=False, radius=250, deadlines=None, escalates=True):
    """A problem class E01 with one leaf (urban management), as the category file would give."""
    from civicgrid.categories.models import Category

    parent, _ = Category.objects.get_or_create(
        code=code[:3],
        defaults={
            "kind": "event",
            "name_zh": "市容环境",
            "name_en": "City appearance",
            "unit_type": UnitType.URBAN_MANAGEMENT,
        },
    )
    return Category.objects.create(
        code=code,
        parent=parent,
        kind="event",
        name_zh=name_zh or f"测试{code}",
        name_en=name_en or f"Test {code}",
        unit_type=UnitType.URBAN_MANAGEMENT,
        escalates=escalates,
        on_spot=on_spot,
        duplicate_radius_m=radius,
        deadlines=deadlines or {"accept": "2wh", "dispatch": "2wh", "sign": "1wd", "handle": "5wd", "verify": "1wd"},
    )


# A point inside grid A1 (GCJ-02, pass crs="gcj02") and inside grid B1.
POINT_A1 = {"lat": 39.105, "lon": 117.205, "crs": "gcj02"}
POINT_B1 = {"lat": 39.105, "lon": 117.225, "crs": "gcj02"}
