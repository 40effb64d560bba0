"""Which unit a case goes to: the category's unit type in the case's region, most local first;
when no such unit serves the place, the street's and then the district's governance centre
takes it (属地兜底, processes.md §1.1 and §4.1 Art. 12)."""

from civicgrid.org.models import Unit
from civicgrid.org.roles import UnitType


def responsible_unit(case) -> Unit | None:
    places = [case.community_code, case.street_code, case.district_code]
    wanted = case.category.unit_type
    candidates = {
        (u.unit_type, u.region.code): u
        for u in Unit.objects.filter(
            active=True, region__code__in=places, unit_type__in=[wanted, UnitType.GOVERNANCE_CENTRE]
        ).select_related("region")
    }
    for code in places:
        if (wanted, code) in candidates:
            return candidates[(wanted, code)]
    city_unit = Unit.objects.filter(active=True, unit_type=wanted, region__level="city").first()
    if city_unit is not None and wanted != UnitType.GOVERNANCE_CENTRE:
        return city_unit
    for code in (case.street_code, case.district_code):
        if (UnitType.GOVERNANCE_CENTRE, code) in candidates:
            return candidates[(UnitType.GOVERNANCE_CENTRE, code)]
    return None


def unit_may_take(unit: Unit, case) -> bool:
    """A unit may be dispatched a case in the region it serves (or any, if it serves the city)."""
    if not unit.active:
        return False
    if unit.region.level == "city":
        return True
    return case.grid_code.startswith(unit.region.code)
