import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from civicgrid.org import access
from civicgrid.org.demo import DEMO_PASSWORD, build_demo_org
from civicgrid.org.models import Staff, Unit
from civicgrid.org.roles import DEPARTMENT_TYPES, Role


@pytest.mark.django_db
class TestDemoOrg:
    def test_it_builds_units_for_every_level(self, small_city):
        build_demo_org()
        # city: centre + departments + 9 trade mediation; per district: centre + departments + mediation;
        # per street: centre + mediation committee; per community: station + grid team.
        n_dep = len(DEPARTMENT_TYPES)
        assert Unit.objects.count() == (1 + n_dep + 9) + 2 * (1 + n_dep + 1) + 2 * 2 + 2 * 2
        urban_a = Unit.objects.get(code="120101-urban_management")
        assert urban_a.parent.code == "120000-urban_management"
        assert Unit.objects.get(code="120101001001-grid_team").parent.code == "120101001001-governance_centre"

    def test_it_is_idempotent(self, small_city):
        build_demo_org()
        before = Unit.objects.count(), Staff.objects.count()
        assert build_demo_org()["units_created"] == 0
        assert (Unit.objects.count(), Staff.objects.count()) == before

    def test_it_creates_scoped_demo_accounts(self, small_city):
        build_demo_org()
        worker = authenticate(username="gridworker", password=DEMO_PASSWORD)
        assert worker is not None
        assert access.roles_of(worker) == {Role.GRID_WORKER}
        assert access.scope_prefixes(worker) == ("120101001001001",)
        outsider = authenticate(username="outsider.handler", password=DEMO_PASSWORD)
        assert not access.region_code_in_scope(outsider, "120101001001001")
        admin = authenticate(username="admin", password=DEMO_PASSWORD)
        assert admin.is_superuser and admin.is_staff

    def test_it_prints_the_demo_logins(self, small_city, capsys):
        build_demo_org()
        call_command("demo_info", "--port", "8123")
        out = capsys.readouterr().out
        assert "http://127.0.0.1:8123/" in out
        assert "district.dispatcher" in out and DEMO_PASSWORD in out
