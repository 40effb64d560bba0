"""Checking a tip with the receipt code and passphrase: the answers, adding information, the same
refusal for a wrong code and a wrong passphrase, and the rate limits."""

import re

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile

from civicgrid.tips import actions, crypto, throttle
from civicgrid.tips.models import TipAttachment, TipMessage
from civicgrid.tips.tests.conftest import CLIENT, PASSPHRASE, SECRET_TEXT, phone_jpeg, submit

URL = "/tips/check/"
ADD_URL = "/tips/check/add/"
UNKNOWN_CODE = "7KQ2-M9XD-4RTB-H0WS"


def check(client, code, passphrase=PASSPHRASE, **extra):
    return client.post(URL, {"receipt_code": code, "passphrase": passphrase}, **{**CLIENT, **extra})


def token_of(response) -> str:
    match = re.search(rb'name="token" value="([^"]+)"', response.content)
    assert match
    return match.group(1).decode()


def page_without_variables(response, code) -> bytes:
    """The page with what legitimately differs between two requests taken out: the CSRF token
    and the code that was typed (it is offered again)."""
    body = re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", response.content)
    return body.replace(code.encode(), b"CODE")


@pytest.mark.django_db
def test_it_shows_the_tip_with_its_answers_to_whoever_has_the_code_and_passphrase(client, desk, tip_a):
    tip, code = tip_a
    actions.do_reply_tip(tip, acting_user=desk.tina, text="When do the trucks come?")
    actions.do_note_tip(tip, acting_user=desk.tina, note="Internal: informant seems reliable.")
    response = check(client, code.lower().replace("-", " "))  # forgiving about case and separators
    assert response.status_code == 200
    body = response.content.decode()
    assert SECRET_TEXT in body and "When do the trucks come?" in body
    assert "Internal: informant" not in body  # notes stay with the tip handlers
    assert "Tina" not in body  # nor does the submitter learn who handles the tip
    assert response["Cache-Control"] == "no-store"
    assert "sessionid" not in response.cookies


@pytest.mark.django_db
def test_it_gives_the_same_answer_for_a_wrong_code_and_a_wrong_passphrase(client, tip_a):
    _tip, code = tip_a
    wrong_passphrase = check(client, code, "not the passphrase")
    wrong_code = check(client, UNKNOWN_CODE, PASSPHRASE)
    assert wrong_passphrase.status_code == wrong_code.status_code == 403
    assert page_without_variables(wrong_passphrase, code) == page_without_variables(wrong_code, UNKNOWN_CODE)
    assert b"The receipt code or the passphrase is not right." in wrong_code.content
    assert SECRET_TEXT.encode() not in wrong_passphrase.content
    assert b"not the passphrase" not in wrong_passphrase.content


@pytest.mark.django_db
def test_it_limits_attempts_per_code_whether_or_not_the_code_exists(client, tip_a, monkeypatch):
    _tip, code = tip_a
    monkeypatch.setattr(throttle, "CODE_FAILURES", 3)
    for _n in range(3):
        assert check(client, code, "wrong!!!").status_code == 403
        assert check(client, UNKNOWN_CODE, "wrong!!!").status_code == 403
    # Now even the right passphrase waits, and an unknown code is refused the same way.
    right, unknown = check(client, code), check(client, UNKNOWN_CODE, PASSPHRASE)
    assert right.status_code == unknown.status_code == 429
    assert page_without_variables(right, code) == page_without_variables(unknown, UNKNOWN_CODE)
    assert SECRET_TEXT.encode() not in right.content


@pytest.mark.django_db
def test_it_limits_attempts_per_connection(client, tip_a, monkeypatch):
    _tip, code = tip_a
    monkeypatch.setattr(throttle, "ADDRESS_FAILURES", 4)
    for n in range(4):
        assert check(client, f"7KQ2-M9XD-4RTB-H0W{n}", "wrong!!!").status_code == 403
    assert check(client, code).status_code == 429
    assert check(client, code, REMOTE_ADDR="198.51.100.9").status_code == 200


@pytest.mark.django_db
def test_it_opens_the_window_again_after_a_while(client, tip_a, monkeypatch):
    _tip, code = tip_a
    monkeypatch.setattr(throttle, "CODE_FAILURES", 1)
    with time_machine.travel("2026-11-03 10:00 +0800", tick=False) as traveller:
        check(client, code, "wrong!!!")
        assert check(client, code).status_code == 429
        traveller.shift(throttle.CODE_WINDOW + 1)
        assert check(client, code, REMOTE_ADDR="198.51.100.10").status_code == 200


@pytest.mark.django_db
def test_it_refuses_a_malformed_code_before_looking(client, tip_a):
    response = check(client, "hello")
    assert response.status_code == 400 and b"16 letters and digits" in response.content


@pytest.mark.django_db
def test_it_lets_the_submitter_add_information_and_photos(client, tip_a):
    tip, code = tip_a
    token = token_of(check(client, code))
    photo = SimpleUploadedFile("p.jpg", phone_jpeg(), content_type="image/jpeg")
    response = client.post(ADD_URL, {"token": token, "text": "The trucks come on Fridays.", "photos": photo}, **CLIENT)
    assert response.status_code == 200
    assert b"Your information was added" in response.content
    message = TipMessage.objects.get(kind=TipMessage.Kind.INFORMATION)
    assert message.author_id is None
    assert b"Fridays" not in bytes(message.body)
    assert crypto.decrypt_text(message.body) == "The trucks come on Fridays."
    assert TipAttachment.objects.filter(message=message).count() == 1
    assert tip.case.events.filter(action="add_information", actor__isnull=True).count() == 1


@pytest.mark.django_db
def test_it_refuses_a_forged_or_expired_page_writing_nothing(client, tip_a):
    _tip, code = tip_a
    with time_machine.travel("2026-11-03 10:00 +0800", tick=False) as traveller:
        token = token_of(check(client, code))
        forged = client.post(ADD_URL, {"token": token[:-2] + "xx", "text": "More."})
        assert forged.status_code == 403
        traveller.shift(31 * 60)
        expired = client.post(ADD_URL, {"token": token, "text": "More."})
        assert expired.status_code == 403 and b"expired" in expired.content
    assert not TipMessage.objects.filter(kind=TipMessage.Kind.INFORMATION).exists()


@pytest.mark.django_db
def test_it_shows_a_closed_tip_without_the_form(client, desk, tip_a):
    tip, code = tip_a
    actions.do_transfer_tip(tip, acting_user=desk.tina, to_body="District police")
    tip.refresh_from_db()
    actions.do_answer_tip(tip, acting_user=desk.tina, answer="Sent to the district police, who will act.")
    response = check(client, code)
    assert b"Sent to the district police" in response.content
    assert b'name="token"' not in response.content
    assert b"answered and is closed" in response.content


@pytest.mark.django_db
def test_it_shows_an_approved_reward(client, desk, tip_a):
    tip, code = tip_a
    actions.do_screen_tip(tip, acting_user=desk.tina)
    tip.refresh_from_db()
    actions.do_verify_tip(tip, acting_user=desk.tina, note="Found.")
    reward = actions.do_propose_tip_reward(tip, acting_user=desk.tina, amount="2500", basis="Seizure.")
    assert b"2500" not in check(client, code).content  # not before a second person approves
    actions.do_decide_tip_reward(tip, reward, acting_user=desk.tom, approve=True)
    assert b"A reward of 2500.00 yuan was approved" in check(client, code).content


@pytest.mark.django_db
def test_it_needs_no_hint_to_check_an_untouched_tip(client, small_city):
    _tip, code = submit(district="")
    assert check(client, code).status_code == 200
