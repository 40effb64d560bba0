"""Reporting through the JSON API: POST /api/v1/cases, nearby cases and "me too"."""

import pytest
from django.test import Client

from civicgrid.cases.models import Case, CaseEvent, Supporter
from civicgrid.categories.models import Category
from civicgrid.org.apikeys import create_api_key

URL = "/api/v1/cases"
# Inside grid A1 of the small city, in GCJ-02 degrees (passed as they are with crs="gcj02").
A1 = {"lat": 39.105, "lon": 117.205, "crs": "gcj02"}


def report_body(leaf, **kw):
    return {"category": leaf.code, "description": "Overflowing bin at the corner", **A1, **kw}


def post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", headers=headers)


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), Supporter.objects.count()


@pytest.mark.django_db
class TestReport:
    def test_it_creates_a_case_and_answers_201(self, client, category):
        r = post(client, URL, report_body(category, address="Heping Rd 1"))
        assert r.status_code == 201, r.content
        data = r.json()
        case = Case.objects.get()
        assert data == {
            "number": case.number,
            "status": "reported",
            "tracking_token": case.tracking_token,
            "tracking_url": f"/track/{case.tracking_token}",
        }
        assert case.grid_code == "120101001001001" and case.address == "Heping Rd 1"
        assert case.reporter is None and case.source == Case.Source.WEB

    def test_it_records_the_logged_in_reporter(self, client, category, personas):
        client.force_login(personas.rita)
        r = post(client, URL, report_body(category, contact="rita@example.org"))
        assert r.status_code == 201
        case = Case.objects.get()
        assert case.reporter == personas.rita and case.contact == "rita@example.org"
        assert case.contact_shared is False

    def test_it_returns_the_original_case_on_a_retry(self, client, category):
        first = post(client, URL, report_body(category), **{"Idempotency-Key": "k-1"})
        again = post(client, URL, report_body(category), **{"Idempotency-Key": "k-1"})
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json() == first.json()
        assert Case.objects.count() == 1
        assert Case.objects.get().idempotency_key == "web:k-1"
        other = post(client, URL, report_body(category), **{"Idempotency-Key": "k-2"})
        assert other.status_code == 201 and Case.objects.count() == 2

    def test_it_keeps_each_clients_keys_apart(self, client, category):
        record, key = create_api_key("Residents' app")
        web = post(client, URL, report_body(category), **{"Idempotency-Key": "same"})
        app = post(client, URL, report_body(category), **{"Idempotency-Key": "same", "X-Api-Key": key})
        assert (web.status_code, app.status_code) == (201, 201)
        assert web.json()["number"] != app.json()["number"]
        assert Case.objects.get(number=app.json()["number"]).idempotency_key == f"key{record.pk}:same"

    def test_it_does_not_hand_a_case_to_someone_else_reusing_its_key(self, client, category, personas):
        client.force_login(personas.rita)
        assert post(client, URL, report_body(category), **{"Idempotency-Key": "k"}).status_code == 201
        before = counts()
        stranger = Client()
        r = post(stranger, URL, report_body(category), **{"Idempotency-Key": "k"})
        assert r.status_code == 409
        assert "tracking_token" not in r.json() and r.json()["message"]
        assert counts() == before

    def test_an_unbound_api_key_reports_as_an_anonymous_resident(self, client, category):
        _record, key = create_api_key("Residents' app")
        r = post(client, URL, report_body(category), **{"X-Api-Key": key})
        assert r.status_code == 201
        case = Case.objects.get()
        assert case.reporter is None and case.source == Case.Source.APP

    def test_a_bound_api_key_reports_as_its_user(self, client, category, personas):
        _record, key = create_api_key("Gwen's phone", user=personas.gwen)
        assert post(client, URL, report_body(category), **{"X-Api-Key": key}).status_code == 201
        assert Case.objects.get().reporter == personas.gwen

    @pytest.mark.parametrize("key", ["cg_not-a-key", "x" * 200])
    def test_it_refuses_an_unknown_api_key(self, client, category, key):
        r = post(client, URL, report_body(category), **{"X-Api-Key": key})
        assert r.status_code == 401
        assert "API key" in r.json()["message"]
        assert counts() == (0, 0, 0)

    def test_it_refuses_a_revoked_api_key(self, client, category):
        record, key = create_api_key("Old app")
        record.active = False
        record.save(update_fields=["active"])
        assert post(client, URL, report_body(category), **{"X-Api-Key": key}).status_code == 401
        assert counts() == (0, 0, 0)

    def test_it_checks_csrf_for_a_logged_in_session(self, category, personas):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(personas.rita)
        r = post(browser, URL, report_body(category))
        assert r.status_code == 403 and r.json()["message"]
        assert counts() == (0, 0, 0)

    def test_an_anonymous_post_needs_no_csrf_token(self, category):
        assert post(Client(enforce_csrf_checks=True), URL, report_body(category)).status_code == 201

    @pytest.mark.parametrize(
        ("change", "status", "words"),
        [
            ({"lat": 31.23, "lon": 121.47}, 400, "outside the service area"),
            ({"category": "NOPE"}, 400, "category"),
            ({"category": "T01"}, 400, "category"),  # a parent class is not a leaf
            ({"description": "   "}, 400, "Describe"),
            ({"description": "x" * 2001}, 422, "description"),
            ({"address": "x" * 301}, 422, "address"),
            ({"contact": "x" * 121}, 422, "contact"),
            ({"lat": 91}, 422, "lat"),
            ({"lon": "east"}, 422, "lon"),
            ({"crs": "utm"}, 422, "crs"),
            ({"description": "a\x00b"}, 422, "NUL"),
        ],
    )
    def test_it_refuses_bad_input_and_writes_nothing(self, client, category, change, status, words):
        r = post(client, URL, report_body(category, **change))
        assert r.status_code == status, r.content
        assert words in r.json()["message"]
        assert counts() == (0, 0, 0)

    @pytest.mark.parametrize("missing", ["category", "lat", "lon", "description"])
    def test_it_refuses_missing_fields(self, client, category, missing):
        body = report_body(category)
        del body[missing]
        r = post(client, URL, body)
        assert r.status_code == 422 and missing in r.json()["message"]
        assert counts() == (0, 0, 0)

    def test_it_refuses_a_category_residents_may_not_report(self, client, category):
        Category.objects.filter(pk=category.pk).update(public=False)
        assert post(client, URL, report_body(category)).status_code == 400
        assert counts() == (0, 0, 0)


