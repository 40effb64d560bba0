import pytest

from civicgrid.cases import actions as A
from civicgrid.testing import POINT_A1, make_category


@pytest.mark.django_db
class TestCaseAdmin:
    def test_it_shows_a_case_read_only_without_the_contact(self, client, small_city, django_user_model):
        case, _ = A.do_report_case(
            acting_user=None,
            category=make_category(),
            description="Broken light",
            contact="rita@example.org",
            **POINT_A1,
        )
        client.force_login(django_user_model.objects.create_superuser("root", password="pw-root"))
        page = client.get(f"/admin/cases/case/{case.pk}/change/")
        body = page.content.decode()
        assert page.status_code == 200 and case.number in body and "Broken light" in body
        assert "rita@example.org" not in body and case.tracking_token not in body
        assert 'name="_save"' not in body  # no save button: nothing to edit
        assert client.post(f"/admin/cases/case/{case.pk}/change/", {"status": "closed"}).status_code == 403
        assert client.get(f"/admin/cases/case/{case.pk}/delete/").status_code == 403
        assert client.get("/admin/cases/case/").status_code == 200
