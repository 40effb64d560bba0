"""The grievances API: residents submit, look up and follow; staff list, read and move grievances."""

import datetime as dt

import pytest
import time_machine
from django.test import Client

from civicgrid.cases.models import Case, CaseEvent
from civicgrid.grievances.models import Grievance, SameMatterLink
from civicgrid.grievances.tests.conftest import (
    SECRET_CONTACT,
    SECRET_MATERIAL,
    SECRET_NAME,
    accusation,
    assign,
    reload,
    submit,
    to_decided,
)
from civicgrid.privacy.models import PersonalDataAccess

API = "/api/v1/grievances"


def post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", headers=headers)


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def body(world, **kw):
    return {
        "category": "G0103",
        "region": world.city.district_a.code,
        "petitioner_name": SECRET_NAME,
        "petitioner_contact": SECRET_CONTACT,
        "request": "请求撤销违建认定",
        **kw,
    }


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), Grievance.objects.count(), SameMatterLink.objects.count()


class TestSubmit:
    def test_it_gives_the_receipt_number_and_the_private_link(self, world):
        r = post(Client(), API, body(world))
        assert r.status_code == 201, r.content
        out = r.json()
        case = Case.objects.get(number=out["number"])
        assert out["tracking_token"] == case.tracking_token and out["follow_url"].endswith(f"/{case.tracking_token}/")
        assert out["linked"] is False and case.kind == "grievance" and case.reporter is None

    @pytest.mark.parametrize(
        "changes,status",
        [
            ({"region": "999999"}, 400),
            ({"category": "E0101"}, 400),
            ({"petitioner_name": ""}, 422),
            ({"region": "12"}, 422),
            ({"request": "x" * 2001}, 422),
            ({"request": "bad\x00"}, 422),
        ],
    )
    def test_it_refuses_bad_input_and_writes_nothing(self, world, changes, status):
        before = counts()
        r = post(Client(), API, body(world, **changes))
        assert r.status_code == status, r.content
        assert "message" in r.json()
        assert counts() == before

    def test_it_links_the_same_matter_without_handing_out_its_link(self, world):
        earlier = submit(world)
        r = post(Client(), API, body(world, earlier_number=earlier.number))
        assert r.status_code == 200
        assert r.json() == {
            "number": earlier.number,
            "status": "registered",
            "linked": True,
            "tracking_token": None,
            "follow_url": None,
        }
        assert SameMatterLink.objects.filter(grievance_id=earlier.pk).count() == 1

    def test_it_refuses_the_same_facts_after_re_review_citing_article_36(self, world):
        earlier = submit(world)
        Case.objects.filter(pk=earlier.pk).update(status="final")
        before = counts()
        r = post(Client(), API, body(world, earlier_number=earlier.number))
        assert r.status_code == 400 and "Art. 36" in r.json()["message"]
        assert counts() == before

    def test_it_answers_a_retry_with_the_first_grievance_only(self, world):
        c = Client()
        first = post(c, API, body(world), **{"Idempotency-Key": "k1"})
        again = post(c, API, body(world), **{"Idempotency-Key": "k1"})
        assert (first.status_code, again.status_code) == (201, 200)
        assert again.json()["number"] == first.json()["number"]
        other = post(c, API, body(world, petitioner_name="别人"), **{"Idempotency-Key": "k1"})
        assert other.status_code == 409 and "tracking_token" not in other.json()


