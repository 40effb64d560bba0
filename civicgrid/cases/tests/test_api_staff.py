"""The staff side of the JSON API: the case list, a case with its timeline, and actions."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from civicgrid.cases.models import Case, CaseEvent, Supporter
from civicgrid.categories.models import Category
from civicgrid.org.apikeys import create_api_key

CASES = "/api/v1/cases"
A1 = {"lat": 39.105, "lon": 117.205, "crs": "gcj02"}
A2 = {"lat": 39.105, "lon": 117.215, "crs": "gcj02"}
B1 = {"lat": 39.105, "lon": 117.225, "crs": "gcj02"}


def post(client, url, body, **headers):
    return client.post(url, body, content_type="application/json", headers=headers)


def logged_in(user) -> Client:
    c = Client()
    c.force_login(user)
    return c


def report(category, where=A1, user=None, **kw) -> Case:
    c = logged_in(user) if user else Client()
    body = {"category": category.code, "description": "Broken street light", **where, **kw}
    r = post(c, CASES, body)
    assert r.status_code == 201, r.content
    return Case.objects.get(number=r.json()["number"])


def act(client, case, action, **body):
    if "version" not in body:
        body["version"] = Case.objects.get(pk=case.pk).version
    return post(client, f"{CASES}/{case.pk}/actions/{action}", body)


def counts():
    return Case.objects.count(), CaseEvent.objects.count(), Supporter.objects.count()


def state(case):
    return Case.objects.filter(pk=case.pk).values_list("status", "version", "owner_unit_id").get()


@pytest.mark.django_db
class TestClosedLoop:
    def test_it_runs_from_report_to_rating(self, category, personas):
        rita, dan, carl, gwen = (logged_in(u) for u in (personas.rita, personas.dan, personas.carl, personas.gwen))
        r = post(
            rita, CASES, {"category": "T0101", "description": "Broken street light", "contact": "rita@x.org", **A1}
        )
        token = r.json()["tracking_token"]
        case = Case.objects.get(number=r.json()["number"])

        r = act(dan, case, "accept", version=1)
        assert r.status_code == 200, r.content
        assert (r.json()["status"], r.json()["version"]) == ("accepted", 2)
        assert "dispatch" in r.json()["allowed_actions"]
        r = act(dan, case, "dispatch", version=2, unit_code=personas.org_a.code)
        assert r.status_code == 200, r.content
        assert r.json()["owner_unit"] == {"code": personas.org_a.code, "name": personas.org_a.name_zh}
        assert act(carl, case, "sign", version=3).json()["status"] == "signed"
        r = act(carl, case, "handle", version=4, result="Lamp replaced")
        assert r.json()["status"] == "handled"
        r = act(gwen, case, "verify", version=5)
        assert (r.json()["status"], r.json()["version"]) == ("closed", 6)

        r = post(rita, f"/api/v1/track/{token}/rate", {"version": 6, "rating": 3, "reason": "Quick"})
        assert r.status_code == 200, r.content
        assert r.json()["rating"] == 3
        case.refresh_from_db()
        assert (case.status, case.rating, case.version) == ("closed", 3, 7)
        assert list(case.events.values_list("action", flat=True)) == [
            "report",
            "accept",
            "dispatch",
            "sign",
            "handle",
            "verify",
            "rate",
        ]

    def test_an_api_key_bound_to_a_staff_member_acts_as_them(self, category, personas):
        case = report(category)
        _record, key = create_api_key("Centre desk", user=personas.dan)
        r = post(Client(), f"{CASES}/{case.pk}/actions/accept", {"version": 1}, **{"X-Api-Key": key})
        assert r.status_code == 200
        assert case.events.get(action="accept").actor == personas.dan


@pytest.mark.django_db
class TestActionErrors:
    def test_a_stale_version_gets_409_and_changes_nothing(self, category, personas):
        case = report(category)
        dan = logged_in(personas.dan)
        assert act(dan, case, "accept", version=1).status_code == 200
        before = counts(), state(case)
        r = act(dan, case, "dispatch", version=1)
        assert r.status_code == 409 and "changed by someone else" in r.json()["message"]
        assert (counts(), state(case)) == before

    def test_an_action_not_allowed_in_the_state_gets_403(self, category, personas):
        case = report(category)
        before = counts(), state(case)
        r = act(logged_in(personas.dan), case, "dispatch")
        assert r.status_code == 403 and "not allowed" in r.json()["message"]
        assert (counts(), state(case)) == before

    def test_an_action_outside_the_actors_role_gets_403(self, category, personas):
        case = report(category)
        # carl sees district A's cases but handles only those dispatched to his unit.
        before = counts(), state(case)
        r = act(logged_in(personas.carl), case, "accept")
        assert r.status_code == 403 and r.json()["message"]
        assert (counts(), state(case)) == before

    def test_the_outsider_gets_404_and_changes_nothing(self, category, personas):
        case = report(category)
        olga = logged_in(personas.olga)
        before = counts(), state(case)
        assert olga.get(f"{CASES}/{case.pk}").status_code == 404
        r = act(olga, case, "accept")
        assert r.status_code == 404 and r.json() == {"message": "Not found."}
        assert (counts(), state(case)) == before
        # The same answer as for a case that does not exist.
        assert olga.get(f"{CASES}/999999").json() == r.json()

    def test_a_grid_worker_sees_only_her_grid(self, category, personas):
        case = report(category, where=A2)
        gwen = logged_in(personas.gwen)
        assert gwen.get(f"{CASES}/{case.pk}").status_code == 404
        assert gwen.get(CASES).json()["total"] == 0

    @pytest.mark.parametrize(
        ("action", "body", "words"),
        [
            ("reject", {}, "reason is required"),
            ("dispatch", {"unit_code": "no-such-unit"}, "Unknown unit"),
            ("merge", {}, "into_number"),
            ("merge", {"into_number": "2601010000AAAA"}, "no case"),
        ],
    )
    def test_it_refuses_missing_or_bad_parameters(self, category, personas, action, body, words):
        case = report(category)
        dan = logged_in(personas.dan)
        if action == "dispatch":
            act(dan, case, "accept")
        before = counts(), state(case)
        r = act(dan, case, action, **body)
        assert r.status_code == 400, r.content
        assert words in r.json()["message"]
        assert (counts(), state(case)) == before

    def test_it_refuses_a_unit_that_does_not_serve_the_place(self, category, personas):
        case = report(category)
        dan = logged_in(personas.dan)
        act(dan, case, "accept")
        before = counts(), state(case)
        r = act(dan, case, "dispatch", unit_code=personas.org_b.code)
        assert r.status_code == 400 and "does not serve" in r.json()["message"]
        assert (counts(), state(case)) == before

    @pytest.mark.parametrize(
        ("action", "body", "status"),
        [
            ("handle", {}, 400),
            ("request_extension", {"reason": "Parts on order"}, 400),
            ("request_extension", {"reason": "Parts on order", "duration": "soon"}, 400),
            ("handle", {"result": "x" * 1001}, 422),
        ],
    )
    def test_it_refuses_bad_handling_input(self, category, personas, action, body, status):
        case = report(category)
        dan, carl = logged_in(personas.dan), logged_in(personas.carl)
        act(dan, case, "accept")
        act(dan, case, "dispatch")
        act(carl, case, "sign")
        before = counts(), state(case)
        r = act(carl, case, action, **body)
        assert r.status_code == status, r.content
        assert r.json()["message"]
        assert (counts(), state(case)) == before

    def test_it_merges_a_duplicate_by_number(self, category, personas):
        first, second = report(category), report(category, contact="13812345678")
        r = act(logged_in(personas.dan), second, "merge", into_number=first.number)
        assert r.status_code == 200, r.content
        assert r.json()["status"] == "merged" and r.json()["parent_number"] == first.number
        assert first.supporters.get().contact == "13812345678"

    def test_an_extension_is_asked_for_and_approved(self, category, personas):
        case = report(category)
        dan, carl = logged_in(personas.dan), logged_in(personas.carl)
        act(dan, case, "accept")
        act(dan, case, "dispatch")
        act(carl, case, "sign")
        r = act(carl, case, "request_extension", duration="3wd", reason="Parts on order")
        assert r.status_code == 200 and r.json()["pending_extension"] == "3wd"
        r = act(dan, case, "approve_extension")
        assert r.status_code == 200 and r.json()["pending_extension"] == ""

    def test_an_unknown_action_gets_422(self, category, personas):
        case = report(category)
        r = act(logged_in(personas.dan), case, "teleport")
        assert r.status_code == 422 and r.json()["message"]

    def test_the_version_is_required(self, category, personas):
        case = report(category)
        r = post(logged_in(personas.dan), f"{CASES}/{case.pk}/actions/accept", {})
        assert r.status_code == 422 and "version" in r.json()["message"]
        assert state(case)[0] == "reported"


@pytest.mark.django_db
class TestAuth:
    def test_staff_endpoints_need_a_login_or_key(self, category):
        case = report(category)
        for r in (Client().get(CASES), Client().get(f"{CASES}/{case.pk}"), act(Client(), case, "accept")):
            assert r.status_code == 401 and "X-Api-Key" in r.json()["message"]
        assert state(case)[0] == "reported"

    def test_staff_endpoints_are_for_staff_members(self, category, personas):
        case = report(category, user=personas.rita)
        _record, unbound = create_api_key("Residents' app")
        for c, headers in ((logged_in(personas.rita), {}), (Client(), {"X-Api-Key": unbound})):
            r = c.get(CASES, headers=headers)
            assert r.status_code == 403 and r.json()["message"]
            assert c.get(f"{CASES}/{case.pk}", headers=headers).status_code == 403

    def test_a_wrong_api_key_gets_401(self, category):
        r = Client().get(CASES, headers={"X-Api-Key": "cg_wrong"})
        assert r.status_code == 401 and "API key" in r.json()["message"]

    def test_a_session_action_needs_the_csrf_token(self, category, personas):
        case = report(category)
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(personas.dan)
        assert act(browser, case, "accept").status_code == 403
        assert state(case)[0] == "reported"
        browser.get("/admin/login/")  # any page that sets the CSRF cookie
        token = browser.cookies["csrftoken"].value
        r = post(browser, f"{CASES}/{case.pk}/actions/accept", {"version": 1}, **{"X-CSRFToken": token})
        assert r.status_code == 200, r.content


@pytest.mark.django_db
class TestCaseDetail:
    def test_it_masks_the_contact_even_when_shared(self, category, personas):
        # The full contact is read only through the logged reveal (test_api_contact.py).
        dan = logged_in(personas.dan)
        phone = report(category, contact="13812345678")
        email = report(category, contact="alice@example.org")
        shared = report(category, contact="bob@example.org", contact_shared=True)
        assert dan.get(f"{CASES}/{phone.pk}").json()["contact"] == "138****5678"
        assert dan.get(f"{CASES}/{email.pk}").json()["contact"] == "a***@example.org"
        assert dan.get(f"{CASES}/{shared.pk}").json()["contact"] == "b***@example.org"
        assert dan.get(f"{CASES}/{shared.pk}").json()["contact_shared"] is True
        for case in (phone, email, shared):
            assert case.contact not in dan.get(f"{CASES}/{case.pk}").content.decode()

    def test_it_shows_the_full_timeline_with_staff_names_but_not_residents(self, category, personas):
        case = report(category, user=personas.rita)
        dan = logged_in(personas.dan)
        act(dan, case, "accept")
        act(dan, case, "park", reason="Waiting for the road works")
        data = dan.get(f"{CASES}/{case.pk}").json()
        timeline = data["timeline"]
        assert [(e["action"], e["actor_role"], e["actor"], e["public"]) for e in timeline] == [
            ("report", "resident", None, True),
            ("accept", "dispatcher", "Dan", True),
            ("park", "dispatcher", "Dan", False),
        ]
        assert timeline[2]["reason"] == "Waiting for the road works"
        assert "rita" not in str(data).lower()

    def test_it_lists_the_actions_this_user_may_take(self, category, personas):
        case = report(category)
        assert logged_in(personas.dan).get(f"{CASES}/{case.pk}").json()["allowed_actions"] == [
            "accept",
            "reject",
            "merge",
        ]
        # The handler sees district A's cases but acts only on his unit's.
        assert logged_in(personas.carl).get(f"{CASES}/{case.pk}").json()["allowed_actions"] == []
        assert logged_in(personas.sara).get(f"{CASES}/{case.pk}").json()["allowed_actions"] == ["urge", "take_lead"]


@pytest.mark.django_db
class TestCaseList:
    def test_it_lists_the_cases_in_scope_with_their_deadline(self, category, personas):
        a1, a2 = report(category), report(category, where=A2)
        report(category, where=B1)
        r = logged_in(personas.dan).get(CASES)
        assert r.status_code == 200
        data = r.json()
        assert data["total"] == 2 and (data["limit"], data["offset"]) == (20, 0)
        assert {i["number"] for i in data["items"]} == {a1.number, a2.number}
        item = next(i for i in data["items"] if i["number"] == a1.number)
        assert item["id"] == a1.pk and item["status"] == "reported" and item["step"] == "accept"
        assert item["grid_code"] == "120101001001001" and item["owner_unit"] is None
        assert item["category"] == {"code": "T0101", "name": "Litter"} and item["sla_colour"] == "green"
        assert item["step_due_at"] is not None

    def test_the_outsider_sees_none_of_them(self, category, personas):
        report(category)
        assert logged_in(personas.olga).get(CASES).json() == {"total": 0, "limit": 20, "offset": 0, "items": []}

    def test_it_filters(self, category, personas):
        dan = logged_in(personas.dan)
        a1, a2 = report(category), report(category, where=A2)
        act(dan, a2, "accept")
        other = Category.objects.create(
            code="T0102", parent=category.parent, kind="event", name_zh="x", name_en="x", unit_type="urban_management"
        )
        a1_other = report(other)

        def numbers(**params):
            r = dan.get(CASES, params)
            assert r.status_code == 200, r.content
            return {i["number"] for i in r.json()["items"]}

        assert numbers(status="accepted") == {a2.number}
        assert numbers(category="T0101") == {a1.number, a2.number}
        assert numbers(category="T01") == {a1.number, a2.number, a1_other.number}
        assert numbers(region="120101001001001") == {a1.number, a1_other.number}
        assert numbers(region="120101") == {a1.number, a2.number, a1_other.number}
        assert numbers(overdue=True) == set()
        Case.objects.filter(pk=a1.pk).update(step_due_at=timezone.now() - timedelta(hours=1))
        assert numbers(overdue=True) == {a1.number}
        assert a1.number not in numbers(overdue=False)
        late = next(i for i in dan.get(CASES).json()["items"] if i["number"] == a1.number)
        assert late["sla_colour"] == "red"

    def test_it_pages(self, category, personas):
        numbers = [report(category).number for _ in range(5)]
        dan = logged_in(personas.dan)
        pages = [dan.get(CASES, {"limit": 2, "offset": o}).json() for o in (0, 2, 4)]
        assert [p["total"] for p in pages] == [5, 5, 5]
        seen = [i["number"] for p in pages for i in p["items"]]
        assert sorted(seen) == sorted(numbers) and len(seen) == 5

    @pytest.mark.parametrize(
        "params", [{"status": "sleeping"}, {"limit": 0}, {"limit": 1000}, {"offset": -1}, {"region": "12a"}]
    )
    def test_it_refuses_bad_filters(self, category, personas, params):
        r = logged_in(personas.dan).get(CASES, params)
        assert r.status_code == 422 and r.json()["message"]
