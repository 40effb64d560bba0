"""The access module: personas inside and outside a scope."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from civicgrid.categories.models import Category
from civicgrid.geo.models import Region
from civicgrid.org import access
from civicgrid.org.models import Staff
from civicgrid.org.roles import Role


def codes_visible(user, field="code"):
    return set(Region.objects.filter(access.region_scope_q(user, field)).values_list("code", flat=True))


@pytest.mark.django_db
class TestRegionScope:
    def test_it_gives_a_unit_member_the_subtree_of_the_unit_region(self, small_city, personas):
        seen = codes_visible(personas.carl)
        assert seen == {"120101", "120101001", "120101001001", "120101001001001", "120101001001002"}

    def test_it_keeps_an_outsider_out(self, small_city, personas):
        assert not access.region_code_in_scope(personas.olga, small_city.grid_a1.code)
        assert access.region_code_in_scope(personas.olga, small_city.grid_b1.code)
        assert "120101001001001" not in codes_visible(personas.olga)

    def test_it_narrows_to_explicit_scope_regions(self, small_city, personas):
        assert codes_visible(personas.gwen) == {"120101001001001"}
        assert not access.region_code_in_scope(personas.gwen, small_city.grid_a2.code)

    def test_it_gives_the_city_level_the_whole_city(self, small_city, personas):
        assert len(codes_visible(personas.audrey)) == Region.objects.count()

    def test_it_gives_residents_and_anonymous_users_no_scope(self, small_city, personas):
        assert codes_visible(personas.rita) == set()
        assert codes_visible(AnonymousUser()) == set()
        assert access.roles_of(personas.rita) == frozenset()
        assert not access.is_staff_member(AnonymousUser())

    def test_it_gives_a_superuser_everything(self, small_city, django_user_model):
        root = django_user_model.objects.create_superuser("root", password="pw-root")
        assert access.region_code_in_scope(root, "120102001001002")
        assert access.has_role(root, Role.AUDITOR)

    def test_it_merges_overlapping_scope_regions(self, small_city, personas):
        staff = Staff.objects.get(user=personas.gwen)
        staff.scope_regions.add(small_city.district_a)
        access.forget(personas.gwen)
        assert access.scope_prefixes(personas.gwen) == ("120101",)

    def test_it_shuts_out_members_of_an_inactive_unit(self, small_city, personas):
        personas.org_a.active = False
        personas.org_a.save(update_fields=["active"])
        access.forget(personas.carl)
        assert access.roles_of(personas.carl) == frozenset()
        assert codes_visible(personas.carl) == set()


@pytest.mark.django_db
class TestAccessRegionByCode:
    def test_it_returns_a_region_in_scope(self, small_city, personas):
        assert access.access_region_by_code(personas.carl, "120101001").name_zh == "A街道"

    @pytest.mark.parametrize("code", ["120102001", "999999999", "not-a-code", ""])
    def test_it_gives_the_same_404_for_missing_and_forbidden(self, small_city, personas, code):
        with pytest.raises(Http404):
            access.access_region_by_code(personas.carl, code)

    def test_it_shows_ancestors_but_not_siblings(self, small_city, personas):
        seen = set(access.visible_regions(personas.gwen).values_list("code", flat=True))
        assert {"120000", "120101", "120101001", "120101001001", "120101001001001"} == seen


@pytest.mark.django_db
class TestRolesAndCategories:
    @pytest.fixture
    def cats(self):
        parent = Category.objects.create(
            code="E01", kind="event", name_zh="市容环境", name_en="City appearance", unit_type="urban_management"
        )
        leaf = Category.objects.create(
            code="E0101",
            parent=parent,
            kind="event",
            name_zh="暴露垃圾",
            name_en="Exposed garbage",
            unit_type="urban_management",
        )
        other = Category.objects.create(
            code="E05", kind="event", name_zh="突发事件", name_en="Emergencies", unit_type="emergency_management"
        )
        return parent, leaf, other

    def test_it_checks_the_role(self, small_city, personas):
        assert access.can_act(personas.carl, Role.HANDLER, small_city.grid_a1.code)
        assert not access.can_act(personas.carl, Role.DISPATCHER, small_city.grid_a1.code)
        assert access.can_act(personas.dan, Role.DISPATCHER, small_city.grid_a2.code)
        assert not access.can_act(personas.olga, Role.HANDLER, small_city.grid_a1.code)

    def test_it_limits_to_scope_categories_and_their_children(self, small_city, personas, cats):
        parent, leaf, other = cats
        Staff.objects.get(user=personas.carl).scope_categories.set([parent])
        access.forget(personas.carl)
        assert access.can_act(personas.carl, Role.HANDLER, small_city.grid_a1.code, leaf.id)
        assert not access.can_act(personas.carl, Role.HANDLER, small_city.grid_a1.code, other.id)
        kept = set(Category.objects.filter(access.category_scope_q(personas.carl, "id")).values_list("code", flat=True))
        assert kept == {"E01", "E0101"}

    def test_it_allows_every_category_without_a_category_scope(self, small_city, personas, cats):
        assert all(access.category_in_scope(personas.sara, c.id) for c in cats)