class TestFollow:
    def test_it_shows_the_public_status_of_a_number_and_nothing_else(self, world):
        case = accusation(world)
        r = Client().get(f"{API}/status/{case.number.lower()}")
        assert r.status_code == 200
        assert set(r.json()) == {"number", "status", "status_label", "received_at", "step", "step_due_at", "closed_at"}
        text = r.content.decode()
        assert SECRET_NAME not in text and SECRET_MATERIAL not in text and "G0102" not in text
        assert Client().get(f"{API}/status/NOPE1234").status_code == 404

    def test_it_shows_the_petitioner_her_grievance_by_its_link(self, world):
        case = to_decided(world)
        r = Client().get(f"{API}/follow/{case.tracking_token}")
        assert r.status_code == 200 and r["Cache-Control"] == "no-store"
        out = r.json()
        assert out["file"]["name"] == SECRET_NAME and out["actions"] == ["request_review", "evaluate"]
        assert out["clocks"]["review_request_by"] and [d["kind"] for d in out["documents"]] == ["notice", "decision"]
        assert {e["actor"] for e in out["timeline"]} <= {
            "Petitioner",
            "Letters-and-visits office",
            "Body handling the matter",
        }
        assert "carl" not in r.content.decode().lower()
        doc = out["documents"][1]["id"]
        d = Client().get(f"{API}/follow/{case.tracking_token}/documents/{doc}").json()
        assert d["kind"] == "decision" and d["basis"]
        assert PersonalDataAccess.objects.count() == 0
        assert Client().get(f"{API}/follow/{'x' * 43}").status_code == 404

    def test_it_takes_a_review_request_and_refuses_a_late_one_citing_article_35(self, world):
        with time_machine.travel(dt.datetime(2025, 5, 5, 10, tzinfo=dt.UTC), tick=False):
            case = to_decided(world)
        url = f"{API}/follow/{case.tracking_token}/request_review"
        with time_machine.travel(dt.datetime(2025, 6, 5, 1, tzinfo=dt.UTC), tick=False):  # 5 Jun 09:00 local
            before = counts()
            r = post(Client(), url, {"grounds": "不服"})
            assert r.status_code == 400
            assert "2025-06-04" in r.json()["message"] and "Art. 35" in r.json()["message"]
            assert counts() == before and reload(case).status == "decided"
        with time_machine.travel(dt.datetime(2025, 6, 4, 12, tzinfo=dt.UTC), tick=False):
            r = post(Client(), url, {"grounds": "不服", "version": reload(case).version})
            assert r.status_code == 200, r.content
            assert r.json()["status"] == "in_review" and r.json()["body"]["code"] == world.urban_city.code

    def test_it_evaluates_once_and_checks_the_version(self, world):
        case = to_decided(world)
        url = f"{API}/follow/{case.tracking_token}/evaluate"
        assert post(Client(), url, {"rating": 4}).status_code == 422
        assert post(Client(), url, {"rating": 2, "version": 0}).status_code == 409
        assert post(Client(), url, {"rating": 2, "comment": "一般"}).status_code == 200
        assert post(Client(), url, {"rating": 3}).status_code == 400


