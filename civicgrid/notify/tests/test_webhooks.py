"""Webhook rows: who gets them, what they carry, and how they are signed and posted."""

import hashlib
import hmac
import json
import socket

import pytest
from django.core.exceptions import ValidationError

from civicgrid.cases import actions
from civicgrid.notify.models import Outbox, Webhook
from civicgrid.notify.transports import TransportError
from civicgrid.notify.transports.webhook import WebhookTransport


def hook_rows(hook):
    return list(Outbox.objects.filter(channel=Outbox.Channel.WEBHOOK, recipient=str(hook.pk)).order_by("id"))


def test_it_queues_a_row_for_each_active_webhook_that_wants_the_action(personas, report, run):
    every = Webhook.objects.create(name="every", url="http://127.0.0.1:9/every")
    accepts = Webhook.objects.create(name="accepts", url="http://127.0.0.1:9/accepts", kinds=["accept"])
    off = Webhook.objects.create(name="off", url="http://127.0.0.1:9/off", active=False)

    case = report()
    run(actions.do_accept_case, case, acting_user=personas.dan)

    assert [r.payload["action"] for r in hook_rows(every)] == ["report", "accept"]
    assert [r.payload["action"] for r in hook_rows(accepts)] == ["accept"]
    assert hook_rows(off) == []


def test_it_keeps_personal_data_out_of_the_webhook_body(personas, report, run):
    hook = Webhook.objects.create(name="city data", url="http://127.0.0.1:9/")
    personas.rita.email = "rita.account@example.org"
    personas.rita.save(update_fields=["email"])
    case = report(personas.rita, contact="rita@example.org", address="3 Hidden Lane")
    run(actions.do_support_case, case, contact="metoo@example.org")
    run(actions.do_reject_case, case, acting_user=personas.dan, reason="Not a public space")

    rows = hook_rows(hook)
    assert [r.payload["action"] for r in rows] == ["report", "support", "reject"]
    for row in rows:
        assert json.loads(row.body) == row.payload
        for secret in ("rita", "metoo", "example.org", "13800", "Hidden Lane", case.tracking_token, "dumped"):
            assert secret.lower() not in row.body.lower()
        assert set(row.payload) <= {"case", "seq", "action", "from_state", "to_state", "at", "reason"}
    reject = rows[-1].payload
    assert reject == {
        "case": case.number,
        "seq": 3,
        "action": "reject",
        "from_state": "reported",
        "to_state": "rejected",
        "at": reject["at"],
        "reason": "Not a public space",  # public, and written by staff
    }


def test_it_leaves_out_a_reason_residents_wrote_or_staff_kept_internal(personas, report, run):
    hook = Webhook.objects.create(name="city data", url="http://127.0.0.1:9/")
    case = report(personas.rita, contact="rita@example.org")
    run(actions.do_urge_case, case, acting_user=personas.sara, reason="Internal note")
    run(actions.do_accept_case, case, acting_user=personas.dan)
    run(actions.do_dispatch_case, case, acting_user=personas.dan, unit=personas.org_a)
    run(actions.do_sign_case, case, acting_user=personas.carl)
    run(actions.do_handle_case, case, acting_user=personas.carl, result="Cleared")
    run(actions.do_verify_case, case, acting_user=personas.rita)
    run(actions.do_reopen_case, case, acting_user=personas.rita, reason="Call me on 13800138000, it is back")

    payloads = {r.payload["action"]: r.payload for r in hook_rows(hook)}
    assert "reason" not in payloads["urge"]  # not a public event
    assert payloads["handle"]["reason"] == "Cleared"
    assert "reason" not in payloads["reopen"]  # the resident's own words
    assert all("13800138000" not in r.body for r in hook_rows(hook))


