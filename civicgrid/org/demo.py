"""Units and demo accounts of the demo city.

Builds, for the regions already in the database: the city governance centre and city
departments; per district a governance centre, one department of each type and a
people's-mediation centre; nine city-wide trade mediation organisations; per street a
governance centre and a people's mediation committee; per community a governance station and
a grid team. Then the demo accounts listed in ``DEMO_ACCOUNTS`` (one per role, with scopes).
Idempotent: units and accounts that exist are left as they are.
"""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from civicgrid.geo.models import Region
from civicgrid.org.models import RoleGrant, Staff, Unit
from civicgrid.org.roles import DEPARTMENT_TYPES, Role, UnitType

DEMO_PASSWORD = "civicgrid-demo"  # noqa: S105 - documented demo password, printed by `make run`

DEPARTMENT_NAMES = {
    UnitType.URBAN_MANAGEMENT: ("城市管理委员会", "Urban Management Commission"),
    UnitType.HOUSING_CONSTRUCTION: ("住房和建设委员会", "Housing and Construction Commission"),
    UnitType.ECOLOGY_ENVIRONMENT: ("生态环境局", "Ecology and Environment Bureau"),
    UnitType.WATER: ("水务局", "Water Affairs Bureau"),
    UnitType.TRANSPORT: ("交通运输委员会", "Transport Commission"),
    UnitType.MARKET_REGULATION: ("市场监督管理局", "Market Regulation Bureau"),
    UnitType.CIVIL_AFFAIRS: ("民政局", "Civil Affairs Bureau"),
    UnitType.PUBLIC_SECURITY: ("公安分局", "Public Security Bureau"),
    UnitType.LANDSCAPING: ("园林绿化局", "Landscaping and Greening Bureau"),
    UnitType.UTILITIES: ("公用事业管理局", "Public Utilities Bureau"),
    UnitType.EMERGENCY_MANAGEMENT: ("应急管理局", "Emergency Management Bureau"),
    UnitType.PLANNING_NATURAL_RESOURCES: ("规划和自然资源局", "Planning and Natural Resources Bureau"),
    UnitType.HUMAN_RESOURCES: ("人力资源和社会保障局", "Human Resources and Social Security Bureau"),
    UnitType.HEALTH: ("卫生健康委员会", "Health Commission"),
    UnitType.JUSTICE: ("司法局", "Justice Bureau"),
    UnitType.LETTERS_VISITS: ("信访办公室", "Letters and Visits Office"),
}

# City-wide trade mediation organisations (行业性专业性调解组织).
TRADE_MEDIATION = (
    ("medical", "医疗纠纷人民调解委员会", "Medical Disputes Mediation Committee"),
    ("property", "物业纠纷人民调解委员会", "Property Management Disputes Mediation Committee"),
    ("labour", "劳动争议调解中心", "Labour Disputes Mediation Centre"),
    ("traffic", "道路交通事故纠纷调解委员会", "Road Traffic Accident Mediation Committee"),
    ("family", "婚姻家庭纠纷调解委员会", "Marriage and Family Disputes Mediation Committee"),
    ("consumer", "消费纠纷调解委员会", "Consumer Disputes Mediation Committee"),
    ("construction", "建设工程纠纷调解委员会", "Construction Disputes Mediation Committee"),
    ("ip", "知识产权纠纷调解委员会", "Intellectual Property Disputes Mediation Committee"),
    ("finance", "金融纠纷调解中心", "Financial Disputes Mediation Centre"),
)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    roles: tuple[str, ...]
    unit_code: str  # "{region code}-{suffix}"; the region code is filled from the demo city
    label: str
    scope: str = ""  # region code narrowing the scope; empty: the unit's region


