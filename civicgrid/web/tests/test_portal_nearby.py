"""'Is it one of these?': open reports of the same kind nearby, and 'me too' instead of filing."""

import pytest
from django.contrib.messages import get_messages

from civicgrid.cases import actions as A
from civicgrid.cases.models import Case, CaseEvent, Supporter
from civicgrid.testing import POINT_A1, POINT_B1, make_category

URL = "/report/nearby/"


@pytest.fixture(autouse=True)
def _english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


@pytest.fixture
def category(small_city):
    return make_category("E0101", name_en="Litter", radius=250)


def report(category, description, point=POINT_A1, **kw):
    case, _ = A.do_report_case(acting_user=None, category=category, description=description, **{**point, **kw})
    return case


def ask(client, category, point=POINT_A1):
    return client.get(URL, {"category": category.pk, **point})


@pytest.mark.django_db
class TestNearby:
    def test_it_lists_open_reports_of_the_same_kind_nearby(self, client, category, personas):
        near = report(category, "Overflowing bin by the school")
        other_kind = report(make_category("E0102"), "Graffiti on the wall")
        far = report(category, "Bin in the other district", POINT_B1)
        rejected = report(category, "Bin emptied already", contact="13812345678")
        A.do_reject_case(rejected, acting_user=personas.dan, reason="Duplicate")
        r = ask(client, category)
        html = r.content.decode()
        assert r.status_code == 200
        assert "Is it one of these?" in html and "data-nearby-checked" in html
        assert "Overflowing bin by the school" in html and near.number in html
        for absent in (other_kind, far, rejected):
            assert absent.number not in html
        assert "This place is in District A › Street A." in html
        assert f'formaction="/report/support/{near.number}/"' in html
        assert "Me too — support this one" in html
        for private in ("13812345678", near.tracking_token):
            assert private not in html

    def test_it_says_when_there_is_nothing_nearby(self, client, category):
        r = ask(client, category)
        assert "No open report of this kind nearby" in r.content.decode()
        assert "data-nearby-checked" in r.content.decode()

    def test_it_says_at_once_when_the_point_is_outside_the_city(self, client, category):
        r = client.get(URL, {"category": category.pk, "lat": 31.23, "lon": 121.47, "crs": "gcj02"})
        html = r.content.decode()
        assert r.status_code == 200 and "outside the service area" in html
        assert "data-nearby-checked" not in html

    def test_it_answers_nothing_until_category_and_point_are_set(self, client, category):
        for query in ({"lat": 39.105, "lon": 117.205, "crs": "gcj02"}, {"category": category.pk}, {}):
            r = client.get(URL, query)
            assert r.status_code == 200 and r.content.decode().strip() == ""

    def test_it_reads_the_database_a_bounded_number_of_times(self, client, category, django_assert_max_num_queries):
        for i in range(5):
            report(category, f"Bin {i}")
        ask(client, category)  # the locator is built once per process
        with django_assert_max_num_queries(3):
            r = ask(client, category)
        assert r.content.decode().count("Me too — support this one") == 5


@pytest.mark.django_db
class TestMeToo:
    def test_it_adds_the_supporter_instead_of_a_new_report(self, client, category):
        case = report(category, "Overflowing bin")
        r = client.post(f"/report/support/{case.number}/", {"contact": "supporter@example.org", "description": "x"})
        assert r.status_code == 302 and r["Location"] == f"/track/?number={case.number}"
        assert Case.objects.count() == 1
        supporter = Supporter.objects.get()
        assert (supporter.case, supporter.contact, supporter.user) == (case, "supporter@example.org", None)
        assert CaseEvent.objects.filter(case=case, action="support").count() == 1
        page = client.get(r["Location"])
        html = page.content.decode()
        assert f"your support was added to report {case.number}" in html
        assert "You will be told of its progress." in html
        assert case.tracking_token not in html and "supporter@example.org" not in html

    def test_it_works_without_a_contact_and_for_a_signed_in_resident(self, client, category, personas):
        case = report(category, "Overflowing bin")
        client.force_login(personas.rita)
        r = client.post(f"/report/support/{case.number.lower()}/", {})
        assert r.status_code == 302
        assert Supporter.objects.get().user == personas.rita

    def test_it_refuses_a_report_that_is_no_longer_open(self, client, category, personas):
        case = report(category, "Overflowing bin")
        A.do_reject_case(case, acting_user=personas.dan, reason="Not a public space")
        r = client.post(f"/report/support/{case.number}/", {"contact": "x@example.org"})
        assert r.status_code == 302
        assert [m.level_tag for m in get_messages(r.wsgi_request)] == ["error"]
        assert not Supporter.objects.exists()

    def test_it_answers_404_for_an_unknown_number_and_get(self, client, category):
        case = report(category, "Overflowing bin")
        assert client.post("/report/support/26010100000000/", {}).status_code == 404
        assert client.get(f"/report/support/{case.number}/").status_code == 405
        assert not Supporter.objects.exists()