class TestStaff:
    def test_it_lists_without_identity_or_content(self, world):
        accusation(world, complained_unit=world.housing_a)
        submit(world)
        r = logged_in(world.gina).get(API)
        assert r.status_code == 200 and r.json()["total"] == 2
        text = r.content.decode()
        assert SECRET_NAME not in text and SECRET_MATERIAL not in text
        assert logged_in(world.pete).get(API).json()["total"] == 1  # the accusation about his unit is not there
        assert logged_in(world.dan).get(API).json()["total"] == 0
        assert Client().get(API).status_code == 401
        assert logged_in(world.rita).get(API).status_code == 403
        assert PersonalDataAccess.objects.count() == 0

    def test_it_logs_the_read_of_a_file_and_withholds_the_identity_from_the_complained_unit(self, world):
        case = admit_by(world, assign(world, submit(world, complained_unit=world.housing_a), unit=world.housing_a))
        r = logged_in(world.pete).get(f"{API}/{case.pk}")
        assert r.status_code == 200 and r["Cache-Control"] == "no-store"
        f = r.json()["file"]
        assert f["name"] is None and f["contact"] is None and f["identity_withheld"] and f["request"]
        assert SECRET_NAME not in r.content.decode() and SECRET_CONTACT not in r.content.decode()
        r = logged_in(world.gina).get(f"{API}/{case.pk}")
        assert r.json()["file"]["name"] == SECRET_NAME
        assert list(PersonalDataAccess.objects.order_by("pk").values_list("user__username", "field")) == [
            ("pete", "grievance_content"),
            ("gina", "grievance_content"),
            ("gina", "grievance_identity"),
        ]

    def test_it_answers_404_for_an_accusation_about_the_reader(self, world):
        case = assign(world, accusation(world, complained_unit=world.housing_a))
        for user in (world.pete, world.paula, world.pat, world.olga):
            c = logged_in(user)
            assert c.get(f"{API}/{case.pk}").status_code == 404
            assert post(c, f"{API}/{case.pk}/actions/admit", {"text": "x"}).status_code == 404
        assert logged_in(world.gina).get(f"{API}/999999").status_code == 404

    def test_it_takes_the_steps_and_refuses_with_the_article(self, world):
        case = submit(world)
        gina = logged_in(world.gina)
        url = f"{API}/{case.pk}/actions"
        r = post(gina, f"{url}/assign", {"unit_code": world.urban_a.code, "mode": "transfer", "version": 0})
        assert r.status_code == 409
        r = post(gina, f"{url}/assign", {"unit_code": "nope", "mode": "transfer"})
        assert r.status_code == 400 and "Unknown unit" in r.json()["message"]
        r = post(gina, f"{url}/assign", {"mode": "transfer"})
        assert r.status_code == 400 and "unit_code" in r.json()["message"]
        r = post(gina, f"{url}/assign", {"unit_code": world.urban_a.code, "mode": "transfer", "version": 1})
        assert r.status_code == 200 and r.json()["status"] == "assigned"
        carl = logged_in(world.carl)
        r = post(carl, f"{url}/admit", {"text": "已受理"})
        assert r.status_code == 200 and r.json()["clocks"]["handle_due_at"]
        before = counts()
        r = post(carl, f"{url}/extend", {"days": 31, "reason": "r", "approved_by": "局长"})
        assert r.status_code == 400 and "Art. 34" in r.json()["message"] and counts() == before
        r = post(carl, f"{url}/frobnicate", {})
        assert r.status_code == 422

    def test_it_answers_204_when_the_step_takes_the_matter_away(self, world):
        case = assign(world, submit(world))
        r = post(logged_in(world.carl), f"{API}/{case.pk}/actions/object", {"reason": "不属本单位职权"})
        assert r.status_code == 204 and r.content == b""
        assert reload(case).status == "registered"

    def test_it_registers_a_visit_for_an_officer(self, world):
        data = body(world, channel="visit")
        r = post(logged_in(world.gina), f"{API}/record", data)
        assert r.status_code == 400 and "Art. 19" in r.json()["message"]
        r = post(logged_in(world.gina), f"{API}/record", {**data, "record_confirmed": True})
        assert r.status_code == 201
        assert post(logged_in(world.carl), f"{API}/record", {**data, "record_confirmed": True}).status_code == 403

    def test_it_gives_the_numbers_to_officers_and_supervisors_only(self, world):
        with time_machine.travel(dt.datetime(2025, 1, 2, 2, tzinfo=dt.UTC), tick=False):
            submit(world)
        with time_machine.travel(dt.datetime(2025, 6, 1, 2, tzinfo=dt.UTC), tick=False):
            r = logged_in(world.gina).get(f"{API}/numbers/backlog")
            assert r.status_code == 200
            assert r.json()["rows"][0]["total"] == 1 and r.json()["rows"][0]["unit"] is None
            r = logged_in(world.sara).get(f"{API}/numbers/on-time", {"start": "2025-01-01", "end": "2025-02-01"})
            assert r.status_code == 200
            assert r.json()["steps"][0] == {
                "name": "triage",
                "label": "Triage within 15 days (Art. 22)",
                "numerator": 0,
                "denominator": 1,
                "percent": 0.0,
            }
            bad = logged_in(world.sara).get(f"{API}/numbers/on-time", {"start": "2025-02-01", "end": "2025-01-01"})
            assert bad.status_code == 400
            assert logged_in(world.carl).get(f"{API}/numbers/backlog").status_code == 403


def admit_by(world, case):
    from civicgrid.grievances import actions

    actions.do_admit_grievance(reload(case), acting_user=world.pete, text="已接收")
    return reload(case)


def test_it_is_in_the_openapi_document(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = {p for p in doc["paths"] if p.startswith(API)}
    assert {
        API,
        f"{API}/status/{{number}}",
        f"{API}/follow/{{token}}",
        f"{API}/{{case_id}}/actions/{{action}}",
    } <= paths
    assert {} in doc["paths"][API]["post"]["security"]