def demo_accounts(city: str, district: str, street: str, community: str, grid: str, other_district: str):
    """The demo accounts, placed in the first district/street/community/grid of the demo city."""
    return (
        DemoAccount("admin", (Role.ADMINISTRATOR,), f"{city}-governance_centre", "administrator (Django admin)"),
        DemoAccount("leader", (Role.SUPERVISOR,), f"{city}-governance_centre", "city leader / supervisor"),
        DemoAccount("auditor", (Role.AUDITOR,), f"{city}-governance_centre", "auditor, whole city"),
        DemoAccount(
            "district.dispatcher",
            (Role.DISPATCHER,),
            f"{district}-governance_centre",
            "dispatcher, district governance centre",
        ),
        DemoAccount(
            "district.supervisor",
            (Role.SUPERVISOR,),
            f"{district}-governance_centre",
            "district supervisor (lead official)",
        ),
        DemoAccount(
            "district.handler", (Role.HANDLER,), f"{district}-urban_management", "handler, district urban management"
        ),
        DemoAccount(
            "street.dispatcher",
            (Role.DISPATCHER,),
            f"{street}-governance_centre",
            "dispatcher, street governance centre",
        ),
        DemoAccount("gridworker", (Role.GRID_WORKER,), f"{community}-grid_team", "grid worker, one grid", grid),
        DemoAccount("mediator", (Role.MEDIATOR,), f"{district}-mediation", "mediator, district mediation centre"),
        DemoAccount("tips.handler", (Role.TIP_HANDLER,), f"{district}-public_security", "tip handler, first district"),
        DemoAccount(
            "tips.approver",
            (Role.TIP_HANDLER,),
            f"{district}-public_security",
            "second tip handler, first district (approves rewards)",
        ),
        DemoAccount(
            "tips.city",
            (Role.TIP_HANDLER,),
            f"{city}-public_security",
            "tip handler, whole city (and tips naming no place)",
        ),
        DemoAccount(
            "street.mediator", (Role.MEDIATOR,), f"{street}-mediation", "mediator, street people's mediation committee"
        ),
        DemoAccount(
            "mediation.supervisor",
            (Role.SUPERVISOR,),
            f"{district}-justice",
            "supervisor over the district's mediation organisations",
        ),
        DemoAccount(
            "grievance.officer",
            (Role.GRIEVANCE_OFFICER,),
            f"{district}-letters_visits",
            "grievance officer, district letters-and-visits office",
        ),
        DemoAccount(
            "city.grievance.officer",
            (Role.GRIEVANCE_OFFICER,),
            f"{city}-letters_visits",
            "grievance officer, city letters-and-visits office (names reviewing bodies)",
        ),
        DemoAccount(
            "city.handler",
            (Role.HANDLER,),
            f"{city}-urban_management",
            "handler, city urban management (reviews the district bureau's grievance decisions)",
        ),
        DemoAccount(
            "outsider.handler",
            (Role.HANDLER,),
            f"{other_district}-urban_management",
            "handler in another district (sees none of the first district's cases)",
        ),
    )


def _unit(code, zh, en, kind, unit_type, region_id, parent_code=None):
    return {
        "code": code,
        "name_zh": zh,
        "name_en": en,
        "kind": kind,
        "unit_type": unit_type,
        "region_id": region_id,
        "parent_code": parent_code,
    }


def _plan_units(regions) -> list[dict]:
    K, T = Unit.Kind, UnitType
    by_level = {lvl: [r for r in regions if r.level == lvl] for lvl in Region.Level.values}
    city = by_level["city"][0]
    plan = [
        _unit(
            f"{city.code}-governance_centre",
            f"{city.name_zh}社会治理中心",
            f"{city.name_en} Social Governance Centre",
            K.CENTRE,
            T.GOVERNANCE_CENTRE,
            city.id,
        )
    ]
    for t in DEPARTMENT_TYPES:
        zh, en = DEPARTMENT_NAMES[t]
        plan.append(_unit(f"{city.code}-{t}", f"{city.name_zh}{zh}", f"{city.name_en} {en}", K.DEPARTMENT, t, city.id))
    for key, zh, en in TRADE_MEDIATION:
        plan.append(
            _unit(
                f"{city.code}-mediation-{key}",
                f"{city.name_zh}{zh}",
                f"{city.name_en} {en}",
                K.MEDIATION_ORG,
                T.MEDIATION,
                city.id,
                f"{city.code}-{T.JUSTICE}",
            )
        )
    for d in by_level["district"]:
        plan.append(
            _unit(
                f"{d.code}-governance_centre",
                f"{d.name_zh}社会治理中心",
                f"{d.name_en} Social Governance Centre",
                K.CENTRE,
                T.GOVERNANCE_CENTRE,
                d.id,
                f"{city.code}-governance_centre",
            )
        )
        for t in DEPARTMENT_TYPES:
            zh, en = DEPARTMENT_NAMES[t]
            plan.append(
                _unit(
                    f"{d.code}-{t}", f"{d.name_zh}{zh}", f"{d.name_en} {en}", K.DEPARTMENT, t, d.id, f"{city.code}-{t}"
                )
            )
        plan.append(
            _unit(
                f"{d.code}-mediation",
                f"{d.name_zh}人民调解中心",
                f"{d.name_en} People's Mediation Centre",
                K.MEDIATION_ORG,
                T.MEDIATION,
                d.id,
                f"{d.code}-{T.JUSTICE}",
            )
        )
    for s in by_level["street"]:
        district = s.code[:6]
        plan.append(
            _unit(
                f"{s.code}-governance_centre",
                f"{s.name_zh}社会治理中心",
                f"{s.name_en} Governance Centre",
                K.CENTRE,
                T.GOVERNANCE_CENTRE,
                s.id,
                f"{district}-governance_centre",
            )
        )
        plan.append(
            _unit(
                f"{s.code}-mediation",
                f"{s.name_zh}人民调解委员会",
                f"{s.name_en} People's Mediation Committee",
                K.MEDIATION_ORG,
                T.MEDIATION,
                s.id,
                f"{district}-mediation",
            )
        )
    for c in by_level["community"]:
        street = c.code[:9]
        plan.append(
            _unit(
                f"{c.code}-governance_centre",
                f"{c.name_zh}社会治理工作站",
                f"{c.name_en} Governance Station",
                K.CENTRE,
                T.GOVERNANCE_CENTRE,
                c.id,
                f"{street}-governance_centre",
            )
        )
        plan.append(
            _unit(
                f"{c.code}-grid_team",
                f"{c.name_zh}网格工作站",
                f"{c.name_en} Grid Team",
                K.GRID_TEAM,
                T.GRID_TEAM,
                c.id,
                f"{c.code}-governance_centre",
            )
        )
    return plan


