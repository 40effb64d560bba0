"""GET requests and GET requests/{id}: the case life cycle as Open311 sees it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from civicgrid.cases import actions
from civicgrid.cases.models import Case
from civicgrid.geo.gcj02 import gcj02_to_wgs84
from civicgrid.open311.serializers import w3c_datetime
from civicgrid.open311.tests.conftest import report
from civicgrid.open311.tests.support import A1_GCJ, B1, BASE, both, parse_json

pytestmark = [pytest.mark.urls("civicgrid.open311.test_urls"), pytest.mark.django_db]

EN = {"query_params": {"locale": "en"}}


@pytest.fixture
def case(city, category):
    return report(category, address="5 Gate Road", contact="ming@example.org")


def one(client, case, **kwargs):
    data, status = both(client, f"requests/{case.number}", "service_requests", **kwargs)
    assert status == 200
    [doc] = data
    return doc


class TestOneRequest:
    def test_it_shows_a_new_request(self, client, case):
        doc = one(client, case, **EN)
        lat, lon = gcj02_to_wgs84(case.y, case.x)
        assert doc == {
            "service_request_id": case.number,
            "status": "open",
            "status_notes": None,
            "service_name": "Exposed rubbish",
            "service_code": "E0102",
            "description": "Rubbish piled by the gate",
            "agency_responsible": None,
            "service_notice": "Received. The governance centre checks and accepts it.",
            "requested_datetime": w3c_datetime(case.reported_at),
            "updated_datetime": w3c_datetime(Case.objects.get(pk=case.pk).updated_at),
            "expected_datetime": w3c_datetime(case.step_due_at),
            "address": "5 Gate Road",
            "address_id": None,
            "zipcode": None,
            "lat": round(lat, 6),
            "long": round(lon, 6),
            "media_url": None,
        }
        assert doc["requested_datetime"].endswith("+08:00")
        # The WGS-84 position is the one the reporter's GPS gave, a few hundred metres from GCJ-02.
        assert doc["lat"] == pytest.approx(gcj02_to_wgs84(*A1_GCJ)[0], abs=1e-6)
        assert abs(doc["long"] - A1_GCJ[1]) > 0.001

    @pytest.mark.chinese
    def test_it_names_the_service_in_chinese_by_default(self, client, case):
        assert one(client, case)["service_name"] == "暴露垃圾"

    def test_it_gives_the_city_coordinates_when_the_city_uses_wgs84(self, client, case, settings):
        settings.CITY_CRS = "wgs84"
        doc = one(client, case)
        assert (doc["lat"], doc["long"]) == (round(case.y, 6), round(case.x, 6))

    def test_it_never_shows_the_reporter(self, client, city, category, personas):
        case, _ = actions.do_report_case(
            acting_user=personas.rita,
            category=category,
            lat=B1[0],
            lon=B1[1],
            description="Bags of rubbish",
            contact="13800000000",
            contact_shared=True,
        )
        for fmt in ("json", "xml"):
            body = client.get(f"{BASE}/requests/{case.number}.{fmt}").content.decode()
            assert "13800000000" not in body
            assert "rita" not in body
            assert case.tracking_token not in body
        listed = client.get(f"{BASE}/requests.xml").content.decode()
        assert "13800000000" not in listed and case.tracking_token not in listed

    def test_it_follows_the_case_to_the_unit(self, client, case, personas):
        actions.do_accept_case(case, acting_user=personas.dan)
        doc = one(client, case, **EN)
        assert doc["service_notice"] == "Accepted. It is being sent to the unit responsible."
        assert doc["expected_datetime"] == w3c_datetime(case.step_due_at)
        actions.do_dispatch_case(case, acting_user=personas.dan, unit=personas.org_a)
        case.refresh_from_db()
        doc = one(client, case)
        assert doc["status"] == "open"
        assert doc["agency_responsible"] == "A区城市管理委员会"
        assert doc["expected_datetime"] == w3c_datetime(case.handle_due_at)
        assert one(client, case, **EN)["agency_responsible"] == personas.org_a.name_en

    def test_it_publishes_the_handling_result_and_not_internal_notes(self, client, case, personas):
        actions.do_accept_case(case, acting_user=personas.dan)
        actions.do_dispatch_case(case, acting_user=personas.dan, unit=personas.org_a)
        case.refresh_from_db()
        actions.do_sign_case(case, acting_user=personas.carl)
        actions.do_request_extension(case, acting_user=personas.carl, duration="1wd", reason="Internal: short-staffed")
        actions.do_refuse_extension(case, acting_user=personas.dan, reason="Internal: no")
        actions.do_handle_case(case, acting_user=personas.carl, result="The rubbish was cleared.")
        actions.do_urge_case(case, acting_user=personas.sara, reason="Internal: check it today")
        doc = one(client, case, **EN)
        assert doc["status"] == "open"
        assert doc["status_notes"] == "The rubbish was cleared."
        assert doc["service_notice"] == "Handled. The result is being checked on the spot."
        assert doc["expected_datetime"] == w3c_datetime(case.step_due_at)
        assert "Internal" not in client.get(f"{BASE}/requests/{case.number}.xml").content.decode()

        actions.do_verify_case(case, acting_user=personas.dan)
        case.refresh_from_db()
        doc = one(client, case, **EN)
        assert doc["status"] == "closed"
        assert doc["status_notes"] == "The rubbish was cleared."
        assert doc["updated_datetime"] == w3c_datetime(case.closed_at)
        assert doc["expected_datetime"] is None
        assert doc["service_notice"] == "Closed: the result was checked."

        actions.do_reopen_case(case, acting_user=None, has_token=True, reason="Private: still there, call me")
        doc = one(client, case, **EN)
        assert doc["status"] == "open"
        assert doc["status_notes"] == (
            "The result did not solve the problem; the case went back to the responsible unit."
        )
        assert "Private" not in str(doc)

    def test_it_shows_a_rejection_with_its_reason(self, client, case, personas):
        actions.do_reject_case(case, acting_user=personas.dan, reason="Private land: not a public matter.")
        doc = one(client, case, **EN)
        assert doc["status"] == "closed"
        assert doc["status_notes"] == "Private land: not a public matter."
        assert doc["service_notice"] == "Not accepted; the status notes give the reason."
        assert doc["expected_datetime"] is None

    def test_it_shows_a_merged_duplicate_as_closed(self, client, case, category, personas):
        duplicate = report(category, description="Same rubbish")
        actions.do_merge_case(duplicate, into=case, acting_user=personas.dan)
        doc = one(client, duplicate, **EN)
        assert doc["status"] == "closed"
        assert doc["status_notes"] == f"Merged into request {case.number}."
        assert one(client, case)["status"] == "open"

    def test_it_shows_a_parked_case_as_open(self, client, case, personas):
        actions.do_accept_case(case, acting_user=personas.dan)
        actions.do_park_case(case, acting_user=personas.dan, reason="Internal: waiting for budget")
        doc = one(client, case, **EN)
        assert doc["status"] == "open"
        assert doc["status_notes"] is None
        assert doc["service_notice"].startswith("Deferred")

    def test_it_answers_404_for_an_unknown_request(self, client, city):
        data, status = both(client, "requests/2611290000ZZZZ", "errors", **EN)
        assert status == 404
        assert data == [{"code": 404, "description": "Unknown service_request_id 2611290000ZZZZ."}]

    def test_it_answers_404_for_a_case_that_is_not_a_problem(self, client, case):
        Case.objects.filter(pk=case.pk).update(kind=Case.Kind.DISPUTE)
        _, status = both(client, f"requests/{case.number}", "errors")
        assert status == 404

    def test_it_answers_404_for_a_case_in_a_staff_only_category(self, client, case, category):
        type(category).objects.filter(pk=category.pk).update(public=False)
        _, status = both(client, f"requests/{case.number}", "errors")
        assert status == 404


def numbers(data):
    return [d["service_request_id"] for d in data]


class TestRequestList:
    @pytest.fixture
    def cases(self, city, category, personas):
        old = report(category, description="old", days_ago=120)
        month = report(category, description="month", days_ago=30)
        week = report(category, description="week", days_ago=7)
        today = report(category, description="today")
        actions.do_reject_case(week, acting_user=personas.dan, reason="Duplicate report.")
        return {"old": old, "month": month, "week": week, "today": today}

    def test_it_lists_the_last_90_days_newest_first(self, client, cases):
        data, status = both(client, "requests", "service_requests")
        assert status == 200
        assert numbers(data) == [cases[k].number for k in ("today", "week", "month")]
        assert data[1]["status_notes"] == "Duplicate report."

    def test_it_filters_by_status(self, client, cases):
        data, _ = both(client, "requests", "service_requests", query_params={"status": "open"})
        assert numbers(data) == [cases["today"].number, cases["month"].number]
        data, _ = both(client, "requests", "service_requests", query_params={"status": "closed"})
        assert numbers(data) == [cases["week"].number]
        data, _ = both(client, "requests", "service_requests", query_params={"status": "open,closed"})
        assert len(data) == 3

    def test_it_filters_by_dates(self, client, cases):
        now = timezone.now()
        params = {
            "start_date": w3c_datetime(now - timedelta(days=130)),
            "end_date": w3c_datetime(now - timedelta(days=60)),
        }
        data, _ = both(client, "requests", "service_requests", query_params=params)
        assert numbers(data) == [cases["old"].number]

    def test_it_reads_utc_dates(self, client, cases):
        start = (timezone.now() - timedelta(days=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
        data, _ = both(client, "requests", "service_requests", query_params={"start_date": start})
        assert numbers(data) == [cases["today"].number, cases["week"].number]

    def test_it_counts_90_days_back_from_an_end_date(self, client, cases):
        end = w3c_datetime(timezone.now() - timedelta(days=20))
        data, _ = both(client, "requests", "service_requests", query_params={"end_date": end})
        assert numbers(data) == [cases["month"].number]

    def test_it_filters_by_service_code(self, client, cases, category):
        other = type(category).objects.create(
            code="E0105", parent=category.parent, kind="event", name_zh="路灯", name_en="Street light", unit_type="x"
        )
        light = report(other, description="light")
        data, _ = both(client, "requests", "service_requests", query_params={"service_code": "E0105"})
        assert numbers(data) == [light.number]
        data, _ = both(client, "requests", "service_requests", query_params={"service_code": "E0102,E0105"})
        assert len(data) == 4

    def test_it_lists_requests_by_id_whatever_their_age(self, client, cases):
        ids = f"{cases['old'].number}, {cases['today'].number},UNKNOWN"
        params = {"service_request_id": ids, "status": "closed", "service_code": "E0102"}
        data, _ = both(client, "requests", "service_requests", query_params=params)
        assert numbers(data) == [cases["today"].number, cases["old"].number]

    def test_it_lists_nothing_when_nothing_matches(self, client, city):
        data, status = both(client, "requests", "service_requests")
        assert (data, status) == ([], 200)

    def test_it_returns_at_most_1000_requests(self, client, city, category):
        first = report(category)
        fields = {f.attname: getattr(first, f.attname) for f in Case._meta.concrete_fields if f.attname != "id"}
        Case.objects.bulk_create(
            [Case(**{**fields, "number": f"T{i:08d}", "tracking_token": f"token-{i}"}) for i in range(1000)]
        )
        data = parse_json(client.get(f"{BASE}/requests.json"))
        assert len(data) == 1000

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"status": "pending"}, "status: Unknown status pending: use open or closed."),
            ({"service_code": "E0102,X1"}, "service_code: Unknown service_code X1."),
            ({"start_date": "yesterday"}, "start_date: Use a W3C datetime such as 2026-01-31T08:00:00+08:00."),
            ({"end_date": "2026-13-40T00:00:00Z"}, "end_date: Use a W3C datetime such as 2026-01-31T08:00:00+08:00."),
            (
                {"start_date": "2026-05-02T00:00:00Z", "end_date": "2026-05-01T00:00:00Z"},
                "end_date: end_date is before start_date.",
            ),
            (
                {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-04-02T00:00:00Z"},
                "end_date: The dates may span at most 90 days.",
            ),
        ],
    )
    def test_it_answers_400_for_bad_filters(self, client, city, category, params, message):
        data, status = both(client, "requests", "errors", query_params={**params, "locale": "en"})
        assert status == 400
        assert data == [{"code": 400, "description": message}]

    def test_it_accepts_a_plain_date(self, client, cases):
        day = timezone.localdate() - timedelta(days=1)
        data, _ = both(client, "requests", "service_requests", query_params={"start_date": day.isoformat()})
        assert numbers(data) == [cases["today"].number]


def test_it_lists_in_a_fixed_number_of_queries(client, city, category, personas, django_assert_num_queries):
    for i in range(5):
        case = report(category, description=f"case {i}")
        actions.do_reject_case(case, acting_user=personas.dan, reason=f"reason {i}")
    with django_assert_num_queries(2):  # the cases, then their last answers
        data = parse_json(client.get(f"{BASE}/requests.json"))
    assert [d["status_notes"] for d in data] == [f"reason {i}" for i in reversed(range(5))]
