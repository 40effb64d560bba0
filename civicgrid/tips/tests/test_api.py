"""The tip-line JSON API: anonymous submit and check, the tip handlers' endpoints, the numbers."""

import pytest

from civicgrid.org.apikeys import create_api_key
from civicgrid.privacy.models import PersonalDataAccess
from civicgrid.tips import actions, throttle
from civicgrid.tips.models import Tip, TipReward
from civicgrid.tips.tests.conftest import CLIENT, IP, PASSPHRASE, SECRET_CONTACT, SECRET_TEXT, UA, database_dump

API = "/api/v1/tips"


def post(client, url, data, **extra):
    return client.post(url, data, content_type="application/json", **{**CLIENT, **extra})


def key_for(user):
    from civicgrid.org.models import ApiKey

    return {"HTTP_X_API_KEY": create_api_key(f"key {user.username} {ApiKey.objects.count()}", user=user)[1]}


@pytest.mark.django_db
def test_it_takes_a_tip_without_an_account_and_returns_the_code_once(client, small_city):
    body = {"text": SECRET_TEXT, "district": "120101", "contact": SECRET_CONTACT, "passphrase": PASSPHRASE}
    response = post(client, API, body)
    assert response.status_code == 201
    code = response.json()["receipt_code"]
    assert len(code) == 19
    dump = database_dump()
    for secret in (SECRET_TEXT, SECRET_CONTACT, PASSPHRASE, code, IP, UA):
        assert secret.encode() not in dump
    again = post(client, API, body, HTTP_IDEMPOTENCY_KEY="k1")
    retried = post(client, API, body, HTTP_IDEMPOTENCY_KEY="k1")
    assert (again.status_code, retried.status_code, retried.json()["receipt_code"]) == (201, 200, None)
    assert Tip.objects.count() == 2


@pytest.mark.django_db
def test_it_ignores_who_calls_when_taking_a_tip(client, personas):
    key = key_for(personas.dan)
    response = post(client, API, {"text": "A hazard.", "passphrase": PASSPHRASE}, **key)
    assert response.status_code == 201
    case = Tip.objects.get().case
    assert case.reporter_id is None and case.events.get().actor_id is None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        {"text": "", "passphrase": PASSPHRASE},
        {"text": "x", "passphrase": "short"},
        {"text": "x", "passphrase": PASSPHRASE, "district": "120101001"},
        {"text": "x", "passphrase": PASSPHRASE, "topic": "gossip"},
        {"text": "x\u0000y", "passphrase": PASSPHRASE},
    ],
)
def test_it_refuses_bad_tips_writing_nothing(client, small_city, body):
    assert post(client, API, body).status_code == 422
    assert Tip.objects.count() == 0


@pytest.mark.django_db
def test_it_refuses_an_unknown_district_writing_nothing(client, small_city):
    response = post(client, API, {"text": "x", "passphrase": PASSPHRASE, "district": "999999"})
    assert response.status_code == 400 and "district" in response.json()["message"]
    assert Tip.objects.count() == 0


@pytest.mark.django_db
def test_it_limits_submissions(client, small_city, monkeypatch):
    monkeypatch.setattr(throttle, "SUBMISSIONS", 1)
    assert post(client, API, {"text": "x", "passphrase": PASSPHRASE}).status_code == 201
    assert post(client, API, {"text": "y", "passphrase": PASSPHRASE}).status_code == 429


@pytest.mark.django_db
def test_it_checks_a_tip_and_takes_information(client, desk, tip_a):
    tip, code = tip_a
    actions.do_reply_tip(tip, acting_user=desk.tina, text="Which entrance?")
    response = post(client, f"{API}/check", {"receipt_code": code, "passphrase": PASSPHRASE})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    data = response.json()
    assert (data["status"], data["open"], data["text"]) == ("submitted", True, SECRET_TEXT)
    assert [m["text"] for m in data["messages"]] == ["Which entrance?"]
    added = post(
        client, f"{API}/check/information", {"receipt_code": code, "passphrase": PASSPHRASE, "text": "The back door."}
    )
    assert added.status_code == 201
    assert [m["kind"] for m in added.json()["messages"]] == ["reply", "information"]


@pytest.mark.django_db
def test_it_refuses_a_wrong_code_and_a_wrong_passphrase_alike_and_limits_them(client, tip_a, monkeypatch):
    _tip, code = tip_a
    monkeypatch.setattr(throttle, "CODE_FAILURES", 2)
    wrong_pass = post(client, f"{API}/check", {"receipt_code": code, "passphrase": "nope nope"})
    wrong_code = post(client, f"{API}/check", {"receipt_code": "7KQ2-M9XD-4RTB-H0WS", "passphrase": PASSPHRASE})
    assert (wrong_pass.status_code, wrong_pass.json()) == (wrong_code.status_code, wrong_code.json())
    assert wrong_pass.status_code == 403
    post(client, f"{API}/check", {"receipt_code": code, "passphrase": "nope nope"})
    limited = post(client, f"{API}/check", {"receipt_code": code, "passphrase": PASSPHRASE})
    assert limited.status_code == 429
    information = {"receipt_code": code, "passphrase": PASSPHRASE, "text": "More."}
    assert post(client, f"{API}/check/information", information).status_code == 429


