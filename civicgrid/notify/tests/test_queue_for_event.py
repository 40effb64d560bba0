"""Who is told about a case event, and what they are told."""

from civicgrid.cases import actions
from civicgrid.cases.models import Supporter
from civicgrid.notify.models import Outbox
from civicgrid.notify.queue import queue_for_event
from civicgrid.org.roles import Role
from civicgrid.testing import make_staff


def emails(case=None, action=None):
    qs = Outbox.objects.filter(channel=Outbox.Channel.EMAIL).order_by("id")
    if case is not None:
        qs = qs.filter(case=case)
    if action is not None:
        qs = qs.filter(event__action=action)
    return list(qs)


def handle(run, case, p, result="Materials removed and the pavement swept"):
    run(actions.do_accept_case, case, acting_user=p.dan)
    run(actions.do_dispatch_case, case, acting_user=p.dan, unit=p.org_a)
    run(actions.do_sign_case, case, acting_user=p.carl)
    run(actions.do_handle_case, case, acting_user=p.carl, result=result)


def test_it_tells_the_reporter_that_the_case_was_accepted(personas, report, run):
    case = report(personas.rita, contact="rita@example.org")
    assert emails() == []  # the report itself is acknowledged on the page, not by mail

    run(actions.do_accept_case, case, acting_user=personas.dan)

    [row] = emails(case, "accept")
    assert row.recipient == "rita@example.org"
    assert row.status == Outbox.Status.PENDING and row.attempts == 0
    assert case.number in row.subject and case.number in row.body
    assert f"/track/{case.tracking_token}" in row.body


def test_it_tells_the_reporter_the_reason_of_a_rejection(personas, report, run):
    case = report(contact="someone@example.org")

    run(actions.do_reject_case, case, acting_user=personas.dan, reason="This is private land; ask the owner.")

    [row] = emails(case, "reject")
    assert row.recipient == "someone@example.org"
    assert "This is private land; ask the owner." in row.body
    assert f"/track/{case.tracking_token}" in row.body


def test_it_asks_the_reporter_to_confirm_the_fix_and_rate_it(personas, report, run):
    case = report(personas.rita, contact="rita@example.org")

    handle(run, case, personas)

    assert [r.event.action for r in emails(case)] == ["accept", "handle"]  # not dispatch or sign
    [row] = emails(case, "handle")
    assert "Materials removed and the pavement swept" in row.body
    assert "confirm" in row.body and "rate" in row.body


def test_it_asks_for_a_rating_when_the_case_is_closed(personas, report, run):
    case = report(personas.rita, contact="rita@example.org")
    handle(run, case, personas)

    run(actions.do_verify_case, case, acting_user=personas.dan)

    [row] = emails(case, "verify")
    assert row.recipient == "rita@example.org"
    assert "closed" in row.subject and "rate" in row.body


def test_it_uses_the_account_email_when_the_contact_is_a_phone_number(personas, report, run):
    personas.rita.email = "rita.account@example.org"
    personas.rita.save(update_fields=["email"])
    case = report(personas.rita, contact="13800138000")

    run(actions.do_accept_case, case, acting_user=personas.dan)

    [row] = emails(case)
    assert row.recipient == "rita.account@example.org"
    assert "13800138000" not in row.body


def test_it_queues_nothing_for_an_anonymous_reporter(personas, report, run):
    silent = report()  # no account, no contact
    by_phone = report(contact="13800138000")  # a phone number cannot be mailed

    for case in (silent, by_phone):
        run(actions.do_accept_case, case, acting_user=personas.dan)
        run(actions.do_dispatch_case, case, acting_user=personas.dan, unit=personas.org_a)

    assert Outbox.objects.count() == 0


def test_it_tells_supporters_without_showing_anyone_else_s_contact(personas, report, run):
    case = report(contact="reporter@example.org")
    run(actions.do_support_case, case, contact="metoo@example.org")
    run(actions.do_support_case, case, contact="13900139000")  # no email: not told
    run(actions.do_support_case, case, contact="REPORTER@example.org")  # the reporter again: told once

    run(actions.do_accept_case, case, acting_user=personas.dan)

    rows = emails(case, "accept")
    assert [r.recipient for r in rows] == ["reporter@example.org", "metoo@example.org"]
    reporter_row, supporter_row = rows
    assert "metoo@example.org" not in reporter_row.body
    assert "reporter@example.org" not in supporter_row.body and "13900139000" not in supporter_row.body
    # The tracking link lets its holder act as the reporter: a supporter does not get it.
    assert case.tracking_token not in supporter_row.body
    assert case.number in supporter_row.body