@transaction.atomic
def build_demo_units() -> int:
    """Create the demo units that do not exist yet; returns how many were created."""
    regions = list(
        Region.objects.filter(level__in=["city", "district", "street", "community"]).only(
            "id", "code", "level", "name_zh", "name_en"
        )
    )
    if not any(r.level == "city" for r in regions):
        raise ValueError("the region tree has no city: build or import the regions first")
    plan = _plan_units(regions)
    existing = set(Unit.objects.values_list("code", flat=True))
    new = [p for p in plan if p["code"] not in existing]
    Unit.objects.bulk_create([Unit(**{k: v for k, v in p.items() if k != "parent_code"}) for p in new], batch_size=2000)
    ids = dict(Unit.objects.values_list("code", "id"))
    updates = []
    for p in new:
        if p["parent_code"]:
            updates.append(Unit(id=ids[p["code"]], parent_id=ids[p["parent_code"]]))
    Unit.objects.bulk_update(updates, ["parent"], batch_size=2000)
    return len(new)


def first_codes() -> dict[str, str]:
    """Codes of the city and of the first district/street/community/grid (and a second district)."""

    def first(level, prefix=""):
        r = Region.objects.filter(level=level, code__startswith=prefix).order_by("code").first()
        if r is None:
            raise ValueError(f"the region tree has no {level} under {prefix or 'the city'}")
        return r.code

    district = first("district")
    street = first("street", district)
    community = first("community", street)
    other = Region.objects.filter(level="district").exclude(code=district).order_by("code").first()
    return {
        "city": first("city"),
        "district": district,
        "street": street,
        "community": community,
        "grid": first("grid", community),
        "other_district": other.code if other else district,
    }


@transaction.atomic
def build_demo_accounts() -> list[DemoAccount]:
    """Create the demo accounts that do not exist yet (all share ``DEMO_PASSWORD``)."""
    accounts = demo_accounts(**first_codes())
    User = get_user_model()
    password = make_password(DEMO_PASSWORD)
    for acct in accounts:
        if User.objects.filter(username=acct.username).exists():
            continue
        is_admin = Role.ADMINISTRATOR in acct.roles
        user = User.objects.create(
            username=acct.username,
            password=password,
            first_name=acct.label[:150],
            # The auditor reads the personal-data access log in the admin.
            is_staff=is_admin or Role.AUDITOR in acct.roles,
            is_superuser=is_admin,
        )
        staff = Staff.objects.create(user=user, unit=Unit.objects.get(code=acct.unit_code), title=acct.label[:100])
        RoleGrant.objects.bulk_create([RoleGrant(staff=staff, role=r) for r in acct.roles])
        if acct.scope:
            staff.scope_regions.set(Region.objects.filter(code=acct.scope))
    return list(accounts)


def build_demo_org(stdout=None) -> dict[str, int]:
    """Units and demo accounts for the demo city (idempotent)."""
    created = build_demo_units()
    accounts = build_demo_accounts()
    if stdout is not None:
        stdout.write(f"units: {Unit.objects.count()} ({created} new); demo accounts: {len(accounts)}")
    return {"units_created": created, "accounts": len(accounts)}