def test_it_posts_the_body_signed_with_the_webhook_secret(personas, report, run, receiver):
    hook = Webhook.objects.create(name="receiver", url=receiver.url, kinds=["accept"])
    case = report()
    run(actions.do_accept_case, case, acting_user=personas.dan)
    [row] = hook_rows(hook)

    WebhookTransport().send(row)

    [got] = receiver.requests
    assert got["path"] == "/hook"
    assert got["body"] == row.body.encode()
    expected = hmac.new(hook.secret.encode(), got["body"], hashlib.sha256).hexdigest()
    assert got["headers"]["X-CivicGrid-Signature"] == f"sha256={expected}"
    assert got["headers"]["X-CivicGrid-Timestamp"].isdigit()
    assert got["headers"]["Content-Type"].startswith("application/json")
    assert json.loads(got["body"])["case"] == case.number


@pytest.mark.parametrize("status", [500, 404, 302])
def test_it_raises_a_transport_error_on_an_answer_other_than_2xx(db, receiver, status):
    receiver.status = status
    hook = Webhook.objects.create(name="receiver", url=receiver.url)
    row = Outbox(channel=Outbox.Channel.WEBHOOK, recipient=str(hook.pk), body="{}")

    with pytest.raises(TransportError, match=str(status)) as e:
        WebhookTransport().send(row)
    assert not e.value.permanent


def test_it_raises_a_transport_error_when_nothing_listens(db):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    hook = Webhook.objects.create(name="gone", url=f"http://127.0.0.1:{port}/")
    row = Outbox(channel=Outbox.Channel.WEBHOOK, recipient=str(hook.pk), body="{}")

    with pytest.raises(TransportError) as e:
        WebhookTransport().send(row)
    assert not e.value.permanent


def test_it_gives_up_at_once_on_a_deleted_or_inactive_webhook(db):
    hook = Webhook.objects.create(name="off", url="http://127.0.0.1:9/", active=False)

    for recipient in (str(hook.pk), "999999", "not-an-id"):
        row = Outbox(channel=Outbox.Channel.WEBHOOK, recipient=recipient, body="{}")
        with pytest.raises(TransportError) as e:
            WebhookTransport().send(row)
        assert e.value.permanent


def test_it_validates_the_webhook_url_and_actions(db):
    with pytest.raises(ValidationError) as e:
        Webhook(name="x", url="file:///etc/passwd", kinds=["accept", "teleport"]).full_clean()
    assert set(e.value.message_dict) == {"url", "kinds"}
    Webhook(name="ok", url="https://example.org/hook", kinds=["accept", "handle"]).full_clean()


def test_an_event_no_one_wants_costs_no_query(personas, report, run, django_assert_num_queries):
    from civicgrid.notify.queue import on_event_committed

    case = report()  # no webhook: the report event is queued for no one
    event = case.events.get(action="report")
    Webhook.objects.create(name="accepts only", url="http://127.0.0.1:9/", kinds=["accept"])
    on_event_committed(None, case_id=case.pk, event_id=event.pk, action="report", kind=case.kind)  # reads the hooks
    with django_assert_num_queries(0):
        on_event_committed(None, case_id=case.pk, event_id=event.pk, action="report", kind=case.kind)
    assert Outbox.objects.count() == 0


def test_a_webhook_saved_in_this_process_is_seen_at_the_next_event(personas, report, run):
    first = report()
    assert Outbox.objects.count() == 0  # the hooks were read: none
    hook = Webhook.objects.create(name="every", url="http://127.0.0.1:9/")
    second = report()
    assert [r.payload["case"] for r in hook_rows(hook)] == [second.number]
    hook.active = False
    hook.save()
    report()
    assert [r.payload["case"] for r in hook_rows(hook)] == [second.number]
    assert first.number != second.number


def test_a_webhook_added_by_another_process_is_seen_after_the_check_interval(personas, report, run, monkeypatch):
    from civicgrid.notify import queue

    report()  # the hooks were read: none
    Webhook.objects.bulk_create([Webhook(name="elsewhere", url="http://127.0.0.1:9/")])  # no signal here
    hook = Webhook.objects.get(name="elsewhere")
    missed = report()
    later = queue.ACTIVE_WEBHOOKS.clock() + queue.WEBHOOK_CHECK_SECONDS + 1
    monkeypatch.setattr(queue.ACTIVE_WEBHOOKS, "clock", lambda: later)
    seen = report()
    assert [r.payload["case"] for r in hook_rows(hook)] == [seen.number]
    assert missed.number != seen.number