def test_it_tells_the_duplicate_s_reporter_which_case_it_now_follows(personas, report, run):
    parent = report(contact="first@example.org")
    duplicate = report(contact="second@example.org")

    run(actions.do_merge_case, duplicate, into=parent, acting_user=personas.dan)

    [row] = emails(action="merge")
    assert row.recipient == "second@example.org" and row.case_id == duplicate.pk
    assert parent.number in row.body and duplicate.number in row.body
    # The link is to the resident's own report, never the parent's private page.
    assert f"/track/{duplicate.tracking_token}" in row.body and parent.tracking_token not in row.body
    assert not emails(parent)  # the parent's reporter hears nothing about the absorbed duplicate

    # From now on the duplicate's reporter follows the parent, through their own page.
    run(actions.do_accept_case, parent, acting_user=personas.dan)
    rows = emails(parent, "accept")
    assert [r.recipient for r in rows] == ["first@example.org", "second@example.org"]
    assert f"/track/{duplicate.tracking_token}" in rows[1].body and "first@example.org" not in rows[1].body


def test_it_tells_the_reporter_when_the_case_is_reopened(personas, report, run):
    case = report(personas.rita, contact="rita@example.org")
    handle(run, case, personas)
    run(actions.do_verify_case, case, acting_user=personas.rita)

    run(actions.do_reopen_case, case, acting_user=personas.rita, reason="The materials are back")

    [row] = emails(case, "reopen")
    assert row.recipient == "rita@example.org" and case.number in row.body


def test_it_tells_the_supervisors_in_scope_when_a_case_escalates(personas, small_city, report, run):
    personas.sara.email = "sara@example.org"
    personas.sara.save(update_fields=["email"])
    city_boss = make_staff("cora", personas.org_b, [Role.SUPERVISOR], regions=[small_city.city])
    city_boss.email = "cora@example.org"
    city_boss.save(update_fields=["email"])
    other = make_staff("bob", personas.org_b, [Role.SUPERVISOR])  # district B only
    other.email = "bob@example.org"
    other.save(update_fields=["email"])
    make_staff("nomail", personas.centre_a, [Role.SUPERVISOR])  # no address: cannot be told
    personas.dan.email = "dan@example.org"  # a dispatcher, not a supervisor
    personas.dan.save(update_fields=["email"])
    case = report(contact="resident@example.org")

    run(actions.do_escalate_case, case)

    rows = emails(case, "escalate")
    assert sorted(r.recipient for r in rows) == ["cora@example.org", "sara@example.org"]
    for row in rows:
        assert f"/cases/{case.pk}" in row.body
        assert case.tracking_token not in row.body and "resident@example.org" not in row.body


def test_it_tells_the_other_supervisors_when_a_case_is_urged(personas, report, run):
    personas.sara.email = "sara@example.org"
    personas.sara.save(update_fields=["email"])
    colleague = make_staff("sam", personas.centre_a, [Role.SUPERVISOR])
    colleague.email = "sam@example.org"
    colleague.save(update_fields=["email"])
    case = report(contact="resident@example.org")

    run(actions.do_urge_case, case, acting_user=personas.sara, reason="Three days late")

    [row] = emails(case, "urge")
    assert row.recipient == "sam@example.org"  # the supervisor who urged is not told
    assert "Three days late" in row.body and f"/cases/{case.pk}" in row.body


def test_it_does_not_queue_twice_when_run_again_for_the_same_event(personas, report, run):
    case = report(contact="rita@example.org")
    event = run(actions.do_accept_case, case, acting_user=personas.dan)

    queue_for_event(case.pk, event.pk)

    assert len(emails(case)) == 1


def test_it_ignores_an_event_of_another_case(personas, report, run):
    case = report(contact="rita@example.org")
    other = report(contact="other@example.org")
    event = run(actions.do_accept_case, case, acting_user=personas.dan)
    Outbox.objects.all().delete()

    assert queue_for_event(other.pk, event.pk) == 0
    assert not Supporter.objects.exists() and not Outbox.objects.exists()
