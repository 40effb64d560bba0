"""The disputes endpoints of the JSON API: apply and follow (anyone), the mediators' reads and
actions, the numbers and the screening reports."""

import pytest
import time_machine
from django.utils import timezone

from civicgrid.disputes.models import Dispute
from civicgrid.disputes.tests.conftest import agreed, apply, assigned, at, mediating, reload
from civicgrid.privacy.models import PersonalDataAccess

JSON = "application/json"


def application(m, **changes):
    body = {
        "category": "D0101",
        "region_code": "120101001",
        "cause": "漏水",
        "applicant": {"name": "张三", "contact": "13812345678"},
        "others": [{"name": "李四"}],
    }
    body.update(changes)
    return body


class TestResidents:
    def test_it_takes_an_application_without_an_account(self, client, mediation):
        r = client.post("/api/v1/mediation/applications", application(mediation), content_type=JSON)
        assert r.status_code == 201
        out = r.json()
        d = Dispute.objects.get()
        assert out["number"] == d.case.number and out["follow_token"] == d.case.tracking_token
        assert out["organisation"]["code"] == "120101001-mediation"
        assert out["follow_url"] == f"/mediation/follow/{d.case.tracking_token}/"
        r = client.get(f"/api/v1/mediation/follow/{out['follow_token']}")
        assert r.status_code == 200 and r.json()["status"] == "applied"
        assert "张三" not in r.content.decode() and "漏水" not in r.content.decode()

    def test_it_answers_a_retry_with_the_same_key_once(self, client, mediation):
        headers = {"HTTP_IDEMPOTENCY_KEY": "abc"}
        first = client.post("/api/v1/mediation/applications", application(mediation), content_type=JSON, **headers)
        again = client.post("/api/v1/mediation/applications", application(mediation), content_type=JSON, **headers)
        assert (first.status_code, again.status_code) == (201, 200)
        assert first.json()["number"] == again.json()["number"] and Dispute.objects.count() == 1

    @pytest.mark.parametrize(
        ("changes", "status"),
        [
            ({"others": []}, 422),
            ({"category": "E0101"}, 400),
            ({"region_code": "120199"}, 400),
            ({"organisation": "120102-mediation"}, 400),
            ({"cause": ""}, 422),
        ],
    )
    def test_it_refuses_bad_input_and_writes_nothing(self, client, mediation, changes, status):
        r = client.post("/api/v1/mediation/applications", application(mediation, **changes), content_type=JSON)
        assert r.status_code == status and r.json()["message"]
        assert not Dispute.objects.exists()

    def test_it_answers_404_for_an_unknown_follow_link(self, client, mediation):
        assert client.get("/api/v1/mediation/follow/unknown").status_code == 404


