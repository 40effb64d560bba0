"""The resident's private tracking link in the JSON API: the public timeline and the reporter's actions."""

import pytest
from django.test import Client

from civicgrid.cases import actions as A
from civicgrid.cases.models import Case, CaseEvent, Supporter

A1 = {"lat": 39.105, "lon": 117.205, "crs": "gcj02"}


def post(client, url, body):
    return client.post(url, body, content_type="application/json")


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), Supporter.objects.count()


def state(case):
    return Case.objects.filter(pk=case.pk).values_list("status", "version", "rating").get()


@pytest.fixture
def reported(client, category):
    """(case, token): reported anonymously through the API, with a contact to keep private."""
    body = {"category": "T0101", "description": "Pothole", "contact": "13812345678", **A1}
    r = post(client, "/api/v1/cases", body)
    assert r.status_code == 201
    return Case.objects.get(number=r.json()["number"]), r.json()["tracking_token"]


def handled(case, p):
    """Accept, dispatch (to Org A), sign and handle ``case`` through the actions, as staff do."""
    A.do_accept_case(case, acting_user=p.dan)
    A.do_dispatch_case(case, acting_user=p.dan, unit=p.org_a)
    A.do_sign_case(case, acting_user=p.carl)
    A.do_handle_case(case, acting_user=p.carl, result="Filled and rolled")
    return case


@pytest.mark.django_db
class TestTimeline:
    def test_it_shows_public_events_with_roles_instead_of_names(self, client, reported, personas):
        case, token = reported
        handled(case, personas)
        r = client.get(f"/api/v1/track/{token}")
        assert r.status_code == 200
        data = r.json()
        assert (data["number"], data["status"], data["version"]) == (case.number, "handled", 5)
        assert data["category"] == {"code": "T0101", "name": "Litter"}
        # "sign" is staff-internal; the rest is the reporter's to see.
        assert [(e["action"], e["actor"]) for e in data["timeline"]] == [
            ("report", "Resident"),
            ("accept", "Dispatcher"),
            ("dispatch", "Dispatcher"),
            ("handle", "Handler"),
        ]
        assert data["timeline"][-1]["reason"] == "Filled and rolled"
        assert data["actions"] == ["verify", "fail_verification", "support"]
        text = r.content.decode()
        for private in ("13812345678", "Dan", "Carl", "dan", "carl", "payload", "actor_role"):
            assert private not in text

    def test_it_answers_404_for_an_unknown_token(self, client, reported):
        for token in ("x" * 43, "nope"):
            r = client.get(f"/api/v1/track/{token}")
            assert r.status_code == 404 and r.json() == {"message": "Not found."}


@pytest.mark.django_db
class TestReporterActions:
    def test_the_reporter_confirms_the_fix_and_rates_it(self, reported, personas):
        case, token = reported
        handled(case, personas)
        anyone = Client()  # the link is the authority: no login needed
        r = post(anyone, f"/api/v1/track/{token}/verify", {"version": 5})
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "closed" and r.json()["actions"] == ["rate", "reopen"]
        assert case.events.get(action="verify").actor_role == "reporter"
        r = post(anyone, f"/api/v1/track/{token}/rate", {"rating": 2, "reason": "Took a while"})
        assert r.status_code == 200 and r.json()["rating"] == 2
        assert r.json()["timeline"][-1] == {
            "at": r.json()["timeline"][-1]["at"],
            "action": "rate",
            "to_state": "closed",
            "actor": "Reporter",
            "reason": "Took a while",
        }
        before = counts(), state(case)
        r = post(anyone, f"/api/v1/track/{token}/rate", {"rating": 3})
        assert r.status_code == 400 and "already been rated" in r.json()["message"]
        assert (counts(), state(case)) == before

    def test_the_reporter_rejects_the_fix(self, client, reported, personas):
        case, token = reported
        handled(case, personas)
        r = post(client, f"/api/v1/track/{token}/fail_verification", {"reason": "Still a hole"})
        assert r.status_code == 200 and r.json()["status"] == "in_progress"

    def test_the_reporter_reopens_a_closed_case(self, client, reported, personas):
        case, token = reported
        handled(case, personas)
        A.do_verify_case(case, acting_user=personas.gwen)
        before = counts(), state(case)
        r = post(client, f"/api/v1/track/{token}/reopen", {})
        assert r.status_code == 400 and "reason" in r.json()["message"]
        assert (counts(), state(case)) == before
        r = post(client, f"/api/v1/track/{token}/reopen", {"reason": "It came back"})
        assert r.status_code == 200 and r.json()["status"] == "dispatched"
        assert Case.objects.get(pk=case.pk).owner_unit == personas.org_a

    def test_a_stale_version_gets_409(self, client, reported, personas):
        case, token = reported
        handled(case, personas)
        before = counts(), state(case)
        r = post(client, f"/api/v1/track/{token}/verify", {"version": 4})
        assert r.status_code == 409 and r.json()["message"]
        assert (counts(), state(case)) == before

    def test_an_action_not_allowed_in_the_state_gets_403(self, client, reported):
        case, token = reported
        before = counts(), state(case)
        for action, body in (("verify", {}), ("rate", {"rating": 3}), ("reopen", {"reason": "x"})):
            r = post(client, f"/api/v1/track/{token}/{action}", body)
            assert r.status_code == 403 and "not allowed" in r.json()["message"]
        assert (counts(), state(case)) == before

    def test_a_rating_must_be_given_and_in_range(self, client, reported, personas):
        case, token = reported
        handled(case, personas)
        A.do_verify_case(case, acting_user=personas.gwen)
        before = counts(), state(case)
        assert post(client, f"/api/v1/track/{token}/rate", {}).status_code == 400
        assert post(client, f"/api/v1/track/{token}/rate", {"rating": 5}).status_code == 422
        assert (counts(), state(case)) == before

    def test_the_reporter_may_support_their_own_case(self, client, reported):
        _case, token = reported
        r = post(client, f"/api/v1/track/{token}/support", {})
        assert r.status_code == 200 and r.json()["supporters"] == 1

    def test_an_unknown_token_or_action_changes_nothing(self, client, reported):
        case, token = reported
        before = counts(), state(case)
        assert post(client, f"/api/v1/track/{'x' * 43}/verify", {}).status_code == 404
        assert post(client, f"/api/v1/track/{token}/accept", {}).status_code == 422
        assert (counts(), state(case)) == before
