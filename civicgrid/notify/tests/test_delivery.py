"""Sending the outbox: claims, success, retries with backoff, giving up, and the command."""

import socket
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from civicgrid.cases import actions
from civicgrid.cases.models import Case
from civicgrid.notify import delivery
from civicgrid.notify.models import Outbox, Webhook


def email_row(**kwargs):
    fields = {
        "channel": Outbox.Channel.EMAIL,
        "recipient": "rita@example.org",
        "subject": "Case 1 accepted",
        "body": "Your case was accepted.",
    }
    return Outbox.objects.create(**{**fields, **kwargs})


def test_it_sends_a_queued_email_and_marks_it_sent(personas, report, run):
    case = report(contact="rita@example.org")
    run(actions.do_accept_case, case, acting_user=personas.dan)

    outcomes = delivery.send_due()

    assert outcomes == {"sent": 1}
    [message] = mail.outbox
    assert message.to == ["rita@example.org"] and case.number in message.subject
    assert f"/track/{case.tracking_token}" in message.body
    row = Outbox.objects.get()
    assert row.status == Outbox.Status.SENT and row.attempts == 1 and row.sent_at is not None
    assert delivery.send_due() == {}  # nothing left to send


def test_it_posts_a_queued_webhook_row(personas, report, run, receiver):
    Webhook.objects.create(name="receiver", url=receiver.url, kinds=["accept"])
    case = report()
    run(actions.do_accept_case, case, acting_user=personas.dan)

    assert delivery.send_due() == {"sent": 1}
    [got] = receiver.requests
    assert Outbox.objects.get().body.encode() == got["body"]


def test_it_does_not_send_a_row_before_it_is_due(db):
    email_row(next_attempt_at=timezone.now() + timedelta(minutes=1))

    assert delivery.send_due() == {}
    assert mail.outbox == []


def test_it_retries_with_backoff_and_gives_up_after_six_attempts(personas, report, run, receiver, time_machine):
    start = timezone.now().replace(microsecond=0)
    time_machine.move_to(start, tick=False)
    receiver.status = 500
    Webhook.objects.create(name="down", url=receiver.url, kinds=["accept"])
    case = report()

    event = run(actions.do_accept_case, case, acting_user=personas.dan)

    # The case action went through whatever the receiver does.
    assert Case.objects.get(pk=case.pk).status == "accepted" and event.pk
    row = Outbox.objects.get()
    waits = [timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12)]
    now = start
    for n, wait in enumerate(waits, start=1):
        assert delivery.send_due() == {"retry": 1}
        row.refresh_from_db()
        assert (row.status, row.attempts, row.next_attempt_at) == (Outbox.Status.PENDING, n, now + wait)
        assert "HTTP 500" in row.last_error
        time_machine.move_to(now + wait - timedelta(seconds=1), tick=False)
        assert delivery.send_due() == {}  # not yet
        now += wait
        time_machine.move_to(now, tick=False)

    assert delivery.send_due() == {"failed": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.Status.FAILED, 6)
    assert len(receiver.requests) == 6
    time_machine.move_to(now + timedelta(days=1), tick=False)
    assert delivery.send_due() == {}
    assert Case.objects.get(pk=case.pk).status == "accepted"


def test_it_sends_a_row_that_failed_once_when_the_receiver_is_back(db, receiver, time_machine):
    hook = Webhook.objects.create(name="flaky", url=receiver.url)
    row = Outbox.objects.create(channel=Outbox.Channel.WEBHOOK, recipient=str(hook.pk), body='{"case":"1"}')
    receiver.status = 503
    assert delivery.send_due() == {"retry": 1}

    receiver.status = 204
    time_machine.move_to(timezone.now() + timedelta(minutes=2), tick=False)
    assert delivery.send_due() == {"sent": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == (Outbox.Status.SENT, 2, "")


def test_it_retries_an_email_when_the_mail_server_is_unreachable(db, settings):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    row = email_row()

    assert delivery.send_due() == {"retry": 1}
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Outbox.Status.PENDING, 1)
    assert row.last_error


def test_it_marks_a_row_failed_at_once_when_retrying_cannot_help(db):
    row = Outbox.objects.create(channel=Outbox.Channel.WEBHOOK, recipient="424242", body="{}")
    unknown = email_row(channel="pigeon")

    assert delivery.send_due() == {"failed": 2}
    for r in (row, unknown):
        r.refresh_from_db()
        assert (r.status, r.attempts) == (Outbox.Status.FAILED, 1)


def test_it_never_lets_two_claims_take_the_same_row(db):
    row = email_row()
    [(row_id, seen)] = delivery.due()

    first = delivery.claim(row_id, seen)
    second = delivery.claim(row_id, seen)  # another worker that read the same row

    assert first is not None and first.pk == row.pk
    assert second is None
    first.refresh_from_db()
    assert first.next_attempt_at > timezone.now()  # leased: no longer due for anyone
    assert delivery.due() == []


def test_it_sends_a_row_once_when_two_workers_saw_it(db):
    email_row()
    seen_by_both = delivery.due()

    for row_id, seen in seen_by_both:  # worker one
        delivery.attempt(delivery.claim(row_id, seen))
    taken = [delivery.claim(row_id, seen) for row_id, seen in seen_by_both]  # worker two

    assert taken == [None]
    assert len(mail.outbox) == 1


def test_it_sends_a_row_again_when_its_worker_died_mid_send(db, time_machine):
    email_row()
    [(row_id, seen)] = delivery.due()
    assert delivery.claim(row_id, seen) is not None  # and the worker dies here

    assert delivery.send_due() == {}
    time_machine.move_to(timezone.now() + delivery.LEASE + timedelta(seconds=1), tick=False)
    assert delivery.send_due() == {"sent": 1}
    assert len(mail.outbox) == 1


def test_it_reports_what_the_command_did(db, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    for i in range(3):
        email_row(recipient=f"r{i}@example.org")
    out = StringIO()

    call_command("send_notifications", "--once", "--limit", "2", stdout=out)

    assert "sent 2, to retry 0, failed 0" in out.getvalue()
    assert Outbox.objects.filter(status=Outbox.Status.PENDING).count() == 1


def test_it_refuses_a_limit_below_one(db):
    with pytest.raises(CommandError):
        call_command("send_notifications", "--once", "--limit", "0")