class TestMediators:
    def test_it_lists_the_disputes_i_may_open(self, client, mediation):
        mine = assigned(mediation)
        apply(mediation)
        client.force_login(mediation.mia)
        out = client.get("/api/v1/disputes").json()
        assert out["total"] == 2
        assert [i["assigned_to_me"] for i in out["items"] if i["id"] == mine.pk] == [True]
        assert client.get("/api/v1/disputes?mine=true").json()["total"] == 1
        client.force_login(mediation.mo)
        assert client.get("/api/v1/disputes").json()["total"] == 0

    def test_it_shows_a_dispute_without_its_parties(self, client, mediation):
        d = assigned(mediation)
        client.force_login(mediation.mia)
        out = client.get(f"/api/v1/disputes/{d.pk}").json()
        assert (out["status"], out["parties_count"], out["record_readable"]) == ("applied", 2, True)
        assert "ask_consent" in out["allowed_actions"]
        assert "张三" not in str(out)
        assert not PersonalDataAccess.objects.exists()

    def test_it_walks_a_dispute_to_judicial_confirmation(self, client, mediation):
        d = assigned(mediation)
        client.force_login(mediation.mia)
        base = f"/api/v1/disputes/{d.pk}"
        assert client.post(f"{base}/consent-request", {}, content_type=JSON).status_code == 200
        for party in d.parties.all():
            body = {"party_id": party.pk, "accepted": True, "channel": "phone"}
            assert client.post(f"{base}/consents", body, content_type=JSON).status_code == 200
        r = client.post(f"{base}/mediation", {"version": reload(d).case.version}, content_type=JSON)
        assert r.status_code == 200 and r.json()["status"] == "mediating" and r.json()["period_days"] == 30
        r = client.post(
            f"{base}/sessions",
            {"mode": "online", "scheduled_for": "2025-03-05T14:00:00+08:00", "venue": "线上"},
            content_type=JSON,
        )
        session_id = r.json()["sessions"][0]["id"]
        r = client.post(
            f"{base}/sessions/{session_id}/record", {"participants": "双方", "minutes": "和解"}, content_type=JSON
        )
        assert r.json()["sessions"][0]["held_at"] is not None
        today = timezone.localdate().isoformat()
        r = client.post(
            f"{base}/agreement", {"form": "oral", "effective_on": today, "terms": "修复"}, content_type=JSON
        )
        assert r.json()["status"] == "agreed"
        r = client.post(
            f"{base}/confirmation", {"court": "A区法院", "applied_on": today, "joint": True}, content_type=JSON
        )
        jc = r.json()["confirmations"][0]
        assert r.json()["status"] == "jc_applied" and jc["accept_by"] and jc["apply_by"]
        r = client.post(f"{base}/record", {"purpose": "prepare the court file"}, content_type=JSON)
        assert r.status_code == 200
        assert {p["name"] for p in r.json()["parties"]} == {"张三", "李四"}
        assert r.json()["sessions"][0]["minutes"] == "和解"

    def test_it_refuses_to_start_without_consent_citing_art_17(self, client, mediation):
        d = assigned(mediation)
        client.force_login(mediation.mia)
        client.post(f"/api/v1/disputes/{d.pk}/consent-request", {}, content_type=JSON)
        version = reload(d).case.version
        r = client.post(f"/api/v1/disputes/{d.pk}/mediation", {}, content_type=JSON)
        assert r.status_code == 400 and "Art. 17" in r.json()["message"]
        assert reload(d).case.version == version

    def test_it_refuses_a_late_application_for_confirmation_citing_art_33(self, client, mediation):
        now = at("2025-03-03")
        with time_machine.travel(now, tick=False):
            d = agreed(mediation, now=now)
        client.force_login(mediation.mia)
        with time_machine.travel(at("2025-04-03"), tick=False):
            r = client.post(
                f"/api/v1/disputes/{d.pk}/confirmation",
                {"court": "法院", "applied_on": "2025-04-03", "joint": True},
                content_type=JSON,
            )
        assert r.status_code == 400 and "Art. 33" in r.json()["message"]
        assert not reload(d).confirmations.exists()

    def test_it_answers_a_stale_version_with_409(self, client, mediation):
        d = mediating(mediation)
        client.force_login(mediation.mia)
        r = client.post(f"/api/v1/disputes/{d.pk}/period", {"days": 5, "version": 1}, content_type=JSON)
        assert r.status_code == 409

    def test_it_answers_404_for_a_session_of_another_dispute(self, client, mediation):
        d = mediating(mediation)
        client.force_login(mediation.mia)
        r = client.post(
            f"/api/v1/disputes/{d.pk}/sessions/999/record", {"participants": "a", "minutes": "b"}, content_type=JSON
        )
        assert r.status_code == 404

    def test_it_answers_403_to_a_resident_and_401_to_an_anonymous_caller(self, client, mediation):
        d = assigned(mediation)
        assert client.get(f"/api/v1/disputes/{d.pk}").status_code == 401
        client.force_login(mediation.personas.rita)
        assert client.get(f"/api/v1/disputes/{d.pk}").status_code == 403

    def test_it_lets_a_grid_worker_register_a_dispute_she_then_cannot_open(self, client, mediation):
        client.force_login(mediation.personas.gwen)
        r = client.post(
            "/api/v1/disputes",
            {
                "kind": "identify",
                "category": "D0101",
                "region_code": "120101001001001",
                "cause": "排查发现的纠纷",
                "source": "screening",
            },
            content_type=JSON,
        )
        assert r.status_code == 201
        assert r.json()["status"] == "identified" and "排查发现" not in r.content.decode()
        assert client.get(f"/api/v1/disputes/{r.json()['id']}").status_code == 404


class TestNumbersAndScreening:
    def test_it_gives_the_numbers_of_a_region_in_scope(self, client, mediation):
        agreed(mediation)
        client.force_login(mediation.sue)
        today = timezone.localdate()
        r = client.get(f"/api/v1/disputes/numbers?region=120101&start={today.replace(day=1)}&end=2099-01-01")
        out = r.json()
        assert (out["found"], out["mediated"], out["agreed"]) == (1, 1, 1)
        assert out["resolution"] == {"numerator": 1, "denominator": 1, "percent": "100.00"}
        assert client.get("/api/v1/disputes/numbers?region=120102&start=2025-01-01&end=2025-02-01").status_code == 404

    def test_it_submits_and_lists_screening_reports(self, client, mediation):
        client.force_login(mediation.personas.gwen)
        r = client.post(
            "/api/v1/screening-reports",
            {"community": "120101001001", "period_start": "2025-03-01", "period_end": "2025-03-31"},
            content_type=JSON,
        )
        assert r.status_code == 201 and r.json()["disputes"] == []
        assert client.get("/api/v1/screening-reports").json()["total"] == 1
        client.force_login(mediation.mo)
        assert client.get("/api/v1/screening-reports").json()["total"] == 0
