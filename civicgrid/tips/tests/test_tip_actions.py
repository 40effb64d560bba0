"""The tip actions: the four steps and their deadlines, outcomes, follow-ups, rewards, and
refusals that write nothing. Dates are 2026 (National Day 1–7 Oct, make-up Sat 10 Oct)."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import IntegrityError, transaction

from civicgrid.cases import audit
from civicgrid.cases.actions import Conflict, Forbidden, Invalid
from civicgrid.cases.models import Case, CaseEvent
from civicgrid.tips import actions, workflow
from civicgrid.tips.models import CATEGORY_CODE, Tip, TipMessage, TipReward
from civicgrid.tips.tests.conftest import SECRET_TEXT, submit

TZ = ZoneInfo("Asia/Shanghai")
END = (23, 59, 59, 999999)


def at(*args):
    return dt.datetime(*args, tzinfo=TZ)


def reload(tip):
    return Tip.objects.select_related("case").get(pk=tip.pk)


def counts():
    return (Case.objects.count(), CaseEvent.objects.count(), TipMessage.objects.count(), TipReward.objects.count())


@pytest.mark.django_db
def test_it_records_a_tip_with_nothing_of_it_on_the_case(small_city):
    tip, code = submit(now=at(2026, 9, 28, 15, 47))
    case = tip.case
    assert (case.kind, case.status, case.description, case.address) == ("tip", "submitted", "", "")
    assert (case.reporter_id, case.contact, case.contact_shared, case.x, case.y) == (None, "", False, None, None)
    assert (case.grid_code, case.district_code, case.street_code, case.community_code) == ("120101", "120101", "", "")
    assert (case.category.code, case.category.public, case.category.escalates) == (CATEGORY_CODE, False, False)
    # Only the day is kept: 15:47 becomes midnight.
    assert case.reported_at == at(2026, 9, 28) == tip.created_at
    # Screening: 3 days after Mon 28 Sep is Thu 1 Oct, a holiday → end of Thu 8 Oct.
    assert case.step == "screen" and case.step_due_at == at(2026, 10, 8, *END) == tip.screen_due_at
    event = case.events.get()
    assert (event.action, event.actor_id, event.reason, event.payload) == ("submit", None, "", {})
    assert len(code) == 19 and code.count("-") == 3


@pytest.mark.django_db
def test_it_keeps_the_district_at_most_and_may_keep_nothing(small_city):
    tip, _code = submit(district="")
    assert (tip.case.grid_code, tip.case.district_code) == ("", "")
    with pytest.raises(Invalid):
        submit(district="120101001")  # a street: more than a district
    with pytest.raises(Invalid):
        submit(district="999999")


@pytest.mark.django_db
def test_it_runs_the_four_steps_with_their_deadlines(desk):
    tip, _code = submit(now=at(2026, 9, 28, 9))
    actions.do_screen_tip(tip, acting_user=desk.tina, now=at(2026, 9, 29, 10))
    tip = reload(tip)
    # Verification: 15 working days after Tue 29 Sep → Mon 26 Oct 17:30 (see test_rules).
    assert (tip.case.status, tip.screened_at, tip.verify_due_at) == (
        "screened",
        at(2026, 9, 29, 10),
        at(2026, 10, 26, 17, 30),
    )
    assert tip.case.step == "verify" and tip.case.step_due_at == tip.verify_due_at

    actions.do_verify_tip(tip, acting_user=desk.tina, note="Fireworks found.", now=at(2026, 10, 28, 10))
    tip = reload(tip)
    # Handling: Wed 28 Oct + 60 days = Sun 27 Dec → Mon 28 Dec, end of day.
    assert (tip.case.status, tip.outcome, tip.handle_due_at) == ("verified", "substantiated", at(2026, 12, 28, *END))

    actions.do_handle_tip(tip, acting_user=desk.tom, note="Stock seized.", now=at(2026, 12, 18, 11))
    tip = reload(tip)
    # Answer: Fri 18 Dec → 21, 22, 23, 24, Fri 25 Dec (5 working days) at 17:30.
    assert (tip.case.status, tip.handled_at, tip.answer_due_at) == (
        "handled",
        at(2026, 12, 18, 11),
        at(2026, 12, 25, 17, 30),
    )

    actions.do_answer_tip(tip, acting_user=desk.tina, answer="Thank you: it was dealt with.", now=at(2026, 12, 21, 9))
    tip = reload(tip)
    assert (tip.case.status, tip.answered_at, tip.case.closed_at, tip.case.step) == (
        "answered",
        at(2026, 12, 21, 9),
        at(2026, 12, 21, 9),
        "",
    )
    assert [e.action for e in tip.case.events.order_by("seq")] == ["submit", "screen", "verify", "handle", "answer"]
    # Events hold no content: no reason, only the ids of the encrypted notes.
    assert set(tip.case.events.values_list("reason", flat=True)) == {""}
    assert not audit.verify().breaks


@pytest.mark.django_db
def test_it_answers_a_tip_found_unfounded(desk):
    tip, _code = submit()
    actions.do_screen_tip(tip, acting_user=desk.tina, now=at(2026, 10, 27, 9))
    actions.do_find_tip_unfounded(reload(tip), acting_user=desk.tina, note="Nothing there.", now=at(2026, 10, 29, 11))
    tip = reload(tip)
    # Answer: Thu 29 Oct → 30 Oct, 2, 3, 4, Thu 5 Nov (5 working days) at 17:30.
    assert (tip.case.status, tip.outcome, tip.verified_at, tip.answer_due_at) == (
        "unfounded",
        "not_substantiated",
        at(2026, 10, 29, 11),
        at(2026, 11, 5, 17, 30),
    )


@pytest.mark.django_db
def test_it_transfers_a_tip_and_concludes_the_running_step(desk):
    tip, _code = submit()
    actions.do_transfer_tip(tip, acting_user=desk.tina, to_body="District market regulation", now=at(2026, 9, 30, 11))
    tip = reload(tip)
    # Answer: Wed 30 Sep → holidays, 8 (1), 9 (2), Sat 10 make-up (3), 12 (4), Tue 13 Oct (5).
    assert (tip.case.status, tip.outcome, tip.screened_at, tip.answer_due_at) == (
        "transferred",
        "transferred",
        at(2026, 9, 30, 11),
        at(2026, 10, 13, 17, 30),
    )
    note = tip.messages.get(kind=TipMessage.Kind.NOTE)
    assert b"market" not in bytes(note.body)
    with pytest.raises(Invalid):
        actions.do_transfer_tip(submit()[0], acting_user=desk.tina, to_body=" ")


@pytest.mark.django_db
def test_it_extends_verification_once(desk):
    tip, _code = submit()
    actions.do_screen_tip(tip, acting_user=desk.tina, now=at(2026, 9, 29, 10))
    actions.do_extend_tip_verification(reload(tip), acting_user=desk.tina, reason="Needs a site visit.")
    tip = reload(tip)
    # Mon 26 Oct 17:30 + 15 working days = Mon 16 Nov 17:30.
    assert (tip.verify_due_at, tip.case.step_due_at, tip.verify_extensions) == (
        at(2026, 11, 16, 17, 30),
        at(2026, 11, 16, 17, 30),
        1,
    )
    before = counts()
    with pytest.raises(Invalid):
        actions.do_extend_tip_verification(tip, acting_user=desk.tina, reason="Again.")
    assert counts() == before


@pytest.mark.django_db
def test_it_refuses_staff_steps_to_anyone_without_the_role_here(desk, personas, tip_a):
    tip, _code = tip_a
    before = counts()
    for user in (personas.dan, personas.sara, personas.carl, personas.audrey, personas.rita, desk.bob):
        with pytest.raises(Forbidden):
            actions.do_screen_tip(tip, acting_user=user, note="x")
        with pytest.raises(Forbidden):
            actions.do_answer_tip(tip, acting_user=user, answer="x")
    assert counts() == before
    assert reload(tip).case.version == 1


@pytest.mark.django_db
def test_it_lets_the_city_tip_handler_act_on_a_tip_with_no_place(desk):
    tip, _code = submit(district="")
    with pytest.raises(Forbidden):
        actions.do_screen_tip(tip, acting_user=desk.tina)
    actions.do_screen_tip(tip, acting_user=desk.cora)
    assert reload(tip).case.status == workflow.SCREENED


@pytest.mark.django_db
def test_it_refuses_bad_input_and_stale_versions_writing_nothing(desk, tip_a):
    tip, _code = tip_a
    actions.do_screen_tip(tip, acting_user=desk.tina)
    tip = reload(tip)
    before = counts()
    with pytest.raises(Invalid):
        actions.do_verify_tip(tip, acting_user=desk.tina, note="  ")
    with pytest.raises(Invalid):
        actions.do_verify_tip(tip, acting_user=desk.tina, note="x" * (actions.MAX_NOTE + 1))
    with pytest.raises(Conflict):
        actions.do_verify_tip(tip, acting_user=desk.tina, note="found", expected_version=tip.case.version - 1)
    with pytest.raises(Forbidden):
        actions.do_answer_tip(tip, acting_user=desk.tina, answer="too early")
    assert counts() == before
    assert reload(tip).case.status == "screened"


@pytest.mark.django_db
def test_it_refuses_submissions_with_bad_input_writing_nothing(small_city):
    before = counts()
    for kwargs in (
        {"text": " "},
        {"text": "x" * (actions.MAX_TEXT + 1)},
        {"passphrase": "short"},
        {"topic": "gossip"},
        {"contact": "x" * 121},
        {"photos": [actions.Photo(b"x", "image/jpeg")] * 4},
    ):
        with pytest.raises(Invalid):
            submit(**kwargs)
    assert counts() == before


@pytest.mark.django_db
def test_it_makes_one_tip_of_a_retried_submission(small_city):
    first = actions.do_submit_tip(text=SECRET_TEXT, passphrase="passphrase!", idempotency_key="tip:web:abc")
    again = actions.do_submit_tip(text=SECRET_TEXT, passphrase="passphrase!", idempotency_key="tip:web:abc")
    assert first.created and first.receipt_code
    assert (again.created, again.receipt_code, again.tip.pk) == (False, None, first.tip.pk)
    assert Tip.objects.count() == 1


@pytest.mark.django_db
def test_it_takes_information_from_the_submitter_while_the_tip_is_open(desk, tip_a):
    tip, _code = tip_a
    actions.do_screen_tip(tip, acting_user=desk.tina, now=at(2026, 11, 3, 10, 5))
    message = actions.do_add_tip_information(
        reload(tip),
        text="The trucks come on Fridays.",
        photos=[actions.Photo(b"\xff\xd8jpeg", "image/jpeg")],
        now=at(2026, 11, 3, 21, 30),
    )
    # The day only, and never before the last change (10:05 the same day).
    assert message.created_at == at(2026, 11, 3, 10, 5)
    event = reload(tip).case.events.order_by("-seq").first()
    assert (event.action, event.actor_id, event.actor_role, event.reason) == ("add_information", None, "reporter", "")
    assert tip.attachments.filter(message=message).count() == 1
    actions.do_find_tip_unfounded(reload(tip), acting_user=desk.tina, note="Nothing.")
    actions.do_answer_tip(reload(tip), acting_user=desk.tina, answer="Checked: nothing found.")
    with pytest.raises(Forbidden):
        actions.do_add_tip_information(reload(tip), text="More.")


def substantiated(desk):
    tip, _code = submit()
    actions.do_screen_tip(tip, acting_user=desk.tina)
    actions.do_verify_tip(reload(tip), acting_user=desk.tina, note="Found.")
    return reload(tip)


@pytest.mark.django_db
def test_it_records_a_reward_approved_by_a_second_tip_handler(desk):
    tip = substantiated(desk)
    reward = actions.do_propose_tip_reward(tip, acting_user=desk.tina, amount="3000", basis="Led to the seizure.")
    assert (reward.amount, reward.decision) == (Decimal("3000.00"), "pending")
    with pytest.raises(Forbidden):
        actions.do_decide_tip_reward(tip, reward, acting_user=desk.tina, approve=True)
    with pytest.raises(Forbidden):
        actions.do_decide_tip_reward(tip, reward, acting_user=desk.bob, approve=True)  # not in scope
    reward = actions.do_decide_tip_reward(tip, reward, acting_user=desk.tom, approve=True)
    assert (reward.decision, reward.decided_by_id) == ("approved", desk.tom.pk)
    payloads = [e.payload for e in reload(tip).case.events.filter(action__in=["propose_reward", "decide_reward"])]
    assert payloads == [{"reward": reward.pk, "amount": "3000.00"}, {"reward": reward.pk, "decision": "approved"}]


@pytest.mark.django_db
def test_it_enforces_four_eyes_in_the_database_too(desk):
    tip = substantiated(desk)
    reward = actions.do_propose_tip_reward(tip, acting_user=desk.tina, amount="100", basis="Useful.")
    with pytest.raises(IntegrityError), transaction.atomic():
        TipReward.objects.filter(pk=reward.pk).update(decided_by=desk.tina, decision="approved")


@pytest.mark.django_db
def test_it_refuses_rewards_that_the_rules_do_not_allow(desk, tip_a):
    tip, _code = tip_a
    with pytest.raises(Forbidden):  # not substantiated yet
        actions.do_propose_tip_reward(tip, acting_user=desk.tina, amount="100", basis="x")
    tip = substantiated(desk)
    before = counts()
    for amount in ("0", "-1", "abc", "1000000.01", "1.234"):
        with pytest.raises(Invalid):
            actions.do_propose_tip_reward(tip, acting_user=desk.tina, amount=amount, basis="x")
    with pytest.raises(Invalid):
        actions.do_propose_tip_reward(tip, acting_user=desk.tina, amount="10", basis=" ")
    assert counts() == before
    reward = actions.do_propose_tip_reward(tip, acting_user=desk.tina, amount="10", basis="x")
    with pytest.raises(Invalid):  # one proposal waits at a time
        actions.do_propose_tip_reward(tip, acting_user=desk.tom, amount="20", basis="y")
    with pytest.raises(Invalid):  # a refusal says why
        actions.do_decide_tip_reward(tip, reward, acting_user=desk.tom, approve=False)
    actions.do_decide_tip_reward(tip, reward, acting_user=desk.tom, approve=False, note="Too little effect.")
    with pytest.raises(Invalid):
        actions.do_decide_tip_reward(tip, reward, acting_user=desk.cora, approve=True)


@pytest.mark.django_db
def test_it_refuses_a_reward_for_a_tip_that_was_not_substantiated(desk):
    tip, _code = submit()
    actions.do_screen_tip(tip, acting_user=desk.tina)
    actions.do_find_tip_unfounded(reload(tip), acting_user=desk.tina, note="Nothing.")
    actions.do_answer_tip(reload(tip), acting_user=desk.tina, answer="Nothing found.")
    with pytest.raises(Invalid):
        actions.do_propose_tip_reward(reload(tip), acting_user=desk.tina, amount="100", basis="x")


@pytest.mark.django_db
def test_it_keeps_every_text_of_a_tip_encrypted_in_the_database(desk):
    from civicgrid.tips.tests.conftest import SECRET_CONTACT, database_dump

    texts = {
        "note": "NOTE-Plausible: guard rota matches.",
        "information": "INFO-The boss drives a white van.",
        "reply": "REPLY-Which gate do they use?",
        "finding": "FINDING-Fireworks in the warehouse.",
        "handling": "HANDLING-Stock seized by the police.",
        "basis": "BASIS-Led straight to the seizure.",
        "decision": "DECISION-Too little effect.",
        "answer": "ANSWER-Thank you, it was dealt with.",
        "transfer": "TRANSFER-District market regulation bureau",
    }
    tip, code = submit(contact=SECRET_CONTACT, topic="organised_crime")
    actions.do_screen_tip(tip, acting_user=desk.tina, note=texts["note"])
    actions.do_add_tip_information(reload(tip), text=texts["information"])
    actions.do_reply_tip(reload(tip), acting_user=desk.tina, text=texts["reply"])
    actions.do_verify_tip(reload(tip), acting_user=desk.tina, note=texts["finding"])
    reward = actions.do_propose_tip_reward(reload(tip), acting_user=desk.tina, amount="10", basis=texts["basis"])
    actions.do_decide_tip_reward(reload(tip), reward, acting_user=desk.tom, approve=False, note=texts["decision"])
    actions.do_handle_tip(reload(tip), acting_user=desk.tina, note=texts["handling"])
    actions.do_answer_tip(reload(tip), acting_user=desk.tina, answer=texts["answer"])
    other, _ = submit()
    actions.do_transfer_tip(other, acting_user=desk.tina, to_body=texts["transfer"])
    dump = database_dump()
    for secret in [*texts.values(), SECRET_TEXT, SECRET_CONTACT, code, "organised_crime"]:
        assert secret.encode() not in dump, secret
    # What the database does hold in clear: the tip case's neutral facts.
    assert tip.case.number.encode() in dump