@pytest.mark.django_db
class TestNearby:
    def test_it_lists_open_cases_of_the_category_within_its_radius(self, client, category):
        near = post(client, URL, report_body(category)).json()["number"]
        # About 100 m north: inside the 250 m radius.
        second = post(client, URL, report_body(category, lat=39.1059)).json()["number"]
        # About 500 m east: outside.
        post(client, URL, report_body(category, lon=117.2108))
        other = Category.objects.create(
            code="T0102", parent=category.parent, kind="event", name_zh="x", name_en="x", unit_type="urban_management"
        )
        post(client, URL, report_body(other))

        r = client.get(URL + "/nearby", {"category": category.code, **A1})
        assert r.status_code == 200
        data = r.json()
        assert data["radius_m"] == 250
        assert [i["number"] for i in data["items"]] == [near, second]
        assert data["items"][0]["distance_m"] == 0
        assert 90 < data["items"][1]["distance_m"] < 110
        assert set(data["items"][0]) == {"number", "status", "status_label", "description", "reported_at", "distance_m"}

    def test_it_leaves_out_closed_cases(self, client, category):
        number = post(client, URL, report_body(category)).json()["number"]
        Case.objects.filter(number=number).update(status="rejected")
        assert client.get(URL + "/nearby", {"category": category.code, **A1}).json()["items"] == []

    @pytest.mark.parametrize(
        ("params", "status"),
        [({"category": "NOPE"}, 400), ({"lat": 100}, 422), ({"crs": "bd09"}, 422)],
    )
    def test_it_refuses_bad_input(self, client, category, params, status):
        r = client.get(URL + "/nearby", {"category": category.code, **A1, **params})
        assert r.status_code == status and r.json()["message"]


@pytest.mark.django_db
class TestSupport:
    def test_anyone_may_say_me_too(self, client, category):
        number = post(client, URL, report_body(category)).json()["number"]
        r = post(Client(), f"{URL}/{number}/support", {"contact": "neighbour@example.org"})
        assert r.status_code == 200
        assert r.json() == {"number": number, "status": "reported", "supporters": 1}
        case = Case.objects.get()
        assert case.supporters.get().contact == "neighbour@example.org"
        assert case.events.last().action == "support"

    def test_it_answers_404_for_an_unknown_number(self, client, category):
        r = post(client, f"{URL}/2601019999ZZZZ/support", {})
        assert r.status_code == 404 and r.json()["message"]
        assert counts() == (0, 0, 0)

    def test_it_refuses_support_for_a_closed_case(self, client, category):
        number = post(client, URL, report_body(category)).json()["number"]
        Case.objects.filter(number=number).update(status="closed")
        before = counts()
        r = post(client, f"{URL}/{number}/support", {})
        assert r.status_code == 403 and r.json()["message"]
        assert counts() == before
