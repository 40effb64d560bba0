"""Which cases a staff member sees (``cases/access.py::staff_cases_q``): their scope's regions,
as equalities on the level columns, plus what their unit owns; never a tip."""

import pytest
from django.contrib.auth import get_user_model

from civicgrid.cases import actions
from civicgrid.cases.access import visible_cases
from civicgrid.org.models import Staff
from civicgrid.testing import POINT_A1, POINT_B1, make_personas


@pytest.fixture
def cases(small_city, category):
    personas = make_personas(small_city)

    def report(point):
        case, _created = actions.do_report_case(
            acting_user=None, category=category, description="Overflowing bin", **point
        )
        return case

    return personas, report(POINT_A1), report(POINT_B1)


def test_a_district_sees_its_own_district_and_the_city_sees_both(cases):
    personas, in_a, in_b = cases
    assert set(visible_cases(personas.dan)) == {in_a}  # district A's dispatcher
    assert set(visible_cases(personas.olga)) == {in_b}  # district B's handler
    assert set(visible_cases(personas.audrey)) == {in_a, in_b}  # the city centre's auditor


def test_a_superuser_sees_every_case_also_as_a_member_of_a_unit(cases):
    personas, in_a, in_b = cases
    root = get_user_model().objects.create_superuser("root", password="pw-root")
    assert set(visible_cases(root)) == {in_a, in_b}
    Staff.objects.create(user=root, unit=personas.org_b)
    root = get_user_model().objects.get(pk=root.pk)  # its access is read afresh
    assert set(visible_cases(root)) == {in_a, in_b}


def test_a_unit_sees_what_it_owns_outside_its_scope(cases):
    personas, in_a, in_b = cases
    type(in_b).objects.filter(pk=in_b.pk).update(owner_unit=personas.centre_a)
    assert set(visible_cases(personas.dan)) == {in_a, in_b}
