"""Fixtures of the grievance tests: the grievance types, the bodies and the people around them.

On top of the shared small city and personas (``civicgrid/testing.py``):

- gina: grievance officer of district A's letters-and-visits office (scope district A);
- cora: grievance officer of the city's letters-and-visits office (whole city);
- carl (shared persona): handler in district A's urban-management bureau, the body with authority;
- hugo: handler in the city urban-management commission, the level above carl's bureau (review);
- ruth: handler in the city government office above hugo's commission (re-review);
- sara (shared): supervisor in district A's governance centre, who takes the lead;
- pete: handler in district A's housing commission, and paula in a team under it: the complained
  party of the accusation below; pat: a grievance officer working in that commission;
- dan (shared): dispatcher in district A, no grievance role; olga (shared): handler in district B.
"""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation

from civicgrid.categories.models import Category
from civicgrid.grievances import actions
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role, UnitType
from civicgrid.testing import make_staff, make_unit


@pytest.fixture(autouse=True)
def _english(settings):
    """These tests read the English source strings (Chinese is the site's default); the pages'
    both-languages tests ask for each language themselves."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@dataclass
class World:
    city: object
    personas: object
    suggestion: Category
    accusation: Category
    appeal: Category
    office_a: Unit
    office_city: Unit
    urban_a: Unit
    urban_city: Unit
    government: Unit
    housing_a: Unit
    housing_team: Unit
    gina: object
    cora: object
    carl: object
    hugo: object
    ruth: object
    sara: object
    pete: object
    paula: object
    pat: object
    dan: object
    olga: object
    rita: object


def grievance_categories():
    parent = Category.objects.create(
        code="G01", kind="grievance", name_zh="信访事项", name_en="Grievances", unit_type=UnitType.LETTERS_VISITS
    )

    def leaf(code, zh, en):
        return Category.objects.create(
            code=code, parent=parent, kind="grievance", name_zh=zh, name_en=en, unit_type=UnitType.LETTERS_VISITS
        )

    return (
        leaf("G0101", "建议意见", "Suggestion or opinion"),
        leaf("G0102", "检举控告", "Accusation or report of misconduct"),
        leaf("G0103", "申诉求决", "Appeal or request for a decision"),
    )


@pytest.fixture
def world(small_city, personas) -> World:
    c, p = small_city, personas
    K, T = Unit.Kind, UnitType
    suggestion, accusation, appeal = grievance_categories()
    office_city = make_unit("120000-letters_visits", "市信访办", K.DEPARTMENT, T.LETTERS_VISITS, c.city)
    office_a = make_unit(
        "120101-letters_visits", "A区信访办", K.DEPARTMENT, T.LETTERS_VISITS, c.district_a, office_city
    )
    government = make_unit("120000-government", "市政府办公厅", K.CENTRE, T.GOVERNANCE_CENTRE, c.city)
    urban_city = make_unit("120000-urban", "市城市管理委员会", K.DEPARTMENT, T.URBAN_MANAGEMENT, c.city, government)
    Unit.objects.filter(pk=p.org_a.pk).update(parent=urban_city)
    p.org_a.refresh_from_db()
    housing_a = make_unit("120101-housing", "A区住房和建设委员会", K.DEPARTMENT, T.HOUSING_CONSTRUCTION, c.district_a)
    housing_team = make_unit(
        "120101-housing-team", "A区住建委执法队", K.DEPARTMENT, T.HOUSING_CONSTRUCTION, c.district_a, housing_a
    )
    return World(
        city=c,
        personas=p,
        suggestion=suggestion,
        accusation=accusation,
        appeal=appeal,
        office_a=office_a,
        office_city=office_city,
        urban_a=p.org_a,
        urban_city=urban_city,
        government=government,
        housing_a=housing_a,
        housing_team=housing_team,
        gina=make_staff("gina", office_a, [Role.GRIEVANCE_OFFICER]),
        cora=make_staff("cora", office_city, [Role.GRIEVANCE_OFFICER]),
        carl=p.carl,
        hugo=make_staff("hugo", urban_city, [Role.HANDLER]),
        ruth=make_staff("ruth", government, [Role.HANDLER]),
        sara=p.sara,
        pete=make_staff("pete", housing_a, [Role.HANDLER, Role.SUPERVISOR]),
        paula=make_staff("paula", housing_team, [Role.HANDLER]),
        pat=make_staff("pat", housing_a, [Role.GRIEVANCE_OFFICER]),
        dan=p.dan,
        olga=p.olga,
        rita=p.rita,
    )


SECRET_NAME = "王秘密"
SECRET_ADDRESS = "和平路99号3单元"
SECRET_CONTACT = "13912345678"
SECRET_MATERIAL = "住建委科长收受开发商红包二十万元"


def submit(world, *, category=None, user=None, now=None, **kw):
    """A grievance submitted online in district A (by ``user``, anonymous by default)."""
    fields = {
        "category": category or world.appeal,
        "region": world.city.district_a,
        "petitioner_name": SECRET_NAME,
        "petitioner_address": SECRET_ADDRESS,
        "petitioner_contact": SECRET_CONTACT,
        "request": "请求撤销对我家的违建认定",
        "facts_and_reasons": "认定依据的测量有误",
        **kw,
    }
    result = actions.do_submit_grievance(acting_user=user, now=now, **fields)
    return result.case


def accusation(world, **kw):
    """An accusation about district A's housing commission, transferred to district A's urban
    management bureau (not the accused)."""
    kw.setdefault("request", SECRET_MATERIAL)
    kw.setdefault("complained_about", "A区住建委某科长")
    return submit(world, category=world.accusation, **kw)


def reload(case):
    from civicgrid.cases.models import Case

    return Case.objects.select_related("grievance", "owner_unit", "category").get(pk=case.pk)


def assign(world, case, *, unit=None, now=None, **kw):
    kw.setdefault("mode", "transfer")
    actions.do_assign_grievance(reload(case), acting_user=world.gina, unit=unit or world.urban_a, now=now, **kw)
    return reload(case)


def admit(world, case, *, now=None):
    actions.do_admit_grievance(reload(case), acting_user=world.carl, text="已接收，按程序办理", now=now)
    return reload(case)


def decide(world, case, *, now=None, served_on=None, outcome="not_support"):
    actions.do_decide_grievance(
        reload(case),
        acting_user=world.carl,
        outcome=outcome,
        text="经核查，测量无误",
        basis="《城乡规划法》第六十四条",
        served_on=served_on,
        now=now,
    )
    return reload(case)


def to_decided(world, case=None, *, now=None, **kw):
    case = case or submit(world, now=now, **kw)
    return decide(world, admit(world, assign(world, case, now=now), now=now), now=now)


@pytest.fixture
def User():
    return get_user_model()