@pytest.mark.django_db
def test_it_lists_and_opens_tips_for_tip_handlers_only(client, desk, personas, tip_a):
    tip, _code = tip_a
    listing = client.get(f"{API}/staff?queue=screen", **key_for(desk.tina))
    assert listing.status_code == 200
    assert [i["number"] for i in listing.json()["items"]] == [tip.case.number]
    assert SECRET_TEXT not in listing.content.decode()
    assert PersonalDataAccess.objects.count() == 0
    detail = client.get(f"{API}/staff/{tip.pk}?purpose=Screening", **key_for(desk.tom))
    assert detail.status_code == 200 and detail.json()["text"] == SECRET_TEXT
    assert detail.json()["allowed_actions"][:2] == ["screen", "transfer"]
    assert PersonalDataAccess.objects.get().purpose == "Screening"
    for user in (personas.dan, personas.sara, personas.audrey):
        key = key_for(user)
        assert client.get(f"{API}/staff", **key).status_code == 403
        response = client.get(f"{API}/staff/{tip.pk}", **key)
        assert response.status_code == 403 and SECRET_TEXT not in response.content.decode()
    assert client.get(f"{API}/staff/{tip.pk}", **key_for(desk.bob)).status_code == 404
    assert client.get(f"{API}/staff/{tip.pk}").status_code == 401
    assert PersonalDataAccess.objects.count() == 1


@pytest.mark.django_db
def test_it_takes_steps_and_rewards(client, desk, tip_a):
    tip, _code = tip_a
    tina, tom = key_for(desk.tina), key_for(desk.tom)
    url = f"{API}/staff/{tip.pk}/actions"
    assert post(client, f"{url}/screen", {"expected_version": 1}, **tina).status_code == 200
    assert post(client, f"{url}/verify", {"expected_version": 2}, **tina).status_code == 400  # a note is needed
    assert post(client, f"{url}/verify", {"expected_version": 1, "note": "x"}, **tina).status_code == 409
    done = post(client, f"{url}/verify", {"expected_version": 2, "note": "Found it."}, **tina)
    assert done.status_code == 200 and done.json()["outcome"] == "substantiated"
    reward = post(client, f"{API}/staff/{tip.pk}/rewards", {"amount": "800", "basis": "Seizure."}, **tina)
    assert reward.status_code == 201
    reward_id = reward.json()["rewards"][0]["id"]
    decision_url = f"{API}/staff/{tip.pk}/rewards/{reward_id}/decision"
    assert post(client, decision_url, {"approve": True}, **tina).status_code == 403
    assert post(client, decision_url, {"approve": True}, **tom).json()["rewards"][0]["decision"] == "approved"
    assert TipReward.objects.get().decided_by == desk.tom
    contact = post(client, f"{API}/staff/{tip.pk}/contact", {"purpose": "Pay the reward"}, **tom)
    assert contact.json() == {"contact": SECRET_CONTACT}
    assert PersonalDataAccess.objects.filter(field="tip_contact").count() == 1


@pytest.mark.django_db
def test_it_gives_the_numbers_to_leaders_in_scope(client, desk, personas, tip_a):
    query = "start=2020-01-01&end=2100-01-01"
    ok = client.get(f"{API}/numbers?region=120101&{query}", **key_for(personas.sara))
    assert ok.status_code == 200 and ok.json()["submitted"] == 1
    assert [s["step"] for s in ok.json()["steps"]] == ["screen", "verify", "handle", "answer"]
    assert client.get(f"{API}/numbers?region=120102&{query}", **key_for(personas.sara)).status_code == 404
    assert client.get(f"{API}/numbers?{query}", **key_for(desk.cora)).json()["submitted"] == 1
    assert client.get(f"{API}/numbers?{query}", **key_for(personas.carl)).status_code == 403
    assert (
        client.get(f"{API}/numbers?region=120101&start=2026-02-01&end=2026-01-01", **key_for(desk.tina)).status_code
        == 400
    )


@pytest.mark.django_db
def test_it_documents_every_endpoint(client):
    doc = client.get("/api/v1/openapi.json").json()
    paths = {p for p in doc["paths"] if p.startswith(API)}
    assert {API, f"{API}/check", f"{API}/check/information", f"{API}/staff", f"{API}/numbers"} <= paths
    submit = doc["paths"][API]["post"]
    assert {"201", "200", "422", "429"} <= set(submit["responses"])
    assert "security" not in submit or submit["security"] in ([], [{}])
