"""Fixtures of the dispute tests: the small city's personas plus mediation organisations.

District A has a justice bureau, its people's mediation centre under it and, under the centre,
street A's people's mediation committee; district B has its own centre; the city has a property
mediation committee (a trade organisation serving the whole city). People:

- mia and max: mediators of street A's committee (mia is assigned by ``assigned_dispute``);
- mo: mediator of district B's centre (another organisation: sees nothing of A's disputes);
- sue: supervisor in district A's justice bureau, over the centre and the committee;
- the personas of ``civicgrid/testing.py``: sara is a supervisor in A's governance centre (not
  over the mediators), dan a dispatcher there, gwen a grid worker of grid A1, rita a resident,
  audrey an auditor.
"""

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone, translation

from civicgrid.categories.models import Category
from civicgrid.disputes import actions
from civicgrid.disputes.models import Dispute, Party
from civicgrid.org.models import Unit
from civicgrid.org.roles import Role, UnitType
from civicgrid.testing import make_staff, make_unit

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def _english():
    """The tests read the English source strings (``test_translations`` checks the Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def client(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def at(day: str, hour: int = 10) -> datetime:
    """A moment in local time: ``at("2025-03-03")`` is 10:00 that day."""
    return datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=TZ).replace(hour=hour)


@dataclass
class Mediation:
    city: object
    personas: object
    justice_a: Unit
    centre_a: Unit
    committee_a: Unit
    centre_b: Unit
    property_org: Unit
    police_a: Unit
    mia: object
    max: object
    mo: object
    sue: object
    neighbour: Category
    family: Category


@pytest.fixture
def mediation(small_city, personas) -> Mediation:
    K, T = Unit.Kind, UnitType
    justice_a = make_unit("120101-justice", "A区司法局", K.DEPARTMENT, T.JUSTICE, small_city.district_a)
    centre_a = make_unit(
        "120101-mediation", "A区人民调解中心", K.MEDIATION_ORG, T.MEDIATION, small_city.district_a, justice_a
    )
    committee_a = make_unit(
        "120101001-mediation", "A街道人民调解委员会", K.MEDIATION_ORG, T.MEDIATION, small_city.street_a, centre_a
    )
    centre_b = make_unit("120102-mediation", "B区人民调解中心", K.MEDIATION_ORG, T.MEDIATION, small_city.district_b)
    property_org = make_unit(
        "120000-mediation-property", "物业纠纷人民调解委员会", K.MEDIATION_ORG, T.MEDIATION, small_city.city
    )
    police_a = make_unit("120101-police", "A区公安分局", K.DEPARTMENT, T.PUBLIC_SECURITY, small_city.district_a)
    parent = Category.objects.create(
        code="D01", kind="dispute", name_zh="矛盾纠纷", name_en="Disputes", unit_type=T.MEDIATION
    )
    neighbour = Category.objects.create(
        code="D0101",
        parent=parent,
        kind="dispute",
        name_zh="邻里纠纷",
        name_en="Neighbour dispute",
        unit_type=T.MEDIATION,
    )
    family = Category.objects.create(
        code="D0102",
        parent=parent,
        kind="dispute",
        name_zh="婚姻家庭纠纷",
        name_en="Family dispute",
        unit_type=T.MEDIATION,
    )
    return Mediation(
        city=small_city,
        personas=personas,
        justice_a=justice_a,
        centre_a=centre_a,
        committee_a=committee_a,
        centre_b=centre_b,
        property_org=property_org,
        police_a=police_a,
        mia=make_staff("mia", committee_a, [Role.MEDIATOR]),
        max=make_staff("max", committee_a, [Role.MEDIATOR]),
        mo=make_staff("mo", centre_b, [Role.MEDIATOR]),
        sue=make_staff("sue", justice_a, [Role.SUPERVISOR]),
        neighbour=neighbour,
        family=family,
    )


APPLICANT = actions.PartyIn("张三", Party.Role.APPLICANT, "13812345678")
RESPONDENT = actions.PartyIn("李四", Party.Role.RESPONDENT, "13987654321")


def apply(m: Mediation, *, now=None, region_code="120101001001001", **kw) -> Dispute:
    """A resident's application about a neighbour dispute in grid A1 (street A's committee)."""
    dispute, _created = actions.do_apply_for_mediation(
        acting_user=None,
        category=kw.pop("category", m.neighbour),
        region_code=region_code,
        cause=kw.pop("cause", "楼上漏水，张三与李四协商未果"),
        place=kw.pop("place", "某小区3号楼"),
        applicant=kw.pop("applicant", APPLICANT),
        others=kw.pop("others", [RESPONDENT]),
        now=now,
        **kw,
    )
    return dispute


def reload(dispute: Dispute) -> Dispute:
    return Dispute.objects.select_related("case", "case__category", "organisation", "organisation__region").get(
        pk=dispute.pk
    )


def assigned(m: Mediation, now=None) -> Dispute:
    d = apply(m, now=now)
    actions.do_assign_mediators(d, mediators=[m.mia], acting_user=m.max, now=now)
    return reload(d)


def mediating(m: Mediation, now=None, **start) -> Dispute:
    d = assigned(m, now=now)
    actions.do_ask_consent(d, acting_user=m.mia, now=now)
    d = reload(d)
    for party in d.parties.all():
        actions.do_record_consent(d, party=party, accepted=True, channel="in_person", acting_user=m.mia, now=now)
        d = reload(d)
    actions.do_start_mediation(d, acting_user=m.mia, now=now, **start)
    return reload(d)


def agreed(m: Mediation, *, now=None, effective_on=None, form="oral") -> Dispute:
    d = mediating(m, now=now)
    effective_on = effective_on or (now.date() if now else timezone.localdate())
    if form == "written":
        actions.do_draft_agreement(d, terms="李四修复漏水并赔偿500元", acting_user=m.mia, now=now)
        d = reload(d)
        actions.do_reach_agreement(
            d, form="written", effective_on=effective_on, signed_by_all=True, sealed=True, acting_user=m.mia, now=now
        )
    else:
        actions.do_reach_agreement(
            d, form="oral", effective_on=effective_on, terms="李四修复漏水", acting_user=m.mia, now=now
        )
    return reload(d)
